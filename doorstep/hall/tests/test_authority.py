"""The hall's authority table walked whole (issue #14; STYLE.md): for every role × action × relation, `permitted`
says yes exactly where the table lists the relation, and `refusal` names a reason everywhere else."""

import itertools

from doorstep.accounts.roles import Role
from doorstep.hall.authority import ANY_ACTION, HALL_AUTHORITY, Extra, Relation, permitted, refusal
from doorstep.hall.workflow import BookingAction, TicketAction

ACTIONS = [*BookingAction, *TicketAction, *Extra]


def test_every_role_action_and_relation_against_the_table():
    for role, action, relation in itertools.product(Role, ACTIONS, Relation):
        allowed = relation in HALL_AUTHORITY.get((role.value, action), frozenset())
        assert permitted(role.value, action, frozenset({relation})) is allowed, (role, action, relation)
        assert (refusal(role.value, action, frozenset({relation})) is None) is allowed, (role, action, relation)
        assert not permitted(role.value, action, frozenset()), (role, action)


def test_the_table_names_only_known_roles_actions_and_relations():
    roles = {r.value for r in Role}
    for (role, action), relations in HALL_AUTHORITY.items():
        assert role in roles and isinstance(action, ANY_ACTION.__args__ if hasattr(ANY_ACTION, "__args__")
                                            else (BookingAction, TicketAction, Extra))
        assert relations and all(isinstance(r, Relation) for r in relations)


def test_no_role_outside_the_hall_acts_in_it():
    for role in ("department", "dispatcher", "volunteer", "approver", "supervisor"):
        assert not any(permitted(role, a, frozenset(Relation)) for a in ACTIONS), role
