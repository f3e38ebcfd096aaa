"""The community's authority table walked whole (issue #15; STYLE.md): for every role × action × relation,
`permitted` says yes exactly where the table lists the relation, and `refusal` names a reason everywhere else."""

import itertools

from doorstep.accounts.roles import Role
from doorstep.wishes.authority import WISHES_AUTHORITY, Extra, Relation, permitted, refusal
from doorstep.wishes.workflow import RegistrationAction, SignupAction, WishAction

ACTIONS = [*WishAction, *RegistrationAction, *SignupAction, *Extra]


def test_every_role_action_and_relation_against_the_table():
    for role, action, relation in itertools.product(Role, ACTIONS, Relation):
        allowed = relation in WISHES_AUTHORITY.get((role.value, action), frozenset())
        assert permitted(role.value, action, frozenset({relation})) is allowed, (role, action, relation)
        assert (refusal(role.value, action, frozenset({relation})) is None) is allowed, (role, action, relation)
        assert not permitted(role.value, action, frozenset()), (role, action)


def test_the_table_names_only_known_roles_actions_and_relations():
    roles = {r.value for r in Role}
    for (role, action), relations in WISHES_AUTHORITY.items():
        assert role in roles and action in ACTIONS
        assert relations and all(isinstance(r, Relation) for r in relations)


def test_volunteers_never_review_publish_or_confirm_and_staff_never_claim():
    for action in (WishAction.PUBLISH, WishAction.REJECT, WishAction.CONFIRM, Extra.SEE_WISH, Extra.SEE_ROSTER):
        assert not permitted("volunteer", action, frozenset(Relation)), action
    for role in ("clerk", "grid_worker", "admin", "leader", "resident"):
        assert not permitted(role, WishAction.CLAIM, frozenset(Relation)), role


def test_roles_outside_the_community_work_take_no_part():
    for role in ("department", "dispatcher", "approver", "supervisor"):
        assert not any(permitted(role, a, frozenset(Relation)) for a in ACTIONS), role


def test_a_refusal_names_who_may():
    reason = refusal("clerk", WishAction.PUBLISH, frozenset({Relation.AREA}))
    assert reason.text() == "只有本社区工作人员可以“审核发布”。"


def test_no_two_machines_share_an_action_value():
    """One dict holds the three machines' actions: a value shared by two would merge their rows."""
    values = [str(a) for a in ACTIONS]
    assert len(values) == len(set(values))
