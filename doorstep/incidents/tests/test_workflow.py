"""The incident loop's table, tested directly (no database): every legal and illegal transition, the guards, and a
property test that no sequence of actions closes an incident without a passed verification."""

import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.incidents.workflow import (
    ACTION_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    Action,
    IncidentFacts,
    OrderState,
    Resolution,
    State,
    Tier,
    TransitionNotAllowed,
    advance,
    allowed_actions,
)

ROLES = ("resident", "clerk", "approver", "grid_worker", "dispatcher", "department", "supervisor", "volunteer",
         "leader", "admin")
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)

# Facts under which every guard of the table passes (the guards are tested one by one below).
PASSING = {
    Action.DISPATCH: dict(orders=(("lead", OrderState.SENT),)),
    Action.HANDLE: dict(orders=(("lead", OrderState.ACCEPTED), ("co", OrderState.DONE))),
    Action.HANDLE_ON_SPOT: dict(tier=Tier.FRONT_LINE),
    Action.VERIFY: dict(resolution=Resolution.SOLVED),
    Action.CLOSE: dict(resolution=Resolution.SOLVED, verifications_passed=1),
    Action.CLOSE_UNSOLVED: dict(resolution=Resolution.UNSOLVABLE, verifications_passed=1),
    Action.REVIEW: dict(has_reporter=True),
    Action.REOPEN: dict(closed_at=NOW - datetime.timedelta(days=3), now=NOW),
    Action.ARCHIVE: dict(closed_at=NOW - datetime.timedelta(days=30), now=NOW, has_reporter=False),
}


def test_every_state_and_action_has_a_label():
    assert set(STATE_LABELS) == set(State)
    assert set(ACTION_LABELS) == set(Action)


@pytest.mark.parametrize(("state", "action", "role"), list(itertools.product(State, Action, ROLES)))
def test_every_state_action_role_is_allowed_exactly_as_the_table_says(state, action, role):
    facts = IncidentFacts(state=state, **PASSING.get(action, {}))
    transition = TRANSITIONS.get((state, action))
    if transition is not None and role in transition.roles:
        after = advance(facts, action, role)
        assert after.state == transition.target
        assert after.history[-1] == (state, action, transition.target)
        assert action in allowed_actions(facts, role)
    else:
        with pytest.raises(TransitionNotAllowed):
            advance(facts, action, role)
        assert action not in allowed_actions(facts, role)


def test_the_loop_of_gbt_30428_runs_from_report_to_archive():
    f = IncidentFacts(has_reporter=True)
    f = advance(f, Action.REGISTER, "dispatcher")
    f = advance(IncidentFacts(state=f.state, orders=(("lead", OrderState.SENT),), has_reporter=True),
                Action.DISPATCH, "dispatcher")
    assert f.state == State.DISPATCHED
    f = advance(f, Action.ACCEPT, "department")
    f = advance(IncidentFacts(state=f.state, orders=(("lead", OrderState.ACCEPTED),)), Action.HANDLE, "department")
    assert f.state == State.HANDLED
    f = advance(IncidentFacts(state=f.state, resolution=Resolution.SOLVED), Action.VERIFY, "supervisor")
    assert f.state == State.VERIFIED
    f = advance(IncidentFacts(state=f.state, resolution=Resolution.SOLVED, verifications_passed=1),
                Action.CLOSE, "dispatcher")
    assert f.state == State.CLOSED
    f = advance(f, Action.RATE, "resident")
    assert f.state == State.REVIEWED
    f = advance(IncidentFacts(state=f.state, closed_at=NOW - datetime.timedelta(days=11), now=NOW,
                              has_reporter=True), Action.ARCHIVE, "dispatcher")
    assert f.state == State.ARCHIVED


@pytest.mark.parametrize("action", [Action.CLOSE, Action.CLOSE_UNSOLVED])
def test_closing_without_a_passed_verification_is_refused(action):
    resolution = Resolution.SOLVED if action == Action.CLOSE else Resolution.UNTRUE
    with pytest.raises(TransitionNotAllowed, match="核查"):
        advance(IncidentFacts(state=State.VERIFIED, resolution=resolution), action, "dispatcher")


def test_an_unsolved_ending_cannot_be_closed_as_solved_nor_the_other_way_round():
    with pytest.raises(TransitionNotAllowed):
        advance(IncidentFacts(state=State.VERIFIED, resolution=Resolution.UNSOLVABLE, verifications_passed=1),
                Action.CLOSE, "dispatcher")
    with pytest.raises(TransitionNotAllowed):
        advance(IncidentFacts(state=State.VERIFIED, resolution=Resolution.SOLVED, verifications_passed=1),
                Action.CLOSE_UNSOLVED, "dispatcher")


def test_a_meeting_tier_needs_a_meeting_before_dispatch():
    f = IncidentFacts(state=State.REGISTERED, tier=Tier.MEETING, orders=(("lead", OrderState.SENT),))
    with pytest.raises(TransitionNotAllowed, match="会议"):
        advance(f, Action.DISPATCH, "dispatcher")
    assert advance(IncidentFacts(state=State.REGISTERED, tier=Tier.MEETING, meetings=1,
                                 orders=(("lead", OrderState.SENT),)), Action.DISPATCH, "dispatcher").state \
        == State.DISPATCHED


