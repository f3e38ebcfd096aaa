"""The incident page and its actions over HTTP (issue #13 item 5): the whole loop driven through incidents:act by
the people who take each step; every form the page draws for a role is one the tables allow (a crawl of the page
as each role in each state, pressing every button: done, or a validation message — never a refusal or a conflict);
what a role may not do is refused and changes nothing; bad bytes and bad values are 400 with the message; a doubled
dispatch is a conflict, not a second order; photos are served only to those who may see the incident."""

import datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from doorstep.accounts.models import User
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import (
    DispatchOrder,
    ExtensionRequest,
    Incident,
    IncidentHistory,
    IncidentPhoto,
    IncidentRating,
    Verification,
)
from doorstep.incidents.services.center import (
    incident_close,
    incident_dispatch,
    incident_register,
)
from doorstep.incidents.services.handling import incident_handle, incident_verify, order_accept
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.services.supervision import extension_request
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_worker,
    phone_jpeg,
    report,
    resident_user,
    staff,
    street_dispatcher,
    supervisor_of,
)
from doorstep.org.models import Department

pytestmark = pytest.mark.django_db

FILLER = "经现场核实情况属实，按规定办理。"


def client_for(user: User, *, english: bool = False) -> Client:
    client = Client()
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def act(client: Client, incident: Incident, action: str, **data):
    return client.post(f"/incidents/{incident.pk}/{action}/", data)


def dept_id(short_name: str) -> int:
    return Department.objects.get(short_name=short_name).pk


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def resident_request(text: str = "小区门口垃圾堆了三天没人清理") -> tuple[User, Incident]:
    resident = resident_user()
    incident = incident_report(actor=resident, data=ReportIn(description=text), idempotency_key=new_key())
    return resident, incident


# ---- the loop through the pages ------------------------------------------------------------------------------------

def test_the_whole_loop_through_the_incident_page_from_report_to_rating():
    resident, incident = resident_request()
    grid = incident.grid
    center = client_for(street_dispatcher(grid))
    page = center.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-register"' in page and 'data-testid="form-dispatch"' not in page

    response = act(center, incident, "register", category="SJ0102", tier="")
    assert response.status_code == 303 and response["Location"] == f"/incidents/{incident.pk}/"
    assert fresh(incident).state == "registered"
    page = center.get(response["Location"]).content.decode()
    assert "已立案" in page and 'data-testid="form-dispatch"' in page

    response = act(center, incident, "dispatch", department=dept_id("城管"), category="SJ0102", part="清运垃圾")
    assert response.status_code == 303 and fresh(incident).state == "dispatched"

    dept = client_for(staff("dept_cg"))
    assert incident.number in dept.get("/incidents/orders/").content.decode()
    page = dept.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-accept"' in page and 'data-testid="form-return"' in page
    assert act(dept, incident, "accept").status_code == 303
    assert fresh(incident).state == "handling"
    response = dept.post(f"/incidents/{incident.pk}/handle/", {"resolution": "solved", "note": "已清运完毕",
                                                              "photos": [phone_jpeg(), phone_jpeg("b.jpg")]})
    assert response.status_code == 303, response.content.decode()[:2000]
    assert fresh(incident).state == "handled"
    assert IncidentPhoto.objects.filter(incident=incident, stage="handled").count() == 2

    supervisor = client_for(supervisor_of(grid))
    page = supervisor.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="act-verify"' in page and 'data-testid="act-rework"' in page
    response = supervisor.post(f"/incidents/{incident.pk}/verify/", {
        "passed": "1", "note": "现场已干净", "photos": [phone_jpeg()], "latitude": "27.85", "longitude": "112.9"})
    assert response.status_code == 303 and fresh(incident).state == "verified"
    check = Verification.objects.get(incident=incident)
    assert check.passed and check.latitude == 27.85 and check.photos.count() == 1

    assert act(center, incident, "close", note="办结").status_code == 303
    assert fresh(incident).state == "closed"

    mine = client_for(resident)
    page = mine.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-rate"' in page and 'data-testid="form-reopen"' in page
    key = new_key()
    response = act(mine, incident, "rate", level="5", solved="1", comment="很快", idempotency_key=key)
    assert response.status_code == 303 and fresh(incident).state == "reviewed"
    again = act(mine, incident, "rate", level="5", solved="1", comment="很快", idempotency_key=key)
    assert again.status_code == 303  # a doubled form: the first rating stands, said so, not an error
    assert "已经提交过" in mine.get(again["Location"]).content.decode()
    rating = IncidentRating.objects.get(incident=incident)
    assert rating.level == 5 and rating.solved is True
    assert 'data-testid="form-rate"' not in mine.get(f"/incidents/{incident.pk}/").content.decode()
    steps = list(IncidentHistory.objects.filter(incident=incident).values_list("action", flat=True))
    assert steps == ["report", "register", "dispatch", "accept", "handle", "verify", "close", "rate"]


