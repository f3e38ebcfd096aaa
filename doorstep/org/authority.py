"""Who may keep a service center's master data (the center, its windows, opening hours and AB posts), as a table.

`(role) → where the actor's node must stand relative to the center's node`. An administrator keeps the centers of
their own subtree: the district administrator every center of the district, a street administrator the street's
center and its communities' stations (issue #11, item 11). The services ask `center_may_keep` once per write; the
pages ask the same function which forms and buttons to draw. A center outside the table's reach is reported as not
found, exactly like a missing one (decisions.md, "Scopes as a table").
"""

from enum import StrEnum

from doorstep.accounts.roles import Role


class Reach(StrEnum):
    SUBTREE = "subtree"  # the center's node is the actor's node or below it


KEEP_CENTERS: dict[Role, Reach] = {Role.ADMIN: Reach.SUBTREE}


def actor_reach(user) -> Reach | None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if getattr(user, "org_node_id", None) is None:
        return None
    return KEEP_CENTERS.get(user.role)


def node_within_reach(user, node_code: str) -> bool:
    """Whether a center at `node_code` is within the user's reach (no query: the node codes are paths)."""
    reach = actor_reach(user)
    return reach is Reach.SUBTREE and node_code.startswith(user.org_node.code)


def center_may_keep(user, center) -> bool:
    return node_within_reach(user, center.org_node.code)
