"""Supervision (督办): the clocks in working time across holidays and 调休, the due-soon and overdue marks, escalation
level by level (once each, however often the sweep runs), and extension requests approved by the 值班长."""

import datetime
import zoneinfo

import pytest
import time_machine

from doorstep.calendar.models import CalendarDay
from doorstep.calendar.selectors import work_calendar_changed
from doorstep.core.errors import Conflict, PermissionDenied, ValidationFailed
from doorstep.incidents.models import DispatchOrder, Escalation, ExtensionRequest, Incident
from doorstep.incidents.services.center import incident_dispatch, incident_register
from doorstep.incidents.services.supervision import extension_decide, extension_request, supervision_sweep
from doorstep.incidents.tests.helpers import first_grid, grid_worker, report, staff, street_dispatcher
from doorstep.notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def _dispatched(category="SJ0102", department="城管"):
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, category=category)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department=department)
    return Incident.objects.get(pk=incident.pk), DispatchOrder.objects.get(incident=incident)


def test_the_handling_limit_counts_working_hours_across_a_holiday_and_a_working_saturday():
    """暴露垃圾 (SJ0102): 2 working hours. Dispatched on Wednesday 30 September 2026 at 17:00, the eve of National Day:
    0.5 h that day; 1–7 October are rest days (the statutory calendar), Saturday 10 October a working day (调休)
    — so 1.5 h remain at 08:30 on Thursday 8 October: due 10:00."""
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=datetime.date(2026, 10, d), is_working_day=False, name="国庆节") for d in range(1, 8)]
        + [CalendarDay(date=datetime.date(2026, 10, 10), is_working_day=True, name="国庆节调休")],
        ignore_conflicts=True)
    work_calendar_changed()
    with time_machine.travel(datetime.datetime(2026, 9, 30, 17, 0, tzinfo=TZ), tick=False):
        incident, order = _dispatched()
    assert order.due_at.astimezone(TZ) == datetime.datetime(2026, 10, 8, 10, 0, tzinfo=TZ)
    assert incident.handling_due == order.due_at


def test_a_limit_in_working_days_ends_at_the_close_of_that_working_day():
    """餐饮油烟 (SJ0116): 5 working days. Dispatched on Friday 4 December 2026: the fifth working day after it is
    Friday 11 December; due at the end of its working hours, 17:30."""
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=TZ), tick=False):
        _incident, order = _dispatched(category="SJ0116", department="城管")
    assert order.due_at.astimezone(TZ) == datetime.datetime(2026, 12, 11, 17, 30, tzinfo=TZ)


def test_the_sweep_marks_due_soon_then_overdue_and_escalates_each_level_once(django_capture_on_commit_callbacks):
    """The demo's own running orders are swept too: the assertions look at this order's marks and rows only."""
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=TZ), tick=False):
        incident, order = _dispatched()  # due 11:00

    def levels():
        return list(Escalation.objects.filter(order=order).order_by("level").values_list("level", flat=True))

    def told():
        return Notification.objects.filter(kind="incident.due_soon", user=staff("dept_cg"),
                                           link=f"/incidents/{incident.pk}/").count()

    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 30, tzinfo=TZ), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            supervision_sweep()
            supervision_sweep()
    order.refresh_from_db()
    assert order.sla_mark == "due_soon" and told() == 1  # told once
    with time_machine.travel(datetime.datetime(2026, 12, 2, 11, 30, tzinfo=TZ), tick=False):
        supervision_sweep()
        assert levels() == [1]  # at once: the department's head
        supervision_sweep()
        assert levels() == [1]
    with time_machine.travel(datetime.datetime(2026, 12, 3, 11, 30, tzinfo=TZ), tick=False):  # 7 working h overdue
        supervision_sweep()
        supervision_sweep()
    assert levels() == [1, 2]  # then the district leaders, once
    order.refresh_from_db()
    incident.refresh_from_db()
    assert order.escalation_level == 2 and order.sla_mark == "overdue" and incident.sla_mark == "overdue"


def test_an_accepted_order_stops_the_response_clock_and_a_handled_one_leaves_the_sweep():
    from doorstep.incidents.services.handling import incident_handle, order_accept
    from doorstep.incidents.tests.helpers import phone_jpeg

    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=TZ), tick=False):
        incident, order = _dispatched()
        order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
        incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已清运",
                        photos=[phone_jpeg()])
    with time_machine.travel(datetime.datetime(2026, 12, 9, 9, 0, tzinfo=TZ), tick=False):
        supervision_sweep()
    assert not Escalation.objects.filter(order__incident=incident).exists()
    incident.refresh_from_db()
    assert incident.closed_in_time is True and incident.handling_seconds == 0


def test_an_extension_approved_by_the_duty_chief_moves_the_deadline_and_is_counted():
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=TZ), tick=False):
        incident, order = _dispatched()
        dept = staff("dept_cg")
        with pytest.raises(ValidationFailed):
            extension_request(actor=dept, incident_id=incident.pk, value=0, unit="hours", reason="需要调车")
        extension = extension_request(actor=dept, incident_id=incident.pk, value=3, unit="hours", reason="需要调车")
        with pytest.raises(Conflict):
            extension_request(actor=dept, incident_id=incident.pk, value=3, unit="hours", reason="再申请")
        with pytest.raises(PermissionDenied):
            extension_decide(actor=staff("dept_cg"), extension_id=extension.pk, approve=True)
        extension_decide(actor=street_dispatcher(first_grid()), extension_id=extension.pk, approve=True)
    order.refresh_from_db()
    incident.refresh_from_db()
    # 11:00 + 3 working hours: 11:00–12:00, then 14:00–16:00 after the lunch break
    assert order.due_at.astimezone(TZ) == datetime.datetime(2026, 12, 2, 16, 0, tzinfo=TZ)
    assert incident.handling_due == order.due_at and incident.extension_count == 1
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "approved"
    with pytest.raises(Conflict):
        extension_decide(actor=street_dispatcher(first_grid()), extension_id=extension.pk, approve=False,
                         note="重复")
