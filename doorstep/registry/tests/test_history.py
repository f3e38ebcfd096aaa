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
    propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number,
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
