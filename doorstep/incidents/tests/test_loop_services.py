"""The loop through its services, on the demo district: intake from each channel, every step's write path (lock,
authority, table, history, audit, notification), the counts, merges, whistles, rework, reopen and ratings."""

import datetime

import pytest
from django.utils import timezone
from PIL import Image

from doorstep.audit.models import AuditEvent
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.incidents.models import DispatchOrder, Incident, IncidentHistory, IncidentPhoto, Verification
from doorstep.incidents.selectors import incident_get_for_user, incidents_in_scope
from doorstep.incidents.services.center import (
    incident_close,
    incident_dismiss,
    incident_dispatch,
    incident_meeting,
    incident_merge,
    incident_register,
    incident_reopen,
    incident_review,
)
from doorstep.incidents.services.handling import (
    incident_handle,
    incident_handle_on_spot,
    incident_rate,
    incident_verify,
    order_accept,
    order_part,
    order_return,
)
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_point,
    grid_worker,
    phone_jpeg,
    report,
    resident_user,
    staff,
    street_dispatcher,
    supervisor_of,
)
from doorstep.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _through_handling(incident, *, department="城管"):
    grid = incident.grid
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department=department)
    dept = staff("dept_cg")
    order_accept(actor=dept, incident_id=incident.pk)
    incident_handle(actor=dept, incident_id=incident.pk, resolution="solved", note="已清运", photos=[phone_jpeg()])
    return Incident.objects.get(pk=incident.pk)


def test_a_grid_worker_reports_from_the_street_and_the_point_decides_the_grid():
    grid = first_grid()
    worker = grid_worker(grid)
    incident = report(worker, grid=grid, photos=[phone_jpeg(), phone_jpeg("b.jpg")])
    assert incident.state == "reported" and incident.kind == "incident" and incident.channel == "grid"
    assert incident.path == grid.code and incident.grid_id == grid.pk
    assert incident.number.startswith("E430302") and len(incident.number) == 20
    assert incident.photos.count() == 2
    assert AuditEvent.objects.filter(action="incident.report", target_id=str(incident.pk)).exists()
    assert IncidentHistory.objects.filter(incident=incident, action="report").count() == 1


def test_twenty_replays_of_one_submission_make_one_incident():
    grid = first_grid()
    worker = grid_worker(grid)
    key = new_key()
    first = report(worker, grid=grid, key=key)
    for _ in range(19):
        assert report(worker, grid=grid, key=key).pk == first.pk
    assert Incident.objects.filter(submitted_by=worker, description=first.description).count() == 1


def test_stored_photos_carry_no_exif():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, photos=[phone_jpeg()])
    photo = IncidentPhoto.objects.get(incident=incident)
    with photo.file.open("rb") as f:
        data = f.read()
    assert b"Exif" not in data and b"Huawei" not in data
    with Image.open(photo.file.path) as image:
        assert not image.getexif()


@pytest.mark.parametrize(("field", "value", "error_field"), [
    ("description", "垃圾", "description"),
    ("category", "NOPE99", "category"),
    ("latitude", "not-a-number", "latitude"),
    ("latitude", "91", "latitude"),
])
def test_bad_reports_are_refused_and_change_nothing(field, value, error_field):
    grid = first_grid()
    worker = grid_worker(grid)
    lat, lon = grid_point(grid)
    values = {"description": "3栋东侧绿化带暴露垃圾约2方", "category": "SJ0102", "latitude": lat, "longitude": lon}
    values[field] = value
    before = Incident.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        incident_report(actor=worker, data=ReportIn(**values), idempotency_key=new_key())
    assert caught.value.field == error_field
    assert Incident.objects.count() == before


def test_a_point_outside_every_grid_is_refused():
    worker = grid_worker(first_grid())
    with pytest.raises(ValidationFailed, match="网格范围"):
        incident_report(actor=worker, data=ReportIn(description="路边垃圾堆了好多天", category="SJ0102", latitude=10.0,
                                                    longitude=10.0), idempotency_key=new_key())


def test_a_resident_may_hide_their_identity_from_departments_but_never_from_the_center():
    from doorstep.incidents.selectors import reporter_visible

    resident = resident_user()
    incident = incident_report(actor=resident, data=ReportIn(description="楼道里有人飞线充电，很危险", hide_identity=True),
                               idempotency_key=new_key())
    assert incident.kind == "request" and incident.category is None and incident.hide_identity
    assert reporter_visible(street_dispatcher(incident.grid or first_grid()), incident)
    assert not reporter_visible(staff("dept_cg"), incident)


