"""The Case state machine: every legal and illegal (state, action) pair, and random action sequences keeping the
invariants (a concluded case was approved or is instant; the clock never runs while paused; history agrees)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.cases.workflow import (
    CLOCK_RUNNING,
    LEVELS,
    PAUSED,
    TRANSITIONS,
    Action,
    CaseFacts,
    State,
    TransitionNotAllowed,
    advance,
    allowed_actions,
)

ROLES = ["resident", "clerk", "grid_worker", "approver", "leader"]


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_pair_is_either_in_the_table_or_refused_with_a_reason(state, action):
    facts = CaseFacts(state=state, instant=False, approval_level="district", review_level="district")
    if (state, action) not in TRANSITIONS:
        for role in ROLES:
            with pytest.raises(TransitionNotAllowed) as err:
                advance(facts, action, role)
            assert "不能" in err.value.message
    else:
        t = TRANSITIONS[(state, action)]
        for role in ROLES:
            if role not in t.roles:
                with pytest.raises(TransitionNotAllowed, match="角色"):
                    advance(facts, action, role)


def test_instant_item_is_concluded_at_the_window():
    f = advance(CaseFacts(instant=True), Action.ACCEPT, "clerk")
    with pytest.raises(TransitionNotAllowed, match="即办件"):
        advance(f, Action.FORWARD, "clerk")
    f = advance(f, Action.CONCLUDE, "clerk")
    assert f.state == State.CONCLUDED


def test_promised_district_item_hops_street_then_district_and_is_approved_there():
    f = advance(CaseFacts(approval_level="district"), Action.ACCEPT, "clerk")
    with pytest.raises(TransitionNotAllowed, match="须经批准"):
        advance(f, Action.CONCLUDE, "clerk")
    with pytest.raises(TransitionNotAllowed, match="区级审批"):
        advance(f, Action.APPROVE, "clerk")
    f = advance(f, Action.FORWARD, "clerk")
    assert (f.state, f.review_level) == (State.IN_REVIEW, "street")
    f = advance(f, Action.FORWARD, "approver")
    assert f.review_level == "district"
    with pytest.raises(TransitionNotAllowed, match="无需再上报"):
        advance(f, Action.FORWARD, "approver")
    f = advance(advance(f, Action.APPROVE, "approver"), Action.CONCLUDE, "approver")
    f = advance(f, Action.DELIVER, "grid_worker")
    assert f.state == State.DELIVERED and [h[1] for h in f.history] == [
        Action.ACCEPT, Action.FORWARD, Action.FORWARD, Action.APPROVE, Action.CONCLUDE, Action.DELIVER]


def test_rating_is_no_transition_so_no_state_is_left_by_it():
    """A rating is its own record (ratings.Rating): the case keeps its state, so refused and rejected cases are rated
    too and a rated case can still be delivered (issue #11, item 7)."""
    assert not [key for key in TRANSITIONS if key[1] == Action.RATE]
    for state in State:
        with pytest.raises(TransitionNotAllowed):
            advance(CaseFacts(state=state), Action.RATE, "resident")


def test_withdraw_only_before_a_decision():
    f = advance(CaseFacts(approval_level="street"), Action.ACCEPT, "clerk")
    assert advance(f, Action.WITHDRAW, "resident").state == State.WITHDRAWN
    approved = advance(advance(f, Action.FORWARD, "clerk"), Action.APPROVE, "approver")
    with pytest.raises(TransitionNotAllowed, match="已批准"):
        advance(approved, Action.WITHDRAW, "resident")


@settings(max_examples=300)
@given(st.booleans(), st.sampled_from(["community", "street", "district"]),
       st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(ROLES)), max_size=25))
def test_random_sequences_keep_the_invariants(instant, level, steps):
    facts = CaseFacts(instant=instant, approval_level=level)
    for action, role in steps:
        legal = action in allowed_actions(facts, role)
        try:
            after = advance(facts, action, role)
        except TransitionNotAllowed:
            assert not legal
            continue
        assert legal
        assert after.history[-1] == (facts.state, action, after.state)
        assert len(after.history) == len(facts.history) + 1
        facts = after
        assert not (facts.state in PAUSED and facts.state in CLOCK_RUNNING)
        if facts.state == State.CONCLUDED:
            actions = [h[1] for h in facts.history]
            assert instant or Action.APPROVE in actions
            if not instant:
                approve_at = [h for h in facts.history if h[1] == Action.APPROVE][-1]
                assert approve_at[2] == State.APPROVED
        assert LEVELS.index(facts.review_level) <= LEVELS.index(level)  # never hops past the deciding level
