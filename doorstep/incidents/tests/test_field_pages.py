"""The field's incident pages over HTTP (issue #13 items 2 and 5): the report form of grid workers, residents and
the command center's phone calls (idempotent, refusals shown beside the field with nothing stored, photos stored
without EXIF), the duplicate hints in the user's scope, the reporters' lists with their progress, rating and
reopening links, the verification list, who may open which page, the query counts of the lists and English."""

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from doorstep.accounts.models import User
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import Category, Incident, IncidentPhoto
from doorstep.incidents.services.center import incident_close, incident_dispatch, incident_register
from doorstep.incidents.services.handling import incident_handle, incident_rate, incident_verify, order_accept
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_point,
    grid_worker,
    phone_jpeg,
    report,
    staff,
    street_dispatcher,
    supervisor_of,
)
from doorstep.journeys.conftest import browser, phone_page  # noqa: F401 (the browser test's fixtures)
from doorstep.org.models import OrgNode

pytestmark = pytest.mark.django_db

REPORT, MINE, VERIFY, VERIFIED, DUPLICATES, BUILDINGS = (
    "/incidents/report/", "/incidents/mine/", "/incidents/verify/", "/incidents/verify/done/",
    "/incidents/report/duplicates/", "/incidents/report/buildings/")
CATEGORY = "SJ0102"
EARLY = datetime.datetime(2000, 1, 3, 9, tzinfo=datetime.UTC)  # a handling deadline before any of the demo's


def client_for(user: User, *, english: bool = False) -> Client:
    client = Client()
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def home_of(resident: User):
    return resident.resident.household.building


def resident_with_home() -> User:
    """A resident account whose home building is located in a grid with a shape, and who has reported nothing yet
    (the demo's year of requests belongs to others)."""
    from django.db.models import Q

    taken = Incident.objects.filter(reporter_resident__isnull=False).values("reporter_resident_id")
    user = (User.objects.select_related("resident__household__building__grid")
            .filter(role="resident", resident__isnull=False, resident__household__building__latitude__isnull=False,
                    resident__household__building__grid__geometry__isnull=False)
            .exclude(Q(resident_id__in=taken) | Q(pk__in=Incident.objects.values("submitted_by_id")))
            .order_by("id").first())
    assert user is not None
    return user


def created(response) -> Incident:
    """The incident a report POST went on to (303 to its page)."""
    assert response.status_code == 303, response.content.decode()[:2000]
    match = re.fullmatch(r"/incidents/(\d+)/", response["Location"])
    assert match, response["Location"]
    return Incident.objects.get(pk=int(match.group(1)))


def post_report(client: Client, **fields):
    data = {"idempotency_key": new_key(), "description": "3栋东侧绿化带暴露垃圾约2方", **fields}
    return client.post(REPORT, data)


def _through_handling(incident: Incident) -> Incident:
    center = street_dispatcher(incident.grid)
    incident_register(actor=center, incident_id=incident.pk, category=CATEGORY)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    dept = staff("dept_cg")
    order_accept(actor=dept, incident_id=incident.pk)
    incident_handle(actor=dept, incident_id=incident.pk, resolution="solved", note="已清运完毕",
                    photos=[phone_jpeg()])
    return Incident.objects.get(pk=incident.pk)


# ---- who may open what --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["clerk_c001001", "dept_cg", "volunteer1", "approver", "leader"])
def test_roles_without_a_field_page_get_the_refusal_page(username):
    client = client_for(staff(username))
    for url in (REPORT, MINE, VERIFY, VERIFIED, DUPLICATES, BUILDINGS):
        response = client.get(url)
        assert response.status_code == 403, (username, url, response.status_code)
        assert "您的角色不能使用这个页面。" in response.content.decode()


def test_each_role_opens_only_its_own_field_pages():
    grid = first_grid()
    expected = {
        grid_worker(grid): {REPORT: 200, MINE: 200, VERIFY: 200, VERIFIED: 200, BUILDINGS: 403},
        resident_with_home(): {REPORT: 200, MINE: 200, VERIFY: 403, VERIFIED: 403, BUILDINGS: 403},
        street_dispatcher(grid): {REPORT: 200, MINE: 403, VERIFY: 403, VERIFIED: 403, BUILDINGS: 200},
        supervisor_of(grid): {REPORT: 403, MINE: 403, VERIFY: 200, VERIFIED: 200, BUILDINGS: 403},
    }
    for user, pages in expected.items():
        client = client_for(user)
        for url, status in pages.items():
            assert client.get(url).status_code == status, (user.username, url)
    assert Client().get(REPORT).status_code == 302  # to the login page


