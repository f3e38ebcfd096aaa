"""Reads for the command center's and the departments' queues: the incidents in scope, the queue by tab with its
counts under the filters, the overdue orders and pending extensions, duplicate hints for a page of reports, a
department's orders, and who reported an incident as the viewer may see it. The map reads in selectors_map, the
incident page in selectors_detail; both build on the scope and the filters here.

Every list is scoped (incidents.authority.INCIDENT_SCOPE): for the roles whose scope is their place in the org tree
(the command center, supervisors, leaders, administrators) as the index range [code, code~) (core.paths), which
SQLite answers from an index where `path LIKE 'code%'` is not; for the others through selectors.incidents_in_scope.
No query runs per row: a page costs a fixed number of queries whatever its length and however many rows match.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from doorstep.core.paths import subtree_q
from doorstep.incidents.authority import INCIDENT_SCOPE, Relation
from doorstep.incidents.geo import box, distance_m
from doorstep.incidents.models import Category, DispatchOrder, ExtensionRequest, Incident
from doorstep.incidents.selectors import incidents_in_scope, reporter_visible
from doorstep.incidents.workflow import (
    ACTIVE_ORDER_STATES,
    ENDED,
    HANDLING_RUNNING,
    OPEN,
    STATE_CONTEXT,
    STATE_LABELS,
    OrderState,
    State,
)

RUNNING_ORDERS = (OrderState.SENT, OrderState.ACCEPTED)


def state_label(state: str) -> str:
    try:
        return pgettext(STATE_CONTEXT, STATE_LABELS[State(state)])
    except ValueError:
        return state


# ---- scope ---------------------------------------------------------------------------------------------------------

def _path_scoped(user) -> str | None:
    """The user's org code when their browse scope is exactly their place in the tree (CENTER or AREA: the command
    center, supervisors, leaders, administrators), else None."""
    scope = INCIDENT_SCOPE.get(getattr(user, "role", ""), frozenset())
    node = user.org_node if getattr(user, "org_node_id", None) else None
    if scope and scope <= {Relation.CENTER, Relation.AREA} and node is not None:
        if Relation.CENTER in scope and user.role != "dispatcher":
            return None
        return node.code
    return None


def scoped_incidents(user) -> QuerySet[Incident]:
    """incidents_in_scope(user), written as an index range for the roles scoped by place."""
    code = _path_scoped(user)
    if code is not None:
        return Incident.objects.filter(subtree_q("path", code))
    return incidents_in_scope(user)


def _scoped_q(user, prefix: str) -> Q:
    """The scope as a filter on a related model's incident (`prefix` "incident__" or "order__incident__")."""
    code = _path_scoped(user)
    if code is not None:
        return subtree_q(f"{prefix}path", code)
    return Q(**{f"{prefix}id__in": incidents_in_scope(user).values("id")})


# ---- the command center's queue ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    states: frozenset = frozenset()  # incident states listed; empty for the order and extension tabs


CENTER_TABS = [
    Tab("reported", pgettext_lazy("center tab", "新上报"), frozenset({State.REPORTED})),
    Tab("registered", pgettext_lazy("center tab", "待派遣"), frozenset({State.REGISTERED})),
    Tab("handling", pgettext_lazy("center tab", "处置中"), frozenset({State.DISPATCHED, State.HANDLING})),
    Tab("handled", pgettext_lazy("center tab", "待核查"), frozenset({State.HANDLED})),
    Tab("overdue", pgettext_lazy("center tab", "超期督办")),
    Tab("verified", pgettext_lazy("center tab", "待结案"), frozenset({State.VERIFIED})),
    Tab("extensions", pgettext_lazy("center tab", "延期申请")),
    Tab("ended", pgettext_lazy("center tab", "已办结"), frozenset(ENDED)),
    Tab("dismissed", pgettext_lazy("center tab", "不予立案/已合并"), frozenset({State.DISMISSED, State.MERGED})),
]
TABS_BY_KEY = {t.key: t for t in CENTER_TABS}
SORTS = {"new": ("-id",), "old": ("id",), "due": ("handling_due", "id")}
SORT_LABELS = [("new", _("最新上报在前")), ("old", _("最早上报在前")), ("due", _("处置期限最近在前"))]


def categories_by_id() -> dict[int, Category]:
    return {c.pk: c for c in Category.objects.select_related("lead_department").order_by("code")}


def departments() -> list:
    from doorstep.org.models import Department

    return list(Department.objects.exclude(short_name=None).order_by("code"))


def area_choices(user) -> list[tuple[str, str]]:
    """The streets and communities under the user's node (and the grids, below a street), for the area filter."""
    from doorstep.org.models import OrgNode

    node = user.org_node if getattr(user, "org_node_id", None) else None
    if node is None:
        return []
    levels = ["street", "community"] + (["grid"] if node.level in ("street", "community") else [])
    return [(code, name) for code, name in OrgNode.objects.filter(subtree_q("code", node.code), level__in=levels)
            .exclude(code=node.code).order_by("code").values_list("code", "name")]


