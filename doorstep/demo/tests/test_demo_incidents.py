"""The demo's year of incidents and requests keeps the rules the services keep: every report's history is a chain of
legal steps in time order ending in its state, with counters that agree; nothing is closed without a passed
verification after its last handling; merges point at a report that is not merged; orders agree with the state;
every ending is there; the texts are varied and some are dispatched elsewhere than the category's lead; journey 12's
follow-up help is there; numbers continue today; the demo's working-time clock is the services' clock."""

import datetime
import random
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.calendar.selectors import work_calendar
from doorstep.core.crypto import blind_index, decrypt
from doorstep.demo.incidents import WorkClock
from doorstep.incidents.clock import due, working_seconds
from doorstep.incidents.models import (
    Category,
    DispatchDecision,
    DispatchOrder,
    Escalation,
    ExtensionRequest,
    Incident,
    IncidentHistory,
    IncidentNumberCounter,
    IncidentRating,
    Meeting,
    Verification,
)
from doorstep.incidents.workflow import TRANSITIONS, Action, State

pytestmark = pytest.mark.django_db
DISTRICT = "430302"
LOOP_ACTIONS = {str(a) for a in Action}
OTHER_ACTIONS = {"report", "meeting", "part", "extension_request", "extension_decide"}


def demo_incidents():
    return Incident.objects.filter(path__startswith=DISTRICT, number__startswith=f"E{DISTRICT}")


def chains() -> dict[int, list]:
    rows = defaultdict(list)
    for row in IncidentHistory.objects.filter(incident__in=demo_incidents()).order_by("id").values_list(
            "incident_id", "from_state", "action", "to_state", "at", "note", "actor_id", "order_id"):
        rows[row[0]].append(row[1:])
    return rows


def test_a_year_at_the_small_scale_from_every_channel():
    incidents = demo_incidents()
    total = incidents.count()
    assert 800 <= total <= 1_500
    channels = dict(incidents.values_list("channel").annotate(n=Count("id")))
    assert 0.5 <= channels["grid"] / total <= 0.7
    assert 0.2 <= channels["resident"] / total <= 0.4
    assert 0.05 <= channels["phone"] / total <= 0.16
    assert not incidents.filter(channel="grid").exclude(kind="incident").exists()
    assert not incidents.exclude(channel="grid").exclude(kind="request").exists()
    first = incidents.order_by("reported_at").first().reported_at
    assert timezone.now() - first > datetime.timedelta(days=350)
    assert not incidents.filter(reported_at__gt=timezone.now()).exists()


def test_places_reporters_and_callers_are_real():
    for incident in demo_incidents().select_related("building", "grid", "reporter_user__org_node",
                                                    "reporter_resident__household__building"):
        assert incident.building.grid_id == incident.grid_id and incident.path == incident.grid.code
        assert abs(incident.latitude - incident.building.latitude) < 0.0005
        if incident.channel == "grid":
            assert incident.reporter_user.role == "grid_worker"
            assert incident.reporter_user.org_node.code == incident.path
            assert incident.submitted_by_id == incident.reporter_user_id
        elif incident.channel == "resident":
            account = incident.reporter_user
            assert account.role == "resident" and account.resident_id == incident.reporter_resident_id
            assert incident.submitted_by_id == account.pk
            assert incident.reporter_resident.household.building.grid_id == incident.grid_id
        else:
            assert incident.submitted_by.username == "dispatcher" and incident.caller_name
            phone = decrypt(incident.caller_phone)
            assert incident.caller_phone_index == blind_index("phone", phone) and phone.startswith("1")
    requests = demo_incidents().filter(channel="resident")
    assert 0.04 <= requests.filter(hide_identity=True).count() / requests.count() <= 0.18
    assert not demo_incidents().filter(channel="grid", hide_identity=True).exists()


