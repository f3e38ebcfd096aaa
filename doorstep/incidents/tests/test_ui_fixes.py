"""Fixes to the incident pages after a fresh-eyes review (issue #13):

1. a resident reads the public page of their request — their report, the state in plain words, the public steps —
   and none of the staff's records (meetings, returns and their reasons, staff names, counters, extensions);
2. a grid worker whose point lies in a neighbouring grid is told which grid it will be filed in, on the map before
   sending and in the answer after;
3. hiding one's identity is not undone by the form's default place (the home building), and the command center's
   phone form can hide a caller too;
4. the duplicate hints tell a resident nothing about reports they may not see (no count: no oracle);
5. on a 375 px phone the orders read without squeezed columns, file inputs are touch targets, and the extension's
   number follows its unit;
6. wording: a step said once, WebP in the photo refusal, plural-safe working days, no full-width colons in English,
   a W3C changeset in Open311's discovery, 诉求 in a request's title."""

import datetime
import json
import os
import re

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.core.errors import ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import Category, Incident, IncidentPhoto
from doorstep.incidents.services.center import (
    incident_close,
    incident_dismiss,
    incident_dispatch,
    incident_meeting,
    incident_register,
)
from doorstep.incidents.services.handling import incident_handle, incident_verify, order_accept, order_return
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.services.supervision import extension_request
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
from doorstep.journeys.conftest import browser, phone_page  # noqa: F401 (the browser tests' fixtures)
from doorstep.org.models import OrgNode

pytestmark = pytest.mark.django_db

REPORT = "/incidents/report/"
DUPLICATES = "/incidents/report/duplicates/"
DECISION = "议定由城管牵头清运，物业派车配合（会议甲乙丙）"
PARTICIPANTS = "城管张队、物业李经理、社区王书记"
RETURN_REASON = "不属于本部门职责范围请改派环卫所"
EXTENSION_REASON = "需协调清运车辆丁戊己"
HANDLED_NOTE = "已清运完毕，现场恢复整洁"
SHOTS = os.environ.get("DOORSTEP_UI_SHOTS", "")  # a folder to save the phone screenshots in, when set


def client_for(user: User, *, english: bool = False) -> Client:
    client = Client()
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def resident_with_home() -> User:
    """A resident with a located home in a grid with a shape, who has reported nothing yet."""
    taken = Incident.objects.filter(reporter_resident__isnull=False).values("reporter_resident_id")
    return (User.objects.select_related("resident__household__building__grid")
            .filter(role="resident", resident__isnull=False, resident__household__building__latitude__isnull=False,
                    resident__household__building__grid__geometry__isnull=False, resident__household__isnull=False)
            .exclude(resident_id__in=taken).order_by("id").first())


def home_of(resident: User):
    return resident.resident.household.building


def quiet_neighbourhood() -> None:
    """No report older than this test is recent enough to be a duplicate (moved back inside the transaction)."""
    past = timezone.now() - datetime.timedelta(hours=settings.DOORSTEP_INCIDENT_DUPLICATE_HOURS + 1)
    Incident.objects.filter(reported_at__gt=past).update(reported_at=past)


def page_of(user: User, incident: Incident, *, english: bool = False) -> str:
    response = client_for(user, english=english).get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def closed_request_with_every_internal_record():
    """A resident's request through a meeting, a return, an extension, a handling with an after-photo and a
    verification with its own photo, closed as solved."""
    resident = resident_with_home()
    incident = incident_report(actor=resident, data=ReportIn(description="小区门口垃圾堆了三天没人清理",
                                                             photos=[phone_jpeg("mine.jpg")]),
                               idempotency_key=new_key())
    grid = incident.grid
    dispatcher = street_dispatcher(grid)
    department = staff("dept_cg")
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102", tier="meeting")
    incident_meeting(actor=dispatcher, incident_id=incident.pk, held_at=timezone.now(), participants=PARTICIPANTS,
                     decisions=DECISION)
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管", part="清运垃圾")
    order_return(actor=department, incident_id=incident.pk, reason=RETURN_REASON)
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管", part="清运垃圾")
    order_accept(actor=department, incident_id=incident.pk)
    extension_request(actor=department, incident_id=incident.pk, value=1, unit="days", reason=EXTENSION_REASON)
    incident_handle(actor=department, incident_id=incident.pk, resolution="solved", note=HANDLED_NOTE,
                    photos=[phone_jpeg("after.jpg")])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, note="现场核实已干净",
                    photos=[phone_jpeg("check.jpg")])
    incident_close(actor=dispatcher, incident_id=incident.pk, note="同意结案")
    return resident, Incident.objects.get(pk=incident.pk)


