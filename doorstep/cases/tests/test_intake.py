"""At the window before acceptance: paper materials ticked, consent for shared data, shared-data results stored on
the case, eligibility rules read aloud, and the refusal with its one-time notice. Bad input changes nothing."""

import pytest
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case
from doorstep.cases.services import case_accept_at_window, case_refuse_at_window
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, found, user
from doorstep.core.errors import ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.registry.models import IncomeRecord, Resident

pytestmark = pytest.mark.django_db


def xie():
    return Resident.objects.get(name="谢小波", path__startswith="430302")


@pytest.fixture(autouse=True)
def _clerks_searched_for_them():
    """The window clerks of these tests found their applicants by a search first (which lets them open them)."""
    people = [xie().pk, Resident.objects.get(name="姜建国").pk,
              Resident.objects.filter(path__startswith="430302", relation="child").first().pk]
    for clerk in ("clerk_c001001", "clerk_s01a"):
        found(user(clerk), *people)


def material_ids(code: str, *, shared: bool | None = None) -> list[int]:
    qs = MaterialRequirement.objects.filter(item__code=code)
    if shared is not None:
        qs = qs.exclude(shared_data="") if shared else qs.filter(shared_data="")
    return list(qs.values_list("id", flat=True))


def test_shared_data_needs_consent_and_is_stored_with_the_case():
    clerk = user("clerk_c001001")
    before = Case.objects.count()
    with pytest.raises(ValidationFailed, match="同意") as err:
        case_accept_at_window(idempotency_key=new_key(),
                              actor=clerk, item_code="WJ-C02", applicant_id=xie().pk)
    assert err.value.field == "consent" and Case.objects.count() == before
    case = case_accept_at_window(idempotency_key=new_key(),
                                 actor=clerk, item_code="WJ-C02", applicant_id=xie().pk, consent=True)
    assert case.consent_at is not None
    kinds = {c["kind"]: c for c in case.shared_checks}
    assert set(kinds) == {"identity", "marriage", "household"} and all(c["ok"] for c in kinds.values())
    assert "刘芳" in kinds["marriage"]["data"] and "共 3 人" in kinds["household"]["data"]
    assert "******" in kinds["identity"]["data"]  # masked, never the whole number
    event = AuditEvent.objects.get(action="case.accept", target_id=str(case.pk))
    assert event.summary["shared_checks"] == 3


def test_a_failed_shared_check_needs_the_paper_instead():
    """姜建国's household has a spouse, but a resident registered as 'other' in someone's household has none."""
    lone = Resident.objects.filter(path__startswith="430302", relation="child").first()
    clerk = user("clerk_s01a")
    with pytest.raises(ValidationFailed, match="结婚证"):
        case_accept_at_window(idempotency_key=new_key(),
                              actor=clerk, item_code="WJ-C02", applicant_id=lone.pk, consent=True)
    marriage = MaterialRequirement.objects.get(item__code="WJ-C02", shared_data="marriage").pk
    case = case_accept_at_window(idempotency_key=new_key(),
                                 actor=clerk, item_code="WJ-C02", applicant_id=lone.pk, consent=True,
                                 materials_present=[marriage])
    failed = [c for c in case.shared_checks if not c["ok"]]
    assert [c["kind"] for c in failed] == ["marriage"]


def test_missing_paper_material_is_named_and_nothing_is_accepted():
    jiang = Resident.objects.get(name="姜建国")
    before = Case.objects.count()
    with pytest.raises(ValidationFailed, match="独生子女父母光荣证"):
        case_accept_at_window(idempotency_key=new_key(),
                              actor=user("clerk_c001001"), item_code="WJ-C04", applicant_id=jiang.pk, consent=True)
    with pytest.raises(ValidationFailed, match="材料清单有误"):
        case_accept_at_window(idempotency_key=new_key(),
                              actor=user("clerk_c001001"), item_code="WJ-C04", applicant_id=jiang.pk, consent=True,
                              materials_present=["x"])
    assert Case.objects.count() == before


def test_refusal_records_the_missing_materials_for_the_one_time_notice():
    jiang = Resident.objects.get(name="姜建国")
    paper = material_ids("WJ-C04", shared=False)
    case = case_refuse_at_window(idempotency_key=new_key(),
                                 actor=user("clerk_c001001"), item_code="WJ-C04", applicant_id=jiang.pk,
                                 missing_material_ids=paper)
    assert case.state == "refused" and [m["name"] for m in case.missing_materials] == ["独生子女父母光荣证"]
    assert AuditEvent.objects.filter(action="case.refuse", target_id=str(case.pk)).exists()
    with pytest.raises(ValidationFailed, match="勾选缺少的材料"):
        case_refuse_at_window(idempotency_key=new_key(),
                              actor=user("clerk_c001001"), item_code="WJ-C04", applicant_id=jiang.pk,
                              missing_material_ids=[])


def test_instant_item_refuses_an_ineligible_applicant_with_the_rule_read_aloud():
    young = Resident.objects.filter(path__startswith="430302", birth_date__year__gte=2000).first()
    with pytest.raises(ValidationFailed) as err:
        accept(actor=user("clerk_s01a"), item_code="MZ-C01", applicant_id=young.pk)  # 老年人优待证: age ≥ 60
    assert "年满60周岁" in err.value.message and "结论：不符合" in err.value.message
    old = Resident.objects.filter(path__startswith="430302", birth_date__year__lte=1950).first()
    case = accept(actor=user("clerk_s01a"), item_code="MZ-C01", applicant_id=old.pk)
    assert case.eligibility["eligible"] is True and "结论：符合" in case.eligibility["explanation"]


def test_promised_item_carries_a_failed_rule_to_the_deciding_level():
    """低保 is decided at the district: the window takes it in (the clerk acknowledging the failed rule, #11 item 2)
    and the approver sees why the data says no."""
    applicant = Resident.objects.filter(path__startswith="430302", relation="head").first()
    IncomeRecord.objects.filter(household_id=applicant.household_id).delete()
    IncomeRecord.objects.create(household_id=applicant.household_id, year=timezone.localdate().year - 1,
                                kind="wage", amount=80_000)
    case = accept(actor=user("clerk_s01a"), item_code="MZ-D01", applicant_id=applicant.pk,
                  ineligible_acknowledged=True)
    assert case.eligibility["eligible"] is False and "家庭年人均收入" in case.eligibility["explanation"]
    assert any(c["kind"] == "income" and c["ok"] for c in case.shared_checks)