def test_every_state_and_every_ending_is_there():
    incidents = demo_incidents()
    states = set(incidents.values_list("state", flat=True))
    assert states == {str(s) for s in State}
    assert incidents.filter(return_count__gt=0).exists()
    assert incidents.filter(rework_count__gt=0).exists()
    assert incidents.filter(reopen_count__gt=0).exists()
    assert incidents.filter(extension_count__gt=0).exists()
    assert incidents.filter(state="merged", merged_into__isnull=False).exists()
    assert set(incidents.filter(state="closed_unsolved").values_list("resolution", flat=True)) <= {"unsolvable",
                                                                                                 "untrue"}
    assert {"unsolvable", "untrue"} <= set(incidents.exclude(resolution="").values_list("resolution", flat=True))
    assert not incidents.filter(state="dismissed", dismiss_reason="").exists()
    now = timezone.now()
    overdue = incidents.filter(state__in=["dispatched", "handling"], handling_due__lt=now)
    assert overdue.filter(sla_mark="overdue").exists()
    assert not overdue.exclude(sla_mark="overdue").filter(orders__escalations__isnull=False).exists()
    assert Escalation.objects.filter(level=2).exists()
    ratings = IncidentRating.objects.filter(incident__in=incidents)
    assert {"self", "follow_up"} <= set(ratings.values_list("source", flat=True))
    assert ratings.filter(level__lte=2).exists() and ratings.filter(level=5).count() > ratings.count() / 2
    assert set(ExtensionRequest.objects.values_list("status", flat=True)) >= {"approved", "refused"}
    assert Meeting.objects.filter(incident__tier="meeting").exists()
    assert DispatchOrder.objects.filter(role="co", incident__tier="whistle").exists()
    assert incidents.filter(tier="front_line", state="archived").exists()
    assert incidents.filter(state="archived", merged__isnull=False).exists() or incidents.filter(
        state__in=["closed", "reviewed"], merged__isnull=False).exists()


def test_every_history_is_a_chain_of_legal_steps_in_time_order():
    now = timezone.now()
    states = dict(demo_incidents().values_list("id", "state"))
    for incident_id, chain in chains().items():
        assert chain[0][:3] == ("", "report", "reported"), incident_id
        previous_state, previous_at = "reported", chain[0][3]
        for before, action, after, at, _note, actor, _order in chain[1:]:
            assert before == previous_state, (incident_id, action)
            assert at >= previous_at and at <= now, (incident_id, action)
            assert actor is not None
            if action in LOOP_ACTIONS:
                assert TRANSITIONS[(State(before), Action(action))].target == after, (incident_id, before, action)
            else:
                assert action in OTHER_ACTIONS and after == before, (incident_id, action)
            previous_state, previous_at = after, at
        assert previous_state == states[incident_id], incident_id


def test_counters_and_clocks_agree_with_the_history():
    steps = defaultdict(Counter)
    for incident_id, action in IncidentHistory.objects.filter(incident__in=demo_incidents()).values_list(
            "incident_id", "action"):
        steps[incident_id][action] += 1
    approved = Counter(ExtensionRequest.objects.filter(status="approved").values_list("order__incident_id",
                                                                                     flat=True))
    for incident in demo_incidents():
        mine = steps[incident.pk]
        assert incident.rework_count == mine["rework"], incident.number
        assert incident.return_count == mine["return"], incident.number
        assert incident.reopen_count == mine["reopen"], incident.number
        assert incident.extension_count == approved[incident.pk], incident.number
        if incident.handled_at:
            assert incident.handling_seconds is not None and incident.closed_in_time is not None
        if incident.state in ("handled", "verified", "closed", "closed_unsolved", "reviewed", "archived") and \
                incident.handling_due and incident.handled_at:
            assert incident.closed_in_time == (incident.handled_at <= incident.handling_due), incident.number
        if incident.state == "archived":
            assert incident.archived_at is not None
        if incident.state in ("closed", "closed_unsolved", "reviewed"):
            assert incident.closed_at and incident.verified_at and incident.closed_at >= incident.verified_at


def test_nothing_is_closed_without_a_passed_verification_after_its_last_handling():
    passed = defaultdict(list)
    for incident_id, at in Verification.objects.filter(passed=True).values_list("incident_id", "at"):
        passed[incident_id].append(at)
    failed = Counter(Verification.objects.filter(passed=False).values_list("incident_id", flat=True))
    for incident_id, chain in chains().items():
        handled = [at for _b, action, _a, at, *_ in chain if action in ("handle", "handle_on_spot")]
        closes = [at for _b, action, _a, at, *_ in chain if action in ("close", "close_unsolved")]
        for close in closes:
            last_handling = max(h for h in handled if h <= close)
            assert any(last_handling <= v <= close for v in passed[incident_id]), incident_id
        reworks = sum(1 for _b, action, *_ in chain if action == "rework")
        assert reworks == failed[incident_id]


