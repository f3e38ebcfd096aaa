"""The demo's year of cases keeps the rules the services keep: every case's history is a chain of legal transitions
ending in its state; concluded cases have their decision and, where the item issues one, their certificate; paused
cases and only they have a pause date; ratings, follow-ups and hand-overs belong to the right cases; numbers are
unique and today's counter is untouched; applicants met the item's rules when they applied."""

from collections import defaultdict

import pytest
from django.db.models import Count
from django.utils import timezone

from doorstep.cases.models import Case, CaseHistory, CaseNumberCounter, Certificate, MaterialHandover
from doorstep.cases.workflow import TRANSITIONS, Action, State
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.ratings.models import FollowUp, Rating

pytestmark = pytest.mark.django_db
CONCLUDED = {"concluded", "delivered", "rated"}


def demo_cases():
    return Case.objects.filter(first_contact__isnull=False, number__startswith="430302").exclude(
        applicant__household__number__startswith=STORY_HOUSEHOLD_PREFIX)


def test_volume_channels_and_states_look_like_a_year_of_work():
    cases = demo_cases()
    total = cases.count()
    assert 6_000 <= total <= 9_000  # 600 a month for the small scale's one street
    channels = dict(cases.values_list("channel").annotate(n=Count("id")))
    assert set(channels) == {"window", "online", "grid", "proxy"} and channels["window"] > total / 2
    states = dict(cases.values_list("state").annotate(n=Count("id")))
    for state in ("concluded", "delivered", "rejected", "refused", "in_review", "accepted"):
        assert states.get(state, 0) > 0, state
    assert cases.filter(paused_working_days__gt=0).exists()  # some were supplemented
    assert FollowUp.objects.filter(answered_at__isnull=False).exists()
    assert Rating.objects.filter(overall__lte=2).count() == FollowUp.objects.count()


def test_every_history_is_a_chain_of_legal_transitions_ending_in_the_state():
    chains = defaultdict(list)
    for case_id, before, action, after in CaseHistory.objects.order_by("id").values_list(
            "case_id", "from_state", "action", "to_state"):
        chains[case_id].append((before, action, after))
    for case_id, state in demo_cases().values_list("id", "state"):
        chain = chains[case_id]
        assert chain and chain[-1][2] == state, case_id
        for (_, _, t1), (b2, _, _) in zip(chain, chain[1:], strict=False):
            assert t1 == b2
        for before, action, after in chain:
            assert TRANSITIONS[(State(before), Action(action))].target == after, (case_id, before, action)


def test_decisions_certificates_pauses_and_ratings_match_the_states():
    certified = set(Certificate.objects.values_list("case_id", flat=True))
    rated = set(Rating.objects.values_list("case_id", flat=True))
    for case in demo_cases().select_related("item").iterator():
        if case.state in CONCLUDED:
            assert case.concluded_at and case.concluded_at >= case.accepted_at
            if case.item.kind == "promised":
                assert case.decided_at and case.decision_reason
            assert (case.pk in certified) == bool(case.item.certificate)
        else:
            assert case.pk not in certified
        assert (case.paused_on is not None) == (case.state == "supplement_requested")
        assert case.pk not in rated or case.state in CONCLUDED  # rated, the case keeps its state
        if case.state in ("accepted", "in_review") and case.due_date < timezone.localdate():
            assert case.sla_mark == "red"


def test_hand_overs_go_up_to_the_level_that_decides():
    for handover in MaterialHandover.objects.select_related("case__item", "from_node", "to_node")[:500]:
        assert handover.to_node.code == handover.from_node.code[: len(handover.to_node.code)]
        assert handover.received_at and handover.received_at > handover.handed_at
        assert handover.case.item.approval_level != "community"


def test_numbers_unique_and_counters_agree_and_today_untouched():
    today = timezone.localdate()
    assert not demo_cases().filter(number__startswith=f"430302{today:%Y%m%d}").exists()  # today starts at 1
    assert demo_cases().values("number").distinct().count() == demo_cases().count()
    for counter in CaseNumberCounter.objects.filter(district="430302").exclude(day=today)[:60]:
        numbers = Case.objects.filter(number__startswith=f"430302{counter.day:%Y%m%d}").count()
        assert numbers == counter.last


def test_applicants_met_the_rules_when_they_applied():
    from doorstep.catalog.eligibility import evaluate
    from doorstep.registry.selectors import residents_facts

    today = timezone.localdate()
    cases = list(demo_cases().filter(item__code__in=["MZ-C02", "MZ-C01"]).select_related("item")[:300])
    assert cases
    facts = residents_facts([c.applicant_id for c in cases], year=today.year - 1, today=today)
    for case in cases:
        assert evaluate(case.item.eligibility_rules, facts[case.applicant_id]).eligible, case.number


