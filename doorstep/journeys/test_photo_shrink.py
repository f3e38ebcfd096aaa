"""A phone photo over 5 MB (the server's limit per file) is shrunk in the browser before it is sent: doorstep.js
redraws a JPEG or PNG over 1.5 MB at 2000 px on its longest side as a JPEG and puts it back in the upload under its
own name with .jpg, so the resident does not meet “超过5MB，请压缩后再上传” with no way to compress on the phone."""

import io
import random

import pytest
from PIL import Image

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
SERVER_LIMIT = 5 * 1024 * 1024
CHOSEN_FILE = "() => { const f = document.querySelector('[data-testid=upload]').files[0]; return [f.name, f.type, f.size]; }"


def camera_photo() -> bytes:
    """About 6 MB of JPEG, 3000 × 2250: smooth colour under per-pixel noise, so it does not compress away."""
    rng = random.Random(2026)
    picture = Image.frombytes("RGB", (1000, 750), rng.randbytes(1000 * 750 * 3)).resize((3000, 2250), Image.BICUBIC)
    grain = Image.frombytes("RGB", (3000, 2250), rng.randbytes(3000 * 2250 * 3))
    out = io.BytesIO()
    Image.blend(picture, grain, 0.25).save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_photo_over_5mb_is_shrunk_on_the_phone_and_the_application_goes_through(world, phone_page, settings,
                                                                                   tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = camera_photo()
    assert len(photo) > SERVER_LIMIT
    page = phone_page
    login(page, "13800000002")
    page.goto("/cases/apply/MZ-C01/")
    page.set_input_files("[data-testid=upload]", files=[{"name": "IMG_0001.JPEG", "mimeType": "image/jpeg",
                                                          "buffer": photo}])
    page.wait_for_function("() => { const i = document.querySelector('[data-testid=upload]');"
                           " return !i.dataset.shrinking && i.files[0].size < 5 * 1024 * 1024; }")
    name, kind, size = page.evaluate(CHOSEN_FILE)
    assert name == "IMG_0001.jpg" and kind == "image/jpeg" and size < SERVER_LIMIT
    page.check("[data-testid=consent]")
    page.click("[data-testid=apply-submit]")
    page.wait_for_selector("[data-testid=receipt]")
    assert page.text_content("[data-testid=case-state]") == "已提交"


def test_pdfs_and_small_photos_are_sent_as_chosen(world, phone_page):
    page = phone_page
    login(page, "13800000002")
    page.goto("/cases/apply/MZ-C01/")
    pdf = b"%PDF-1.4\n" + bytes(2 * 1024 * 1024)
    page.set_input_files("[data-testid=upload]", files=[{"name": "scan.pdf", "mimeType": "application/pdf",
                                                          "buffer": pdf}])
    page.wait_for_timeout(300)
    assert page.evaluate(CHOSEN_FILE) == ["scan.pdf", "application/pdf", len(pdf)]
    small = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(small, "PNG")
    page.set_input_files("[data-testid=upload]", files=[{"name": "small.png", "mimeType": "image/png",
                                                          "buffer": small.getvalue()}])
    page.wait_for_timeout(300)
    assert page.evaluate(CHOSEN_FILE) == ["small.png", "image/png", len(small.getvalue())]