def test_a_grid_worker_handles_on_the_spot_and_a_supervisor_sends_it_back():
    grid = first_grid()
    worker = grid_worker(grid)
    incident = report(worker, grid=grid, category="SJ0201", text="单元门口贴满了小广告")
    field = client_for(worker)
    page = field.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-handle_on_spot"' in page
    response = field.post(f"/incidents/{incident.pk}/handle_on_spot/", {
        "resolution": "solved", "note": "已清除小广告", "photos": [phone_jpeg()]})
    assert response.status_code == 303 and fresh(incident).state == "handled"
    # the handler does not check their own work: no verification form for them
    assert 'data-testid="form-verify"' not in field.get(f"/incidents/{incident.pk}/").content.decode()
    supervisor = client_for(supervisor_of(grid))
    response = supervisor.post(f"/incidents/{incident.pk}/verify/", {"passed": "0", "note": "仍有残留",
                                                                      "photos": [phone_jpeg()]})
    assert response.status_code == 303
    assert fresh(incident).state == "handling" and fresh(incident).rework_count == 1


def test_a_doubled_dispatch_is_a_conflict_not_a_second_order():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = client_for(street_dispatcher(grid))
    assert act(center, incident, "register", category="SJ0102").status_code == 303
    first = act(center, incident, "dispatch", department=dept_id("城管"), category="SJ0102")
    second = act(center, incident, "dispatch", department=dept_id("城管"), category="SJ0102")
    assert first.status_code == 303
    assert second.status_code == 409
    body = second.content.decode()
    assert 'data-testid="action-error"' in body and "当前为" in body and "待接单" in body
    assert DispatchOrder.objects.filter(incident=incident).count() == 1


def test_a_whistle_goes_to_a_lead_and_co_departments_and_each_answers_its_part():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, category="SJ0101", text="楼顶有人违规加盖两层铁皮房")
    center = client_for(street_dispatcher(grid))
    assert act(center, incident, "register", category="SJ0101", tier="whistle").status_code == 303
    page = center.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'name="co_department_0" aria-label' in page and "required" in page
    response = act(center, incident, "dispatch", department=dept_id("城管"), category="SJ0101", part="拆除",
                   co_department_0=dept_id("公安"), co_part_0="维持秩序")
    assert response.status_code == 303
    co = client_for(staff("dept_ga"))
    page = co.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-part"' in page and 'data-testid="form-accept"' not in page
    assert co.post(f"/incidents/{incident.pk}/part/", {"step": "accept"}).status_code == 303
    lead = client_for(staff("dept_cg"))
    assert act(lead, incident, "accept").status_code == 303
    # the lead cannot report the handling while a part is open: the form is not drawn
    assert 'data-testid="form-handle"' not in lead.get(f"/incidents/{incident.pk}/").content.decode()
    assert co.post(f"/incidents/{incident.pk}/part/", {"step": "done", "note": "秩序良好"}).status_code == 303
    assert 'data-testid="form-handle"' in lead.get(f"/incidents/{incident.pk}/").content.decode()


def test_extensions_are_asked_by_the_department_and_decided_by_the_duty_chief():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    dispatcher = street_dispatcher(grid)
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管")
    dept = client_for(staff("dept_cg"))
    assert act(dept, incident, "extend", value="2", unit="days", reason="需协调物业").status_code == 303
    assert 'data-testid="form-extend"' not in dept.get(f"/incidents/{incident.pk}/").content.decode()
    extension = ExtensionRequest.objects.get(order__incident=incident)
    center = client_for(dispatcher)
    page = center.get("/incidents/center/?tab=extensions").content.decode()
    assert incident.number in page
    page = center.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-decide_extension"' in page
    before = DispatchOrder.objects.get(incident=incident).due_at
    response = act(center, incident, "decide_extension", extension=extension.pk, approve="1")
    assert response.status_code == 303
    extension.refresh_from_db()
    assert extension.status == "approved" and DispatchOrder.objects.get(incident=incident).due_at > before


