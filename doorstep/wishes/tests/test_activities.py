"""Activities and sign-ups through the services (issue #15 item 4): posting with its checks, signing up within the
places (N + 5 attempts at N places → exactly N), every sign-up move legal and illegal, the QR check-in window, the
coordinator's confirmation writing exactly one ledger row, and hours integrity — no HoursEntry without a check-in and
a confirmation, whoever tries and however."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.notifications.models import Notification
from doorstep.wishes.models import Activity, HoursEntry, Signup
from doorstep.wishes.services.activities import (
    activity_cancel,
    activity_post,
    activity_sign_up,
    signup_cancel,
    signup_check_in,
    signup_confirm,
    signup_mark_absent,
    signups_confirm_all,
)
from doorstep.wishes.services.hours import hours_record_confirmed
from doorstep.wishes.tests.helpers import COMMUNITY, OTHER_COMMUNITY, clerk, community, volunteer
from doorstep.wishes.workflow import SIGNUP_MOVES, SignupAction, SignupState

BEIJING = ZoneInfo("Asia/Shanghai")
_DAY = timezone.localdate() + datetime.timedelta(days=14)
START = datetime.datetime(_DAY.year, _DAY.month, _DAY.day, 9, 0, tzinfo=BEIJING)  # the activity: 09:00–11:00
END = START + datetime.timedelta(hours=2)
BEFORE = START - datetime.timedelta(days=1)  # when it is posted and signed up for
AFTER = END + datetime.timedelta(hours=1)  # when it is confirmed


def post_activity(actor=None, *, places=5, code=COMMUNITY, starts=START, ends=END, now=BEFORE, key=None, **kwargs):
    kwargs.setdefault("kind", "activity")
    kwargs.setdefault("title", "清扫楼道")
    kwargs.setdefault("place", "展览桥社区居委会门口")
    return activity_post(actor=actor or clerk(code), community_id=community(code).pk, starts_at=starts,
                         ends_at=ends, places=places, idempotency_key=key or new_key(), now=now, **kwargs)


def sign_up(actor, activity, *, now=BEFORE, key=None) -> Signup:
    return activity_sign_up(actor=actor, activity_id=activity.pk, idempotency_key=key or new_key(), now=now)


def checked_in(actor, activity, *, now=None) -> Signup:
    sign_up(actor, activity)
    return signup_check_in(actor=actor, token=activity.checkin_token, now=now or activity.starts_at)


def confirmed(actor, activity, *, by=None) -> Signup:
    s = checked_in(actor, activity)
    return signup_confirm(actor=by or clerk(), signup_id=s.pk, now=activity.ends_at + datetime.timedelta(hours=1))


pytestmark = pytest.mark.django_db


# ---- posting -----------------------------------------------------------------------------------------------------------

def test_a_community_clerk_posts_an_open_activity_with_a_fresh_token_and_the_post_is_audited():
    a = post_activity(places=8, description="带好扫帚")
    assert a.state == "open" and a.places == 8 and a.signed_up == 0 and a.coordinator == clerk()
    assert a.community.code == COMMUNITY and 16 <= len(a.checkin_token) <= 32
    assert post_activity().checkin_token != a.checkin_token
    assert AuditEvent.objects.filter(action="activity.post", target_id=str(a.pk)).exists()


def test_the_same_submission_twice_posts_one_activity():
    key = new_key()
    first, second = post_activity(key=key), post_activity(key=key)
    assert first.pk == second.pk and Activity.objects.filter(title="清扫楼道", starts_at=START).count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"places": 0}, "places"), ({"places": 100000}, "places"), ({"places": "abc"}, "places"),
    ({"places": 501}, "places"), ({"ends": START - datetime.timedelta(minutes=1)}, "ends_at"), ({"ends": START}, "ends_at"),
    ({"starts": BEFORE - datetime.timedelta(hours=1)}, "starts_at"),
    ({"ends": START + datetime.timedelta(hours=25)}, "ends_at"), ({"starts": "2026-13-45T09:00"}, "starts_at"),
    ({"starts": "明天上午"}, "starts_at"), ({"ends": ""}, "ends_at"), ({"title": "   "}, "title"),
    ({"title": "长" * 61}, "title"), ({"place": ""}, "place"), ({"kind": "party"}, "kind"),
    ({"coordinator_id": "abc"}, "coordinator"),
])
def test_bad_input_is_refused_in_chinese_and_posts_nothing(changes, field):
    before = Activity.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        post_activity(**changes)
    assert refused.value.field == field and re.search(r"[\u4e00-\u9fff]", refused.value.message)
    assert Activity.objects.count() == before


def test_a_start_more_than_a_year_ahead_is_refused():
    far = BEFORE + datetime.timedelta(days=366, minutes=1)
    for starts, ends in ((far, far + datetime.timedelta(hours=2)), ("2099-05-01T09:00", "2099-05-01T11:00")):
        with pytest.raises(ValidationFailed, match="活动开始时间不能晚于一年后。") as refused:
            post_activity(starts=starts, ends=ends)
        assert refused.value.field == "starts_at"
    assert not Activity.objects.filter(starts_at__year=2099).exists()
    edge = BEFORE + datetime.timedelta(days=366)
    assert post_activity(starts=edge, ends=edge + datetime.timedelta(hours=1)).starts_at == edge


def test_only_the_communitys_own_staff_or_an_administrator_over_it_may_post():
    with pytest.raises(PermissionDenied):
        post_activity(actor=clerk(OTHER_COMMUNITY))
    with pytest.raises(PermissionDenied):
        post_activity(actor=volunteer())
    with pytest.raises(PermissionDenied):
        post_activity(actor=user("leader_s01"))
    assert post_activity(actor=user("admin_s01")).coordinator == user("admin_s01")
    with pytest.raises(NotFound):
        activity_post(actor=clerk(), community_id="x1", kind="activity", title="t", place="p", starts_at=START,
                      ends_at=END, places=3, idempotency_key=new_key(), now=BEFORE)


def test_the_coordinator_must_be_staff_of_that_community():
    assert post_activity(coordinator_id=user("admin_s01").pk).coordinator == user("admin_s01")
    with pytest.raises(ValidationFailed):
        post_activity(coordinator_id=clerk(OTHER_COMMUNITY).pk)
    with pytest.raises(ValidationFailed):
        post_activity(coordinator_id=volunteer().pk)


# ---- signing up --------------------------------------------------------------------------------------------------------

def test_an_active_volunteer_signs_up_and_is_told(django_capture_on_commit_callbacks):
    me, a = volunteer(), post_activity()
    with django_capture_on_commit_callbacks(execute=True):
        s = sign_up(me, a)
    assert s.state == "signed_up" and s.volunteer.user == me
    assert Activity.objects.get(pk=a.pk).signed_up == 1
    assert Notification.objects.filter(user=me, kind="wishes.activity").exists()


def test_n_plus_five_sign_ups_for_n_places_take_exactly_n():
    a = post_activity(places=4)
    outcomes = []
    for _ in range(9):
        try:
            sign_up(volunteer(), a)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.message)
    assert outcomes.count("ok") == 4 and outcomes.count("名额已满。") == 5
    assert Activity.objects.get(pk=a.pk).signed_up == 4 == Signup.objects.filter(activity=a).count()


def test_a_volunteer_signs_up_once_and_a_replay_gets_the_same_sign_up():
    me, a = volunteer(), post_activity()
    key = new_key()
    first = sign_up(me, a, key=key)
    assert sign_up(me, a, key=key).pk == first.pk
    with pytest.raises(Conflict, match="您已报名该活动"):
        sign_up(me, a)
    assert Activity.objects.get(pk=a.pk).signed_up == 1


def test_the_partial_unique_index_answers_a_second_sign_up_that_slipped_past_the_check(monkeypatch):
    from doorstep.wishes.services import activities

    me, a = volunteer(), post_activity()
    sign_up(me, a)
    monkeypatch.setattr(activities, "already_claimed", lambda *args: True)  # skip the cheap checks
    with pytest.raises(Conflict, match="您已报名该活动"):
        sign_up(me, a)
    assert Activity.objects.get(pk=a.pk).signed_up == 1  # the place taken before the refusal went back


def test_who_may_not_sign_up_and_when():
    a = post_activity()
    for who in (volunteer(active=False), clerk(), user("13800000001")):
        with pytest.raises(PermissionDenied):
            sign_up(who, a)
    with pytest.raises(Conflict, match="已开始"):
        sign_up(volunteer(), a, now=START)
    activity_cancel(actor=clerk(), activity_id=a.pk, reason="下雨", now=BEFORE)
    with pytest.raises(Conflict, match="已取消"):
        sign_up(volunteer(), a)
    with pytest.raises(NotFound):
        activity_sign_up(actor=volunteer(), activity_id="999999999", idempotency_key=new_key(), now=BEFORE)


def test_a_volunteer_of_another_community_of_the_district_may_sign_up():
    assert sign_up(volunteer(OTHER_COMMUNITY), post_activity()).state == "signed_up"


def test_cancelling_before_the_start_gives_the_place_back_and_only_the_volunteer_may():
    me, a = volunteer(), post_activity(places=1)
    s = sign_up(me, a)
    with pytest.raises(PermissionDenied):
        signup_cancel(actor=volunteer(), signup_id=s.pk, now=BEFORE)
    with pytest.raises(PermissionDenied):
        signup_cancel(actor=clerk(), signup_id=s.pk, now=BEFORE)
    with pytest.raises(Conflict, match="已开始"):
        signup_cancel(actor=me, signup_id=s.pk, now=START)
    assert signup_cancel(actor=me, signup_id=s.pk, now=BEFORE).state == "cancelled"
    assert Activity.objects.get(pk=a.pk).signed_up == 0
    assert sign_up(volunteer(), a).state == "signed_up"  # the place is free again
    with pytest.raises(Conflict):
        signup_cancel(actor=me, signup_id=s.pk, now=BEFORE)
    assert sign_up(me, post_activity()).state == "signed_up"


# ---- every move of the sign-up machine ------------------------------------------------------------------------------

def _in_state(state: SignupState):
    """A fresh activity and a sign-up brought to `state` through the services; (volunteer account, sign-up)."""
    me, a = volunteer(), post_activity()
    s = sign_up(me, a)
    if state == SignupState.CANCELLED:
        s = signup_cancel(actor=me, signup_id=s.pk, now=BEFORE)
    if state in (SignupState.CHECKED_IN, SignupState.CONFIRMED):
        s = signup_check_in(actor=me, token=a.checkin_token, now=START)
    if state == SignupState.CONFIRMED:
        s = signup_confirm(actor=clerk(), signup_id=s.pk, now=AFTER)
    if state == SignupState.ABSENT:
        s = signup_mark_absent(actor=clerk(), signup_id=s.pk, now=START + datetime.timedelta(minutes=40))
    assert s.state == state
    return me, s


_CALLS = {
    SignupAction.CANCEL: lambda me, s: signup_cancel(actor=me, signup_id=s.pk, now=BEFORE),
    SignupAction.CONFIRM: lambda me, s: signup_confirm(actor=clerk(), signup_id=s.pk, now=AFTER),
    SignupAction.MARK_ABSENT: lambda me, s: signup_mark_absent(actor=clerk(), signup_id=s.pk, now=AFTER),
}


@pytest.mark.parametrize("state", list(SignupState))
@pytest.mark.parametrize("action", list(_CALLS))
def test_every_sign_up_move_is_taken_exactly_when_the_machine_allows_it(state, action):
    me, s = _in_state(state)
    entries = HoursEntry.objects.count()
    if (state, action) in SIGNUP_MOVES:
        assert _CALLS[action](me, s).state == SIGNUP_MOVES[(state, action)]
    else:
        with pytest.raises(Conflict):
            _CALLS[action](me, s)
        assert Signup.objects.get(pk=s.pk).state == state
    assert HoursEntry.objects.count() - entries == (1 if (state, action) == (SignupState.CHECKED_IN,
                                                                              SignupAction.CONFIRM) else 0)


@pytest.mark.parametrize("state", [SignupState.CHECKED_IN, SignupState.CONFIRMED])
def test_a_second_scan_is_answered_with_the_first_check_in(state):
    me, s = _in_state(state)
    again = signup_check_in(actor=me, token=s.activity.checkin_token, now=START + datetime.timedelta(minutes=30))
    assert again.pk == s.pk and again.state == state and again.checked_in_at == START


@pytest.mark.parametrize("state", [SignupState.CANCELLED, SignupState.ABSENT])
def test_a_scan_after_cancelling_or_being_marked_absent_is_a_walk_in_leaving_the_old_sign_up_alone(state):
    me, s = _in_state(state)
    walk_in = signup_check_in(actor=me, token=s.activity.checkin_token, now=START + datetime.timedelta(minutes=45))
    assert walk_in.pk != s.pk and walk_in.state == "checked_in"
    assert Signup.objects.get(pk=s.pk).state == state


# ---- the QR check-in -------------------------------------------------------------------------------------------------

def test_the_check_in_window_runs_from_thirty_minutes_before_the_start_to_the_end():
    a = post_activity()
    early, me, late = volunteer(), volunteer(), volunteer()
    for v in (early, me, late):
        sign_up(v, a)
    with pytest.raises(Conflict, match="还未到签到时间"):
        signup_check_in(actor=early, token=a.checkin_token, now=START - datetime.timedelta(minutes=31))
    assert signup_check_in(actor=me, token=a.checkin_token, now=START - datetime.timedelta(minutes=30)).checked_in_at \
        == START - datetime.timedelta(minutes=30)
    assert signup_check_in(actor=early, token=a.checkin_token, now=END).state == "checked_in"
    with pytest.raises(Conflict, match="已结束"):
        signup_check_in(actor=late, token=a.checkin_token, now=END + datetime.timedelta(seconds=1))
    assert AuditEvent.objects.filter(action="activity.check_in").count() >= 2


def test_only_a_volunteer_checks_in_and_a_bad_token_finds_nothing():
    a = post_activity()
    for who in (clerk(), user("13800000001"), volunteer(active=False)):
        with pytest.raises(PermissionDenied):
            signup_check_in(actor=who, token=a.checkin_token, now=START)
    for token in ("", "x" * 5000, a.checkin_token + "x", "../../"):
        with pytest.raises(NotFound):
            signup_check_in(actor=volunteer(), token=token, now=START)


def test_a_walk_in_takes_a_free_place_and_is_refused_when_there_is_none():
    a = post_activity(places=1)
    walk_in = signup_check_in(actor=volunteer(), token=a.checkin_token, now=START)
    assert walk_in.state == "checked_in" and Activity.objects.get(pk=a.pk).signed_up == 1
    with pytest.raises(Conflict, match="名额已满"):
        signup_check_in(actor=volunteer(), token=a.checkin_token, now=START)


# ---- confirmation and hours integrity ---------------------------------------------------------------------------------

def test_the_coordinator_confirms_minutes_from_the_check_in_and_one_ledger_row_is_written(
        django_capture_on_commit_callbacks):
    me, a = volunteer(), post_activity()
    sign_up(me, a)
    s = signup_check_in(actor=me, token=a.checkin_token, now=START + datetime.timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        done = signup_confirm(actor=clerk(), signup_id=s.pk, now=AFTER)
    assert done.state == "confirmed" and done.minutes == 100 and done.confirmed_by == clerk()
    entry = HoursEntry.objects.get(signup=done)
    assert entry.minutes == 100 and entry.served_on == START.date() and entry.volunteer.user == me
    assert entry.recorded_by == clerk() and entry.activity == a
    assert Notification.objects.filter(user=me, link="/activities/hours/").exists()
    with pytest.raises(Conflict):
        signup_confirm(actor=clerk(), signup_id=s.pk, now=AFTER)
    assert HoursEntry.objects.filter(signup=done).count() == 1


def test_an_early_check_in_counts_from_the_start_and_given_minutes_stay_within_the_length():
    a = post_activity()
    early, given, too_long = volunteer(), volunteer(), volunteer()
    for v in (early, given, too_long):
        sign_up(v, a)
        signup_check_in(actor=v, token=a.checkin_token, now=START - datetime.timedelta(minutes=25))
    signups = {s.volunteer.user_id: s for s in Signup.objects.filter(activity=a)}
    assert signup_confirm(actor=clerk(), signup_id=signups[early.pk].pk, now=AFTER).minutes == 120
    assert signup_confirm(actor=clerk(), signup_id=signups[given.pk].pk, minutes="45", now=AFTER).minutes == 45
    for bad in ("121", "0", "-5", "1.5", "abc", "9" * 40):
        with pytest.raises(ValidationFailed):
            signup_confirm(actor=clerk(), signup_id=signups[too_long.pk].pk, minutes=bad, now=AFTER)
    assert not HoursEntry.objects.filter(signup=signups[too_long.pk]).exists()


def test_a_confirmation_at_the_start_is_refused_and_writes_no_hours():
    """民政部令第67号: hours from the time actually served — an 08:50–10:00 activity cannot be confirmed for its whole
    length at 08:50; only after its end, from the check-in (or the start) to the end."""
    day = START.date()
    starts = datetime.datetime(day.year, day.month, day.day, 8, 50, tzinfo=BEIJING)
    ends = starts + datetime.timedelta(minutes=70)
    me, a = volunteer(), post_activity(starts=starts, ends=ends)
    s = checked_in(me, a, now=starts)
    for when in (starts, starts + datetime.timedelta(minutes=50), ends - datetime.timedelta(seconds=1)):
        with pytest.raises(Conflict, match="活动结束后才能确认时长。"):
            signup_confirm(actor=clerk(), signup_id=s.pk, now=when)
        with pytest.raises(Conflict, match="活动结束后才能确认时长。"):
            signup_confirm(actor=clerk(), signup_id=s.pk, minutes="30", now=when)
        with pytest.raises(Conflict, match="活动结束后才能确认时长。"):
            signups_confirm_all(actor=clerk(), activity_id=a.pk, now=when)
    assert not HoursEntry.objects.filter(signup=s).exists()
    assert Signup.objects.get(pk=s.pk).state == "checked_in" and Signup.objects.get(pk=s.pk).minutes is None
    assert signup_confirm(actor=clerk(), signup_id=s.pk, now=ends).minutes == 70
    assert HoursEntry.objects.get(signup=s).minutes == 70


def test_a_late_check_in_counts_from_the_check_in_to_the_end():
    me, a = volunteer(), post_activity()
    s = checked_in(me, a, now=START + datetime.timedelta(minutes=70))
    assert signup_confirm(actor=clerk(), signup_id=s.pk, now=END + datetime.timedelta(days=2)).minutes == 50


def test_no_hours_without_a_check_in_and_a_confirmation_by_the_right_person():
    me, a = volunteer(), post_activity(coordinator_id=user("admin_s01").pk)
    s = sign_up(me, a)
    with pytest.raises(Conflict):  # not checked in
        signup_confirm(actor=clerk(), signup_id=s.pk, now=AFTER)
    with pytest.raises(Conflict, match="已结束"):  # check-in outside the window
        signup_check_in(actor=me, token=a.checkin_token, now=AFTER)
    s = signup_check_in(actor=me, token=a.checkin_token, now=START)
    with pytest.raises(Conflict, match="活动结束后"):
        signup_confirm(actor=clerk(), signup_id=s.pk, now=START - datetime.timedelta(minutes=1))
    for who in (clerk(OTHER_COMMUNITY), me, volunteer(), user("leader_s01"), user("admin"),
                user("13800000001")):
        with pytest.raises(PermissionDenied):
            signup_confirm(actor=who, signup_id=s.pk, now=AFTER)
    with pytest.raises(ValidationFailed):  # the ledger's own guard, for a caller that skipped the machine
        hours_record_confirmed(Signup.objects.get(pk=s.pk), actor=clerk(), now=AFTER)
    assert not HoursEntry.objects.filter(volunteer__user=me).exists()
    assert signup_confirm(actor=user("admin_s01"), signup_id=s.pk, now=AFTER).state == "confirmed"  # coordinator
    assert HoursEntry.objects.filter(volunteer__user=me).count() == 1


def test_the_database_refuses_minutes_on_a_sign_up_that_is_not_confirmed():
    me, a = volunteer(), post_activity()
    s = checked_in(me, a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.filter(pk=s.pk).update(minutes=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.filter(pk=s.pk).update(state="confirmed", minutes=30)  # no confirmer
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=a.pk).update(signed_up=a.places + 1)


def test_the_ledger_is_written_only_by_the_confirmation():
    """No module but services/hours.py creates HoursEntry rows (the confirmation's and the corrections'); the demo
    builder writes a year of history in bulk, for confirmed sign-ups it makes itself, and is no path a user has."""
    root = Path(__file__).resolve().parents[2]
    writers = set()
    for path in root.rglob("*.py"):
        if {"tests", "migrations", "demo"} & set(path.relative_to(root).parts):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"(?<!class )HoursEntry(\.objects\.(create|bulk_create|get_or_create|update_or_create)|\()", text):
            writers.add(path.relative_to(root).as_posix())
    assert writers == {"wishes/services/hours.py"}


def test_mark_absent_gives_the_place_back_after_the_start_only(django_capture_on_commit_callbacks):
    me, a = volunteer(), post_activity(places=1)
    s = sign_up(me, a)
    with pytest.raises(Conflict, match="尚未开始"):
        signup_mark_absent(actor=clerk(), signup_id=s.pk, now=BEFORE)
    with pytest.raises(PermissionDenied):
        signup_mark_absent(actor=clerk(OTHER_COMMUNITY), signup_id=s.pk, now=AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        assert signup_mark_absent(actor=clerk(), signup_id=s.pk, now=START).state == "absent"
    assert Activity.objects.get(pk=a.pk).signed_up == 0
    assert Notification.objects.filter(user=me, title__contains="缺席").exists()


def test_confirm_all_confirms_every_checked_in_sign_up_and_nothing_else():
    a = post_activity(places=6)
    people = [volunteer() for _ in range(5)]
    for v in people[:3]:
        checked_in(v, a)
    sign_up(people[3], a)
    with pytest.raises(PermissionDenied):
        signups_confirm_all(actor=clerk(OTHER_COMMUNITY), activity_id=a.pk, now=AFTER)
    with pytest.raises(Conflict):
        signups_confirm_all(actor=clerk(), activity_id=a.pk, now=BEFORE)
    assert signups_confirm_all(actor=clerk(), activity_id=a.pk, now=AFTER) == 3
    assert HoursEntry.objects.filter(activity=a).count() == 3
    assert set(Signup.objects.filter(activity=a).values_list("state", flat=True)) == {"confirmed", "signed_up"}
    assert signups_confirm_all(actor=clerk(), activity_id=a.pk, now=AFTER) == 0


# ---- cancelling an activity -------------------------------------------------------------------------------------------

def test_cancelling_an_activity_cancels_its_sign_ups_and_tells_the_volunteers(django_capture_on_commit_callbacks):
    a = post_activity()
    people = [volunteer() for _ in range(2)]
    for v in people:
        sign_up(v, a)
    with pytest.raises(ValidationFailed):
        activity_cancel(actor=clerk(), activity_id=a.pk, reason="  ", now=BEFORE)
    with pytest.raises(PermissionDenied):
        activity_cancel(actor=clerk(OTHER_COMMUNITY), activity_id=a.pk, reason="下雨", now=BEFORE)
    with django_capture_on_commit_callbacks(execute=True):
        done = activity_cancel(actor=clerk(), activity_id=a.pk, reason="下雨", now=BEFORE)
    assert done.state == "cancelled" and Activity.objects.get(pk=a.pk).signed_up == 0
    assert set(Signup.objects.filter(activity=a).values_list("state", flat=True)) == {"cancelled"}
    assert Notification.objects.filter(user__in=people, title__contains="活动已取消").count() == 2
    with pytest.raises(Conflict):
        activity_cancel(actor=clerk(), activity_id=a.pk, reason="下雨", now=BEFORE)


def test_an_activity_with_a_check_in_or_already_begun_is_not_cancelled():
    a = post_activity()
    checked_in(volunteer(), a, now=START - datetime.timedelta(minutes=10))
    with pytest.raises(Conflict, match="已有志愿者签到"):
        activity_cancel(actor=clerk(), activity_id=a.pk, reason="下雨", now=START - datetime.timedelta(minutes=5))
    with pytest.raises(Conflict, match="已开始"):
        activity_cancel(actor=clerk(), activity_id=post_activity().pk, reason="下雨", now=START)