# ---- 1. the reporter's page -----------------------------------------------------------------------------------------

def test_a_residents_page_shows_the_public_steps_and_none_of_the_staffs_records():
    resident, incident = closed_request_with_every_internal_record()
    grid = incident.grid
    staff_names = [u.full_name for u in (street_dispatcher(grid), staff("dept_cg"), supervisor_of(grid))]
    assert all(staff_names) and resident.full_name not in staff_names
    internal = [DECISION, PARTICIPANTS, RETURN_REASON, EXTENSION_REASON, "现场核实已干净", "退单 1 次", "延期 0 次",
                "会议记录", "延期申请", "核查记录", "派遣建议", "待结案", "督办", *staff_names]

    mine = page_of(resident, incident)
    left = [text for text in internal if text in mine]
    assert not left, left
    timeline = mine.split('data-testid="timeline"')[1]
    steps = re.findall(r'data-testid="step-(\w+)"', timeline)
    # the dispatch the department returned is not shown, nor the meeting, the return, the acceptance, the extension
    assert steps == ["report", "register", "dispatch", "handle", "verify", "close"], steps
    assert "已派遣</strong> · 城管" in timeline and HANDLED_NOTE in timeline
    assert "已核查（通过）" in timeline and "已办结</strong> · 已解决" in timeline
    assert "已办结" in mine.split('data-testid="incident-state"')[1][:60]
    assert 'data-testid="form-rate"' in mine and 'data-testid="form-reopen"' in mine  # their own actions stay

    # their report photo and the after-photo are shown and served; the verification's photo is neither
    after = IncidentPhoto.objects.get(incident=incident, stage="handled")
    check = IncidentPhoto.objects.get(incident=incident, stage="verification")
    own = IncidentPhoto.objects.get(incident=incident, stage="report")
    assert f"/incidents/photos/{after.pk}/" in mine and f"/incidents/photos/{own.pk}/" in mine
    assert f"/incidents/photos/{check.pk}/" not in mine
    client = client_for(resident)
    assert client.get(f"/incidents/photos/{after.pk}/").status_code == 200
    assert client.get(f"/incidents/photos/{check.pk}/").status_code == 404

    # the staff page is as it was: every record, every name
    center = page_of(street_dispatcher(grid), incident)
    for text in (DECISION, PARTICIPANTS, RETURN_REASON, EXTENSION_REASON, "退单 1 次", *staff_names):
        assert text in center, text
    assert f"/incidents/photos/{check.pk}/" in center


def test_a_resident_reads_the_dismissal_reason_and_the_step_is_said_once():
    resident = resident_with_home()
    incident = incident_report(actor=resident, data=ReportIn(description="楼上邻居晚上总是很吵闹"),
                               idempotency_key=new_key())
    dispatcher = street_dispatcher(incident.grid)
    incident_dismiss(actor=dispatcher, incident_id=incident.pk, reason="属于邻里纠纷，请联系社区调解")
    mine = page_of(resident, incident)
    assert "属于邻里纠纷，请联系社区调解" in mine and 'data-testid="step-dismiss"' in mine
    assert dispatcher.full_name not in mine
    center = page_of(dispatcher, incident)
    line = re.search(r'data-testid="step-dismiss">(.*?)</li>', center).group(1)
    assert "不予立案" in line and "→" not in line  # not "不予立案 → 不予立案"
    line = re.search(r'data-testid="step-report">(.*?)</li>', center).group(1)
    assert "上报</strong> → 待立案" in line  # a step and its target said both when they differ


def test_a_merged_reporter_does_not_see_the_other_reporters_photos_or_words():
    resident = resident_with_home()
    grid = home_of(resident).grid
    worker_report = report(grid_worker(grid), grid=grid, photos=[phone_jpeg("theirs.jpg")])
    mine = incident_report(actor=resident, data=ReportIn(description="3栋东侧的垃圾堆还在"), idempotency_key=new_key())
    from doorstep.incidents.services.center import incident_merge

    dispatcher = street_dispatcher(grid)
    incident_merge(actor=dispatcher, incident_id=mine.pk, into_id=worker_report.pk)
    page = page_of(resident, worker_report)
    theirs = IncidentPhoto.objects.get(incident=worker_report, stage="report")
    assert f"/incidents/photos/{theirs.pk}/" not in page and 'data-testid="merged"' not in page
    assert client_for(resident).get(f"/incidents/photos/{theirs.pk}/").status_code == 404


# ---- 2. across the grid's border -------------------------------------------------------------------------------------

