"""Reads for the map of incidents: the located incidents in the viewer's scope under the queue's filters (one query,
five columns, at most MAP_MAX_POINTS) and the grids under the viewer's node as GeoJSON, the map's base layer."""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.paths import subtree_q
from doorstep.incidents.selectors_center import Filters, filter_q, scoped_incidents
from doorstep.incidents.workflow import ENDED, HANDLING_RUNNING, OPEN, State

# The map draws at most this many points (newest first) and says so when there are more: a browser clusters 20,000
# markers in about a second; beyond that the filters are the way in.
MAP_MAX_POINTS = 20_000
MAP_STATES = [
    ("open", _("未办结（全部）")), ("new", _("新上报/待派遣")), ("running", _("处置中")), ("overdue", _("已超期")),
    ("checking", _("待核查/待结案")), ("ended", _("已办结")), ("all", _("全部")),
]


def _map_state_q(state: str, now: datetime.datetime) -> Q:
    groups = {
        "open": OPEN, "new": {State.REPORTED, State.REGISTERED}, "running": HANDLING_RUNNING,
        "overdue": HANDLING_RUNNING, "checking": {State.HANDLED, State.VERIFIED}, "ended": ENDED,
    }
    if state == "all":
        return Q()
    q = Q(state__in=sorted(groups.get(state, OPEN)))
    if state == "overdue":
        q &= Q(handling_due__lt=now)
    return q


def map_points(user, *, state: str, filters: Filters, now: datetime.datetime,
               cap: int = MAP_MAX_POINTS) -> tuple[list[tuple], bool]:
    """(rows, capped): up to `cap` located incidents in scope, newest first, as (id, latitude, longitude, state,
    category_id) tuples — one query, nothing but those five columns."""
    rows = list(scoped_incidents(user).filter(_map_state_q(state, now), filter_q(filters),
                                              latitude__isnull=False, longitude__isnull=False)
                .order_by("-id").values_list("id", "latitude", "longitude", "state", "category_id")[:cap + 1])
    return rows[:cap], len(rows) > cap


def grid_features(user) -> list[dict]:
    """The grids under the user's node as GeoJSON features (code and name only): the map's base layer."""
    from doorstep.org.models import OrgNode

    node = user.org_node if getattr(user, "org_node_id", None) else None
    if node is None:
        return []
    code = node.code if node.level != "grid" else node.code[:12]  # a grid worker sees the grids around theirs
    return [{"type": "Feature", "geometry": geometry, "properties": {"code": c, "name": name}}
            for c, name, geometry in OrgNode.objects.filter(subtree_q("code", code), level="grid",
                                                            geometry__isnull=False)
            .order_by("code").values_list("code", "name", "geometry")]
