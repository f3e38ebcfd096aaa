"""The record as of a date: versions written by changes, residents without history, household members and the
eligibility facts as they were."""

import datetime

import pytest
from django.utils import timezone

from doorstep.registry.history import (
    household_members_as_of,
    resident_as_of,
    resident_facts_as_of,
    residents_facts_as_of,
)
from doorstep.registry.models import Household, IncomeRecord, Resident, ResidentVersion
from doorstep.registry.selectors import resident_facts
from doorstep.registry.tests.changes_helpers import propose_and_approve, resident_of, worker

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def test_a_resident_without_history_reads_as_its_row_from_birth_and_not_before():
    r = Resident.objects.filter(versions__isnull=True).first()
    assert resident_as_of(r.pk, TODAY).pk == r.pk
    assert resident_as_of(r.pk, r.birth_date).pk == r.pk
    assert resident_as_of(r.pk, r.birth_date - DAY) is None
    assert not ResidentVersion.objects.filter(resident=r).exists()  # reading writes nothing


def test_a_move_reads_as_the_old_household_before_and_the_new_after(django_assert_max_num_queries):
    gw = worker()
    r = resident_of(gw, relation="child")
    old = r.household_id
    target = Household.objects.filter(path=r.path).exclude(pk=old).first()
    moved = TODAY - 10 * DAY
    propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number, f"relation_{r.pk}": "other",
                                            "effective_date": str(moved)}, resident_id=r.pk)
    with django_assert_max_num_queries(2):
        before = resident_as_of(r.pk, moved - DAY)
    assert before.household_id == old and before.relation == "child"
    assert resident_as_of(r.pk, moved).household_id == target.pk
    assert resident_as_of(r.pk, TODAY).household_id == target.pk
    assert r.pk in {m.pk if isinstance(m, Resident) else m.resident_id
                    for m in household_members_as_of(old, moved - DAY)}
    assert r.pk not in {getattr(m, "resident_id", None) or m.pk for m in household_members_as_of(old, moved)}
    assert r.pk in {getattr(m, "resident_id", None) or m.pk for m in household_members_as_of(target.pk, TODAY)}


def test_a_death_leaves_the_household_from_its_date_and_the_facts_follow():
    gw = worker()
    r = resident_of(gw, relation="parent")
    household = r.household_id
    year = TODAY.year - 1
    IncomeRecord.objects.create(household_id=household, year=year, kind="wage", amount=120000)
    total = float(sum(IncomeRecord.objects.filter(household_id=household, year=year).values_list("amount", flat=True)))
    size = Resident.objects.filter(household_id=household, status="active", birth_date__lte=TODAY - 30 * DAY).count()
    died = TODAY - 20 * DAY
    propose_and_approve(gw, "death", {"effective_date": str(died)}, resident_id=r.pk)
    then = resident_as_of(r.pk, died - DAY)
    assert then.status == "active" and resident_as_of(r.pk, died).status == "deceased"
    ids = lambda day: {getattr(m, "resident_id", None) or m.pk for m in household_members_as_of(household, day)}  # noqa: E731
    assert r.pk in ids(died - DAY) and r.pk not in ids(died)
    head = Resident.objects.filter(household_id=household, status="active").exclude(pk=r.pk).first()
    before = resident_facts_as_of(head.pk, year=year, day=TODAY - 30 * DAY)
    after = resident_facts_as_of(head.pk, year=year, day=TODAY)
    assert before["household_income_per_head_year"] == pytest.approx(total / size)
    assert after["household_income_per_head_year"] == pytest.approx(total / (size - 1 + _born_since(
        household, TODAY - 30 * DAY)))
    # the facts as of today agree with the live facts once the archived member is not counted
    live = resident_facts(head, year=year, today=TODAY)
    assert live["age"] == after["age"]


def _born_since(household_id, day) -> int:
    return Resident.objects.filter(household_id=household_id, status="active", birth_date__gt=day).count()


def test_facts_of_many_residents_at_once_match_one_by_one_and_leave_out_the_not_yet_there():
    gw = worker()
    parent = resident_of(gw)
    baby = propose_and_approve(gw, "birth", {"name": "李小满", "gender": "F", "birth_date": str(TODAY - 2 * DAY),
                                             "relation": "child"}, household_id=parent.household_id).result_resident
    ids = list(Resident.objects.filter(path=gw.org_node.code).values_list("id", flat=True)[:50]) + [baby.pk]
    year = TODAY.year - 1
    many = residents_facts_as_of(ids, year=year, day=TODAY - 5 * DAY)
    assert baby.pk not in many
    for pk in ids[:10]:
        one = resident_facts_as_of(pk, year=year, day=TODAY - 5 * DAY)
        assert many.get(pk) == one
    assert residents_facts_as_of([baby.pk], year=year, day=TODAY)[baby.pk]["age"] == 0


def _ids(members) -> set[int]:
    return {getattr(m, "resident_id", None) or m.pk for m in members}


def _contiguous(resident_id) -> list[tuple]:
    versions = list(ResidentVersion.objects.filter(resident_id=resident_id).order_by("valid_from", "id"))
    for earlier, later in zip(versions, versions[1:], strict=False):
        assert earlier.valid_to == later.valid_from, (earlier.valid_from, earlier.valid_to, later.valid_from)
    assert versions[-1].valid_to is None
    return versions


