"""The computation: every indicator for a place, a period and a grouping, counted in the database (one aggregate
query per kind of record — incidents, orders, ratings — grouped by the key, with conditional counts), the records
behind any count built from the same conditions, and whose figures a user may read."""

import datetime

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.incidents.indicators.conditions import _due_open, _incident_q, _order_q, _rating_q, _scoped
from doorstep.incidents.indicators.definitions import (
    FIGURES_ROLES,
    INCIDENT_COUNTS,
    NONE_KEY,
    ORDER_COUNTS,
    RATING_COUNTS,
    FigureRow,
    Figures,
    Grouping,
    Measure,
)
from doorstep.incidents.indicators.groups import (
    _bucket,
    _key,
    _key_text,
    _labelled,
    _month_bounds,
    _month_list,
)
from doorstep.incidents.models import DispatchOrder, Incident, IncidentRating


def _grouped(qs: QuerySet, key, aggregates: dict, months: list | None = None) -> dict[str, dict]:
    # aggregates are named n_<count>: a bare name may be a field's (response_due), which F() would then mean
    named = {f"n_{name}": aggregate for name, aggregate in aggregates.items()}
    if key is None:
        rows = [qs.aggregate(**named)]
    else:
        rows = qs.annotate(_k=key).values("_k").annotate(**named).order_by()
    return {("" if key is None else _key_text(row.pop("_k"), months)): {k[2:]: v for k, v in row.items()}
            for row in rows}


def _merge(into: dict[str, dict], part: dict[str, dict]) -> None:
    for key, values in part.items():
        target = into.setdefault(key, {})
        for name, value in values.items():
            target[name] = target.get(name, 0) + (value or 0)


def _incident_counts(scope, start, end, now, kind, grouping: Grouping | None) -> dict[str, dict]:
    """The incident counts per group: one query, or one per timestamp when grouping by month (a record closed in
    April and registered in March belongs to two months)."""
    qs = _scoped(Incident, scope, kind)

    def aggregates(counts):
        found = {c.value: Count("pk", filter=_incident_q(c, start, end, now)) for c in counts}
        if Measure.TIMED in counts:
            found["seconds"] = Sum("handling_seconds", filter=_incident_q(Measure.TIMED, start, end, now))
        return found

    if grouping != Grouping.MONTH:
        key = _key(grouping, "incident", "") if grouping else None
        wanted = (_incident_q(Measure.REGISTERED, start, end, now) | _incident_q(Measure.DUE, start, end, now))
        return _grouped(qs.filter(wanted), key, aggregates(INCIDENT_COUNTS))
    found: dict[str, dict] = {}
    months = _month_list(start, end)
    _merge(found, _grouped(qs.filter(_incident_q(Measure.REGISTERED, start, end, now)),
                           _bucket("registered_at", months), aggregates((Measure.REGISTERED,)), months))
    closed_counts = tuple(c for c in INCIDENT_COUNTS if c not in (Measure.REGISTERED, Measure.DUE))
    closed = aggregates(closed_counts)
    closed[Measure.DUE.value] = Count("pk")  # every closing in the period is 应结案 of its month
    _merge(found, _grouped(qs.filter(_incident_q(Measure.CLOSED, start, end, now)), _bucket("closed_at", months),
                           closed, months))
    open_due = qs.annotate(_closed_b=_bucket("closed_at", months), _due_b=_bucket("handling_due", months)).filter(
        _due_open(start, end, now, by_month=True))
    _merge(found, _grouped(open_due, F("_due_b"), {Measure.DUE.value: Count("pk")}, months))
    return found


def _order_counts(scope, start, end, now, kind, grouping) -> dict[str, dict]:
    qs = _scoped(DispatchOrder, scope, kind).filter(_order_q(Measure.ORDERS, start, end, now))
    months = _month_list(start, end) if grouping == Grouping.MONTH else None
    key = _key(grouping, "order", "sent_at", months) if grouping else None
    return _grouped(qs, key, {c.value: Count("pk", filter=_order_q(c, start, end, now)) for c in ORDER_COUNTS},
                    months)


def _rating_counts(scope, start, end, kind, grouping) -> dict[str, dict]:
    qs = _scoped(IncidentRating, scope, kind).filter(_rating_q(Measure.RATED, start, end))
    months = _month_list(start, end) if grouping == Grouping.MONTH else None
    key = _key(grouping, "rating", "at", months) if grouping else None
    return _grouped(qs, key, {c.value: Count("pk", filter=_rating_q(c, start, end)) for c in RATING_COUNTS},
                    months)