def test_the_busy_items_named_in_the_generator_exist():
    from doorstep.catalog.models import ServiceItem
    from doorstep.demo.history import ITEM_WEIGHTS

    assert set(ServiceItem.objects.filter(code__in=ITEM_WEIGHTS).values_list("code", flat=True)) == set(ITEM_WEIGHTS)


def test_the_bulk_load_leaves_every_index_the_migrations_made():
    """The demo drops the secondary indexes while it writes and builds them again (demo/build.py,
    deferred_indexes): afterwards each table has every index its model declares, partial ones included."""
    from django.db import connection

    from doorstep.cases.models import Case, CaseHistory
    from doorstep.registry.models import Resident

    for model in (Case, CaseHistory, Resident):
        with connection.cursor() as cursor:
            names = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
        assert {index.name for index in model._meta.indexes} <= names, model
        indexed_fks = {f.column for f in model._meta.fields if f.is_relation and f.db_index}
        with connection.cursor() as cursor:
            columns = [c["columns"][0] for c in connection.introspection.get_constraints(
                cursor, model._meta.db_table).values() if c["index"] or c["primary_key"] or c["unique"]]
        assert indexed_fks <= set(columns), model


def _open_hours():
    """{center id: [(weekday, opens, closes)]} and {center id: its street center's id}."""
    from doorstep.org.models import OpeningHours, ServiceCenter

    rows = defaultdict(list)
    for center_id, weekday, opens, closes in OpeningHours.objects.values_list("center_id", "weekday", "opens",
                                                                              "closes"):
        rows[center_id].append((weekday, opens, closes))
    centers = dict(ServiceCenter.objects.values_list("id", "org_node__code"))
    by_code = {code: pk for pk, code in centers.items()}
    return rows, {pk: by_code.get(code[:9], pk) for pk, code in centers.items()}


def _open(rows, moment, calendar) -> bool:
    from doorstep.org.hours import hours_on

    local = timezone.localtime(moment)
    return any(opens <= local.time() < closes for opens, closes in hours_on(local.date(), rows, calendar))


def test_every_acceptance_falls_in_its_centers_opening_hours_on_a_working_day():
    """Issue #11, item 15: nobody accepts at 00:46 or 04:15. Acceptances and refusals fall on a working day of the
    calendar app inside the opening hours of the center that took the case in (doorstep.org.hours); online
    applications are submitted at any hour but accepted only then."""
    from doorstep.calendar.selectors import work_calendar

    calendar = work_calendar()
    rows, _ = _open_hours()
    cases = demo_cases()
    accepted = list(cases.filter(accepted_at__isnull=False).values_list("id", "center_id", "accepted_at"))
    assert len(accepted) > 5_000
    outside = [(pk, timezone.localtime(at)) for pk, center, at in accepted if not _open(rows[center], at, calendar)]
    assert outside == []
    refused = CaseHistory.objects.filter(action="refuse", case__in=cases).values_list("case__center_id", "at")
    assert refused and all(_open(rows[center], at, calendar) for center, at in refused)
    submitted = list(cases.filter(channel="online").values_list("center_id", "created_at"))
    assert len(submitted) > 100
    assert any(not _open(rows[c], at, calendar) for c, at in submitted)  # residents apply online in the evening too


def test_staff_act_only_while_their_office_is_open():
    """Hand-overs, signing for them, supplements, decisions, withdrawals and conclusions also happen on working
    days in opening hours: of the center that took the case in or of its street's center, where the approvers
    sit."""
    from doorstep.calendar.selectors import work_calendar

    calendar = work_calendar()
    rows, street_center = _open_hours()
    actions = ["accept", "refuse", "forward", "request_supplement", "supply", "approve", "reject", "withdraw",
               "conclude"]
    history = CaseHistory.objects.filter(action__in=actions, case__in=demo_cases()).values_list(
        "case_id", "action", "case__center_id", "at")
    seen = defaultdict(int)
    for case_id, action, center, at in history.iterator(chunk_size=10_000):
        seen[action] += 1
        assert _open(rows[center], at, calendar) or _open(rows[street_center[center]], at, calendar), (
            case_id, action, timezone.localtime(at))
    signed = MaterialHandover.objects.filter(case__in=demo_cases()).values_list("case__center_id", "handed_at",
                                                                              "received_at")
    for center, handed, received in signed:
        assert _open(rows[center], handed, calendar) or _open(rows[street_center[center]], handed, calendar)
        assert _open(rows[street_center[center]], received, calendar)
        assert received >= handed
    assert all(seen[a] for a in ("accept", "forward", "approve", "conclude"))
