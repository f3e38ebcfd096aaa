"""The command center's and departments' pages over HTTP (issue #13 item 5): who opens which page, the queue's tabs
and counts from the database, filters, due marks and the overdue list, a department's orders with the reporter
hidden when asked, the map's GeoJSON (shape, scope, filters, cap), the categories office (export, import round trip,
a bad upload), query counts that do not grow with the rows, and English."""

import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import Category, DispatchOrder, Escalation, Incident
from doorstep.incidents.services.center import incident_dispatch, incident_register
from doorstep.incidents.services.handling import order_accept
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.services.supervision import extension_request
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_worker,
    report,
    resident_user,
    staff,
    street_dispatcher,
    supervisor_of,
)
from doorstep.incidents.tests.test_detail_actions import client_for
from doorstep.journeys.conftest import browser, desk_page, phone_page  # noqa: F401 (the browser journeys' fixtures)
from doorstep.org.models import Department, OrgNode

pytestmark = pytest.mark.django_db

CENTER, DISPATCH, OVERDUE, ORDERS, MAP, MAP_DATA, CATEGORIES = (
    "/incidents/center/", "/incidents/center/dispatch/", "/incidents/center/overdue/", "/incidents/orders/",
    "/incidents/map/", "/incidents/map.geojson", "/incidents/categories/")


def other_grid(grid: OrgNode) -> OrgNode:
    """A grid with a shape in another community of the district."""
    return OrgNode.objects.filter(level="grid", geometry__isnull=False, code__startswith=grid.code[:6]).exclude(
        code__startswith=grid.code[:12]).order_by("code").first()


def dispatched(grid, *, department: str = "城管", text: str = "路口垃圾桶满了溢出来", category: str = "SJ0102"):
    incident = report(grid_worker(grid), grid=grid, text=text, category=category)
    dispatcher = street_dispatcher(grid)
    incident_register(actor=dispatcher, incident_id=incident.pk)
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department=department)
    return Incident.objects.get(pk=incident.pk)


def make_overdue(incident: Incident, hours: int = 30) -> None:
    past = timezone.now() - datetime.timedelta(hours=hours)
    DispatchOrder.objects.filter(incident=incident).update(due_at=past, sla_mark="overdue")
    Incident.objects.filter(pk=incident.pk).update(handling_due=past, sla_mark="overdue")


# ---- who opens which page ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "pages"), [
    ("dispatcher", {CENTER: 200, DISPATCH: 200, OVERDUE: 200, ORDERS: 403, MAP: 200, CATEGORIES: 403}),
    ("dispatcher_s01", {CENTER: 200, DISPATCH: 200, OVERDUE: 200, ORDERS: 403, MAP: 200, CATEGORIES: 403}),
    ("leader", {CENTER: 200, DISPATCH: 403, OVERDUE: 403, ORDERS: 403, MAP: 200, CATEGORIES: 403}),
    ("admin", {CENTER: 200, DISPATCH: 403, OVERDUE: 403, ORDERS: 403, MAP: 200, CATEGORIES: 200}),
    ("admin_s01", {CENTER: 200, MAP: 200, CATEGORIES: 403}),
    ("dept_cg", {CENTER: 403, DISPATCH: 403, ORDERS: 200, MAP: 403, CATEGORIES: 403}),
    ("supervisor_c001001", {CENTER: 403, ORDERS: 403, MAP: 403, CATEGORIES: 403}),
    ("gw_001001003", {CENTER: 403, ORDERS: 403, MAP: 403}),
    ("clerk_s01a", {CENTER: 403, ORDERS: 403, MAP: 403, MAP_DATA: 403}),
    ("13800000001", {CENTER: 403, ORDERS: 403, MAP: 403, CATEGORIES: 403}),
])
def test_each_page_opens_for_the_roles_whose_home_offers_it(username, pages):
    client = client_for(User.objects.get(username=username))
    for url, status in pages.items():
        assert client.get(url).status_code == status, (username, url)
    home = client.get("/").content.decode()
    for url, status in pages.items():
        if status == 403 and url != MAP_DATA:
            assert f'href="{url}"' not in home, (username, url)


