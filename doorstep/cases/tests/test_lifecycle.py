"""After acceptance: the clock stops for a supplement and the due date moves by the working days paused; proxy hops
record the material hand-over and the receiving level signs for it; concluding issues the certificate and sets the
pickup time; the applicant chooses home delivery and the grid worker delivers; the applicant is notified."""

import datetime

import pytest
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import Case, Certificate, MaterialHandover
from doorstep.cases.selectors import deliveries_for_user
from doorstep.cases.services import DeliveryProofIn, case_choose_delivery, case_transition, handover_receive
from doorstep.conftest import accept, user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.notifications.models import Notification
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


def xie():
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def test_supplement_pauses_the_clock_and_moves_the_due_date_by_the_working_days_paused():
    clerk = user("clerk_c001002")
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=xie().pk)
    due = case.due_date
    case = case_transition(actor=clerk, case_id=case.pk, action="request_supplement", note="缺少收入证明")
    assert case.state == "supplement_requested" and case.paused_on == timezone.localdate()
    # pretend the request went out eight calendar days ago
    asked = timezone.localdate() - datetime.timedelta(days=8)
    Case.objects.filter(pk=case.pk).update(paused_on=asked)
    case = case_transition(actor=user("13800000001"), case_id=case.pk, action="supply")  # the applicant brings it
    paused = work_calendar().working_days_between(asked, timezone.localdate())
    assert paused >= 4
    assert case.state == "accepted" and case.paused_on is None and case.paused_working_days == paused
    assert case.due_date == work_calendar().add_working_days(due, paused)


def test_proxy_hop_records_the_hand_over_and_the_next_level_signs_for_it(django_capture_on_commit_callbacks):
    clerk = user("clerk_c001002")
    case = accept(actor=clerk, item_code="MZ-S01", applicant_id=xie().pk)  # decided by the street
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transition(actor=clerk, case_id=case.pk, action="forward")
    handover = MaterialHandover.objects.get(case=case)
    assert handover.from_node.code == "430302001002" and handover.to_node.code == "430302001"
    assert handover.materials and handover.handed_by == clerk and handover.received_at is None
    assert Notification.objects.filter(user__username="approver_s01", kind="case.queue").exists()
    with pytest.raises(PermissionDenied):
        handover_receive(actor=clerk, handover_id=handover.pk)  # the sender cannot sign for the receiver
    with pytest.raises(NotFound):
        handover_receive(actor=user("clerk_other"), handover_id=handover.pk)
    handover = handover_receive(actor=user("approver_s01"), handover_id=handover.pk)
    assert handover.received_by.username == "approver_s01" and handover.received_at
    with pytest.raises(Conflict, match="已经签收"):
        handover_receive(actor=user("approver_s01"), handover_id=handover.pk)


def test_conclusion_issues_the_certificate_and_a_pickup_time_when_the_center_is_open(
        django_capture_on_commit_callbacks):
    clerk = user("clerk_c001002")
    with django_capture_on_commit_callbacks(execute=True):
        case = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie().pk)
        case = case_transition(actor=clerk, case_id=case.pk, action="conclude")
    cert = Certificate.objects.get(case=case)
    assert cert.title == "生育服务登记证明（准生证）" and cert.number == f"Z{case.number}" and len(cert.verify_code) >= 12
    assert case.ready_at is not None and case.ready_at >= case.concluded_at
    news = Notification.objects.filter(user__username="13800000001").values_list("kind", flat=True)
    assert {"case.accept", "case.conclude"} <= set(news)


def test_home_delivery_by_the_grid_worker(django_capture_on_commit_callbacks):
    clerk = user("clerk_c001002")
    resident_user = user("13800000001")
    governor = user("gw_" + xie().path[-9:])
    case = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie().pk)
    with pytest.raises(ValidationFailed, match="地址"):
        case_choose_delivery(actor=resident_user, case_id=case.pk, delivery="post", address="")
    case_choose_delivery(actor=resident_user, case_id=case.pk, delivery="home")
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(actor=clerk, case_id=case.pk, action="conclude")
    assert Notification.objects.filter(user=governor, kind="case.delivery").exists()
    assert case.pk in [c.pk for c in deliveries_for_user(governor).items]
    with pytest.raises(ValidationFailed, match="签收人"):  # no proof, no delivery (#11 item 6)
        case_transition(actor=governor, case_id=case.pk, action="deliver")
    case = case_transition(actor=governor, case_id=case.pk, action="deliver",
                           proof=DeliveryProofIn(recipient_name="邱建华", relation="self",
                                                 signature_png=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))
    assert case.state == "delivered" and case.delivered_by == governor
    assert case.pk not in [c.pk for c in deliveries_for_user(governor).items]
    assert case.pk == deliveries_for_user(governor, done=True).items[0].pk  # newest delivery first
    with pytest.raises(Conflict):
        case_choose_delivery(actor=resident_user, case_id=case.pk, delivery="pickup")
