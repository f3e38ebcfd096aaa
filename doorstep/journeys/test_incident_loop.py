"""Issue #13 item 10 in the browser: the grid's closed loop, journeys 10 and 14 of STORIES.md.

- Journey 10: grid worker 王敏辉 (金地花园, grid 3) reports adverts pasted on a building from her phone with a photo
  and the place tapped on her grid's map; the street's command center registers the report from 新上报 and
  dispatches it to 城管 as suggested; 城管 accepts and reports it handled with an after-photo; the community's
  supervisor checks on site on a phone and passes it; the center closes it. Every step is on the incident's timeline
  with its time, and no stored photo keeps its EXIF.
- Journey 14: a resident asks (一呼即应) about wires pulled to charge e-bikes in the stairwell, hiding their identity
  from departments; the center registers it as a whistle (吹哨) — 物业 leads, 应急 takes a part — the co-department
  reports its part, the lead handles it, the supervisor verifies, the center closes, and the resident rates it
  非常满意 and sees the progress at 已评价. The departments never see the resident's name or phone; the center does.
- Then the resident reopens it within the window and the center finds it back in 待派遣.

Every page runs under the site's CSP, and any script error, failed console message or CSP violation fails the
journey (the `screens` fixture below)."""

import io
import re

import pytest
from PIL import Image

from doorstep.conftest import user
from doorstep.incidents.models import Incident, IncidentHistory, IncidentPhoto
from doorstep.incidents.tests.helpers import grid_point, phone_jpeg

from .conftest import watch_csp
from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}
GRID = "430302001001003"  # 金地花园社区 grid 3, 王敏辉's (demo.build._grid_worker_name)
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · ")