def test_the_home_tiles_lead_to_the_pages():
    home = client_for(staff("dispatcher")).get("/").content.decode()
    assert all(f'href="{url}"' in home for url in (CENTER, DISPATCH, OVERDUE, MAP))
    assert f'href="{ORDERS}"' in client_for(staff("dept_cg")).get("/").content.decode()
    assert f'href="{CATEGORIES}"' in client_for(staff("admin")).get("/").content.decode()


def test_anonymous_visitors_are_sent_to_the_login():
    from django.test import Client

    for url in (CENTER, ORDERS, MAP, MAP_DATA, CATEGORIES, "/incidents/1/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


# ---- the queue -----------------------------------------------------------------------------------------------------

def test_the_tabs_count_from_the_database_and_list_their_incidents():
    grid = first_grid()
    worker = grid_worker(grid)
    new = report(worker, grid=grid, text="小区东门积水严重")
    duplicate = report(worker, grid=grid, text="东门那里积水一直没退")
    running = dispatched(grid, category="SJ0201", text="电线杆上贴满小广告")
    late = dispatched(grid, category="SJ0201", text="菜市场门口墙上贴满广告")
    make_overdue(late)
    Escalation.objects.create(order=DispatchOrder.objects.get(incident=late), level=1, at=timezone.now())
    DispatchOrder.objects.filter(incident=late).update(escalation_level=1)
    extension_request(actor=staff("dept_cg"), incident_id=running.pk, value=1, unit="days", reason="等待配合")
    dispatcher = street_dispatcher(grid)
    client = client_for(dispatcher)
    scope = Incident.objects.filter(path__startswith=dispatcher.org_node.code)

    page = client.get(CENTER).content.decode()
    assert f'data-testid="count-reported">{scope.filter(state="reported").count()}<' in page
    assert f'data-testid="count-handling">{scope.filter(state__in=["dispatched", "handling"]).count()}<' in page
    assert new.number in page and duplicate.number in page and running.number not in page
    assert 'data-testid="duplicate-hint"' in page  # the two reports 0 m apart in the same category

    page = client.get(CENTER, {"tab": "handling"}).content.decode()
    assert running.number in page and late.number in page and new.number not in page
    assert 'data-testid="mark-overdue"' in page

    page = client.get(OVERDUE).content.decode()
    overdue = DispatchOrder.objects.filter(incident__path__startswith=dispatcher.org_node.code,
                                           state__in=["sent", "accepted"], due_at__lt=timezone.now()).count()
    assert f'data-testid="count-overdue">{overdue}<' in page
    assert late.number in page and running.number not in page
    assert 'data-testid="escalation-level">第1级<' in page

    page = client.get(CENTER, {"tab": "extensions"}).content.decode()
    assert running.number in page and "等待配合" in page

    page = client.get(DISPATCH).content.decode()
    assert 'aria-current="page"' in page and 'data-testid="tab-registered"' in page


def test_filters_cut_the_queue_by_category_department_area_and_text():
    grid = first_grid()
    elsewhere = other_grid(grid)
    worker = grid_worker(grid)
    litter = report(worker, grid=grid, text="绿化带里有人扔了很多塑料袋", category="SJ0102")
    ads = report(worker, grid=grid, text="电线杆上贴满小广告", category="SJ0201")
    far = report(grid_worker(elsewhere), grid=elsewhere, text="另一个社区的垃圾堆", category="SJ0102")
    sent_ga = dispatched(grid, department="公安", text="夜里有人在楼下聚众喧哗")
    client = client_for(staff("dispatcher"))

    page = client.get(CENTER, {"category": "SJ0201"}).content.decode()
    assert ads.number in page and litter.number not in page
    page = client.get(CENTER, {"area": grid.code[:12]}).content.decode()
    assert litter.number in page and far.number not in page
    page = client.get(CENTER, {"tab": "handling", "department": Department.objects.get(short_name="公安").pk})
    assert sent_ga.number in page.content.decode()
    page = client.get(CENTER, {"q": "塑料袋"}).content.decode()
    assert litter.number in page and ads.number not in page
    page = client.get(CENTER, {"q": ads.number}).content.decode()
    assert ads.number in page and litter.number not in page
    # an area outside the user's own, an unknown category or department: dropped, never an error
    street = client_for(street_dispatcher(grid))
    response = street.get(CENTER, {"area": "430304", "category": "NOPE", "department": "x", "sort": "evil",
                                   "page": "abc"})
    assert response.status_code == 200
    # the street's dispatcher never sees another street's reports
    if not elsewhere.code.startswith(grid.code[:9]):
        assert far.number not in street.get(CENTER).content.decode()
    # sorting: oldest first, newest first
    def listed(params):
        html = client.get(CENTER, {"category": "SJ0102", "area": grid.code, **params}).content.decode()
        return re.findall(r'data-testid="incident-link">(E\d+)<', html)

    oldest, newest = listed({"sort": "old"}), listed({"sort": "new"})
    assert litter.number in oldest and oldest == sorted(oldest) and newest == sorted(newest, reverse=True)
    assert oldest == newest[::-1]


def test_leaders_read_the_queue_without_any_action():
    grid = first_grid()
    new = report(grid_worker(grid), grid=grid)
    client = client_for(staff("leader"))
    assert new.number in client.get(CENTER).content.decode()
    page = client.get(f"/incidents/{new.pk}/").content.decode()
    assert 'data-testid="actions"' not in page and "<form method=\"post\" action=\"/incidents/" not in page
    assert 'data-testid="phone-intake"' not in client.get(CENTER).content.decode()


# ---- a department's orders -----------------------------------------------------------------------------------------

def test_a_department_sees_its_own_orders_by_state_with_co_orders_and_the_reporter_hidden_when_asked():
    grid = first_grid()
    resident = resident_user()
    hidden = incident_report(actor=resident, data=ReportIn(description="楼上邻居深夜装修噪音扰民", hide_identity=True),
                             idempotency_key=new_key())
    dispatcher = street_dispatcher(hidden.grid)
    incident_register(actor=dispatcher, incident_id=hidden.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=hidden.pk, department="城管")
    whistle = report(grid_worker(grid), grid=grid, category="SJ0101", text="楼顶有人违规加盖两层铁皮房")
    incident_register(actor=street_dispatcher(grid), incident_id=whistle.pk, tier="whistle")
    incident_dispatch(actor=street_dispatcher(grid), incident_id=whistle.pk, department="公安",
                      co=[("城管", "拆除违建")])
    accepted = dispatched(grid, text="人行道上堆满了装修垃圾")
    order_accept(actor=staff("dept_cg"), incident_id=accepted.pk)
    theirs = dispatched(grid, department="公安", text="小区门口有人打架")

    client = client_for(staff("dept_cg"))
    page = client.get(ORDERS).content.decode()
    assert hidden.number in page and whistle.number in page and accepted.number not in page
    assert theirs.number not in page
    assert 'data-testid="co-order"' in page and "拆除违建" in page
    assert resident.resident.name not in page and "报告人要求对部门保密" in page
    counts = DispatchOrder.objects.filter(department__short_name="城管")
    assert f'data-testid="count-sent">{counts.filter(state="sent").count()}<' in page
    page = client.get(ORDERS, {"tab": "accepted"}).content.decode()
    assert accepted.number in page and hidden.number not in page
    # the center sees who reported it
    assert resident.resident.name in client_for(dispatcher).get(f"/incidents/{hidden.pk}/").content.decode()


# ---- the map -------------------------------------------------------------------------------------------------------

def _points(client, **params) -> dict:
    response = client.get(MAP_DATA, params)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/geo+json")
    assert "private" in response["Cache-Control"]
    return json.loads(response.content)


def test_the_map_data_is_compact_geojson_in_the_users_scope():
    grid = first_grid()
    elsewhere = other_grid(grid)
    mine = report(grid_worker(grid), grid=grid, text="网格内路灯不亮")
    far = report(grid_worker(elsewhere), grid=elsewhere, text="别的网格井盖缺失", category="SJ0102")
    sent = dispatched(grid, text="施工围挡倒在人行道上")

    data = _points(client_for(staff("dispatcher")))
    assert data["type"] == "FeatureCollection" and data["capped"] is False
    feature = next(f for f in data["features"] if f["properties"]["id"] == mine.pk)
    assert feature == {"type": "Feature", "geometry": {"type": "Point", "coordinates": [
        round(mine.longitude, 6), round(mine.latitude, 6)]}, "properties": {
        "id": mine.pk, "state": "reported", "category": "SJ0102"}}
    ids = {f["properties"]["id"] for f in data["features"]}
    assert {mine.pk, far.pk, sent.pk} <= ids

    # a department: only what was sent to it
    ids = {f["properties"]["id"] for f in _points(client_for(staff("dept_cg")))["features"]}
    assert sent.pk in ids and mine.pk not in ids and far.pk not in ids
    assert not {f["properties"]["id"] for f in _points(client_for(staff("dept_ga")))["features"]} & {sent.pk}
    # a grid worker: their grid
    ids = {f["properties"]["id"] for f in _points(client_for(grid_worker(grid)))["features"]}
    assert mine.pk in ids and far.pk not in ids
    assert all(Incident.objects.get(pk=i).path.startswith(grid.code) or
               Incident.objects.get(pk=i).reporter_user_id == grid_worker(grid).pk for i in ids)
    # a supervisor: their community
    ids = {f["properties"]["id"] for f in _points(client_for(supervisor_of(grid)))["features"]}
    assert mine.pk in ids and far.pk not in ids


def test_the_map_data_filters_by_state_category_and_department_and_says_when_capped():
    from doorstep.incidents.selectors_center import Filters
    from doorstep.incidents.selectors_map import map_points

    grid = first_grid()
    new = report(grid_worker(grid), grid=grid, text="垃圾桶旁边有很多垃圾", category="SJ0102")
    ads = report(grid_worker(grid), grid=grid, text="墙上有很多小广告", category="SJ0201")
    sent = dispatched(grid, department="公安", text="楼下有人聚众赌博")
    late = dispatched(grid, text="下水道堵塞污水外溢")
    make_overdue(late)
    client = client_for(staff("dispatcher"))

    def ids(**params):
        return {f["properties"]["id"] for f in _points(client, **params)["features"]}

    assert {new.pk, ads.pk} <= ids(state="new") and sent.pk not in ids(state="new")
    assert late.pk in ids(state="overdue") and sent.pk not in ids(state="overdue") and new.pk not in ids(
        state="overdue")
    assert ads.pk in ids(category="SJ0201") and new.pk not in ids(category="SJ0201")
    gongan = Department.objects.get(short_name="公安").pk
    assert sent.pk in ids(department=gongan) and late.pk not in ids(department=gongan)
    assert ids(state="ended").isdisjoint({new.pk, ads.pk, sent.pk, late.pk})
    assert _points(client, state="nonsense")["type"] == "FeatureCollection"  # unknown: the open ones
    rows, capped = map_points(staff("dispatcher"), state="open", filters=Filters(), now=timezone.now(), cap=1)
    assert len(rows) == 1 and capped
    page = client.get(MAP, {"state": "overdue"}).content.decode()
    assert 'id="grids-data"' in page and "leaflet.markercluster.js" in page and 'data-testid="map-legend"' in page
    assert "/incidents/map.geojson?state=overdue" in page


# ---- query counts --------------------------------------------------------------------------------------------------

def _queries(client, url, params=None) -> int:
    """The queries of one page view, the fewer of two (the session's idle-time stamp is written now and then)."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params or {})
        assert response.status_code == 200, url
        counts.append(len(queries))
    return min(counts)


def test_query_counts_do_not_grow_with_the_rows(django_assert_max_num_queries):
    grid = first_grid()
    worker = grid_worker(grid)
    report(worker, grid=grid, text="第一条测试上报的问题")
    first = dispatched(grid, text="第一条派遣的问题")
    make_overdue(first)
    extension_request(actor=staff("dept_cg"), incident_id=first.pk, value=1, unit="days", reason="等待配合")
    views = [(CENTER, {}), (CENTER, {"tab": "handling"}), (OVERDUE, {}), (CENTER, {"tab": "extensions"}),
             (ORDERS, {}), (MAP, {}), (MAP_DATA, {"state": "all"}), (f"/incidents/{first.pk}/", {})]
    users = {CENTER: street_dispatcher(grid), OVERDUE: street_dispatcher(grid), ORDERS: staff("dept_cg"),
             MAP: street_dispatcher(grid), MAP_DATA: street_dispatcher(grid)}
    clients = {u.pk: client_for(u) for u in users.values()}

    def client_of(url):
        return clients[users.get(url, street_dispatcher(grid)).pk]

    before = {(url, str(params)): _queries(client_of(url), url, params) for url, params in views}
    for n in range(8):
        report(worker, grid=grid, text=f"又一条测试上报的问题{n}号")
        more = dispatched(grid, text=f"又一条派遣的问题{n}号")
        make_overdue(more)
        extension_request(actor=staff("dept_cg"), incident_id=more.pk, value=1, unit="days", reason="等待配合")
    after = {(url, str(params)): _queries(client_of(url), url, params) for url, params in views}
    assert after == before
    assert max(before.values()) <= 25, before
    for url, params in views:  # and a hard ceiling, the session's occasional stamp included
        with django_assert_max_num_queries(28):
            client_of(url).get(url, params)


# ---- categories ----------------------------------------------------------------------------------------------------

def test_categories_export_and_import_round_trip_in_yaml_and_excel():
    client = client_for(staff("admin"))
    page = client.get(CATEGORIES).content.decode()
    assert page.count('data-testid="category-row"') == Category.objects.count()
    yaml_file = client.get(f"{CATEGORIES}export.yaml")
    assert yaml_file.status_code == 200 and "attachment" in yaml_file["Content-Disposition"]
    xlsx_file = client.get(f"{CATEGORIES}export.xlsx")
    assert xlsx_file.status_code == 200 and xlsx_file.content[:2] == b"PK"
    assert client.get(f"{CATEGORIES}export.csv").status_code == 404
    before = list(Category.objects.order_by("code").values())
    for name, content in (("categories.yaml", yaml_file.content), ("categories.xlsx", xlsx_file.content)):
        upload = io.BytesIO(content)
        upload.name = name
        response = client.post(CATEGORIES, {"file": upload})
        assert response.status_code == 303, response.content.decode()[:500]
        page = client.get(response["Location"]).content.decode()
        assert f"{Category.objects.count()} 个未变" in page
    assert list(Category.objects.order_by("code").values()) == before


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.txt", b"hello", "请上传 YAML（.yaml）或 Excel（.xlsx）文件"),
    ("categories.yaml", b"categories: [\n  - {code: \x00", "不是有效的 YAML"),
    ("categories.yaml", b"\xff\xfe\x00bad", "UTF-8"),
    ("categories.yaml", b"departments: []\ncategories:\n  - {code: X1, name: \xe6\xb5\x8b}\n", "类别第1行"),
    ("categories.xlsx", b"PK\x03\x04 not really a workbook", "不是有效的 Excel"),
])
def test_a_bad_categories_upload_is_a_message_not_a_500(name, content, message):
    client = client_for(staff("admin"))
    before = list(Category.objects.order_by("code").values_list("code", "name", "lead_department_id"))
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(CATEGORIES, {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Category.objects.order_by("code").values_list("code", "name", "lead_department_id")) == before
    assert client.post(CATEGORIES, {}).status_code == 400


def test_only_the_district_administrator_imports_categories():
    upload = io.BytesIO(b"categories: []")
    upload.name = "c.yaml"
    assert client_for(staff("admin_s01")).post(CATEGORIES, {"file": upload}).status_code == 403
    assert client_for(staff("dispatcher")).get(f"{CATEGORIES}export.yaml").status_code == 403


# ---- English -------------------------------------------------------------------------------------------------------

def _checker():
    from doorstep.core.tests.test_english import CJK, SEPARATORS, Untranslated, data_segments
    from doorstep.incidents.models import (
        DispatchOrder,
        ExtensionRequest,
        IncidentHistory,
        Meeting,
        Verification,
    )

    segments = data_segments()
    values = []
    values += Category.objects.values_list("name", flat=True)
    values += Category.objects.values_list("major", flat=True)
    values += Department.objects.exclude(short_name=None).values_list("short_name", flat=True)
    values += Department.objects.values_list("name", flat=True)
    for row in Incident.objects.values_list("description", "address", "caller_name", "dismiss_reason"):
        values += row
    values += IncidentHistory.objects.values_list("note", flat=True)
    values += DispatchOrder.objects.values_list("part", flat=True)
    values += DispatchOrder.objects.values_list("note", flat=True)
    values += Verification.objects.values_list("note", flat=True)
    values += Meeting.objects.values_list("participants", flat=True)
    values += ExtensionRequest.objects.values_list("reason", flat=True)
    for value in values:
        if value and CJK.search(value):
            segments.update(s for s in SEPARATORS.split(value) if CJK.search(s))
    return Untranslated(segments)


def test_the_pages_are_in_english_for_a_reader_who_chose_it():
    from doorstep.core.tests.test_english import VisibleText

    grid = first_grid()
    new = report(grid_worker(grid), grid=grid, text="小区东门积水严重")
    report(grid_worker(grid), grid=grid, text="东门那里积水一直没退")
    Incident.objects.filter(pk=new.pk).update(suggestion={"department": "城管", "category": "SJ0102",
                                                          "confidence": 0.91, "top3": [
                                                              {"department": "城管", "confidence": 0.91},
                                                              {"department": "水务", "confidence": 0.05}]})
    running = dispatched(grid)
    make_overdue(running)
    DispatchOrder.objects.filter(incident=running).update(escalation_level=1)
    extension_request(actor=staff("dept_cg"), incident_id=running.pk, value=1, unit="days", reason="等待配合")
    checker = _checker()
    dispatcher, admin = street_dispatcher(grid), staff("admin")
    pages = [(dispatcher, CENTER, {}), (dispatcher, CENTER, {"tab": "handling"}), (dispatcher, OVERDUE, {}),
             (dispatcher, CENTER, {"tab": "extensions"}), (dispatcher, MAP, {}), (dispatcher, CENTER, {"q": "zzz"}),
             (dispatcher, f"/incidents/{new.pk}/", {}), (dispatcher, f"/incidents/{running.pk}/", {}),
             (staff("dept_cg"), ORDERS, {}), (staff("dept_cg"), f"/incidents/{running.pk}/", {}),
             (grid_worker(grid), f"/incidents/{new.pk}/", {}), (admin, CATEGORIES, {})]
    failures = {}
    for user, url, params in pages:
        response = client_for(user, english=True).get(url, params)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="en">' in html
        text = VisibleText()
        text.feed(html)
        left = sorted({run for piece in text.texts for run in checker.in_text(piece)})
        if left:
            failures[f"{user.username} {url} {params}"] = left
    # a refusal shown on the page is in English too
    refused = client_for(dispatcher, english=True).post(f"/incidents/{new.pk}/register/", {"category": "NOPE"})
    assert refused.status_code == 400
    text = VisibleText()
    text.feed(refused.content.decode())
    left = sorted({run for piece in text.texts for run in checker.in_text(piece)})
    if left:
        failures["refusal"] = left
    assert not failures, failures


def test_a_report_is_registered_from_the_queue_and_the_dispatcher_stays_on_it():
    grid = first_grid()
    new = report(grid_worker(grid), grid=grid, text="小区北门路面塌陷一个坑", category="SJ0102")
    client = client_for(street_dispatcher(grid))
    page = client.get(CENTER).content.decode()
    assert 'data-testid="quick-register"' in page
    response = client.post(f"/incidents/{new.pk}/register/", {"category": "SJ0102", "next": "/incidents/center/?page=1"})
    assert response.status_code == 303 and response["Location"] == "/incidents/center/?page=1"
    assert Incident.objects.get(pk=new.pk).state == "registered"
    # a next that leaves the queue is not followed
    other = report(grid_worker(grid), grid=grid, text="小区南门路面也塌了", category="SJ0102")
    response = client.post(f"/incidents/{other.pk}/register/", {"category": "SJ0102", "next": "https://evil.example/"})
    assert response["Location"] == f"/incidents/{other.pk}/"
    assert 'data-testid="go-dispatch"' in client.get(CENTER, {"tab": "registered"}).content.decode()
    assert 'data-testid="quick-register"' not in client_for(staff("leader")).get(CENTER).content.decode()


def test_the_queue_is_exported_as_excel_with_its_filters():
    from openpyxl import load_workbook

    from doorstep.audit.models import AuditEvent

    grid = first_grid()
    ads = report(grid_worker(grid), grid=grid, text="楼道墙上贴满了小广告", category="SJ0201")
    litter = report(grid_worker(grid), grid=grid, text="楼下草坪上很多垃圾", category="SJ0102")
    client = client_for(street_dispatcher(grid))
    assert 'data-testid="center-export"' in client.get(CENTER).content.decode()
    response = client.get("/incidents/center/export.xlsx", {"tab": "reported", "category": "SJ0201"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ads.number in numbers and litter.number not in numbers
    assert AuditEvent.objects.filter(action="incident.export").exists()
    for tab in ("dismissed", "extensions"):  # a sheet name cannot hold "/"; the order tabs export incidents
        assert client.get("/incidents/center/export.xlsx", {"tab": tab}).status_code == 200
    assert client_for(staff("dept_cg")).get("/incidents/center/export.xlsx").status_code == 403


# ---- in a browser ----------------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_map_clusters_the_points_over_the_grids_and_the_incident_page_fits_a_phone(
        world, desk_page, phone_page):  # noqa: F811 (the fixtures imported above)
    from doorstep.journeys.test_clerk_reveal import login

    grid = first_grid()
    for n in range(3):
        report(grid_worker(grid), grid=grid, text=f"地图测试：路边垃圾第{n}处")
    sent = dispatched(grid, text="地图测试：井盖缺失")
    login(desk_page, "dispatcher")
    asked = []
    desk_page.on("request", lambda r: asked.append(r.url))
    desk_page.goto("/incidents/map/?state=all")
    desk_page.wait_for_selector("#incident-map[data-ready='1']")
    total = Incident.objects.filter(latitude__isnull=False).count()
    assert desk_page.get_attribute("#map-status", "data-count") == str(total)
    grids = OrgNode.objects.filter(level="grid", geometry__isnull=False, code__startswith="430302").count()
    assert desk_page.get_attribute("#incident-map", "data-grids") == str(grids)  # the base layer
    assert desk_page.locator("#incident-map canvas").count() >= 1
    assert desk_page.locator("#incident-map .marker-cluster").count() >= 1  # clustered points
    # no tile was asked for: every request went to the site itself
    assert asked and all(url.startswith(desk_page.url.split("/incidents/")[0]) for url in asked), asked
    login(phone_page, "dept_cg")
    phone_page.goto(f"/incidents/{sent.pk}/")
    phone_page.wait_for_selector("#incident-map[data-ready='1']")
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone_page.click("[data-testid=act-accept]")
    phone_page.wait_for_selector("[data-testid=form-handle]")
    assert Incident.objects.get(pk=sent.pk).state == "handling"
    phone_page.goto("/incidents/orders/?tab=accepted")
    assert sent.number in phone_page.text_content("[data-testid=order-list]")
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
