"""Issue #11 item 6 on a 375 px phone: a grid worker collects an application at the doorstep (代收) with a photo of
the papers; the station's clerk accepts and concludes it at the desk; the grid worker never sees 受理 or 办结."""

import pytest

from doorstep.cases.models import Case
from doorstep.conftest import user
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 300


def test_grid_worker_collects_with_a_photo_and_the_station_concludes(world, phone_page, desk_page, settings,
                                                                     tmp_path):
    settings.MEDIA_ROOT = tmp_path
    worker = user("gw_001001003")
    resident = Resident.objects.filter(path__startswith=worker.org_node.code, birth_date__year__lte=1950).first()
    page = phone_page
    login(page, "gw_001001003")
    page.goto(f"/window/?resident={resident.pk}&item=MZ-C01")
    assert page.locator("[data-testid=window-accept]").count() == 0
    page.set_input_files("[data-testid=collect-photo]", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                                                "buffer": JPEG}])
    page.check("[data-testid=consent]")
    page.click("[data-testid=collect-submit]")
    page.wait_for_selector("[data-testid=receipt]")
    assert "网格员代收" in page.text_content("[data-testid=receipt]")
    assert page.locator("[data-testid=act-accept]").count() == 0 and page.locator("[data-testid=act-conclude]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    number = page.text_content("[data-testid=case-number]")

    login(desk_page, f"clerk_c{resident.path[6:12]}")
    desk_page.goto("/cases/queue/")
    desk_page.click(f"text={number}")
    assert "网格员代收时拍摄的材料" in desk_page.content()
    desk_page.click("[data-testid=act-accept]")
    desk_page.wait_for_selector("[data-testid=act-conclude]")
    desk_page.click("[data-testid=act-conclude]")
    desk_page.wait_for_selector("text=已办结")
    case = Case.objects.get(number=number)
    assert case.channel == "grid" and case.state == "concluded" and case.first_contact.username == "gw_001001003"