@dataclass(frozen=True)
class Filters:
    """What a list was asked for, cleaned: anything unknown or outside the user's area is dropped."""

    category: Category | None = None
    department_id: int | None = None
    area: str = ""
    q: str = ""
    sort: str = "new"

    @property
    def any(self) -> bool:
        return bool(self.category or self.department_id or self.area or self.q)

    def query(self) -> dict[str, str]:
        return {"category": self.category.code if self.category else "",
                "department": str(self.department_id or ""), "area": self.area, "q": self.q, "sort": self.sort}


def clean_filters(user, params, *, categories: dict[int, Category], department_ids: set[int]) -> Filters:
    code = str(params.get("category", "") or "").strip()[:12]
    category = next((c for c in categories.values() if c.code == code), None) if code else None
    try:
        department_id = int(str(params.get("department", "") or "")[:12])
    except ValueError:
        department_id = None
    if department_id not in department_ids:
        department_id = None
    area = str(params.get("area", "") or "").strip()[:15]
    node = user.org_node if getattr(user, "org_node_id", None) else None
    if not (area.isdigit() and node is not None and area.startswith(node.code)):
        area = ""
    q = " ".join(str(params.get("q", "") or "").split())[:60]
    sort = str(params.get("sort", "") or "")
    return Filters(category=category, department_id=department_id, area=area, q=q,
                   sort=sort if sort in SORTS else "new")


def filter_q(f: Filters, prefix: str = "") -> Q:
    q = Q()
    if f.category is not None:
        q &= Q(**{f"{prefix}category_id": f.category.pk})
    if f.department_id:
        orders = DispatchOrder.objects.filter(department_id=f.department_id, state__in=list(ACTIVE_ORDER_STATES))
        q &= Q(**{f"{prefix}id__in": orders.values("incident_id")})
    if f.area:
        q &= subtree_q(f"{prefix}path", f.area)
    if f.q:
        text = f.q
        if text[:1] in "Ee" and text[1:].isdigit():  # an incident number or its beginning
            q &= Q(**{f"{prefix}number__startswith": text.upper()})
        else:
            q &= Q(**{f"{prefix}description__icontains": text}) | Q(**{f"{prefix}address__icontains": text})
    return q


def center_incidents(user, *, tab: Tab, filters: Filters) -> QuerySet[Incident]:
    """The incidents of one tab, filtered and sorted (a tab of incident states)."""
    order = SORTS[filters.sort]
    return (scoped_incidents(user).filter(filter_q(filters), state__in=sorted(tab.states))
            .select_related("category", "grid").order_by(*order))


def overdue_orders(user, *, filters: Filters, now: datetime.datetime) -> QuerySet[DispatchOrder]:
    """Running orders past their deadline (超期督办), most overdue first, read through their partial index."""
    return (DispatchOrder.objects.filter(state__in_literal=RUNNING_ORDERS, due_at__lt=now)
            .filter(_scoped_q(user, "incident__"), filter_q(filters, "incident__"))
            .select_related("incident", "incident__category", "department").order_by("due_at", "id"))


def pending_extensions(user, *, filters: Filters) -> QuerySet[ExtensionRequest]:
    return (ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
            .filter(_scoped_q(user, "order__incident__"), filter_q(filters, "order__incident__"))
            .select_related("order", "order__incident", "order__department", "requested_by").order_by("id"))


def center_counts(user, *, filters: Filters, now: datetime.datetime) -> dict[str, int]:
    """Each tab's count under the filters, from the database: one grouped count of incidents by state, one count
    of overdue orders and one of pending extensions (three queries, whatever the number of rows)."""
    by_state = dict(scoped_incidents(user).filter(filter_q(filters)).order_by().values_list("state")
                    .annotate(n=Count("id")).values_list("state", "n"))
    counts = {t.key: sum(by_state.get(s, 0) for s in t.states) for t in CENTER_TABS if t.states}
    counts["overdue"] = overdue_orders(user, filters=filters, now=now).order_by().count()
    counts["extensions"] = pending_extensions(user, filters=filters).order_by().count()
    return counts