def test_a_whistle_needs_a_co_department_and_a_lead():
    with pytest.raises(TransitionNotAllowed, match="协办"):
        advance(IncidentFacts(state=State.REGISTERED, tier=Tier.WHISTLE, orders=(("lead", OrderState.SENT),)),
                Action.DISPATCH, "dispatcher")
    with pytest.raises(TransitionNotAllowed, match="主办"):
        advance(IncidentFacts(state=State.REGISTERED, orders=()), Action.DISPATCH, "dispatcher")


def test_the_lead_reports_handling_only_once_every_co_department_has_answered():
    waiting = IncidentFacts(state=State.HANDLING, tier=Tier.WHISTLE,
                            orders=(("lead", OrderState.ACCEPTED), ("co", OrderState.ACCEPTED), ("co", OrderState.DONE)))
    with pytest.raises(TransitionNotAllowed, match="1个协办部门"):
        advance(waiting, Action.HANDLE, "department")


def test_handling_on_the_spot_makes_it_front_line_and_departments_keep_theirs():
    assert advance(IncidentFacts(state=State.REPORTED), Action.HANDLE_ON_SPOT, "grid_worker").tier == Tier.FRONT_LINE
    with pytest.raises(TransitionNotAllowed):
        advance(IncidentFacts(state=State.REGISTERED, tier=Tier.DISPATCH), Action.HANDLE_ON_SPOT, "grid_worker")


def test_reopen_only_within_the_window():
    inside = IncidentFacts(state=State.CLOSED, closed_at=NOW - datetime.timedelta(days=10), now=NOW)
    assert advance(inside, Action.REOPEN, "resident").state == State.REGISTERED
    outside = IncidentFacts(state=State.CLOSED, closed_at=NOW - datetime.timedelta(days=10, seconds=1), now=NOW)
    with pytest.raises(TransitionNotAllowed, match="10天"):
        advance(outside, Action.REOPEN, "resident")


def test_archive_waits_for_the_window_and_for_the_follow_up_of_a_request():
    recent = IncidentFacts(state=State.CLOSED, closed_at=NOW - datetime.timedelta(days=2), now=NOW)
    with pytest.raises(TransitionNotAllowed):
        advance(recent, Action.ARCHIVE, "dispatcher")
    unreviewed = IncidentFacts(state=State.CLOSED, closed_at=NOW - datetime.timedelta(days=20), now=NOW,
                               has_reporter=True)
    with pytest.raises(TransitionNotAllowed, match="回访"):
        advance(unreviewed, Action.ARCHIVE, "dispatcher")


def test_rework_and_reopen_forget_the_verification_of_the_earlier_handling():
    f = advance(IncidentFacts(state=State.HANDLED, verifications_passed=1), Action.REWORK, "supervisor")
    assert f.state == State.HANDLING and f.verifications_passed == 0


ACTIONS = st.sampled_from(list(Action))
STEP = st.tuples(ACTIONS, st.sampled_from(ROLES), st.sampled_from(list(Resolution)), st.booleans(),
                 st.sampled_from(list(Tier)))


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=40))
def test_no_sequence_of_actions_closes_an_incident_without_a_passed_verification(steps):
    """A model of the services' bookkeeping around the table: VERIFY adds a passed verification, a handling sets the
    resolution; whatever is tried in whatever order, a closing is always preceded by a passed verification of the
    latest handling."""
    facts = IncidentFacts(has_reporter=True, now=NOW)
    verified_since_handling = False
    for action, role, resolution, lead_accepted, tier in steps:
        trial = facts
        if action == Action.DISPATCH:
            trial = IncidentFacts(**{**facts.__dict__, "tier": tier, "meetings": 1,
                                     "orders": (("lead", OrderState.SENT), ("co", OrderState.SENT))})
        if action in (Action.HANDLE, Action.HANDLE_ON_SPOT):
            trial = IncidentFacts(**{**facts.__dict__, "resolution": resolution})
        try:
            after = advance(trial, action, role)
        except TransitionNotAllowed:
            continue
        if action in (Action.CLOSE, Action.CLOSE_UNSOLVED):
            assert verified_since_handling
            after = IncidentFacts(**{**after.__dict__, "closed_at": NOW})
        if action == Action.VERIFY:
            verified_since_handling = True
            after = IncidentFacts(**{**after.__dict__, "verifications_passed": after.verifications_passed + 1})
        if action in (Action.HANDLE, Action.HANDLE_ON_SPOT, Action.REWORK, Action.REOPEN, Action.RETURN):
            verified_since_handling = False
        if action == Action.ACCEPT and lead_accepted:
            after = IncidentFacts(**{**after.__dict__, "orders": (("lead", OrderState.ACCEPTED),)})
        facts = after
    if facts.state in (State.CLOSED, State.CLOSED_UNSOLVED):
        assert any(a in (Action.VERIFY,) for _s, a, _t in facts.history)


def test_front_line_work_is_verified_by_the_supervisor_not_by_a_grid_worker():
    facts = IncidentFacts(state=State.HANDLED, tier=Tier.FRONT_LINE, resolution=Resolution.SOLVED)
    for action in (Action.VERIFY, Action.REWORK):
        with pytest.raises(TransitionNotAllowed, match="监督员"):
            advance(facts, action, "grid_worker")
        assert action not in allowed_actions(facts, "grid_worker")
        assert advance(facts, action, "supervisor").state in (State.VERIFIED, State.HANDLING)