def test_the_whole_loop_from_report_to_rating(django_capture_on_commit_callbacks):
    resident = resident_user()
    with django_capture_on_commit_callbacks(execute=True):
        incident = _whole_loop(resident)
    incident.refresh_from_db()
    assert incident.state == "reviewed"
    assert incident.handling_seconds is not None and incident.closed_in_time is not None
    steps = list(IncidentHistory.objects.filter(incident=incident).values_list("action", flat=True))
    assert steps == ["report", "register", "dispatch", "accept", "handle", "verify", "close", "rate"]
    assert Notification.objects.filter(user=resident, kind="incident.close").exists()
    assert Notification.objects.filter(user=staff("dept_cg"), kind="incident.dispatch").exists()


def _whole_loop(resident):
    incident = incident_report(actor=resident, data=ReportIn(description="小区门口垃圾堆了三天没人清理"),
                               idempotency_key=new_key())
    grid = incident.grid
    center = street_dispatcher(grid) if grid else staff("dispatcher")
    incident_register(actor=center, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管", part="清运垃圾")
    dept = staff("dept_cg")
    order_accept(actor=dept, incident_id=incident.pk)
    incident_handle(actor=dept, incident_id=incident.pk, resolution="solved", note="已清运", photos=[phone_jpeg()])
    supervisor = supervisor_of(grid) if grid else None
    incident_verify(actor=supervisor, incident_id=incident.pk, passed=True, note="现场已干净", photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    incident_rate(actor=resident, incident_id=incident.pk, level=5, solved=True, comment="很快")
    return incident


def test_no_close_without_a_verification_record():
    grid = first_grid()
    incident = _through_handling(report(grid_worker(grid), grid=grid))
    with pytest.raises(Conflict):
        incident_close(actor=street_dispatcher(grid), incident_id=incident.pk)
    assert not Verification.objects.filter(incident=incident).exists()


def test_a_failed_verification_sends_it_back_as_rework_and_counts_it():
    grid = first_grid()
    incident = _through_handling(report(grid_worker(grid), grid=grid))
    with pytest.raises(ValidationFailed):  # a failure needs a photo and a note
        incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=False, note="还有垃圾")
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=False, note="还有垃圾",
                    photos=[phone_jpeg()])
    incident.refresh_from_db()
    assert incident.state == "handling" and incident.rework_count == 1
    assert DispatchOrder.objects.get(incident=incident, role="lead").state == "accepted"
    dept = staff("dept_cg")
    incident_handle(actor=dept, incident_id=incident.pk, resolution="solved", note="再次清运", photos=[phone_jpeg()])
    with pytest.raises(Conflict):  # the failed verification does not speak for the new handling
        incident_close(actor=street_dispatcher(grid), incident_id=incident.pk)


def test_a_return_goes_back_to_the_center_and_is_counted():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="公安")
    with pytest.raises(ValidationFailed):
        order_return(actor=staff("dept_ga"), incident_id=incident.pk, reason="")
    order_return(actor=staff("dept_ga"), incident_id=incident.pk, reason="属城管职责")
    incident.refresh_from_db()
    assert incident.state == "registered" and incident.return_count == 1
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    assert DispatchOrder.objects.filter(incident=incident).count() == 2
    assert DispatchOrder.objects.get(incident=incident, department__short_name="城管").round == 2


def test_a_whistle_waits_for_every_co_department():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, category="SJ0101", text="楼顶有人违规加盖两层铁皮房")
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管", co=[("公安", "维持现场秩序")])
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    with pytest.raises(Conflict, match="协办"):
        incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已拆除",
                        photos=[phone_jpeg()])
    order_part(actor=staff("dept_ga"), incident_id=incident.pk, step="done", note="现场秩序良好")
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已拆除",
                    photos=[phone_jpeg()])
    assert Incident.objects.get(pk=incident.pk).state == "handled"


def test_a_meeting_tier_is_dispatched_only_after_its_meeting():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, category="SQ0205", text="老街12号房屋墙体开裂，有倒塌危险")
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    with pytest.raises(Conflict, match="会议"):
        incident_dispatch(actor=center, incident_id=incident.pk, department="应急")
    incident_meeting(actor=center, incident_id=incident.pk, held_at=timezone.localtime().replace(tzinfo=None),
                     participants="街道、应急、住建", decisions="先行疏散，应急局牵头鉴定")
    incident_dispatch(actor=center, incident_id=incident.pk, department="应急")
    assert Incident.objects.get(pk=incident.pk).state == "dispatched"


def test_dismissal_needs_the_duty_chief():
    from doorstep.accounts.models import User

    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = street_dispatcher(grid)
    other = User.objects.create(username="dispatcher_spare", role="dispatcher", org_node=center.org_node)
    with pytest.raises(PermissionDenied, match="值班长"):
        incident_dismiss(actor=other, incident_id=incident.pk, reason="重复上报")
    incident_dismiss(actor=center, incident_id=incident.pk, reason="重复上报")
    assert Incident.objects.get(pk=incident.pk).dismiss_reason == "重复上报"


