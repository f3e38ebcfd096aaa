"""A change request's page on a 375 px phone (review finding): the rows (`dl.row`) scrolled the page 4 px sideways,
and a 50-letter Latin name with nowhere to break made it 509 px wide. Names wrap there as on the resident page."""

import datetime

import pytest

from doorstep.conftest import user
from doorstep.core.idempotency import new_key
from doorstep.core.idnumbers import complete_id_number
from doorstep.registry.changes.services import change_propose
from doorstep.registry.models import Building, Resident
from doorstep.registry.services import resident_register

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
LONG = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafe"[:50]
WIDTH = "document.scrollingElement.scrollWidth"


def test_a_change_page_with_a_fifty_letter_name_fits_a_phone(world, phone_page):
    worker = user("gw_001001003")
    building = Building.objects.filter(path=worker.org_node.code).order_by("id").first()
    move_in = change_propose(actor=worker, kind="move_in", idempotency_key=new_key(), data={
        "building": str(building.pk), "room": "7单元702室", "name": LONG, "gender": "M", "birth_date": "1988-04-02",
        "id_number": complete_id_number("11010519880402071"), "relation": "head",
        "effective_date": datetime.date.today().isoformat(), "note": "从外省迁入，户口迁移证已核看"})
    household = Resident.objects.filter(path=worker.org_node.code, status="active").order_by("id").first().household
    registered = resident_register(actor=None, household=household, name=LONG[:-1] + "x", gender="F",
                                   birth_date=datetime.date(1991, 3, 7),
                                   id_number=complete_id_number("43030219910307082"), relation="other")
    correction = change_propose(actor=worker, kind="correction", idempotency_key=new_key(), resident_id=registered.pk,
                                data={"name": LONG, "note": "护照上的姓名以此为准"})
    page = phone_page
    for username in ("gw_001001003", f"clerk_c{worker.org_node.code[6:12]}"):
        login(page, username)
        for change in (move_in, correction):
            page.goto(f"/residents/changes/{change.pk}/")
            page.wait_for_selector("[data-testid=change-rows]")
            assert LONG in page.text_content("[data-testid=change-rows]")
            assert page.evaluate(WIDTH) <= 375, (username, change.kind, page.evaluate(WIDTH))
        page.context.clear_cookies()