def test_the_workspace_offers_the_field_pages_to_the_roles_the_tables_let_use_them():
    from doorstep.accounts.roles import WORKSPACE
    from doorstep.incidents.authority import INCIDENT_AUTHORITY
    from doorstep.incidents.services.intake import CHANNELS
    from doorstep.incidents.workflow import Action

    def offered(name):
        return {str(role) for role, entries in WORKSPACE.items() if any(n == name for _label, n in entries)}

    assert offered("incidents:report") == set(CHANNELS)  # who reports through a channel
    verifiers = {role for role, action in INCIDENT_AUTHORITY if action == Action.VERIFY}
    assert offered("incidents:verify-list") == offered("incidents:verified") == verifiers
    assert offered("incidents:mine") == {"grid_worker", "resident"}  # reporters who follow their reports


# ---- the report form ----------------------------------------------------------------------------------------------

def test_the_grid_workers_form_has_the_grid_map_the_buildings_and_the_categories_by_major():
    grid = first_grid()
    page = client_for(grid_worker(grid)).get(REPORT).content.decode()
    assert 'id="report-map-data"' in page and '"geometry"' in page and "leaflet.js" in page
    assert 'name="category"' in page and "required" in page.split('name="category"')[1].split(">")[0]
    majors = set(Category.objects.filter(active=True).values_list("major", flat=True))
    assert all(f'<optgroup label="{m}">' in page for m in majors)
    assert 'accept="image/*" capture="environment" multiple' in page
    assert 'name="idempotency_key"' in page and "使用当前位置" in page
    building = grid.buildings.exclude(latitude=None).order_by("name").first()
    assert f'<option value="{building.pk}" data-lat=' in page
    assert "<script>" not in page  # CSP: scripts only from static files


def test_the_residents_form_defaults_to_their_home_and_offers_to_hide_their_identity():
    resident = resident_with_home()
    page = client_for(resident).get(REPORT).content.decode()
    home = home_of(resident)
    assert f'name="building" value="{home.pk}"' in page and home.name in page
    assert "对处理部门隐藏我的身份（指挥中心仍可见）" in page
    # the map shows the resident's own building, never the neighbours'
    other = home.grid.buildings.exclude(pk=home.pk).first()
    assert other is None or other.name not in page.split('id="report-map-data"')[1].split("</script>")[0]


def test_the_phone_form_has_the_caller_and_the_areas_of_the_command_center():
    grid = first_grid()
    center = street_dispatcher(grid)
    page = client_for(center).get(REPORT).content.decode()
    assert 'name="caller_name"' in page and 'name="caller_phone"' in page
    assert f'<option value="{grid.code}"' in page
    outside = OrgNode.objects.filter(level="grid").exclude(code__startswith=center.org_node.code).first()
    assert outside is None or f'<option value="{outside.code}"' not in page


def test_a_grid_worker_reports_a_tapped_point_with_photos_and_lands_on_the_incident():
    grid = first_grid()
    worker = grid_worker(grid)
    lat, lon = grid_point(grid)
    response = client_for(worker).post(REPORT, {
        "idempotency_key": new_key(), "category": CATEGORY, "description": "3栋东侧绿化带暴露垃圾约2方",
        "latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}", "address": "金地花园3栋东侧",
        "photos": [phone_jpeg(), phone_jpeg("b.jpg")]})
    incident = created(response)
    assert incident.submitted_by_id == worker.pk
    assert incident.channel == "grid" and incident.grid_id == grid.pk and incident.category.code == CATEGORY
    assert incident.photos.count() == 2 and incident.address == "金地花园3栋东侧"


def test_a_grid_worker_may_pick_a_building_instead_of_a_point():
    grid = first_grid()
    building = grid.buildings.exclude(latitude=None).first()
    incident = created(post_report(client_for(grid_worker(grid)), category=CATEGORY, building=building.pk))
    assert incident.building_id == building.pk and incident.path == building.path


