"""What a fresh-eyes review of issue #13 found, each held by a test: the public Open311 feed publishes no community
matters or hidden reporters, dates that overflow give 400, meetings in year 1 are refused, a deeply nested YAML is a
message, exports never write formulas, numbers typed into a report are masked, a report sent again after the back
button is the first one, a picked building is kept with a point, and a grid's assistant does not verify the
governor's on-the-spot work."""

import io

import pytest
from django.test import Client

from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import Incident
from doorstep.incidents.services.categories import (
    categories_export_data,
    categories_import_data,
    categories_import_yaml,
)
from doorstep.incidents.services.center import incident_meeting, incident_register
from doorstep.incidents.services.handling import incident_handle_on_spot, incident_verify
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_point,
    grid_worker,
    phone_jpeg,
    report,
    street_dispatcher,
)

pytestmark = pytest.mark.django_db


def test_the_public_feed_holds_public_space_problems_only():
    from doorstep.incidents.open311.selectors import requests_queryset

    shown = requests_queryset(district="430302")
    assert shown.exists()
    assert not shown.filter(category__kind="community").exists()
    assert not shown.filter(hide_identity=True).exists()
    assert not shown.filter(category__isnull=True).exists()


@pytest.mark.parametrize("query", ["end_date=0001-01-01T00:00:00Z", "start_date=9999-12-31T23:59:59-12:00"])
def test_dates_at_the_ends_of_the_calendar_are_a_400(query):
    response = Client().get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400


def test_a_meeting_in_year_one_is_refused():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, category="SQ0205", text="老街12号房屋墙体开裂")
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    for when in ("0001-01-01T00:00", "1900-01-01T00:00"):
        with pytest.raises(ValidationFailed):
            incident_meeting(actor=center, incident_id=incident.pk, held_at=when, participants="街道、应急",
                             decisions="先行疏散")


def test_a_deeply_nested_yaml_is_a_message():
    with pytest.raises(ValidationFailed):
        categories_import_yaml(actor=None, text="- " * 100000)


def test_category_import_refuses_bad_codes_fractions_unknown_booleans_and_a_response_longer_than_handling():
    data = categories_export_data()
    first = data["categories"][0]
    for change in ({"code": "<script>"}, {"handling": {"value": 1.5, "unit": "hours"}}, {"verify_photo": "maybe"},
                   {"response": {"value": 10, "unit": "days"}, "handling": {"value": 1, "unit": "hours"}}):
        with pytest.raises(ValidationFailed):
            categories_import_data(actor=None, data={"categories": [{**first, **change}]})


def test_the_exports_never_write_a_formula():
    from openpyxl import load_workbook

    from doorstep.incidents.tests.helpers import staff

    grid = first_grid()
    report(grid_worker(grid), grid=grid, text='=HYPERLINK("http://evil.example/","点我查看")')
    client = Client()
    client.force_login(staff("dispatcher"))
    response = client.get("/incidents/center/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else
                                    response.content))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]


def test_numbers_typed_into_a_report_are_kept_masked():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, text="联系我13912345678，身份证430302199001011234")
    assert "13912345678" not in incident.description and "430302199001011234" not in incident.description


def test_the_same_report_sent_again_with_a_new_key_is_the_first_one():
    grid = first_grid()
    worker = grid_worker(grid)
    first = report(worker, grid=grid, key=new_key(), text="楼下乱堆的建材挡住了消防通道")
    again = report(worker, grid=grid, key=new_key(), text="楼下乱堆的建材挡住了消防通道")
    assert again.pk == first.pk


def test_a_building_picked_with_a_point_is_kept_with_its_address():
    from doorstep.registry.models import Building

    grid = first_grid()
    building = Building.objects.filter(grid=grid).first()
    lat, lon = grid_point(grid)
    incident = incident_report(actor=grid_worker(grid), data=ReportIn(
        description="楼道里堆满了纸箱", category="SQ0203", latitude=lat, longitude=lon, building_id=building.pk),
        idempotency_key=new_key())
    assert incident.building_id == building.pk and incident.address == building.address


def test_the_grids_assistant_does_not_verify_the_governors_front_line_work():
    from doorstep.accounts.models import User

    grid = first_grid()
    worker = grid_worker(grid)
    assistant = User.objects.select_related("org_node").get(username=f"assistant_{grid.code[-9:]}")
    incident = report(worker, grid=grid, category="SJ0201", text="单元门口贴满了小广告")
    incident_handle_on_spot(actor=worker, incident_id=incident.pk, note="已清除", photos=[phone_jpeg()])
    with pytest.raises((PermissionDenied, Exception)) as caught:
        incident_verify(actor=assistant, incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    assert "监督员" in str(caught.value)
    assert Incident.objects.get(pk=incident.pk).state == "handled"