# ---- refusals, bad input -------------------------------------------------------------------------------------------

def test_what_a_role_may_not_do_is_refused_and_changes_nothing():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    # a department that was never sent it does not see it at all
    assert act(client_for(staff("dept_cg")), incident, "register", category="SJ0102").status_code == 404
    # a supervisor sees it but may not register it
    response = act(client_for(supervisor_of(grid)), incident, "register", category="SJ0102")
    assert response.status_code == 403
    # the grid worker may not dismiss it
    assert act(client_for(grid_worker(grid)), incident, "dismiss", reason="重复").status_code == 403
    # a dispatcher who is not the 值班长 may not dismiss
    spare = User.objects.create(username="dispatcher_spare_pages", role="dispatcher",
                                org_node=street_dispatcher(grid).org_node)
    response = act(client_for(spare), incident, "dismiss", reason="重复上报")
    assert response.status_code == 403 and "值班长" in response.content.decode()
    assert 'data-testid="form-dismiss"' not in client_for(spare).get(f"/incidents/{incident.pk}/").content.decode()
    # an action not in the table
    assert act(client_for(street_dispatcher(grid)), incident, "explode").status_code == 404
    assert client_for(street_dispatcher(grid)).get(f"/incidents/{incident.pk}/register/").status_code == 405
    incident.refresh_from_db()
    assert incident.state == "reported" and incident.history.count() == 1


def test_bad_bytes_and_bad_values_are_400_with_the_message_and_change_nothing():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = client_for(street_dispatcher(grid))
    response = act(center, incident, "register", category="NOPE99")
    assert response.status_code == 400 and "请选择问题类别" in response.content.decode()
    response = act(center, incident, "register", category="SJ0102", tier="sideways")
    assert response.status_code == 400 and "处置方式无效" in response.content.decode()
    response = act(center, incident, "merge", into="E0000")
    assert response.status_code == 400 and "没有找到编号" in response.content.decode()
    assert fresh(incident).state == "reported"
    incident_register(actor=street_dispatcher(grid), incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=street_dispatcher(grid), incident_id=incident.pk, department="城管")
    dept = client_for(staff("dept_cg"))
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>" * 20, content_type="image/jpeg")
    response = dept.post(f"/incidents/{incident.pk}/handle/", {"resolution": "solved", "note": "已清运",
                                                              "photos": [fake]})
    body = response.content.decode()
    assert response.status_code == 400 and "不是 JPG、PNG 或 WebP 图片" in body
    assert "已清运" in body  # what was typed is kept
    response = dept.post(f"/incidents/{incident.pk}/handle/", {"resolution": "maybe", "note": "已清运"})
    assert response.status_code == 400 and "请选择处置结果" in response.content.decode()
    response = act(dept, incident, "extend", value="9999", unit="days", reason="需要时间")
    assert response.status_code == 400
    response = act(dept, incident, "extend", value="\x00", unit="weeks", reason="需要时间")
    assert response.status_code == 400
    assert fresh(incident).state == "handling" and not IncidentPhoto.objects.filter(incident=incident,
                                                                                   stage="handled").exists()
    assert not ExtensionRequest.objects.filter(order__incident=incident).exists()