def _counts(scope, start, end, now, kind, grouping) -> dict[str, dict]:
    found: dict[str, dict] = {}
    _merge(found, _incident_counts(scope, start, end, now, kind, grouping))
    _merge(found, _order_counts(scope, start, end, now, kind, grouping))
    _merge(found, _rating_counts(scope, start, end, kind, grouping))
    return found


def _row(key: str, label: str, values: dict, area: str = "") -> FigureRow:
    values = dict(values)
    seconds = values.pop("seconds", 0) or 0
    return FigureRow(key=key, label=label, counts={k: v or 0 for k, v in values.items()}, seconds=seconds, area=area)


def incident_figures(*, scope: str, start: datetime.datetime, end: datetime.datetime, grouping: Grouping | str,
                     kind: str = "", now: datetime.datetime | None = None) -> Figures:
    """Every indicator for the incidents at or under the org code `scope`, in [start, end), one row per group and a
    total row. `kind` narrows to "incident" (事件) or "request" (诉求). `now` (default: now) decides which deadlines
    have passed and which orders still wait within their response time.

    Queries: three aggregates (incidents, orders, ratings) and one for the groups' names; by month, five aggregates
    and three more for the total (a record can fall in two months, so the total is not the months' sum). Never one
    per group or per record."""
    grouping = Grouping(grouping)
    now = now or timezone.now()
    grouped = _counts(scope, start, end, now, kind, grouping)
    rows = [_row(key, label, grouped.get(key, {}), area)
            for key, label, area in _labelled(grouping, scope, start, end, set(grouped))]
    if grouping == Grouping.MONTH:
        total = _row("", gettext("合计"), _counts(scope, start, end, now, kind, None).get("", {}))
    else:  # every other grouping cuts the records into disjoint groups: the total is their sum
        total = FigureRow(key="", label=gettext("合计"))
        for values in grouped.values():
            values = dict(values)
            seconds = values.pop("seconds", 0)
            total.add(values, seconds)
    return Figures(scope=scope, start=start, end=end, grouping=grouping, kind=kind, rows=rows, total=total)


def figure_records(*, scope: str, start: datetime.datetime, end: datetime.datetime, grouping: Grouping | str,
                   group: str, count: Measure | str, kind: str = "", now: datetime.datetime | None = None) -> QuerySet:
    """The records behind one count of `incident_figures` (same arguments; `group` a row's key, "" for the total):
    incidents for the incident counts, dispatch orders for the order counts, ratings for the rating counts, newest
    first. Built from the same conditions, so the list is as long as the count."""
    grouping, count = Grouping(grouping), Measure(count)
    now = now or timezone.now()
    if grouping == Grouping.MONTH and group:
        start, end = _month_bounds(group, start, end)
        grouping_for_key = None
    else:
        grouping_for_key = grouping if group else None
    if count in INCIDENT_COUNTS:
        qs = _scoped(Incident, scope, kind).filter(_incident_q(count, start, end, now)).select_related("category")
        base, timestamp = "incident", ""
    elif count in ORDER_COUNTS:
        qs = _scoped(DispatchOrder, scope, kind).filter(_order_q(count, start, end, now)).select_related(
            "incident", "department")
        base, timestamp = "order", "sent_at"
    else:
        qs = _scoped(IncidentRating, scope, kind).filter(_rating_q(count, start, end)).select_related("incident")
        base, timestamp = "rating", "at"
    if grouping_for_key is not None:
        qs = qs.annotate(_k=_key(grouping_for_key, base, timestamp))
        if group == NONE_KEY and grouping_for_key in (Grouping.DEPARTMENT, Grouping.CATEGORY):
            qs = qs.filter(_k__isnull=True)
        elif grouping_for_key in (Grouping.DEPARTMENT, Grouping.CATEGORY):
            qs = qs.filter(_k=int(group)) if group.isdigit() else qs.none()
        else:
            qs = qs.filter(_k=group)
    return qs.order_by("-id")


def figures_area_for_user(user, code: str = ""):
    """The org node whose figures the user asks for: their own (no code) or one under it. PermissionDenied for the
    roles that read no figures (or a user with no place in the org tree); NotFound for a code outside their
    subtree, as for one that does not exist."""
    from doorstep.org.models import OrgNode

    if not getattr(user, "is_authenticated", False) or user.role not in FIGURES_ROLES or not user.org_node_id:
        raise PermissionDenied(gettext("您的角色不能查看事件指标。"))
    own = user.org_node
    code = str(code or "").strip()[:15]
    if not code or code == own.code:
        return own
    node = OrgNode.objects.filter(code=code).first() if code.isdigit() and code.startswith(own.code) else None
    if node is None:
        raise NotFound()
    return node