def with_active_orders(incidents: list[Incident]) -> None:
    """Attach each incident's active orders with their departments (`active_orders`): one query for the page."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(incidents, Prefetch(
        "orders", queryset=DispatchOrder.objects.filter(state__in=list(ACTIVE_ORDER_STATES))
        .select_related("department").order_by("id"), to_attr="active_orders"))


def due_mark(state: str, due: datetime.datetime | None, sla_mark: str, now: datetime.datetime) -> str:
    """"overdue" (red), "due_soon" (yellow) or "": a running clock past its deadline is overdue at once, whatever
    the last sweep wrote; due soon as the sweep marked it, or when less wall time is left than the working hours of
    DOORSTEP_INCIDENT_DUE_SOON_HOURS (working time left is never more than wall time)."""
    if due is None or state not in {s.value for s in HANDLING_RUNNING} | {o.value for o in RUNNING_ORDERS}:
        return ""
    if due <= now:
        return "overdue"
    soon = datetime.timedelta(hours=settings.DOORSTEP_INCIDENT_DUE_SOON_HOURS)
    return "due_soon" if sla_mark == "due_soon" or due - now <= soon else ""


@dataclass(frozen=True)
class Hint:
    """A possible duplicate of a report: another open report of the same category nearby (metres away)."""

    id: int
    number: str
    state: str
    state_label: str
    description: str
    distance: int


def duplicate_hints(user, incidents: list[Incident], *, limit: int = 5) -> dict[int, list[Hint]]:
    """For each report with a category and a point: other open reports in the user's scope of the same category
    within DOORSTEP_INCIDENT_DUPLICATE_METERS and DOORSTEP_INCIDENT_DUPLICATE_HOURS of it (either side), nearest
    first — the rule of services.intake.possible_duplicates, read for a whole page in one query."""
    metres = settings.DOORSTEP_INCIDENT_DUPLICATE_METERS
    window = datetime.timedelta(hours=settings.DOORSTEP_INCIDENT_DUPLICATE_HOURS)
    located = [i for i in incidents if i.category_id and i.latitude is not None and i.longitude is not None]
    if not located:
        return {}
    near = Q()
    for i in located:
        lat_min, lat_max, lon_min, lon_max = box(i.latitude, i.longitude, metres)
        near |= Q(category_id=i.category_id, latitude__gte=lat_min, latitude__lte=lat_max, longitude__gte=lon_min,
                  longitude__lte=lon_max, reported_at__gte=i.reported_at - window,
                  reported_at__lte=i.reported_at + window)
    candidates = list(scoped_incidents(user).filter(near, state__in=sorted(OPEN))
                      .only("id", "number", "category_id", "latitude", "longitude", "reported_at", "state",
                            "description")[:500])
    hints: dict[int, list[Incident]] = {}
    for i in located:
        found = []
        for c in candidates:
            if c.pk == i.pk or c.category_id != i.category_id or abs(c.reported_at - i.reported_at) > window:
                continue
            d = distance_m(i.latitude, i.longitude, c.latitude, c.longitude)
            if d <= metres:
                found.append(Hint(id=c.pk, number=c.number, state=c.state, state_label=state_label(c.state),
                                  description=c.description[:60], distance=round(d)))
        if found:
            hints[i.pk] = sorted(found, key=lambda h: (h.distance, -h.id))[:limit]
    return hints


# ---- a department's orders -----------------------------------------------------------------------------------------

ORDER_TABS = [
    Tab("sent", pgettext_lazy("order state", "待接单"), frozenset({OrderState.SENT})),
    Tab("accepted", pgettext_lazy("order state", "处置中"), frozenset({OrderState.ACCEPTED})),
    Tab("done", pgettext_lazy("order state", "已反馈"), frozenset({OrderState.DONE, OrderState.SUPERSEDED})),
    Tab("returned", pgettext_lazy("order state", "已退单"), frozenset({OrderState.RETURNED})),
]
ORDER_TABS_BY_KEY = {t.key: t for t in ORDER_TABS}


def department_order_counts(user) -> dict[str, int]:
    rows = dict(DispatchOrder.objects.filter(department_id=user.department_id).order_by().values_list("state")
                .annotate(n=Count("id")).values_list("state", "n"))
    return {t.key: sum(rows.get(s, 0) for s in t.states) for t in ORDER_TABS}


def department_orders(user, *, tab: Tab) -> QuerySet[DispatchOrder]:
    """The department's orders in one state (index order_department_state), the running ones by deadline."""
    pending = ExtensionRequest.objects.filter(order=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
    running = tab.states & set(RUNNING_ORDERS)
    return (DispatchOrder.objects.filter(department_id=user.department_id, state__in=sorted(tab.states))
            .select_related("incident", "incident__category", "incident__reporter_user",
                            "incident__reporter_resident")
            .annotate(extension_pending=Exists(pending))
            .order_by(*(("due_at", "id") if running else ("-id",))))


def reporter_summary(user, incident: Incident) -> dict:
    """Who reported it as this viewer may see it: hidden from departments when asked (never from the center); a
    caller's phone masked. Needs reporter_user and reporter_resident loaded (select_related) to cost no query."""
    if not reporter_visible(user, incident):
        return {"hidden": True}
    out = {"hidden": False, "name": "", "phone": "", "kind": incident.get_channel_display()}
    if incident.reporter_resident_id and incident.reporter_resident is not None:
        out["name"] = incident.reporter_resident.name
        out["phone"] = incident.reporter_resident.phone_masked
    elif incident.reporter_user_id and incident.reporter_user is not None:
        out["name"] = incident.reporter_user.full_name or incident.reporter_user.username
    if incident.caller_name:
        out["name"] = incident.caller_name
    if incident.caller_phone:
        from doorstep.core.crypto import decrypt
        from doorstep.core.phones import mask_phone

        try:
            out["phone"] = mask_phone(decrypt(incident.caller_phone))
        except ValueError:
            out["phone"] = ""
    return out