@pytest.fixture
def screens(browser, live_server, settings, tmp_path):
    """Opens one browser context per person (a phone by default, or a desk; with the device's position when given)
    and fails the journey on any script error, console error or CSP violation in any of them."""
    settings.MEDIA_ROOT = tmp_path
    contexts, problems = [], []

    def open_screen(size=PHONE, *, position=None):
        options = {"viewport": size, "base_url": live_server.url, "locale": "zh-CN"}
        if position is not None:
            options.update(geolocation={"latitude": position[0], "longitude": position[1]},
                           permissions=["geolocation"])
        context = browser.new_context(**options)
        contexts.append((context, watch_csp(context)))
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("pageerror", lambda exc: problems.append(f"{page.url}: page error: {exc}"))
        page.on("console", lambda msg: problems.append(f"{page.url}: console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        return page

    yield open_screen
    for context, violations in contexts:
        context.close()
        problems.extend(f"CSP: {v}" for v in violations)
    assert not problems, problems


def photo(name: str, color=(200, 60, 40)) -> dict:
    """A phone camera's JPEG (GPS and device in its EXIF) as a file chosen in the browser."""
    return {"name": name, "mimeType": "image/jpeg", "buffer": phone_jpeg(name, size=(640, 480), color=color).read()}


def no_exif(incident: Incident) -> list[str]:
    """The stages of the incident's stored photos, after checking that none keeps the phone's EXIF."""
    stages = []
    for p in IncidentPhoto.objects.filter(incident=incident).order_by("id"):
        with p.file.open("rb") as f:
            data = f.read()
        assert b"Exif" not in data and b"Huawei" not in data and b"P60" not in data, p.file.name
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif(), p.file.name
        stages.append(p.stage)
    return stages


def timeline(page) -> list[tuple[str, str]]:
    """The detail page's timeline, in order: (the step's action, its line), each line starting with its time."""
    rows = page.locator("[data-testid=timeline] li")
    steps = [(rows.nth(i).get_attribute("data-testid").removeprefix("step-"), rows.nth(i).text_content().strip())
             for i in range(rows.count())]
    assert all(STAMP.match(line) for _, line in steps), steps
    return steps


def act(page, action: str) -> None:
    """Press an action's button on the incident page and wait for the page it redirects to."""
    with page.expect_navigation():
        page.click(f"[data-testid=act-{action}]")
    assert page.locator("[data-testid=action-error]").count() == 0, page.text_content("[data-testid=action-error]")


def narrow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


# ---- journey 10 ------------------------------------------------------------------------------------------------------

def test_journey_10_a_grid_worker_reports_adverts_and_the_loop_closes(world, screens):
    worker = screens()
    login(worker, "gw_001001003")
    worker.goto("/incidents/report/")
    assert worker.text_content("h1").strip() == "事件上报"
    worker.wait_for_selector("[data-report-map][data-ready='1']")
    worker.select_option("[data-testid=category]", "SJ0201")  # 非法小广告
    worker.fill("[data-testid=description]", "金地花园3栋单元门口和外墙上贴满了小广告，有办证电话")
    worker.set_input_files("[data-testid=photos]", files=[photo("IMG_2031.jpg")])
    worker.wait_for_selector("[data-testid=photo-preview] img")
    worker.click("[data-testid=report-map]")  # the middle of her grid's map
    worker.wait_for_function("() => document.querySelector('[data-testid=latitude]').value !== ''")
    assert "已选位置" in worker.text_content("[data-testid=point-label]")
    worker.fill("[data-testid=address]", "金地花园3栋")
    narrow(worker)
    with worker.expect_navigation():
        worker.click("[data-testid=report-submit]")
    number = worker.text_content("[data-testid=incident-number]").strip()
    assert f"已上报，事件编号 {number}" in worker.text_content(".alert-success")
    assert worker.text_content("[data-testid=incident-state]") == "待立案"
    worker.wait_for_selector("#incident-map[data-ready='1']")
    narrow(worker)
    incident = Incident.objects.get(number=number)
    assert (incident.grid.code, incident.channel, incident.category.code) == (GRID, "grid", "SJ0201")

    center = screens(DESK)
    login(center, "dispatcher_s01")
    center.goto("/incidents/center/")
    row = center.locator("[data-testid=incident-row]", has=center.locator(f"text={number}"))
    assert "城管" in row.locator("[data-testid=suggestion]").text_content()
    with center.expect_navigation():
        row.locator("[data-testid=quick-register]").click()  # 立案：非法小广告
    center.goto("/incidents/center/?tab=registered")
    row = center.locator("[data-testid=incident-row]", has=center.locator(f"text={number}"))
    with center.expect_navigation():
        row.locator("[data-testid=go-dispatch]").click()
    assert center.text_content("[data-testid=incident-state]") == "待派遣"
    chosen = center.eval_on_selector("#dispatch-department", "s => s.selectedOptions[0].textContent")
    assert chosen == "城管"  # the suggestion, as the form starts
    center.fill("#dispatch-part", "清除3栋单元门口和外墙的小广告")
    act(center, "dispatch")
    assert center.text_content("[data-testid=incident-state]") == "待接单"

    department = screens(DESK)
    login(department, "dept_cg")
    department.goto("/incidents/orders/")
    department.click(f"[data-testid=order-row]:has-text('{number}')")
    act(department, "accept")
    department.select_option("#handle-resolution", "solved")
    department.fill("#handle-note", "已铲除外墙和单元门口的小广告，墙面已清洗")
    department.set_input_files("#handle-photos", files=[photo("after.jpg", color=(230, 230, 230))])
    act(department, "handle")
    assert department.text_content("[data-testid=incident-state]") == "待核查"

    lat, lon = grid_point(incident.grid)
    supervisor = screens(position=(lat, lon))
    login(supervisor, "supervisor_c001001")
    supervisor.goto("/incidents/verify/")
    row = supervisor.locator("[data-testid=verify-row]", has=supervisor.locator(f"text={number}"))
    row.locator("[data-testid=after-photo]").wait_for()
    narrow(supervisor)
    with supervisor.expect_navigation():
        row.locator("[data-testid=go-verify]").click()
    supervisor.wait_for_function("() => document.querySelector('[data-geo-latitude]').value !== ''")
    supervisor.fill("#verify-note", "现场已清理干净")
    supervisor.set_input_files("#verify-photos", files=[photo("check.jpg", color=(240, 240, 240))])
    narrow(supervisor)
    act(supervisor, "verify")
    assert supervisor.text_content("[data-testid=incident-state]") == "待结案"

    center.goto(f"/incidents/{incident.pk}/")
    act(center, "close")
    assert center.text_content("[data-testid=incident-state]") == "已结案"
    steps = timeline(center)
    actions = [action for action, _ in steps]
    assert actions == ["report", "register", "dispatch", "accept", "handle", "verify", "close"], steps
    assert "王敏辉" in steps[0][1] and "城管" in center.text_content("[data-testid=orders]")

    # feedback: she hears it is closed on her phone, and her list shows it done
    worker.goto("/inbox/")
    with worker.expect_navigation():
        worker.locator("[data-testid=inbox-item]", has_text=f"您反映的问题已办结：{number}").first.click()
    assert worker.text_content("[data-testid=incident-number]").strip() == number
    assert worker.text_content("[data-testid=incident-state]") == "已结案"
    worker.goto("/incidents/mine/")
    row = worker.locator("[data-testid=report-row]", has=worker.locator(f"text={number}"))
    assert row.locator("[data-testid=progress] li").count() == 5  # an incident has nobody to rate it: 已办结 ends it
    assert row.locator("[data-testid=progress] li.text-success").count() == 5
    narrow(worker)

    incident.refresh_from_db()
    assert incident.state == "closed" and incident.resolution == "solved"
    assert incident.handling_seconds is not None and incident.closed_in_time is True
    assert list(IncidentHistory.objects.filter(incident=incident).values_list("action", flat=True)) == actions
    assert no_exif(incident) == ["report", "handled", "verification"]
    verification = incident.verifications.get()
    assert verification.passed and verification.latitude is not None


# ---- journey 14 ------------------------------------------------------------------------------------------------------



RESIDENT = "13800000002"  # 姜建国, 金地花园社区 (demo.build.STORY_RESIDENTS)


def hidden_from(page, resident) -> None:
    """The page shows the reporter as hidden and neither their name nor their phone (whole or masked)."""
    text = page.content()
    assert resident.name not in text and RESIDENT not in text and resident.phone_masked not in text, page.url


def test_journey_14_a_resident_asks_a_whistle_brings_two_departments_and_she_rates_it(world, screens):
    account = user(RESIDENT)
    resident = account.resident
    phone = screens()
    login(phone, RESIDENT)
    phone.goto("/incidents/report/")
    assert phone.text_content("h1").strip() == "一呼即应"
    assert "默认地点" in phone.text_content("[data-testid=home-place]")  # their home's building unless they tap
    phone.fill("[data-testid=description]", "我们单元楼道里有人从三楼窗户私拉电线飞线充电，电线就挂在楼道口，很危险")
    phone.check("[data-testid=hide-identity]")
    # hiding her identity, the home is no longer the place (it would tell the department where she lives): she
    # gives her phone's position, in the stairwell of her building
    assert phone.input_value("input[name=building]") == ""
    home = resident.household.building
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": home.latitude, "longitude": home.longitude})
    phone.click("[data-testid=locate]")
    phone.wait_for_function("() => document.querySelector('[data-testid=latitude]').value !== ''")
    narrow(phone)
    with phone.expect_navigation():
        phone.click("[data-testid=report-submit]")
    number = phone.text_content("[data-testid=incident-number]").strip()
    assert f"您的诉求已提交，编号 {number}" in phone.text_content(".alert-success")
    incident = Incident.objects.get(number=number)
    assert (incident.kind, incident.channel, incident.hide_identity) == ("request", "resident", True)
    assert incident.grid.code.startswith("430302001001") and incident.category is None

    center = screens(DESK)
    login(center, "dispatcher_s01")
    center.goto("/incidents/center/")
    row = center.locator("[data-testid=incident-row]", has=center.locator(f"text={number}"))
    row.locator("[data-testid=suggestion]").wait_for()
    with center.expect_navigation():
        row.locator("[data-testid=incident-link]").click()
    assert resident.name in center.text_content("[data-testid=reporter]")  # the center sees who asked …
    assert resident.phone_masked in center.text_content("[data-testid=reporter-phone]")
    tiers = center.eval_on_selector_all("#register-tier option", "os => os.map(o => o.textContent)")
    assert {"前端自处置", "会议处置", "吹哨处置"} <= set(tiers)  # on the spot, in a meeting, or a whistle
    center.select_option("#register-category", "SQ0201")  # 飞线充电
    center.select_option("#register-tier", "whistle")
    center.fill("#register-note", "涉及消防安全，物业牵头、应急协同")
    act(center, "register")
    assert center.text_content("[data-testid=incident-state]") == "待派遣"
    center.select_option("#dispatch-department", label="物业")
    center.fill("#dispatch-part", "拆除飞线，劝导住户到集中充电点充电")
    center.select_option("[name=co_department_0]", label="应急")
    center.fill("[name=co_part_0]", "上门开展消防安全检查和宣传")
    for i in (1, 2):
        center.select_option(f"[name=co_department_{i}]", "")
    act(center, "dispatch")
    assert center.text_content("[data-testid=incident-state]") == "待接单"
    orders = center.text_content("[data-testid=orders]")
    assert "物业" in orders and "应急" in orders and "协办" in orders

    co = screens(DESK)
    login(co, "dept_yj")
    co.goto("/incidents/orders/")
    row = co.locator("[data-testid=order-row]", has=co.locator(f"text={number}"))
    assert row.locator("[data-testid=co-order]").count() == 1
    assert "报告人要求对部门保密" in row.locator("[data-testid=reporter]").text_content()
    hidden_from(co, resident)
    with co.expect_navigation():
        row.click()
    hidden_from(co, resident)
    co.select_option("#part-step", "accept")
    act(co, "part")
    co.select_option("#part-step", "done")
    co.fill("#part-note", "已上门检查楼道消防设施并向住户宣传电动车充电安全")
    act(co, "part")
    hidden_from(co, resident)

    lead = screens(DESK)
    login(lead, "dept_wy")
    lead.goto("/incidents/orders/")
    row = lead.locator("[data-testid=order-row]", has=lead.locator(f"text={number}"))
    hidden_from(lead, resident)
    with lead.expect_navigation():
        row.click()
    assert "报告人要求对部门保密" in lead.text_content("[data-testid=reporter]")
    hidden_from(lead, resident)
    act(lead, "accept")
    lead.select_option("#handle-resolution", "solved")
    lead.fill("#handle-note", "已拆除飞线，住户已改到小区集中充电桩充电")
    lead.set_input_files("#handle-photos", files=[photo("wires-gone.jpg", color=(90, 90, 90))])
    act(lead, "handle")
    assert lead.text_content("[data-testid=incident-state]") == "待核查"
    hidden_from(lead, resident)

    supervisor = screens()
    login(supervisor, "supervisor_c001001")
    supervisor.goto("/incidents/verify/")
    row = supervisor.locator("[data-testid=verify-row]", has=supervisor.locator(f"text={number}"))
    with supervisor.expect_navigation():
        row.locator("[data-testid=go-verify]").click()
    supervisor.fill("#verify-note", "楼道内已无飞线")
    supervisor.set_input_files("#verify-photos", files=[photo("stairwell.jpg", color=(250, 250, 240))])
    narrow(supervisor)
    act(supervisor, "verify")

    center.goto(f"/incidents/{incident.pk}/")
    act(center, "close")
    assert center.text_content("[data-testid=incident-state]") == "已结案"

    phone.goto("/incidents/mine/")
    row = phone.locator("[data-testid=report-row]", has=phone.locator(f"text={number}"))
    assert row.locator("[data-testid=progress-current]").text_content().strip() == "已办结"
    with phone.expect_navigation():
        row.locator("[data-testid=go-rate]").click()
    phone.select_option("#rating-level", label="非常满意")
    phone.select_option("#rating-solved", "1")
    phone.fill("#rating-comment", "当天就处理好了，谢谢")
    narrow(phone)
    act(phone, "rate")
    assert "感谢您的评价" in phone.text_content(".alert-success")
    assert "5 星 · 已解决" in phone.text_content("[data-testid=ratings]")
    phone.goto("/incidents/mine/")
    row = phone.locator("[data-testid=report-row]", has=phone.locator(f"text={number}"))
    steps = row.locator("[data-testid=progress] li")
    assert [steps.nth(i).text_content().strip() for i in range(steps.count())] == [
        "已上报", "已立案", "处置中", "待核查", "已办结", "已评价"]
    assert row.locator("[data-testid=progress] li.text-success").count() == 6  # every step done, 已评价 the last
    assert row.locator("[data-testid=go-rate]").count() == 0
    narrow(phone)

    center.goto(f"/incidents/{incident.pk}/")
    steps = timeline(center)
    assert [action for action, _ in steps] == ["report", "register", "dispatch", "part", "part", "accept", "handle",
                                               "verify", "close", "rate"], steps
    assert resident.name in steps[0][1]  # the center sees who asked and who rated …
    lead.goto(f"/incidents/{incident.pk}/")
    assert [line.split(" · ")[2] for action, line in timeline(lead) if action in ("report", "rate")] == [
        "报告人", "报告人"]  # … a department, after the end too, does not
    hidden_from(lead, resident)
    incident.refresh_from_db()
    assert incident.state == "reviewed" and incident.tier == "whistle"
    rating = incident.ratings.get()
    assert (rating.level, rating.solved) == (5, True)
    assert no_exif(incident) == ["handled", "verification"]


# ---- reopened within the window ----------------------------------------------------------------------------------

def test_a_resident_reopens_within_the_window_and_the_center_has_it_back_to_dispatch(world, screens):
    from doorstep.core.idempotency import new_key
    from doorstep.incidents.services import center as center_services
    from doorstep.incidents.services import handling
    from doorstep.incidents.services.intake import ReportIn, incident_report

    account = user(RESIDENT)
    incident = incident_report(actor=account, data=ReportIn(description="楼道里又有人从窗户拉电线给电瓶车充电"),
                               idempotency_key=new_key())
    dispatcher, department = user("dispatcher_s01"), user("dept_wy")
    center_services.incident_register(actor=dispatcher, incident_id=incident.pk, category="SQ0201")
    center_services.incident_dispatch(actor=dispatcher, incident_id=incident.pk, department="物业")
    handling.order_accept(actor=department, incident_id=incident.pk)
    handling.incident_handle(actor=department, incident_id=incident.pk, resolution="solved", note="已拆除",
                             photos=[phone_jpeg()])
    handling.incident_verify(actor=user("supervisor_c001001"), incident_id=incident.pk, passed=True,
                             photos=[phone_jpeg()])
    center_services.incident_close(actor=dispatcher, incident_id=incident.pk)

    phone = screens()
    login(phone, RESIDENT)
    phone.goto("/incidents/mine/")
    row = phone.locator("[data-testid=report-row]", has=phone.locator(f"text={incident.number}"))
    with phone.expect_navigation():
        row.locator("[data-testid=go-reopen]").click()
    phone.fill("#reopen-reason", "第二天晚上电线又拉起来了")
    narrow(phone)
    act(phone, "reopen")
    assert "已重新办理" in phone.text_content(".alert-success")
    assert phone.text_content("[data-testid=incident-state]") == "已受理，正在安排办理"  # the state in plain words

    desk = screens(DESK)
    login(desk, "dispatcher_s01")
    desk.goto("/incidents/center/?tab=registered")
    row = desk.locator("[data-testid=incident-row]", has=desk.locator(f"text={incident.number}"))
    with desk.expect_navigation():
        row.locator("[data-testid=go-dispatch]").click()
    assert "重新办理 1 次" in desk.text_content("[data-testid=report]")
    assert desk.locator("[data-testid=form-dispatch]").count() == 1
    assert "第二天晚上电线又拉起来了" in desk.text_content("[data-testid=step-reopen]")
    incident.refresh_from_db()
    assert (incident.state, incident.reopen_count) == ("registered", 1)
