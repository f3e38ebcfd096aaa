"""The change-request state machine and its authority table, tested directly (plain Python, no database)."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.registry.changes.authority import (
    ALL_KINDS,
    CHANGE_AUTHORITY,
    PROPOSABLE_KINDS,
    ActorFacts,
    Relation,
    SubjectRef,
    permitted,
    refusal,
    relations,
    sees,
)
from doorstep.registry.changes.workflow import (
    FINAL,
    TRANSITIONS,
    Action,
    State,
    TransitionNotAllowed,
    advance,
    allowed_actions,
)

ROLES = ["resident", "clerk", "approver", "grid_worker", "dispatcher", "department", "supervisor", "volunteer",
         "leader", "admin"]
REVIEW = [Action.APPROVE, Action.REJECT, Action.WITHDRAW]
LEGAL = {
    (State.PROPOSED, Action.APPROVE, "clerk"): State.APPROVED,
    (State.PROPOSED, Action.REJECT, "clerk"): State.REJECTED,
    (State.PROPOSED, Action.WITHDRAW, "grid_worker"): State.WITHDRAWN,
    (State.PROPOSED, Action.WITHDRAW, "resident"): State.WITHDRAWN,
}


@pytest.mark.parametrize(("state", "action", "role"), list(itertools.product(State, REVIEW, ROLES)))
def test_every_transition_is_legal_exactly_when_the_table_says(state, action, role):
    expected = LEGAL.get((state, action, role))
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            advance(state, action, role)
        assert refused.value.reason.text()  # a reason in words, never empty
    else:
        assert advance(state, action, role) == expected


def test_decided_requests_accept_nothing_and_say_so():
    for state in FINAL:
        assert allowed_actions(state, "clerk") == [] and allowed_actions(state, "grid_worker") == []
        with pytest.raises(TransitionNotAllowed) as refused:
            advance(state, Action.APPROVE, "clerk")
        assert "不能再" in refused.value.reason.text()


@given(st.lists(st.tuples(st.sampled_from(REVIEW), st.sampled_from(ROLES)), max_size=8))
def test_any_sequence_of_actions_decides_a_request_at_most_once(steps):
    state, decided = State.PROPOSED, 0
    for action, role in steps:
        try:
            state = advance(state, action, role)
            decided += 1
        except TransitionNotAllowed:
            continue
    assert decided <= 1
    assert (state == State.PROPOSED) == (decided == 0)
    assert all(t.target in FINAL for t in TRANSITIONS.values())


GRID = "430302001001003"
COMMUNITY = GRID[:12]
OTHER_GRID = "430302001001004"
OTHER_COMMUNITY = "430302001002"
SUBJECT = SubjectRef(path=GRID, household_id=7, proposer_id=100)

# (role, node code, node level, user id, household) → the relations it holds to SUBJECT
ACTORS = {
    "grid worker of the grid": ActorFacts("grid_worker", 1, None, GRID, "grid"),
    "grid worker of another grid": ActorFacts("grid_worker", 2, None, OTHER_GRID, "grid"),
    "proposing grid worker": ActorFacts("grid_worker", 100, None, GRID, "grid"),
    "community clerk": ActorFacts("clerk", 3, None, COMMUNITY, "community"),
    "clerk of another community": ActorFacts("clerk", 4, None, OTHER_COMMUNITY, "community"),
    "street clerk": ActorFacts("clerk", 5, None, GRID[:9], "street"),
    "resident of the household": ActorFacts("resident", 6, 7),
    "proposing resident": ActorFacts("resident", 100, 7),
    "resident of another household": ActorFacts("resident", 8, 9),
    "community supervisor": ActorFacts("supervisor", 9, None, COMMUNITY, "community"),
    "street approver": ActorFacts("approver", 10, None, GRID[:9], "street"),
    "department": ActorFacts("department", 11, None, GRID[:6], "district"),
    "volunteer": ActorFacts("volunteer", 12),
    "district admin": ActorFacts("admin", 13, None, GRID[:6], "district"),
    "leader": ActorFacts("leader", 14, None, GRID[:6], "district"),
}
EXPECTED = {  # who may do what to SUBJECT (a grid worker's report about grid 001001003)
    Action.APPROVE: {"community clerk"},
    Action.REJECT: {"community clerk"},
    Action.WITHDRAW: {"proposing grid worker", "proposing resident"},
}


@pytest.mark.parametrize("who", sorted(ACTORS))
@pytest.mark.parametrize("action", REVIEW)
def test_authority_table_for_every_actor_and_review_action(who, action):
    actor = ACTORS[who]
    held = relations(actor, SUBJECT)
    assert permitted(actor.role, action, held) == (who in EXPECTED[action])
    assert (refusal(actor.role, action, held) is None) == (who in EXPECTED[action])


@pytest.mark.parametrize("who", sorted(ACTORS))
@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_authority_table_for_proposing_every_kind(who, kind):
    actor = ACTORS[who]
    held = relations(actor, SubjectRef(path=GRID, household_id=7))
    may = (who in ("grid worker of the grid", "proposing grid worker")
           or (who in ("resident of the household", "proposing resident") and kind == "correction"))
    assert permitted(actor.role, Action.PROPOSE, held, kind=kind) == may
    reason = refusal(actor.role, Action.PROPOSE, held, kind=kind)
    assert (reason is None) == may
    if not may:
        assert reason.text()


def test_only_community_staff_of_the_subjects_community_see_the_queue():
    seen = {who for who, actor in ACTORS.items() if sees(actor.role, relations(actor, SUBJECT))}
    assert seen == {"grid worker of the grid", "proposing grid worker", "community clerk", "proposing resident"}


def test_tables_name_only_known_roles_kinds_and_relations():
    assert {role for role, _action in CHANGE_AUTHORITY} <= set(ROLES)
    assert all(kinds <= ALL_KINDS for kinds in PROPOSABLE_KINDS.values())
    assert all(rels <= set(Relation) for rels in CHANGE_AUTHORITY.values())


def test_readings_are_entered_by_the_community_clerk_and_above_and_overwritten_by_a_district_admin_only():
    from doorstep.registry.changes.authority import ReadingAction, reading_permitted, reading_refusal

    levels = ["grid", "community", "street", "district", ""]
    enter = {(role, level) for role in ROLES for level in levels if reading_permitted(role, ReadingAction.ENTER, level)}
    assert enter == {("clerk", "community"), ("clerk", "street"), ("clerk", "district"), ("approver", "street"),
                     ("approver", "district"), ("admin", "community"), ("admin", "street"), ("admin", "district")}
    overwrite = {(role, level) for role in ROLES for level in levels
                 if reading_permitted(role, ReadingAction.OVERWRITE, level)}
    assert overwrite == {("admin", "district")}
    assert "社区窗口人员及以上" in reading_refusal("grid_worker", ReadingAction.ENTER, "grid").text()
    assert "区级管理员" in reading_refusal("clerk", ReadingAction.OVERWRITE, "community").text()