def test_front_line_handling_is_verified_by_a_supervisor_not_by_the_handler():
    grid = first_grid()
    worker = grid_worker(grid)
    incident = report(worker, grid=grid, category="SJ0201", text="单元门口贴满了小广告")
    incident_handle_on_spot(actor=worker, incident_id=incident.pk, note="已清除", photos=[phone_jpeg()])
    with pytest.raises((PermissionDenied, Conflict)):  # a grid worker never verifies front-line work
        incident_verify(actor=worker, incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=street_dispatcher(grid), incident_id=incident.pk)
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.tier == "front_line" and incident.registered_at


def test_closed_but_not_solved_is_its_own_ending():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="untrue", note="现场未发现垃圾")
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    assert Incident.objects.get(pk=incident.pk).state == "closed_unsolved"


def test_merges_never_form_a_cycle_and_merged_reporters_hear_the_outcome(django_capture_on_commit_callbacks):
    grid = first_grid()
    center = street_dispatcher(grid)
    a = report(grid_worker(grid), grid=grid)
    resident = resident_user()
    lat, lon = grid_point(grid)
    b = incident_report(actor=resident, data=ReportIn(description="路边垃圾没人收", category="SJ0102", latitude=lat,
                                                      longitude=lon), idempotency_key=new_key())
    c = report(grid_worker(grid), grid=grid, text="同一处垃圾又堆起来了")
    incident_merge(actor=center, incident_id=b.pk, into_id=c.pk)
    incident_merge(actor=center, incident_id=c.pk, into_id=a.pk)  # b now points at a as well: no chain
    assert Incident.objects.get(pk=b.pk).merged_into_id == a.pk
    with pytest.raises(Conflict):
        incident_merge(actor=center, incident_id=a.pk, into_id=b.pk)  # into a merged one: refused
    with pytest.raises(ValidationFailed):
        incident_merge(actor=center, incident_id=a.pk, into_id=a.pk)
    _through_handling(Incident.objects.get(pk=a.pk))
    incident_verify(actor=supervisor_of(grid), incident_id=a.pk, passed=True, photos=[phone_jpeg()])
    with django_capture_on_commit_callbacks(execute=True):
        incident_close(actor=center, incident_id=a.pk)
    assert Notification.objects.filter(user=resident, kind="incident.close").exists()
    assert incident_get_for_user(resident, a.pk).pk == a.pk  # the merged reporter follows it
    incident_rate(actor=resident, incident_id=a.pk, level=4)


def test_reopen_within_the_window_and_not_after():
    import time_machine

    grid = first_grid()
    center = street_dispatcher(grid)
    incident = _through_handling(report(grid_worker(grid), grid=grid))
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    worker = grid_worker(grid)
    incident_reopen(actor=worker, incident_id=incident.pk, reason="垃圾又出现了")
    incident.refresh_from_db()
    assert incident.state == "registered" and incident.reopen_count == 1
    assert not DispatchOrder.objects.filter(incident=incident, state__in=["sent", "accepted", "done"]).exists()
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="再清运",
                    photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    with time_machine.travel(datetime.timedelta(days=11)):
        with pytest.raises(Conflict, match="10天"):
            incident_reopen(actor=worker, incident_id=incident.pk, reason="又有了")


def test_a_follow_up_call_records_the_rating():
    resident = resident_user()
    incident = incident_report(actor=resident, data=ReportIn(description="小区路灯坏了一个星期"),
                               idempotency_key=new_key())
    grid = incident.grid
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已修",
                    photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    incident_review(actor=center, incident_id=incident.pk, level=3, solved=True, comment="电话回访，基本满意")
    assert Incident.objects.get(pk=incident.pk).state == "reviewed"
    with pytest.raises(Conflict):
        incident_rate(actor=resident, incident_id=incident.pk, level=5)


def test_scope_a_department_sees_its_own_orders_a_grid_worker_their_grid_a_resident_their_own():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    assert incidents_in_scope(staff("dept_cg")).filter(pk=incident.pk).exists()
    with pytest.raises(NotFound):
        incident_get_for_user(staff("dept_ga"), incident.pk)
    with pytest.raises(NotFound):
        incident_get_for_user(resident_user(), incident.pk)
    with pytest.raises(NotFound):
        incident_get_for_user(staff("clerk_s01a"), incident.pk)
    assert incidents_in_scope(supervisor_of(grid)).filter(pk=incident.pk).exists()
    other_grid = grid.__class__.objects.filter(level="grid", geometry__isnull=False).exclude(
        code__startswith=grid.code[:12]).order_by("code").first()
    if other_grid is not None:
        with pytest.raises(NotFound):
            incident_get_for_user(grid_worker(other_grid), incident.pk)
        with pytest.raises(NotFound):
            incident_get_for_user(supervisor_of(other_grid), incident.pk)