def test_a_resident_request_is_placed_at_home_and_may_hide_the_identity():
    resident = resident_with_home()
    home = home_of(resident)
    incident = created(post_report(client_for(resident), building=home.pk))
    assert incident.kind == "request" and incident.channel == "resident" and incident.category is None
    assert incident.building_id == home.pk and not incident.hide_identity
    assert incident.reporter_resident_id == resident.resident_id
    # hiding their identity, they say where it is: the home would tell the department where they live
    # (test_ui_fixes.test_a_hidden_resident_must_pick_the_place_and_the_form_says_why)
    lat, lon = grid_point(home.grid)
    hidden = created(post_report(client_for(resident), description="楼道的灯坏了一个月没人修", hide_identity="1",
                                 latitude=f"{lat:.6f}", longitude=f"{lon:.6f}"))
    assert hidden.hide_identity and hidden.building_id is None


def test_a_dispatcher_types_in_a_phone_call_placed_at_a_grid():
    grid = first_grid()
    center = street_dispatcher(grid)
    incident = created(post_report(client_for(center), caller_name="王建国", caller_phone="13912345678",
                                   node_code=grid.code, category=CATEGORY, hide_identity="1"))
    assert incident.submitted_by_id == center.pk
    assert incident.channel == "phone" and incident.caller_name == "王建国" and incident.path == grid.code
    assert incident.caller_phone and b"13912345678" not in bytes(incident.caller_phone)
    assert incident.hide_identity  # the caller asked to stay unknown to the departments


def test_a_dispatcher_finds_a_building_under_the_center_and_places_the_call_there():
    grid = first_grid()
    center = street_dispatcher(grid)
    client = client_for(center)
    building = grid.buildings.exclude(latitude=None).order_by("id").first()
    found = client.get(BUILDINGS, {"building_q": building.name}).content.decode()
    assert f'name="building" value="{building.pk}"' in found and building.address in found
    assert "对照小区" not in client.get(BUILDINGS, {"building_q": "对照小区"}).content.decode()  # another district
    assert 'data-testid="building-none"' in client.get(BUILDINGS, {"building_q": "没有这栋楼"}).content.decode()
    incident = created(post_report(client, building=building.pk, caller_name="王建国", category=CATEGORY))
    assert incident.building_id == building.pk and incident.path == building.path
    # a refused call keeps the chosen building on the form
    page = post_report(client, building=building.pk, description="短").content.decode()
    assert f'value="{building.pk}" checked' in page


def test_a_double_submission_with_one_key_makes_one_incident_and_opens_it_both_times():
    grid = first_grid()
    worker = grid_worker(grid)
    client = client_for(worker)
    lat, lon = grid_point(grid)
    data = {"idempotency_key": new_key(), "category": CATEGORY, "description": "路灯不亮已有三天",
            "latitude": str(lat), "longitude": str(lon)}
    before = Incident.objects.count()
    first, second = client.post(REPORT, data), client.post(REPORT, data)
    assert first.status_code == second.status_code == 303 and first["Location"] == second["Location"]
    assert Incident.objects.count() == before + 1 and created(first).submitted_by_id == worker.pk
    assert "这张表单已经提交过，没有重复上报。" in client.get(MINE).content.decode()


