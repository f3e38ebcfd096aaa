"""Reads of the org tree: a node with its children and the figures under each, computed from the records."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from doorstep.core.errors import NotFound
from doorstep.core.paths import subtree_q
from doorstep.org.authority import actor_reach, center_may_keep
from doorstep.org.models import WEEKDAY_LABELS, OrgNode, ServiceCenter
from doorstep.registry.models import Building, Household, Resident


@dataclass
class NodeFigures:
    node: OrgNode
    grids: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0
    extra: dict = field(default_factory=dict)


def org_root_for_user(user) -> OrgNode:
    """Staff browse the tree of their own district; the top they may open is the district node."""
    if not user.is_authenticated or not user.org_node_id:
        raise NotFound()
    return OrgNode.objects.get(code=user.org_node.code[:6])


def org_node_get_for_user(user, code: str) -> OrgNode:
    root = org_root_for_user(user)
    node = OrgNode.objects.filter(code=str(code)[:15]).select_related("parent").first()
    if node is None or not node.code.startswith(root.code):
        raise NotFound()
    return node


def org_ancestors(node: OrgNode) -> list[OrgNode]:
    codes = [node.code[:n] for n in (6, 9, 12) if n < len(node.code)]
    return list(OrgNode.objects.filter(code__in=codes).order_by("code"))


def org_children_with_figures(node: OrgNode) -> tuple[NodeFigures, list[NodeFigures]]:
    """The node's own figures and each child's: four grouped queries over the node's subtree, rolled up by path."""
    children = list(node.children.order_by("code"))
    total = NodeFigures(node)
    rows = {c.code: NodeFigures(c) for c in children}
    prefix_len = len(children[0].code) if children else len(node.code)

    def roll(model, attr: str) -> None:
        counts = model.objects.filter(subtree_q("path", node.code)).values("path").annotate(n=Count("id"))
        for row in counts:
            setattr(total, attr, getattr(total, attr) + row["n"])
            child = rows.get(row["path"][:prefix_len])
            if child is not None:
                setattr(child, attr, getattr(child, attr) + row["n"])

    roll(Building, "buildings")
    roll(Household, "households")
    roll(Resident, "residents")
    grids = defaultdict(int)
    for code in OrgNode.objects.filter(subtree_q("code", node.code), level="grid").values_list("code", flat=True):
        total.grids += 1
        grids[code[:prefix_len]] += 1
    for code, child in rows.items():
        child.grids = grids.get(code, 0)
    return total, list(rows.values())


def acting_post_holders(node: OrgNode, *, role: str = "") -> list:
    """Who answers for a node now: the acting holder of each of its posts (B when A is marked absent, AB岗);
    where the node has no posts, its staff of the given role. Used to route reminders and queues."""
    from doorstep.accounts.models import User
    from doorstep.org.models import Post

    holders = [p.acting_holder for p in Post.objects.filter(org_node=node).select_related("holder_a", "holder_b")]
    holders = [h for h in holders if h is not None and h.is_active]
    if role:
        staff = list(User.objects.filter(org_node=node, role=role, is_active=True))
        return staff or holders
    return holders


def grid_governors(path: str) -> list:
    """The grid worker (网格长) of the grid a resident path belongs to: who delivers results home (journey 6)."""
    from doorstep.org.models import GridTeamMember

    return [m.user for m in GridTeamMember.objects.filter(grid__code=path[:15], team_role="governor")
            .select_related("user")]


# Service centers as their administrators keep them (issue #11, item 11); the reach is org/authority.py's table.

def centers_for_user(user) -> list:
    """The centers the user keeps, by node code then name, each with `window_count` and `hours_count`.
    Empty for anyone the authority table gives no reach (their pages refuse them before this)."""
    if actor_reach(user) is None:
        return []
    return list(ServiceCenter.objects.filter(subtree_q("org_node__code", user.org_node.code))
                .select_related("org_node").annotate(window_count=Count("windows", distinct=True),
                                                     hours_count=Count("opening_hours", distinct=True))
                .order_by("org_node__code", "name"))


def center_get_for_user(user, center_id):
    """One center the user keeps. Raises NotFound for a malformed id, a missing center and one out of reach alike."""
    try:
        center_id = int(center_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    center = ServiceCenter.objects.select_related("org_node").filter(pk=center_id).first()
    if center is None or not center_may_keep(user, center):
        raise NotFound()
    return center


def center_node_choices(user) -> list[OrgNode]:
    """The nodes a new center may belong to, by name: the user's own node and the streets and communities below it
    (grids have no centers)."""
    if actor_reach(user) is None:
        return []
    return list(OrgNode.objects.filter(subtree_q("code", user.org_node.code))
                .exclude(level="grid").select_related("parent").order_by("code"))


def center_staff_choices(center) -> list:
    """Who may hold a post at the center: the active staff accounts of the center's own node, by name."""
    from doorstep.accounts.models import User
    from doorstep.accounts.roles import STAFF_ROLES

    return list(User.objects.filter(org_node_id=center.org_node_id, is_active=True,
                                    role__in=[r.value for r in STAFF_ROLES])
                .order_by("full_name", "username"))


@dataclass
class CenterPage:
    center: object
    windows: list
    hours: list  # OpeningHours rows by weekday, then start
    posts: list
    weekly: list  # [(weekday label, [rows])] for the seven days, Monday first


def center_page(center) -> CenterPage:
    """What the center's page shows: its windows (with their 专窗 categories), opening hours and AB posts."""
    from django.apps import apps  # the hall sits above org: its tables are read by name

    ticket, session = apps.get_model("hall", "Ticket"), apps.get_model("hall", "WindowSession")
    # the hall's history at a window: such a window is renamed, never deleted (services.window_delete)
    windows = list(center.windows.prefetch_related("categories").annotate(
        in_use=Exists(ticket.objects.filter(window_id=OuterRef("pk"))) | Exists(
            session.objects.filter(window_id=OuterRef("pk")))).order_by("number"))
    hours = list(center.opening_hours.order_by("weekday", "opens"))
    posts = list(center.posts.select_related("holder_a", "holder_b").order_by("name"))
    weekly = [(label, [h for h in hours if h.weekday == day]) for day, label in enumerate(WEEKDAY_LABELS)]
    return CenterPage(center, windows, hours, posts, weekly)
