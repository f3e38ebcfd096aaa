"""资格复核: the nightly re-check flags beneficiaries who no longer qualify for a person to review — once, with the
figures read aloud — and never changes the benefit itself; the review is decided in scope, with a note, audited."""

import pytest
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case, EligibilityReview
from doorstep.cases.services import eligibility_recheck, eligibility_review_resolve
from doorstep.cases.tests.test_pages import logged_in
from doorstep.conftest import user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.notifications.models import Notification
from doorstep.registry.models import IncomeRecord

pytestmark = pytest.mark.django_db


def beneficiary() -> Case:
    """The latest 低保 case of a demo resident with no review yet (the one the re-check reads for them)."""
    reviewed = set(EligibilityReview.objects.values_list("case__applicant_id", flat=True))
    latest = {}
    for case in (Case.objects.filter(item__code="MZ-D01", state__in=["concluded", "delivered", "rated"])
                 .select_related("applicant").order_by("concluded_at", "id")):
        latest[case.applicant_id] = case
    return next(c for a, c in sorted(latest.items()) if a not in reviewed)


def raise_income(case: Case, amount: int = 80_000) -> None:
    IncomeRecord.objects.create(household_id=case.applicant.household_id, resident=case.applicant,
                                year=timezone.localdate().year - 1, kind="wage", amount=amount, source="测试")


def test_the_demo_year_has_flagged_beneficiaries_and_they_qualified_when_they_applied():
    assert EligibilityReview.objects.filter(status="open").exists()
    for review in EligibilityReview.objects.select_related("case__item")[:20]:
        assert "不符合" in review.explanation and review.case.item.eligibility_rules


def test_a_beneficiary_whose_income_rose_is_flagged_once_and_the_benefit_is_untouched():
    case = beneficiary()
    assert case is not None
    state_before = case.state
    assert eligibility_recheck()["flagged"] == 0  # nothing changed since the demo's own run
    raise_income(case)
    result = eligibility_recheck()
    review = EligibilityReview.objects.get(case=case, status="open")
    assert result["flagged"] >= 1 and "家庭年人均收入" in review.explanation and "不符合" in review.explanation
    case.refresh_from_db()
    assert case.state == state_before  # never a silent cut-off
    assert AuditEvent.objects.filter(action="eligibility.recheck").exists()
    assert Notification.objects.filter(kind="eligibility.flag").exists()
    eligibility_recheck()
    assert EligibilityReview.objects.filter(case=case).count() == 1  # not raised twice


def test_a_decision_needs_scope_a_note_and_is_final_until_the_figures_change():
    case = beneficiary()
    raise_income(case)
    eligibility_recheck()
    review = EligibilityReview.objects.get(case=case, status="open")
    community_clerk = user(f"clerk_c{case.applicant_path[6:12]}")
    with pytest.raises(ValidationFailed, match="复核意见"):
        eligibility_review_resolve(actor=community_clerk, review_id=review.pk, decision="kept", note=" ")
    with pytest.raises(ValidationFailed, match="复核结论"):
        eligibility_review_resolve(actor=community_clerk, review_id=review.pk, decision="cut", note="x")
    other = next(u for u in ("clerk_c001001", "clerk_c001002") if u != community_clerk.username)
    with pytest.raises(NotFound):
        eligibility_review_resolve(actor=user(other), review_id=review.pk, decision="kept", note="越权")
    with pytest.raises(NotFound):
        eligibility_review_resolve(actor=community_clerk, review_id="abc", decision="kept", note="x")
    with pytest.raises(PermissionDenied):
        eligibility_review_resolve(actor=user("dispatcher"), review_id=review.pk, decision="kept", note="x")
    eligibility_review_resolve(actor=community_clerk, review_id=review.pk, decision="kept",
                               note="入户核实：新工作为短期临时工，已结束。")
    review.refresh_from_db()
    assert review.status == "kept" and review.resolved_by == community_clerk
    assert AuditEvent.objects.filter(action="eligibility.resolve", target_id=str(review.pk)).exists()
    with pytest.raises(Conflict):
        eligibility_review_resolve(actor=community_clerk, review_id=review.pk, decision="referred", note="再改")
    eligibility_recheck()
    assert not EligibilityReview.objects.filter(case=case, status="open").exists()  # same figures, decided
    raise_income(case, amount=20_000)
    eligibility_recheck()
    assert EligibilityReview.objects.filter(case=case, status="open").exists()  # new figures, a new look


def test_reviews_page_lists_in_scope_with_fixed_queries_and_resolves(django_assert_max_num_queries):
    case = beneficiary()
    raise_income(case)
    eligibility_recheck()
    clerk = f"clerk_c{case.applicant_path[6:12]}"
    client = logged_in(clerk)
    client.get("/cases/reviews/")
    with django_assert_max_num_queries(12):
        page = client.get("/cases/reviews/").content.decode()
    assert case.applicant.name in page and "review-kept" in page
    review = EligibilityReview.objects.get(case=case, status="open")
    done = client.post(f"/cases/reviews/{review.pk}/resolve/", {"decision": "referred", "note": "已就业，收入超标"},
                       follow=True).content.decode()
    assert "复核结论已记录" in done
    assert client.post(f"/cases/reviews/{review.pk}/resolve/", {"decision": "kept", "note": "x"},
                       follow=True).status_code == 200
    review.refresh_from_db()
    assert review.status == "referred"
    assert logged_in("clerk_other").post(f"/cases/reviews/{review.pk}/resolve/",
                                         {"decision": "kept", "note": "x"}).status_code == 404
    assert "没有" in logged_in("clerk_other").get("/cases/reviews/").content.decode()
    assert logged_in("13800000001").get("/cases/reviews/").status_code == 403  # a staff page: refused, not empty


def test_recheck_task_is_scheduled():
    from doorstep.cases import tasks

    result = tasks.recheck_eligibility.call_local()
    assert result["checked"] > 0 and result["flagged"] == 0  # the demo's own run already flagged the changes