def _jpegs(n):
    return [phone_jpeg(f"p{i}.jpg") for i in range(n)]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"category": ""}, "category", "请选择问题类别。"),
    ({"category": "NOPE"}, "category", "问题类别不存在，请重新选择。"),
    ({"description": "垃圾"}, "description", "请描述问题（至少5个字）。"),
    ({"photos": "ten"}, "photos", "最多上传9张照片。"),
    ({"photos": "text"}, "photos", "不是 JPG、PNG 或 WebP 图片"),
    ({"latitude": "95", "longitude": "112.9"}, "place", "位置坐标无效，请在地图上重新选点。"),
    ({"latitude": "10.5", "longitude": "60.25"}, "place", "该位置不在本区的网格范围内"),
    ({"latitude": "27.8", "longitude": ""}, "place", "位置坐标无效，请在地图上重新选点。"),
])
def test_bad_input_shows_the_form_again_with_the_reason_beside_the_field_and_stores_nothing(fields, field, message):
    grid = first_grid()
    worker = grid_worker(grid)
    lat, lon = grid_point(grid)
    data = {"idempotency_key": new_key(), "category": CATEGORY, "description": "井盖缺失有人险些掉进去",
            "latitude": str(lat), "longitude": str(lon), "address": "金地花园北门", **fields}
    if fields.get("photos") == "ten":
        data["photos"] = _jpegs(10)
    elif fields.get("photos") == "text":
        data["photos"] = [SimpleUploadedFile("note.jpg", b"this is not a picture", content_type="image/jpeg")]
    before, photos = Incident.objects.count(), IncidentPhoto.objects.count()
    response = client_for(worker).post(REPORT, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in page and message in page
    assert "金地花园北门" in page  # what was typed is kept
    if "photos" in fields:
        assert 'data-testid="photos-lost"' in page  # the browser cannot keep the chosen photos: the page says so
    assert Incident.objects.count() == before and IncidentPhoto.objects.count() == photos


def test_bad_bytes_in_the_text_are_refused_before_anything_is_stored():
    grid = first_grid()
    before = Incident.objects.count()
    response = post_report(client_for(grid_worker(grid)), category=CATEGORY, description="井盖缺失\x00有人掉进去")
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    assert Incident.objects.count() == before


def test_a_phone_call_outside_the_command_centers_area_is_refused_in_the_form():
    grid = first_grid()
    center = street_dispatcher(grid)
    outside = OrgNode.objects.filter(level="grid").exclude(code__startswith=center.org_node.code).first()
    response = post_report(client_for(center), node_code=outside.code, caller_name="王建国")
    assert response.status_code == 403 and "该位置不在本指挥中心的辖区内。" in response.content.decode()
    assert 'data-testid="report-form"' in response.content.decode()


def test_a_photo_with_gps_goes_in_and_is_stored_without_any_exif():
    grid = first_grid()
    worker = grid_worker(grid)
    upload = phone_jpeg()
    assert Image.open(io.BytesIO(upload.read())).getexif().get(0x8825)
    upload.seek(0)
    incident = created(post_report(client_for(worker), category=CATEGORY, photos=[upload]))
    photo = IncidentPhoto.objects.get(incident=incident)
    with photo.file.open("rb") as f:
        data = f.read()
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif() and b"Huawei" not in data and b"Exif" not in data


# ---- duplicate hints ----------------------------------------------------------------------------------------------

def quiet_neighbourhood() -> None:
    """No other report of CATEGORY is recent enough to be a duplicate (the demo's year of reports is moved back
    past the window, inside the test's transaction)."""
    from django.utils import timezone

    past = timezone.now() - datetime.timedelta(hours=settings.DOORSTEP_INCIDENT_DUPLICATE_HOURS + 1)
    Incident.objects.filter(reported_at__gt=past).update(reported_at=past)


def test_duplicates_show_a_nearby_report_of_the_same_category_within_scope_and_count_the_rest():
    quiet_neighbourhood()
    grid = first_grid()
    worker = grid_worker(grid)
    existing = report(worker, grid=grid, category=CATEGORY)
    lat, lon = existing.latitude + 0.0001, existing.longitude  # about 11 m north
    ask = {"category": CATEGORY, "lat": lat, "lon": lon, "format": "json"}

    mine = client_for(worker).get(DUPLICATES, ask).json()
    assert mine["count"] == 1 and mine["others"] == 0
    assert mine["shown"][0]["number"] == existing.number and 5 <= mine["shown"][0]["metres"] <= 20
    assert mine["shown"][0]["url"] == f"/incidents/{existing.pk}/"

    # a resident sees a public report nearby (as the Open311 feed shows it) by number, without a link or its text,
    # and is never told how many others there are (test_ui_fixes)
    resident = resident_with_home()
    theirs = client_for(resident).get(DUPLICATES, ask).json()
    assert theirs["count"] == 1 and theirs["others"] == 0
    assert [(s["number"], s["url"]) for s in theirs["shown"]] == [(existing.number, None)]
    fragment = client_for(resident).get(DUPLICATES, {k: v for k, v in ask.items() if k != "format"},
                                        HTTP_HX_REQUEST="true").content.decode()
    assert existing.number in fragment and 'data-testid="duplicate-others"' not in fragment
    assert f'href="/incidents/{existing.pk}/"' not in fragment and existing.description not in fragment

    # the command center over it sees it; a grid worker of another grid only counts it
    center = client_for(street_dispatcher(grid)).get(DUPLICATES, ask).json()
    assert [s["number"] for s in center["shown"]] == [existing.number]
    other_grid = OrgNode.objects.filter(level="grid", code__startswith="430302", geometry__isnull=False).exclude(
        pk=grid.pk).order_by("code").first()
    assert client_for(grid_worker(other_grid)).get(DUPLICATES, ask).json() == {"count": 1, "others": 1, "shown": []}

    # another category, or far away: nothing
    other = Category.objects.filter(active=True).exclude(code=CATEGORY).first()
    assert client_for(worker).get(DUPLICATES, {**ask, "category": other.code}).json()["count"] == 0
    assert client_for(worker).get(DUPLICATES, {**ask, "lat": lat + 0.01}).json()["count"] == 0
    # a bad point or an unknown category is no error, only no hint
    assert client_for(worker).get(DUPLICATES, {"category": "x", "lat": "nan", "lon": "1e999",
                                               "format": "json"}).json()["count"] == 0
    assert client_for(worker).get(DUPLICATES, {**ask, "lat": "nan", "building": "x"}).json()["count"] == 0


def test_duplicates_fragment_for_staff_names_the_report_with_distance_and_state():
    quiet_neighbourhood()
    grid = first_grid()
    worker = grid_worker(grid)
    existing = report(worker, grid=grid, category=CATEGORY)
    building = grid.buildings.exclude(latitude=None).order_by("id").first()
    fragment = client_for(worker).get(DUPLICATES, {"category": CATEGORY, "lat": existing.latitude,
                                                   "lon": existing.longitude}).content.decode()
    assert existing.number in fragment and "约0米" in fragment and "待立案" in fragment
    assert f'href="/incidents/{existing.pk}/"' in fragment
    # by building: the building's point
    near = client_for(worker).get(DUPLICATES, {"category": CATEGORY, "building": building.pk, "format": "json"})
    assert near.status_code == 200


# ---- the reporters' lists -----------------------------------------------------------------------------------------

def test_a_grid_workers_list_has_their_reports_and_their_grids_in_tabs_with_search():
    grid = first_grid()
    worker = grid_worker(grid)
    own = report(worker, grid=grid, text="路灯不亮已有三天")
    resident = resident_with_home()
    theirs = incident_report(actor=resident, data=ReportIn(description="楼道里堆放杂物堵住通道", building_id=home_of(
        resident).pk), idempotency_key=new_key())
    client = client_for(worker)
    page = client.get(MINE).content.decode()
    assert own.number in page and theirs.number not in page
    assert f'href="/incidents/{own.pk}/"' in page and 'data-testid="progress"' in page
    in_grid = theirs.path.startswith(grid.code)
    assert (theirs.number in client.get(MINE, {"tab": "grid"}).content.decode()) == in_grid
    assert own.number in client.get(MINE, {"q": own.number}).content.decode()
    assert own.number in client.get(MINE, {"q": own.number[1:]}).content.decode()
    assert own.number in client.get(MINE, {"q": "路灯"}).content.decode()
    assert 'data-testid="reports-empty"' in client.get(MINE, {"q": "没有这种事"}).content.decode()


def test_a_residents_list_shows_only_their_requests_with_progress_rating_and_reopening():
    resident = resident_with_home()
    client = client_for(resident)
    assert 'data-testid="reports-empty"' in client.get(MINE).content.decode()
    incident = incident_report(actor=resident, data=ReportIn(description="小区门口垃圾堆了三天没人清理",
                                                             building_id=home_of(resident).pk),
                               idempotency_key=new_key())
    stranger = report(grid_worker(first_grid()), text="别人上报的井盖缺失")
    page = client.get(MINE).content.decode()
    assert incident.number in page and stranger.number not in page
    current = re.search(r'data-testid="progress-current"[^>]*>([^<]+)<', page).group(1)
    assert current == "已上报"
    assert 'data-testid="go-rate"' not in page and 'data-testid="go-reopen"' not in page

    incident = _through_handling(incident)
    assert re.search(r'data-testid="progress-current"[^>]*>([^<]+)<', client.get(MINE).content.decode()).group(
        1) == "待核查"
    grid = incident.grid
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, note="现场已干净",
                    photos=[phone_jpeg()])
    incident_close(actor=street_dispatcher(grid), incident_id=incident.pk)
    page = client.get(MINE).content.decode()
    assert f'href="/incidents/{incident.pk}/#rating"' in page and f'href="/incidents/{incident.pk}/#reopen"' in page
    assert re.search(r'data-testid="progress-current"[^>]*>([^<]+)<', page).group(1) == "已办结"

    incident_rate(actor=resident, incident_id=incident.pk, level=5, solved=True, comment="很快")
    page = client.get(MINE).content.decode()
    assert 'data-testid="go-rate"' not in page and 'data-testid="progress-current"' not in page
    assert page.count("border-success") == 6  # every step done, 已评价 included


