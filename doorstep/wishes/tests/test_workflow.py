"""The community's three machines walked whole (issue #15 item 7): every (state × action) of the wish, registration
and sign-up tables either moves where the table says or is refused with the state and action named."""

import itertools

import pytest

from doorstep.wishes.workflow import (
    REGISTRATION_MOVES,
    SIGNUP_MOVES,
    WISH_ACTION_LABELS,
    WISH_MOVES,
    WISH_STATE_LABELS,
    MoveRefused,
    RegistrationAction,
    RegistrationState,
    SignupAction,
    SignupState,
    WishAction,
    WishState,
    registration_move,
    release_to,
    signup_move,
    wish_actions,
    wish_move,
)

MACHINES = [
    (WishState, WishAction, WISH_MOVES, wish_move),
    (RegistrationState, RegistrationAction, REGISTRATION_MOVES, registration_move),
    (SignupState, SignupAction, SIGNUP_MOVES, signup_move),
]


@pytest.mark.parametrize(("states", "actions", "moves", "move"), MACHINES)
def test_every_state_and_action_moves_as_the_table_says_or_is_refused(states, actions, moves, move):
    for state, action in itertools.product(states, actions):
        if (state, action) in moves:
            assert move(state, action) == moves[(state, action)]
        else:
            with pytest.raises(MoveRefused) as refused:
                move(state, action)
            assert "不能" in str(refused.value)


def test_a_refusal_names_the_state_and_the_action_in_words():
    with pytest.raises(MoveRefused) as refused:
        wish_move(WishState.CLOSED, WishAction.CLAIM)
    assert str(refused.value) == "当前状态为“已圆梦”，不能“认领”。"


def test_the_wish_follows_the_design_path_posted_published_claimed_fulfilled_closed():
    state = WishState.POSTED
    for action in (WishAction.PUBLISH, WishAction.CLAIM, WishAction.FULFIL, WishAction.CONFIRM):
        state = wish_move(state, action)
    assert state == WishState.CLOSED


def test_ended_wishes_take_no_action_but_the_story():
    assert wish_actions(WishState.CLOSED) == [WishAction.PUBLISH_STORY]
    assert wish_actions(WishState.REJECTED) == [] and wish_actions(WishState.CANCELLED) == []


def test_unclaimed_wishes_expire_and_come_back_or_close():
    assert wish_move(WishState.PUBLISHED, WishAction.EXPIRE) == WishState.EXPIRED
    assert wish_move(WishState.EXPIRED, WishAction.REPUBLISH) == WishState.PUBLISHED
    assert wish_move(WishState.EXPIRED, WishAction.CLOSE) == WishState.CANCELLED
    with pytest.raises(MoveRefused):
        wish_move(WishState.CLAIMED, WishAction.EXPIRE)  # a claimed wish is on its way: it does not expire


def test_the_last_release_puts_a_wish_back_on_the_wall():
    assert release_to(0) == WishState.PUBLISHED
    assert release_to(2) == WishState.CLAIMED


def test_every_state_and_action_has_words():
    assert set(WISH_STATE_LABELS) == set(WishState) and set(WISH_ACTION_LABELS) == set(WishAction)


def test_hours_come_only_after_a_check_in():
    with pytest.raises(MoveRefused):
        signup_move(SignupState.SIGNED_UP, SignupAction.CONFIRM)
    assert signup_move(signup_move(SignupState.SIGNED_UP, SignupAction.CHECK_IN), SignupAction.CONFIRM) == \
        SignupState.CONFIRMED