def test_merges_point_at_reports_that_are_not_merged():
    merged = demo_incidents().filter(state="merged").select_related("merged_into")
    assert merged.exists()
    for incident in merged:
        kept = incident.merged_into
        assert kept.state != "merged" and kept.pk != incident.pk
        assert kept.reported_at < incident.reported_at
        assert incident.category_id in (None, kept.category_id)  # a resident may leave the category to the center
        assert kept.grid_id == incident.grid_id
    assert not demo_incidents().exclude(state="merged").filter(merged_into__isnull=False).exists()


def test_orders_agree_with_the_state():
    orders = defaultdict(list)
    for row in DispatchOrder.objects.values("incident_id", "role", "state", "department_id", "accepted_at",
                                            "done_at", "sent_at", "due_at"):
        orders[row["incident_id"]].append(row)
    for incident in demo_incidents():
        mine = orders[incident.pk]
        active = [o for o in mine if o["state"] in ("sent", "accepted", "done")]
        leads = [o for o in active if o["role"] == "lead"]
        assert len(leads) <= 1, incident.number
        assert len({o["department_id"] for o in active}) == len(active)
        if incident.state in ("reported", "registered", "dismissed", "merged"):
            assert not active, incident.number
        elif incident.state == "dispatched":
            assert leads[0]["state"] == "sent"
        elif incident.state == "handling":
            if incident.tier == "front_line":
                assert not leads, incident.number
            else:
                assert leads[0]["state"] == "accepted", incident.number
        elif incident.tier != "front_line" and mine:
            assert leads and leads[0]["state"] == "done", incident.number
        if incident.tier == "whistle" and active:
            assert any(o["role"] == "co" for o in active)
        if leads:
            assert incident.handling_due == leads[0]["due_at"] and incident.dispatched_at == leads[0]["sent_at"]


def test_running_orders_carry_the_sweeps_marks():
    now = timezone.now()
    running = DispatchOrder.objects.filter(state__in=["sent", "accepted"], incident__in=demo_incidents())
    assert running.exists()
    for order in running:
        if order.due_at < now - datetime.timedelta(minutes=20):  # the sweep has run since
            assert order.sla_mark == "overdue" and order.escalations.filter(level=1).exists()
        elif order.due_at > now:
            assert order.sla_mark in ("", "due_soon") and not order.escalations.exists()


