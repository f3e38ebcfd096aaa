"""Case services: acceptance at any window, instant conclusion, proxy hops to the deciding level, decisions with
reasons, scope, numbers, and concurrent writers (exactly one wins; numbers stay unique)."""

import re

import pytest
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case, CaseHistory, MaterialHandover
from doorstep.cases.services import case_transition, handover_receive
from doorstep.conftest import accept, user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.core.tests.races import run_concurrently
from doorstep.registry.models import Resident


def xie():
    return Resident.objects.get(name="谢小波", path__startswith="430302")


@pytest.mark.django_db
def test_instant_item_accepted_and_concluded_at_a_street_window():
    case = accept(actor=user("clerk_s01a"), item_code="WJ-C02", applicant_id=xie().pk)
    today = timezone.localdate()
    assert re.fullmatch(rf"430302{today:%Y%m%d}\d{{5}}", case.number)
    assert (case.state, case.review_level, case.due_date) == ("accepted", "street", today)
    assert case.first_contact.username == "clerk_s01a"
    case = case_transition(actor=user("clerk_s01a"), case_id=case.pk, action="conclude")
    assert case.state == "concluded" and case.concluded_at
    assert list(CaseHistory.objects.filter(case=case).values_list("action", flat=True)) == ["accept", "conclude"]
    assert list(AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk))
                .order_by("id").values_list("action", flat=True)) == ["case.accept", "case.conclude"]


@pytest.mark.django_db
def test_district_item_goes_up_by_proxy_and_is_decided_there():
    clerk = user("clerk_c001001")
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=xie().pk)
    assert case.due_date > timezone.localdate()  # 30 working days
    with pytest.raises(Conflict, match="须经批准"):
        case_transition(actor=clerk, case_id=case.pk, action="conclude")
    case = case_transition(actor=clerk, case_id=case.pk, action="forward")
    assert (case.review_level, case.review_node.code) == ("street", "430302001")
    with pytest.raises(PermissionDenied, match="城正街街道"):  # the district may look, but the street acts now
        case_transition(actor=user("approver"), case_id=case.pk, action="approve")
    case = case_transition(actor=user("approver_s01"), case_id=case.pk, action="forward", confirm_unreceived=True)
    assert (case.review_level, case.review_node.code) == ("district", "430302")
    with pytest.raises(ValidationFailed, match="理由"):
        case_transition(actor=user("approver"), case_id=case.pk, action="reject", note="")
    with pytest.raises(PermissionDenied):  # a community clerk cannot decide a case sitting at the district
        case_transition(actor=clerk, case_id=case.pk, action="approve", note="越级审批")
    with pytest.raises(ValidationFailed, match="尚未签收") as err:  # the papers have not arrived (#11 item 5)
        case_transition(actor=user("approver"), case_id=case.pk, action="approve", note="经核对符合条件")
    assert err.value.field == "confirm_unreceived"
    for handover in MaterialHandover.objects.filter(case=case, to_node__code="430302"):
        handover_receive(actor=user("approver"), handover_id=handover.pk)
    case = case_transition(actor=user("approver"), case_id=case.pk, action="approve", note="经核对符合条件")
    case = case_transition(actor=user("approver"), case_id=case.pk, action="conclude")
    assert case.state == "concluded" and case.decision_reason == "经核对符合条件"


@pytest.mark.django_db
def test_bad_input_is_refused_and_changes_nothing():
    clerk = user("clerk_s01a")
    before = Case.objects.count()
    with pytest.raises(NotFound, match="事项"):
        accept(actor=clerk, item_code="NOPE", applicant_id=xie().pk)
    with pytest.raises(NotFound):
        accept(actor=clerk, item_code="WJ-C02", applicant_id="abc")
    other = Resident.objects.get(name="谢小波", path__startswith="430304")
    with pytest.raises(NotFound):
        accept(actor=clerk, item_code="WJ-C02", applicant_id=other.pk)
    with pytest.raises(ValidationFailed):
        accept(actor=user("leader"), item_code="WJ-C02", applicant_id=xie().pk)
    assert Case.objects.count() == before
    case = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie().pk)
    with pytest.raises(ValidationFailed, match="不支持"):
        case_transition(actor=clerk, case_id=case.pk, action="explode")
    with pytest.raises(NotFound):
        case_transition(actor=clerk, case_id="forged", action="conclude")
    with pytest.raises(NotFound):
        case_transition(actor=user("gw_001001003"), case_id=case.pk, action="conclude")  # not the grid's resident
    with pytest.raises(Conflict, match="即办件"):
        case_transition(actor=clerk, case_id=case.pk, action="forward")
    case.refresh_from_db()
    assert case.state == "accepted"


@pytest.mark.django_db(transaction=True)
def test_case_numbers_stay_unique_under_eight_concurrent_windows(world):
    applicant = xie().pk
    clerks = ["clerk_s01a", "clerk_s01b", "clerk_c001001", "clerk_c001002"] * 2
    results, errors = run_concurrently(
        8, lambda i: accept(actor=user(clerks[i]), item_code="WJ-C02", applicant_id=applicant).number)
    assert errors == [] and len(results) == 8 and len(set(results)) == 8


@pytest.mark.django_db(transaction=True)
def test_two_clerks_concluding_the_same_case_exactly_one_wins(world):
    case = accept(actor=user("clerk_s01a"), item_code="WJ-C02", applicant_id=xie().pk)
    names = ["clerk_s01a", "clerk_s01b"]
    results, errors = run_concurrently(
        2, lambda i: case_transition(actor=user(names[i]), case_id=case.pk, action="conclude").state)
    assert results == ["concluded"]
    assert len(errors) == 1 and isinstance(errors[0], Conflict) and "已办结" in errors[0].message
    assert CaseHistory.objects.filter(case_id=case.pk, action="conclude").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_approving_the_same_case_at_once_exactly_one_wins(world):
    """At the street, the approver presses 批准 in two tabs at once (only approvers decide street items)."""
    case = accept(actor=user("clerk_c001002"), item_code="MZ-S01", applicant_id=xie().pk)
    case_transition(actor=user("clerk_c001002"), case_id=case.pk, action="forward")
    names = ["approver_s01", "approver_s01"]
    results, errors = run_concurrently(
        2, lambda i: case_transition(actor=user(names[i]), case_id=case.pk, action="approve", note="符合条件",
                                      confirm_unreceived=True).state)
    assert results == ["approved"]
    assert len(errors) == 1 and isinstance(errors[0], Conflict) and "已批准" in errors[0].message
    assert CaseHistory.objects.filter(case_id=case.pk, action="approve").count() == 1
    assert AuditEvent.objects.filter(action="case.approve", target_id=str(case.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_online_application_accepted_twice_at_once_is_accepted_once(world, tmp_path, settings):
    """The same clerk's double click, or two browser tabs: one acceptance, one clear message, one clock."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from doorstep.cases.services import case_apply_online
    from doorstep.catalog.models import MaterialRequirement

    settings.MEDIA_ROOT = tmp_path
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, content_type="image/png")
    case = case_apply_online(idempotency_key=new_key(),
                             actor=user("13800000002"), item_code="MZ-C01", consent=True, files={photo: png})
    results, errors = run_concurrently(
        2, lambda i: case_transition(actor=user("clerk_c001001"), case_id=case.pk, action="accept").state)
    assert results == ["accepted"]
    assert len(errors) == 1 and isinstance(errors[0], Conflict) and "已受理" in errors[0].message
    assert CaseHistory.objects.filter(case_id=case.pk, action="accept").count() == 1