def test_a_grid_worker_sees_no_rating_link_on_their_own_closed_report():
    grid = first_grid()
    worker = grid_worker(grid)
    incident = _through_handling(report(worker, grid=grid))
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, note="现场已干净",
                    photos=[phone_jpeg()])
    incident_close(actor=street_dispatcher(grid), incident_id=incident.pk)
    page = client_for(worker).get(MINE, {"q": incident.number}).content.decode()
    assert 'data-testid="go-rate"' not in page  # only residents rate (the authority table)
    assert f'href="/incidents/{incident.pk}/#reopen"' in page  # the reporter may reopen
    # an incident found in the street has nobody to rate it: its progress ends, done, when it is closed
    assert page.count("border-success") == 5 and "已评价" not in page


# ---- the verification list ----------------------------------------------------------------------------------------

def test_the_verification_list_holds_handled_incidents_with_the_note_and_the_after_photo():
    grid = first_grid()
    incident = _through_handling(report(grid_worker(grid), grid=grid))
    Incident.objects.filter(pk=incident.pk).update(handling_due=EARLY)  # first in the list, before the demo's
    photo = IncidentPhoto.objects.filter(incident=incident, stage="handled").get()
    waiting = report(grid_worker(grid), grid=grid, text="另一处垃圾尚未处理")
    for user in (supervisor_of(grid), grid_worker(grid)):
        page = client_for(user).get(VERIFY).content.decode()
        assert incident.number in page and waiting.number not in page
        assert "已清运完毕" in page and "城管已处置" in page
        assert f'src="{reverse("incidents:photo", args=[photo.pk])}"' in page
        assert f'href="/incidents/{incident.pk}/#verify"' in page
    elsewhere = User.objects.filter(role="supervisor").exclude(org_node__code=grid.code[:12]).select_related(
        "org_node").first()
    if elsewhere is not None:
        assert incident.number not in client_for(elsewhere).get(VERIFY).content.decode()

    supervisor = supervisor_of(grid)
    incident_verify(actor=supervisor, incident_id=incident.pk, passed=True, note="现场已干净", photos=[phone_jpeg()])
    client = client_for(supervisor)
    assert incident.number not in client.get(VERIFY).content.decode()
    done = client.get(VERIFIED).content.decode()
    assert incident.number in done and "现场已干净" in done and "核查通过" in done
    assert incident.number not in client_for(grid_worker(grid)).get(VERIFIED).content.decode()


