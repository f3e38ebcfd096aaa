"""What residents are given to open later uses the public base URL, never the address a clerk's browser used (a
clerk on an intranet address printed QR codes that phones could not open); uploaded materials are served so that
nothing in them can run in our origin: images inline, everything else as a download under its own (Chinese) name,
always sandboxed and never sniffed."""

import re
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.cases.models import CaseUpload
from doorstep.cases.printing import qr_svg, tracking_url, verification_url
from doorstep.cases.services import case_apply_online, case_transition
from doorstep.cases.uploads import download_name
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, user
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
PUBLIC = "https://doorstep.example.gov.cn"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _public_and_intranet(settings, tmp_path):
    settings.DOORSTEP_PUBLIC_BASE_URL = PUBLIC
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "10.0.0.5"]
    settings.MEDIA_ROOT = tmp_path


def intranet_client(username: str) -> Client:
    """A clerk's browser on the station's intranet address."""
    client = Client(HTTP_HOST="10.0.0.5:8000")
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def concluded_case():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk = user("clerk_c001002")
    case = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie.pk)
    return case_transition(actor=clerk, case_id=case.pk, action="conclude")


def test_receipt_qr_encodes_the_public_address_not_the_clerks_intranet_one():
    case = concluded_case()
    url = f"{PUBLIC}/t/{case.public_code}/"
    assert tracking_url(case) == url
    page = intranet_client("clerk_c001002").get(f"/cases/{case.pk}/").content.decode()
    assert str(qr_svg(url)) in page  # segno is deterministic: the same SVG means the same encoded address
    assert re.search(r'data-testid="track-url">\s*' + re.escape(url), page)  # and printed beside it as text
    assert "10.0.0.5" not in page


def test_certificate_qr_encodes_the_public_verification_address():
    case = concluded_case()
    url = f"{PUBLIC}/verify/{case.certificate.verify_code}/"
    assert verification_url(case.certificate) == url
    page = intranet_client("clerk_c001002").get(f"/cases/{case.pk}/certificate/").content.decode()
    assert str(qr_svg(url)) in page and re.search(r'data-testid="verify-url">\s*' + re.escape(url), page)
    assert "10.0.0.5" not in page
    assert Client().get(url.removeprefix(PUBLIC)).status_code == 200  # and the address opens without login


def test_notification_emails_link_to_the_public_address(settings, django_capture_on_commit_callbacks):
    settings.DOORSTEP_NOTIFY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    resident = user("13800000001")
    resident.email = "xie@example.com"
    resident.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        case = concluded_case()
    bodies = [m.body for m in mail.outbox if m.to == ["xie@example.com"]]
    assert bodies and all(f"{PUBLIC}/cases/{case.pk}/" in b for b in bodies)


def photo_id() -> int:
    return MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk


def upload_as(name: str, data: bytes, content_type: str):
    case = case_apply_online(actor=user("13800000002"), item_code="MZ-C01", consent=True,
                             files={photo_id(): SimpleUploadedFile(name, data, content_type=content_type)},
                             idempotency_key=str(uuid.uuid4()))
    upload = CaseUpload.objects.get(case=case)
    return intranet_client("clerk_c001001").get(f"/cases/{case.pk}/uploads/{upload.pk}/")


def test_uploaded_pdf_is_a_sandboxed_download_under_its_chinese_name():
    response = upload_as("户口本首页.pdf", PDF, "application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%88%B7%E5%8F%A3%E6%9C%AC%E9%A6%96%E9%A1%B5.pdf")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_uploaded_image_opens_inline_but_sandboxed():
    response = upload_as("身份证.png", PNG, "image/png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline; filename*=utf-8''")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_names_keep_the_applicants_words_with_the_checked_extension():
    assert download_name("户口本首页.pdf", ".pdf") == "户口本首页.pdf"
    assert download_name("材料.html", ".pdf") == "材料.pdf"  # the content decides the extension
    assert download_name("..\\..\\windows\\证明.PNG", ".png") == "证明.png"
    assert download_name('a"b\r\nc.jpg', ".jpg") == "abc.jpg"
    assert download_name("", ".jpg") == "材料.jpg"
    assert download_name("...", ".pdf") == "材料.pdf"