def test_a_move_reported_late_is_written_at_its_date_beneath_a_phone_change_approved_meanwhile():
    """Review finding (resident 丁建平): a move within the district dated 11-30 was proposed, a phone change was
    approved meanwhile (effective 12-01, its approval day), and the move could then never be approved. Now it is
    written from its own date: before it the old household and phone, between the two the new household with the
    old phone, after both the new household with the new phone — and the live row is the new household."""
    from doorstep.registry.changes.services import change_approve
    from doorstep.registry.tests.changes_helpers import community_clerk, propose

    gw = worker()
    r = resident_of(gw, relation="child")
    old_household, old_path, old_phone = r.household_id, r.path, r.phone_masked
    target = Household.objects.exclude(path=r.path).filter(path__startswith=r.path[:9]).first()
    moved = TODAY - 2 * DAY
    move = propose(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number,
                                       f"relation_{r.pk}": "grandchild", "effective_date": str(moved)},
                   resident_id=r.pk)
    propose_and_approve(gw, "phone", {"phone": "13807316655"}, resident_id=r.pk)  # effective today
    change_approve(actor=community_clerk(r.path), change_id=move.pk)

    r.refresh_from_db()
    assert (r.household_id, r.path, r.relation, r.phone_masked) == (target.pk, target.path, "grandchild",
                                                                    "138****6655")
    before, between, after = (resident_as_of(r.pk, day) for day in (moved - DAY, moved, TODAY))
    assert (before.household_id, before.path, before.relation, before.phone_masked) == (
        old_household, old_path, "child", old_phone)
    assert (between.household_id, between.path, between.relation, between.phone_masked) == (
        target.pk, target.path, "grandchild", old_phone)
    assert (after.household_id, after.phone_masked) == (target.pk, "138****6655")
    assert r.pk in _ids(household_members_as_of(old_household, moved - DAY))
    assert r.pk not in _ids(household_members_as_of(old_household, moved))
    assert r.pk in _ids(household_members_as_of(target.pk, moved)) and r.pk in _ids(
        household_members_as_of(target.pk, TODAY))
    versions = _contiguous(r.pk)
    assert [(v.valid_from, v.change.kind if v.change_id else "") for v in versions] == [
        (r.birth_date, ""), (moved, "move_within"), (TODAY, "phone")]
    from doorstep.registry.history import resident_history

    steps = {entry.change.kind: {label for label, _b, _a in entry.changes} for entry in resident_history(r)
             if entry.change}
    assert steps["phone"] == {"联系电话"} and "住址（户）" in steps["move_within"]


def test_a_death_reported_late_is_written_beneath_a_flag_change_and_the_household_loses_them_from_its_date():
    from doorstep.registry.changes.services import change_approve
    from doorstep.registry.tests.changes_helpers import community_clerk, propose

    gw = worker()
    r = resident_of(gw, relation="parent")
    died = TODAY - 3 * DAY
    death = propose(gw, "death", {"effective_date": str(died)}, resident_id=r.pk)
    propose_and_approve(gw, "flags", {"flags": ["is_disabled"]}, resident_id=r.pk)
    change_approve(actor=community_clerk(r.path), change_id=death.pk)
    assert resident_as_of(r.pk, died - DAY).status == "active"
    then = resident_as_of(r.pk, died)
    assert then.status == "deceased" and not then.is_disabled
    now = resident_as_of(r.pk, TODAY)
    assert now.status == "deceased" and now.is_disabled
    assert r.pk in _ids(household_members_as_of(r.household_id, died - DAY))
    assert r.pk not in _ids(household_members_as_of(r.household_id, died))
    _contiguous(r.pk)


def test_a_change_reported_late_over_a_later_change_of_the_same_field_is_refused_naming_it():
    """A marriage dated three days ago changes the relation; a correction of the relation approved today came
    between: which is right is the reviewer's call, so the marriage is refused naming the correction and its date,
    and nothing is written."""
    from doorstep.core.errors import ValidationFailed
    from doorstep.registry.changes.services import change_approve
    from doorstep.registry.tests.changes_helpers import community_clerk, propose

    gw = worker()
    r = resident_of(gw, relation="child")
    marriage = propose(gw, "marriage", {"relation": "other", "effective_date": str(TODAY - 3 * DAY)},
                       resident_id=r.pk)
    propose_and_approve(gw, "correction", {"relation": "grandchild", "note": "户口本上为孙子女"}, resident_id=r.pk)
    count = ResidentVersion.objects.filter(resident=r).count()
    with pytest.raises(ValidationFailed) as refused:
        change_approve(actor=community_clerk(r.path), change_id=marriage.pk)
    assert "信息更正" in refused.value.message and str(TODAY) in refused.value.message
    assert "与户主关系" in refused.value.message
    assert ResidentVersion.objects.filter(resident=r).count() == count
    r.refresh_from_db()
    assert r.relation == "grandchild"


def test_a_move_proposed_with_its_true_date_after_a_later_phone_change_is_accepted_and_applied():
    """Re-proposing with the true date used to fail again: only a false date got through."""
    gw = worker()
    r = resident_of(gw, relation="grandchild") or resident_of(gw, relation="child")
    target = Household.objects.filter(path=r.path).exclude(pk=r.household_id).first()
    propose_and_approve(gw, "phone", {"phone": "13807316656"}, resident_id=r.pk)
    moved = TODAY - 5 * DAY
    change = propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number,
                                                     f"relation_{r.pk}": "other", "effective_date": str(moved)},
                                 resident_id=r.pk)
    assert change.state == "approved"
    assert resident_as_of(r.pk, moved - DAY).household_id == r.household_id
    assert resident_as_of(r.pk, moved).household_id == target.pk
    assert resident_as_of(r.pk, TODAY).phone_masked == "138****6656"
    _contiguous(r.pk)