def neighbour_of(grid: OrgNode) -> OrgNode:
    import shapely

    own = shapely.geometry.shape(grid.geometry)
    for other in OrgNode.objects.filter(level="grid", geometry__isnull=False, code__startswith=grid.code[:9]) \
            .exclude(pk=grid.pk).order_by("code"):
        if own.distance(shapely.geometry.shape(other.geometry)) < 1e-4:
            return other
    raise AssertionError("no neighbouring grid in the demo")


def test_a_grid_worker_reporting_across_the_border_is_told_which_grid_it_goes_to():
    grid = first_grid()
    worker = grid_worker(grid)
    other = neighbour_of(grid)
    client = client_for(worker)
    form = client.get(REPORT).content.decode()
    data = json.loads(form.split('id="report-map-data" type="application/json">')[1].split("</script>")[0])
    assert other.name in {f["properties"]["name"] for f in data["neighbours"]}
    assert grid.name not in {f["properties"]["name"] for f in data["neighbours"]}
    assert 'data-word-outside="所选位置不在您的网格内，将归入{grid}。"' in form

    lat, lon = grid_point(other)
    response = client.post(REPORT, {"idempotency_key": new_key(), "category": "SJ0102",
                                    "description": "隔壁网格路口有一堆建筑垃圾", "latitude": f"{lat:.6f}",
                                    "longitude": f"{lon:.6f}"}, follow=True)
    assert response.status_code == 200
    incident = response.context["incident"]
    assert incident.grid_id == other.pk  # filed where it is, not refused
    assert f"所选位置不在您的网格内，将归入{other.name}。" in response.content.decode()

    lat, lon = grid_point(grid)
    response = client.post(REPORT, {"idempotency_key": new_key(), "category": "SJ0102",
                                    "description": "本网格路口有一堆建筑垃圾", "latitude": f"{lat:.6f}",
                                    "longitude": f"{lon:.6f}"}, follow=True)
    assert "不在您的网格内" not in response.content.decode()