def test_the_verification_list_puts_the_nearest_deadline_first():
    grid = first_grid()
    first = _through_handling(report(grid_worker(grid), grid=grid, text="第一处垃圾堆放"))
    second = _through_handling(report(grid_worker(grid), grid=grid, text="第二处垃圾堆放"))
    Incident.objects.filter(pk=first.pk).update(handling_due=EARLY + datetime.timedelta(hours=1))
    Incident.objects.filter(pk=second.pk).update(handling_due=EARLY)
    page = client_for(supervisor_of(grid)).get(VERIFY).content.decode()
    assert page.index(second.number) < page.index(first.number)


# ---- query counts -------------------------------------------------------------------------------------------------

def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_lists_cost_the_same_queries_for_one_row_and_for_many(django_assert_max_num_queries):
    grid = first_grid()
    worker, supervisor = grid_worker(grid), supervisor_of(grid)
    resident = resident_with_home()
    report(worker, grid=grid)
    _through_handling(report(worker, grid=grid))
    incident_report(actor=resident, data=ReportIn(description="楼道灯坏了一个月", building_id=home_of(resident).pk),
                    idempotency_key=new_key())
    gw_client, sv_client, rs_client = client_for(worker), client_for(supervisor), client_for(resident)
    counts = {(MINE, None): _queries(gw_client, MINE), ("grid", None): _queries(gw_client, MINE, {"tab": "grid"}),
              (VERIFY, None): _queries(sv_client, VERIFY), ("rs", None): _queries(rs_client, MINE)}
    for _ in range(4):
        report(worker, grid=grid)
        _through_handling(report(worker, grid=grid))
        incident_report(actor=resident, data=ReportIn(description="楼道灯坏了一个月", building_id=home_of(
            resident).pk), idempotency_key=new_key())
    with django_assert_max_num_queries(counts[(MINE, None)]):
        gw_client.get(MINE)
    with django_assert_max_num_queries(counts[("grid", None)]):
        gw_client.get(MINE, {"tab": "grid"})
    with django_assert_max_num_queries(counts[(VERIFY, None)]):
        sv_client.get(VERIFY)
    with django_assert_max_num_queries(counts[("rs", None)]):
        rs_client.get(MINE)
    assert max(counts.values()) <= 20