def test_texts_are_varied_enough_to_learn_from():
    texts = list(demo_incidents().values_list("category__code", "description"))
    assert len({t for _c, t in texts}) >= 0.9 * len(texts)
    by_category = defaultdict(list)
    for code, text in texts:
        by_category[code].append(text)
    assert len(by_category) >= 70
    for code, mine in by_category.items():
        if len(mine) >= 10:
            assert len(set(mine)) >= 0.8 * len(mine), code
    lengths = sorted(len(t) for _c, t in texts)
    assert lengths[0] >= 5 and lengths[len(lengths) // 10] <= 20 and lengths[len(lengths) * 9 // 10] >= 40
    assert sum(1 for _c, t in texts if "来电" in t) > 20  # the operators' wording
    assert sum(1 for _c, t in texts if any(w in t for w in ("冇得", "么子", "晓得", "哒"))) > 5  # Hunan speech


def test_dispatch_decisions_are_recorded_and_some_go_elsewhere_than_the_lead():
    dispatches = Counter(IncidentHistory.objects.filter(incident__in=demo_incidents(), action="dispatch")
                         .values_list("incident_id", flat=True))
    decisions = Counter(DispatchDecision.objects.filter(incident__in=demo_incidents()).values_list("incident_id",
                                                                                                   flat=True))
    assert dispatches == decisions and len(decisions) > 500
    lead = dict(Category.objects.values_list("id", "lead_department_id"))
    rows = list(DispatchDecision.objects.filter(incident__in=demo_incidents()).select_related("incident"))
    assert all(d.text == d.incident.description and not d.suggested_department and not d.accepted for d in rows)
    elsewhere = sum(1 for d in rows if lead[d.category_id] != d.department_id) / len(rows)
    assert 0.06 <= elsewhere <= 0.15, elsewhere


def test_auntie_zhangs_follow_up_help_is_recorded():
    """Journey 12: her 低保 stops; her grid worker records the follow-up help (a job lead for her son)."""
    incident = demo_incidents().get(description__startswith="帮扶：", description__contains="低保停发")
    assert incident.category.code == "SQ0303" and incident.category.lead_department.short_name == "民政"
    assert incident.state == "reviewed" and incident.resolution == "solved"
    handling = incident.history.get(action="handle_on_spot")
    assert handling.actor_id == incident.reporter_user_id and "应聘" in handling.note
    assert handling.actor.role == "grid_worker" and handling.actor.org_node.code == incident.path
    assert incident.verifications.filter(passed=True).exists()
    rating = incident.ratings.get()
    assert rating.source == "follow_up" and rating.level == 5
    assert incident.reporter_resident.gender == "F"


def test_numbers_unique_and_today_continues_the_sequence():
    from doorstep.incidents.tests.helpers import first_grid, grid_worker, report

    numbers = list(demo_incidents().values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    last = defaultdict(int)
    for number in numbers:
        last[number[7:15]] = max(last[number[7:15]], int(number[-5:]))
    counters = {f"{c.day:%Y%m%d}": c.last for c in IncidentNumberCounter.objects.filter(district=DISTRICT)}
    assert counters == dict(last)
    today = timezone.localdate()
    grid = first_grid()
    new = report(grid_worker(grid), grid=grid)
    assert new.number == f"E{DISTRICT}{today:%Y%m%d}{last.get(f'{today:%Y%m%d}', 0) + 1:05d}"


def test_resident_accounts_log_in_as_residents_and_only_theirs():
    accounts = User.objects.filter(pk__in=demo_incidents().filter(channel="resident").values("reporter_user_id"))
    assert accounts.exists()
    assert not accounts.exclude(role="resident").exists() and not accounts.filter(resident__isnull=True).exists()
    assert all(a.username == decrypt(a.resident.phone_enc) for a in accounts.select_related("resident")[:50])


def test_staff_act_in_working_time_and_grid_workers_on_working_days():
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    calendar = work_calendar()
    urgent = set(Category.objects.filter(priority="urgent").values_list("id", flat=True))
    steps = IncidentHistory.objects.filter(incident__in=demo_incidents().exclude(category_id__in=urgent),
                                           action__in=["accept", "handle", "register", "dispatch", "close"])
    inside = total = 0
    for at in steps.values_list("at", flat=True):
        local = at.astimezone(tz)
        minute = local.hour * 60 + local.minute
        total += 1
        inside += calendar.is_working_day(local.date()) and (510 <= minute <= 720 or 840 <= minute <= 1050)
    assert inside / total >= 0.97
    grid = demo_incidents().filter(channel="grid")
    weekend = sum(1 for at in grid.values_list("reported_at", flat=True) if at.astimezone(tz).weekday() >= 5)
    assert weekend / grid.count() < 0.12


def test_the_demo_clock_is_the_services_clock():
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    clock = WorkClock(work_calendar(), today - datetime.timedelta(days=400), today + datetime.timedelta(days=400))
    rng = random.Random(5)
    for _ in range(400):
        start = datetime.datetime.combine(today - datetime.timedelta(days=rng.randrange(380)), datetime.time()) + \
            datetime.timedelta(seconds=rng.randrange(86400))
        end = start + datetime.timedelta(seconds=rng.randrange(30 * 86400))
        value, unit = rng.choice([(1, "hours"), (2, "hours"), (4, "hours"), (0, "days"), (1, "days"), (3, "days"),
                                  (10, "days"), (20, "days")])
        aware = start.replace(tzinfo=tz)
        assert clock.due(start, value, unit) == due(aware, value, unit).astimezone(tz).replace(tzinfo=None)
        assert clock.seconds(start, end) == working_seconds(aware, end.replace(tzinfo=tz))


def test_one_audit_event_for_the_whole_year():
    from doorstep.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="demo.incidents").count() == 1
    assert not AuditEvent.objects.filter(action__startswith="incident.", actor_label="doorstep demo").exists()
    assert not AuditEvent.objects.filter(Q(action__startswith="incident.") & Q(target_id__in=[
        str(pk) for pk in demo_incidents().values_list("id", flat=True)[:100]])).exists()