@pytest.mark.browser
def test_on_a_phone_a_point_in_the_neighbouring_grid_is_warned_before_sending(world, phone_page):  # noqa: F811
    from doorstep.journeys.test_clerk_reveal import login

    grid = first_grid()
    other = neighbour_of(grid)
    page = phone_page
    login(page, grid_worker(grid).username)
    page.goto(REPORT)
    page.wait_for_selector("#report-map[data-ready='1']")
    assert page.locator("[data-testid=border-warning]").is_hidden()
    page.context.grant_permissions(["geolocation"])
    lat, lon = grid_point(other)
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.click("[data-testid=locate]")
    page.wait_for_selector("[data-testid=border-warning]", state="visible")
    assert page.text_content("[data-testid=border-warning]") == f"所选位置不在您的网格内，将归入{other.name}。"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/border-warning.png", full_page=True)
    page.click("[data-clear-point]")  # forgetting the point forgets the warning
    page.wait_for_selector("[data-testid=border-warning]", state="hidden")
    box = page.locator("#report-map").bounding_box()  # a tap in the middle of the worker's own grid: no warning
    page.locator("#report-map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.wait_for_function("() => document.querySelector('[data-testid=latitude]').value !== ''")
    tapped = float(page.input_value("[data-testid=latitude]")), float(page.input_value("[data-testid=longitude]"))
    from doorstep.incidents.geo import grid_at

    assert (grid_at(*tapped) or (None,))[0] != grid.pk or page.locator("[data-testid=border-warning]").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


# ---- 3. hiding one's identity ----------------------------------------------------------------------------------------

def test_a_hidden_resident_must_pick_the_place_and_the_form_says_why():
    resident = resident_with_home()
    home = home_of(resident)
    client = client_for(resident)
    form = client.get(REPORT).content.decode()
    assert 'data-testid="hidden-place"' in form and "部门会由此知道您的住址" in form
    before = Incident.objects.count()
    response = client.post(REPORT, {"idempotency_key": new_key(), "description": "楼道里的灯坏了一个月",
                                    "building": home.pk, "hide_identity": "1"})
    body = response.content.decode()
    assert response.status_code == 400 and 'data-testid="error-place"' in body and "隐藏身份" in body
    assert f'name="building" value="{home.pk}"' not in body  # shown again without the home preselected
    # the reason is said once, beside the place (the standing note stays hidden while the error is shown)
    assert 'data-hidden-place hidden' in body
    assert Incident.objects.count() == before
    lat, lon = grid_point(home.grid)
    response = client.post(REPORT, {"idempotency_key": new_key(), "description": "楼道里的灯坏了一个月",
                                    "building": "", "hide_identity": "1", "latitude": f"{lat:.6f}",
                                    "longitude": f"{lon:.6f}"})
    assert response.status_code == 303
    incident = Incident.objects.get(pk=int(response["Location"].strip("/").rsplit("/", 1)[1]))
    assert incident.hide_identity and incident.building_id is None
    # without hiding, the home is still the default place
    response = client.post(REPORT, {"idempotency_key": new_key(), "description": "单元门禁坏了进不去",
                                    "building": home.pk})
    assert response.status_code == 303


def test_the_command_center_hides_a_caller_who_asks_from_the_departments():
    grid = first_grid()
    center = street_dispatcher(grid)
    client = client_for(center)
    form = client.get(REPORT).content.decode()
    assert 'name="hide_identity"' in form and "来电人要求对处理部门保密（指挥中心仍可见）" in form
    response = client.post(REPORT, {"idempotency_key": new_key(), "description": "来电反映小区东门路灯不亮",
                                    "caller_name": "钱多多", "caller_phone": "13912345670",
                                    "node_code": grid.code, "category": "SJ0102", "hide_identity": "1"})
    assert response.status_code == 303
    incident = Incident.objects.get(pk=int(response["Location"].strip("/").rsplit("/", 1)[1]))
    assert incident.channel == "phone" and incident.hide_identity
    incident_register(actor=center, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    assert "钱多多" in page_of(center, incident)
    department = page_of(staff("dept_cg"), incident)
    assert "钱多多" not in department and "报告人要求对部门保密" in department


# ---- 4. duplicate hints ----------------------------------------------------------------------------------------------

def test_a_resident_sees_their_own_and_public_duplicates_and_never_a_count_of_the_others():
    quiet_neighbourhood()
    resident = resident_with_home()
    home = home_of(resident)
    grid = home.grid
    lat, lon = home.latitude, home.longitude
    worker = grid_worker(grid)
    community = Category.objects.filter(kind="community", active=True).order_by("code").first()

    def at_home(actor, code, **extra):
        return incident_report(actor=actor, data=ReportIn(description=f"{code} 门口的问题需要处理", category=code,
                                                          latitude=lat, longitude=lon, **extra),
                               idempotency_key=new_key())

    public = at_home(worker, "SJ0102")  # rubbish in the street: public, as on the Open311 feed
    other = User.objects.filter(role="resident", resident__isnull=False).exclude(pk=resident.pk).order_by("id").first()
    hidden = at_home(other, "SJ0102", hide_identity=True)  # a hidden reporter: never public
    private = at_home(worker, community.code)  # a community matter (people and their homes): never public
    own = at_home(resident, community.code)

    ask = {"lat": lat, "lon": lon, "format": "json"}
    client = client_for(resident)
    seen = client.get(DUPLICATES, {**ask, "category": "SJ0102"}).json()
    assert seen["others"] == 0 and seen["count"] == 1
    assert [(s["number"], s["url"]) for s in seen["shown"]] == [(public.number, None)]  # named, not openable
    seen = client.get(DUPLICATES, {**ask, "category": community.code}).json()
    assert seen["others"] == 0 and [(s["number"], s["url"]) for s in seen["shown"]] == [
        (own.number, f"/incidents/{own.pk}/")]
    fragment = client.get(DUPLICATES, {"category": "SJ0102", "lat": lat, "lon": lon},
                          HTTP_HX_REQUEST="true").content.decode()
    assert public.number in fragment and hidden.number not in fragment and "条" not in fragment.split("</ul>")[1]
    assert f'href="/incidents/{public.pk}/"' not in fragment
    for secret in (hidden, private):
        assert secret.number not in json.dumps(client.get(DUPLICATES, {**ask, "category": secret.category.code}).json())

    # staff stay scoped as they were: the center sees them all, another grid's worker counts what it may not see
    center = client_for(street_dispatcher(grid)).get(DUPLICATES, {**ask, "category": "SJ0102"}).json()
    assert {s["number"] for s in center["shown"]} == {public.number, hidden.number} and center["others"] == 0
    elsewhere = OrgNode.objects.filter(level="grid", geometry__isnull=False).exclude(pk=grid.pk).order_by("code")
    far = next(g for g in elsewhere if not g.code.startswith(grid.code[:12]))
    theirs = client_for(grid_worker(far)).get(DUPLICATES, {**ask, "category": "SJ0102"}).json()
    assert theirs["shown"] == [] and theirs["others"] == 2


# ---- 5. on a 375 px phone --------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_on_a_phone_the_orders_fit_file_inputs_are_touch_targets_and_the_extension_follows_its_unit(
        world, phone_page):  # noqa: F811
    from doorstep.journeys.test_clerk_reveal import login

    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    dispatcher = street_dispatcher(grid)
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管",
                      part="清运垃圾并对周边进行全面整治，恢复原貌，同时对周边商户开展宣传教育")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    page = phone_page
    login(page, "dept_cg")
    page.goto(f"/incidents/{incident.pk}/")
    page.wait_for_selector("[data-testid=orders]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    overflowing = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid=orders] *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth).map(e => e.outerHTML.slice(0, 80))""")
    assert not overflowing, overflowing
    # no header or label squeezed to one character a line
    label = page.locator("[data-testid=orders] >> text=承办任务").first.bounding_box()
    assert label["height"] < 30 and label["width"] > 40
    for selector in ("#handle-photos",):
        assert page.locator(selector).bounding_box()["height"] >= 44, selector
    assert page.get_attribute("#extend-value", "max") == "240"  # working hours first
    page.select_option("#extend-unit", "days")
    assert page.get_attribute("#extend-value", "max") == "60"
    page.select_option("#extend-unit", "hours")
    assert page.get_attribute("#extend-value", "max") == "240"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/department-detail.png", full_page=True)
        page.goto("/incidents/orders/?tab=accepted")
        page.screenshot(path=f"{SHOTS}/department-orders.png", full_page=True)
    page.goto("/incidents/orders/?tab=accepted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_extension_form_shown_again_with_days_keeps_the_days_maximum():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    dispatcher = street_dispatcher(grid)
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    client = client_for(staff("dept_cg"))
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert re.search(r'max="240" id="extend-value"', page) and 'value="days" data-max="60"' in page
    response = client.post(f"/incidents/{incident.pk}/extend/", {"value": "61", "unit": "days", "reason": "需要协调"})
    assert response.status_code == 400
    assert re.search(r'max="60" id="extend-value"', response.content.decode())


# ---- 6. wording ------------------------------------------------------------------------------------------------------

def test_the_photo_refusal_names_webp():
    from doorstep.incidents.photos import clean_photo

    with pytest.raises(ValidationFailed) as refused:
        clean_photo(b"GIF89a" + bytes(100), max_bytes=1_000_000)
    assert refused.value.message == "文件不是 JPG、PNG 或 WebP 图片，请拍照后重新上传。"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        clean_photo(b"GIF89a" + bytes(100), max_bytes=1_000_000, name="a.gif")
    assert "is not a JPG, PNG or WebP picture" in refused.value.message


def test_working_days_are_plural_safe_and_english_has_no_full_width_colons():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    dispatcher = street_dispatcher(grid)
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管", part="清运")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    extension_request(actor=staff("dept_cg"), incident_id=incident.pk, value=1, unit="days", reason="需协调")
    page = page_of(dispatcher, incident, english=True)
    assert "1 working day" in page and "1 working days" not in page
    queue = client_for(dispatcher, english=True).get("/incidents/center/?tab=extensions").content.decode()
    assert "1 working day<" in queue and "1 working days" not in queue
    chinese = page_of(dispatcher, incident)
    assert "1个工作日" in chinese
    # the pages' labels are followed by ": " in English (their colons are translated, not typed after the tag)
    assert "：" not in page.split("<main")[1], re.findall(r".{30}：.{10}", page)
    catalog = polib.pofile(str(settings.BASE_DIR / "doorstep/incidents/locale/en/LC_MESSAGES/django.po"))
    full_width = [e.msgid for e in catalog if "：" in e.msgstr or any("：" in v for v in e.msgstr_plural.values())]
    assert not full_width, full_width


def test_open311_discovery_changeset_is_a_w3c_datetime():
    w3c = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
    found = Client().get("/open311/v2/discovery.json").json()
    assert w3c.fullmatch(found["changeset"]), found["changeset"]
    assert all(w3c.fullmatch(e["changeset"]) for e in found["endpoints"])
    xml = Client().get("/open311/v2/discovery.xml").content.decode()
    assert w3c.fullmatch(re.search(r"<changeset>(.*?)</changeset>", xml).group(1))


def test_a_requests_page_title_says_request_and_an_incidents_says_incident():
    resident = resident_with_home()
    request = incident_report(actor=resident, data=ReportIn(description="小区健身器材坏了没人修"),
                              idempotency_key=new_key())
    title = re.search(r"<title>(.*?)</title>", page_of(resident, request), re.S).group(1)
    assert title.strip().startswith(f"诉求 {request.number}")
    grid = first_grid()
    found = report(grid_worker(grid), grid=grid)
    title = re.search(r"<title>(.*?)</title>", page_of(grid_worker(grid), found), re.S).group(1)
    assert title.strip().startswith(f"事件 {found.number}")