# ---- English ------------------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
SHOWN_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt", "label", "value"}


class _Text(HTMLParser):
    """The text a person reads (and the words the script shows, data-word-*), outside elements marked Chinese."""

    VOID = {"input", "img", "br", "meta", "link", "hr", "source", "option"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        chinese = (attrs.get("lang") or "").startswith("zh") or tag in ("script", "style")
        if not self.skip and not chinese:
            self.parts += [v for k, v in attrs.items() if v and (k in SHOWN_ATTRIBUTES or k.startswith("data-word"))
                           and not (k == "value" and tag in ("input", "option") and attrs.get("type") != "submit")]
        if tag not in self.VOID:
            self.stack.append((tag, chinese))
            self.skip += chinese

    def handle_endtag(self, tag):
        while self.stack:
            name, chinese = self.stack.pop()
            self.skip -= chinese
            if name == tag:
                break

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _data_values() -> list[str]:
    from doorstep.org.models import Department
    from doorstep.registry.models import Building

    values = []
    values += Category.objects.values_list("name", flat=True)
    values += Category.objects.values_list("major", flat=True)
    values += OrgNode.objects.values_list("name", flat=True)
    values += Building.objects.values_list("name", flat=True)
    values += Building.objects.values_list("address", flat=True)
    values += User.objects.values_list("full_name", flat=True)
    values += Department.objects.values_list("short_name", flat=True).exclude(short_name=None)
    for description, address, note in Incident.objects.values_list("description", "address", "dismiss_reason"):
        values += [description, address, note]
    from doorstep.incidents.models import IncidentHistory, Verification

    values += IncidentHistory.objects.values_list("note", flat=True)
    values += Verification.objects.values_list("note", flat=True)
    return [v for v in values if v]


def chinese_left(html: str) -> list[str]:
    """The runs of Chinese on the page that are not data: a run is data when some value shown (a name, an address,
    what someone wrote) holds exactly that run between non-Chinese characters, or begins with it (a text cut short
    with …). Product words inside a longer written text are not excused (上报 inside 网格员上报了…)."""
    import bisect

    parser = _Text()
    parser.feed(html)
    runs = sorted({run for value in _data_values() for run in CJK.findall(value)})
    left = []
    for run in CJK.findall(" ".join(parser.parts)):
        i = bisect.bisect_left(runs, run)
        if i < len(runs) and (runs[i] == run or (len(run) >= 3 and runs[i].startswith(run))):
            continue
        left.append(run)
    return left


def test_the_field_pages_are_in_english_for_a_reader_who_chose_it():
    grid = first_grid()
    worker, supervisor, resident = grid_worker(grid), supervisor_of(grid), resident_with_home()
    existing = report(worker, grid=grid)
    _through_handling(report(worker, grid=grid))
    incident_report(actor=resident, data=ReportIn(description="楼道灯坏了一个月", building_id=home_of(resident).pk),
                    idempotency_key=new_key())
    pages = [(worker, REPORT, {}), (worker, MINE, {}), (worker, MINE, {"tab": "grid"}), (worker, VERIFY, {}),
             (worker, DUPLICATES, {"category": CATEGORY, "lat": existing.latitude, "lon": existing.longitude}),
             (resident, REPORT, {}), (resident, MINE, {}),
             (resident, DUPLICATES, {"category": CATEGORY, "lat": existing.latitude, "lon": existing.longitude}),
             (street_dispatcher(grid), REPORT, {}), (street_dispatcher(grid), BUILDINGS, {"building_q": "栋"}),
             (supervisor, VERIFY, {}), (supervisor, VERIFIED, {}), (supervisor, MINE, {})]
    failures = {}
    for user, url, params in pages:
        response = client_for(user, english=True).get(url, params)
        html = response.content.decode()
        if response.status_code == 200 and url not in (DUPLICATES, BUILDINGS):
            assert '<html lang="en">' in html
        left = chinese_left(html)
        if left:
            failures[f"{user.username} {url} {params}"] = left
    assert not failures, failures
    assert chinese_left(client_for(worker).get(REPORT).content.decode())  # the check itself sees Chinese
    # a refusal in the form is in English too
    page = client_for(worker, english=True).post(REPORT, {"idempotency_key": new_key(), "description": "x"})
    assert page.status_code == 400 and not chinese_left(page.content.decode())


# ---- on a phone ---------------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_on_a_375px_phone_the_map_or_the_device_position_sets_the_point_and_duplicates_show(world, phone_page):  # noqa: F811
    from doorstep.journeys.test_clerk_reveal import login

    grid = first_grid()
    worker = grid_worker(grid)
    page = phone_page
    login(page, worker.username)
    page.goto(REPORT)
    page.wait_for_selector("#report-map[data-ready='1']")
    box = page.locator("#report-map").bounding_box()
    assert box["width"] <= 375 and page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#report-map path").count() >= 1  # the grid's shape, drawn from GeoJSON without tiles
    assert page.locator("#report-map .leaflet-tile").count() == 0
    page.locator("#report-map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.wait_for_function("() => document.querySelector('[data-testid=latitude]').value !== ''")
    assert "已选位置" in page.text_content("[data-testid=point-label]")
    tapped = float(page.input_value("[data-testid=latitude]")), float(page.input_value("[data-testid=longitude]"))

    lat, lon = grid_point(grid)  # the device's position, where the same problem was reported an hour ago
    existing = report(worker, grid=grid, category=CATEGORY)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.click("[data-testid=locate]")
    page.wait_for_function(f"() => document.querySelector('[data-testid=latitude]').value === '{lat:.6f}'")
    assert page.input_value("[data-testid=longitude]") == f"{lon:.6f}"

    page.select_option("[data-testid=category]", CATEGORY)
    page.wait_for_selector(f"[data-testid=duplicate] >> text={existing.number}")  # shown before submitting
    page.fill("[data-testid=description]", "3栋东侧绿化带暴露垃圾约2方")
    page.click("[data-testid=report-submit]")
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    incident = Incident.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert incident.submitted_by_id == worker.pk
    assert incident.grid_id == grid.pk and (round(incident.latitude, 6), round(incident.longitude, 6)) == (
        round(lat, 6), round(lon, 6))
    assert tapped != (incident.latitude, incident.longitude)


def test_a_grid_worker_is_not_asked_to_verify_what_they_handled_on_the_spot():
    """Nobody verifies their own handling (services.handling.incident_verify): the list leaves it to the supervisor."""
    from doorstep.incidents.services.handling import incident_handle_on_spot

    grid = first_grid()
    worker = grid_worker(grid)
    incident = report(worker, grid=grid, category="SJ0201", text="单元门口贴满了小广告")
    incident_handle_on_spot(actor=worker, incident_id=incident.pk, note="已清除", photos=[phone_jpeg()])
    Incident.objects.filter(pk=incident.pk).update(handling_due=EARLY)
    assert incident.number not in client_for(worker).get(VERIFY).content.decode()
    assert incident.number in client_for(supervisor_of(grid)).get(VERIFY).content.decode()