def test_photos_are_served_only_to_those_who_may_see_the_incident():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, photos=[phone_jpeg()])
    photo = IncidentPhoto.objects.get(incident=incident)
    response = client_for(street_dispatcher(grid)).get(f"/incidents/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == photo.content_type
    assert "private" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    data = b"".join(response.streaming_content)
    assert data[:2] == b"\xff\xd8" and b"Huawei" not in data
    assert client_for(staff("dept_cg")).get(f"/incidents/photos/{photo.pk}/").status_code == 404
    assert client_for(staff("dept_cg")).get("/incidents/photos/999999999/").status_code == 404
    assert Client().get(f"/incidents/photos/{photo.pk}/").status_code == 302  # to the login


# ---- every form drawn is one the tables allow ----------------------------------------------------------------------

class Forms(HTMLParser):
    """The POST forms of a page with the values a person would send: a select's selected option (else its first),
    inputs' values, and which fields are files; each submit button's name and value."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {},
                          "types": {}, "files": [], "buttons": []}
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "button":
            form["buttons"].append((name, a.get("value")))
        elif tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "file":
                form["files"].append(name)
            else:
                form["fields"][name] = a.get("value", "")
                form["types"][name] = kind
        elif tag == "select" and name:
            self._select = name
            form["types"][name] = "select"
        elif tag == "option" and self._select:
            if self._select not in form["fields"] or "selected" in a:
                form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            form["fields"][name] = ""
            form["types"][name] = "textarea"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _filled(form: dict) -> dict:
    data = dict(form["fields"])
    for name, kind in form["types"].items():
        if data.get(name):
            continue
        if kind == "number":
            data[name] = "2"
        elif kind == "datetime-local":
            data[name] = "2026-01-05T09:00"
        elif kind in ("text", "textarea"):
            data[name] = FILLER
    for name in form["files"]:
        data[name] = [phone_jpeg()]
    return data


def _press_every_form(client: Client, incident: Incident, who: str) -> list[str]:
    """Press every button of every form the incident page draws for this client, each in a savepoint rolled back.
    Returns the actions pressed."""
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200, (who, response.status_code)
    parser = Forms()
    parser.feed(response.content.decode())
    pressed = []
    for form in parser.forms:
        if form["method"] != "post" or not form["action"].startswith(f"/incidents/{incident.pk}/"):
            continue
        for name, value in form["buttons"] or [(None, None)]:
            data = _filled(form)
            if name:
                data[name] = value
            with transaction.atomic():
                result = client.post(form["action"], data)
                transaction.set_rollback(True)
            action = form["action"].rstrip("/").rsplit("/", 1)[-1]
            pressed.append(action)
            body = result.content.decode()
            assert result.status_code in (303, 400), (who, incident.state, action, result.status_code,
                                                       body[body.find("action-error"):][:300])
            if result.status_code == 400:
                assert 'data-testid="action-error"' in body, (who, action)
    return pressed


def _people(grid):
    return {
        "street dispatcher": street_dispatcher(grid), "district dispatcher": staff("dispatcher"),
        "leader": staff("leader"), "admin": staff("admin"), "supervisor": supervisor_of(grid),
        "grid worker": grid_worker(grid), "城管": staff("dept_cg"), "公安": staff("dept_ga"),
    }


def _states(grid) -> dict[str, Incident]:
    """One incident in each state the crawl looks at."""
    worker, dispatcher = grid_worker(grid), street_dispatcher(grid)
    cg, ga = staff("dept_cg"), staff("dept_ga")
    made = {"reported": report(worker, grid=grid)}
    report(worker, grid=grid, text="同一处绿化带又有垃圾了")  # a duplicate for the merge buttons
    meeting = report(worker, grid=grid, category="SQ0205", text="老街12号房屋墙体开裂，有倒塌危险")
    incident_register(actor=dispatcher, incident_id=meeting.pk)
    made["registered (meeting)"] = meeting
    whistle = report(worker, grid=grid, category="SJ0101", text="楼顶有人违规加盖两层铁皮房")
    incident_register(actor=dispatcher, incident_id=whistle.pk, tier="whistle")
    made["registered (whistle)"] = whistle
    sent = report(worker, grid=grid, category="SJ0101", text="河边有人私搭乱建棚屋")
    incident_register(actor=dispatcher, incident_id=sent.pk, tier="whistle")
    incident_dispatch(actor=dispatcher, incident_id=sent.pk, department="城管", co=[("公安", "维持秩序")])
    made["dispatched (whistle)"] = sent
    running = report(worker, grid=grid, text="路口垃圾桶满了溢出来")
    incident_register(actor=dispatcher, incident_id=running.pk)
    incident_dispatch(actor=dispatcher, incident_id=running.pk, department="城管")
    order_accept(actor=cg, incident_id=running.pk)
    extension_request(actor=cg, incident_id=running.pk, value=1, unit="days", reason="等待清运车")
    made["handling with an extension"] = running
    handled = report(worker, grid=grid, text="绿化带里有建筑垃圾")
    incident_register(actor=dispatcher, incident_id=handled.pk)
    incident_dispatch(actor=dispatcher, incident_id=handled.pk, department="城管")
    order_accept(actor=cg, incident_id=handled.pk)
    incident_handle(actor=cg, incident_id=handled.pk, resolution="solved", note="已清运", photos=[phone_jpeg()])
    made["handled"] = handled
    verified = report(worker, grid=grid, text="人行道上堆着装修垃圾")
    incident_register(actor=dispatcher, incident_id=verified.pk)
    incident_dispatch(actor=dispatcher, incident_id=verified.pk, department="城管")
    order_accept(actor=cg, incident_id=verified.pk)
    incident_handle(actor=cg, incident_id=verified.pk, resolution="solved", note="已清运", photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=verified.pk, passed=True, photos=[phone_jpeg()])
    made["verified"] = verified
    resident, closed = resident_request("楼下路灯坏了一个星期")
    incident_register(actor=dispatcher, incident_id=closed.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=closed.pk, department="城管")
    order_accept(actor=cg, incident_id=closed.pk)
    incident_handle(actor=cg, incident_id=closed.pk, resolution="solved", note="已修好", photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(closed.grid), incident_id=closed.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=dispatcher, incident_id=closed.pk)
    made["closed request"] = closed
    assert ga  # the co-department of the whistle
    return made, resident


def test_every_form_the_page_draws_for_a_role_is_one_the_tables_allow():
    grid = first_grid()
    incidents, resident = _states(grid)
    people = {**_people(grid), "resident": resident}
    pressed: dict[str, set[str]] = {}
    for label, incident in incidents.items():
        assert incident.grid_id == grid.pk or label == "closed request"
        for who, user in people.items():
            client = client_for(user)
            if client.get(f"/incidents/{incident.pk}/").status_code == 404:
                continue  # out of the role's scope: nothing to press
            pressed.setdefault(label, set()).update(f"{who}:{a}" for a in _press_every_form(client, incident, who))
    # the crawl met every kind of form
    met = {p.split(":")[1] for ps in pressed.values() for p in ps}
    assert {"register", "dismiss", "merge", "meeting", "dispatch", "accept", "return", "part", "handle",
            "handle_on_spot", "verify", "close", "review", "rate", "reopen", "extend",
            "decide_extension"} <= met, met
    assert "street dispatcher:dismiss" in pressed["reported"] and "leader:register" not in pressed["reported"]
    assert "grid worker:handle_on_spot" in pressed["reported"]
    assert "公安:part" in pressed["dispatched (whistle)"] and "公安:accept" not in pressed["dispatched (whistle)"]
    assert "street dispatcher:dispatch" not in pressed["registered (meeting)"]  # a meeting comes first
    # nothing was changed by the crawl
    assert fresh(incidents["reported"]).state == "reported"
    assert fresh(incidents["closed request"]).state == "closed"


def test_the_page_shows_the_report_the_timeline_and_the_orders():
    resident, incident = resident_request("楼道里有人飞线充电，很危险")
    Incident.objects.filter(pk=incident.pk).update(hide_identity=True)
    dispatcher = street_dispatcher(incident.grid)
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管", part="上门检查")
    name = resident.resident.name
    center_page = client_for(dispatcher).get(f"/incidents/{incident.pk}/").content.decode()
    assert name in center_page and 'data-testid="step-dispatch"' in center_page and "上门检查" in center_page
    dept_page = client_for(staff("dept_cg")).get(f"/incidents/{incident.pk}/").content.decode()
    assert name not in dept_page and "报告人要求对部门保密" in dept_page
    assert 'id="incident-map-data"' in dept_page and "<script>" not in dept_page.replace(
        '<script src="', "").split("</main>")[0]


def test_a_phone_call_shows_the_callers_phone_masked():
    center = street_dispatcher(first_grid())
    grid = first_grid()
    from doorstep.incidents.tests.helpers import grid_point

    lat, lon = grid_point(grid)
    incident = incident_report(actor=center, data=ReportIn(
        description="来电反映小区东门路灯不亮", channel="phone", caller_name="王先生", caller_phone="13912345678",
        latitude=lat, longitude=lon), idempotency_key=new_key())
    page = client_for(center).get(f"/incidents/{incident.pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page and "王先生" in page


def test_the_reopen_window_decides_the_reopen_form():
    import time_machine

    resident, incident = resident_request("小区路灯又坏了")
    dispatcher = street_dispatcher(incident.grid)
    incident_register(actor=dispatcher, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="城管")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已修",
                    photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(incident.grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=dispatcher, incident_id=incident.pk)
    assert 'data-testid="form-reopen"' in client_for(resident).get(f"/incidents/{incident.pk}/").content.decode()
    with time_machine.travel(datetime.timedelta(days=11)):
        page = client_for(resident).get(f"/incidents/{incident.pk}/").content.decode()
        assert 'data-testid="form-reopen"' not in page
        response = act(client_for(resident), incident, "reopen", reason="又坏了")
        assert response.status_code == 409 and "10天" in response.content.decode()
