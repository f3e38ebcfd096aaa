"""Indicators of the incident loop (考核指标): 立案数, 应结案数, 结案数, 结案率, 按期结案率, 返工率, 退单率, 响应率, 解决率,
满意率 and the mean handling time in working hours, for a place (an org code: the user's subtree or a part of it), a
period [start, end) and a grouping (district, street, community, grid, lead department, category or month).

Every figure is counted from the records, in the database: one aggregate query per kind of record (incidents, orders
sent to departments, ratings), grouped by the key, with conditional counts; never a loop over a year of rows in
Python. The definitions — what each counts, by which timestamp a record falls in a period, what is left out — are
docs/indicators.md; the two must say the same. `figure_records` returns the records behind any count, built from the
same conditions, so a count on the page opens exactly the rows it counted.
"""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.core.paths import subtree_q
from doorstep.incidents.models import DispatchOrder, Incident, IncidentRating
from doorstep.incidents.workflow import OrderState, Resolution


class Grouping(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    DEPARTMENT = "department"
    CATEGORY = "category"
    MONTH = "month"


GROUPING_LABELS = {
    Grouping.DISTRICT: _("按区"), Grouping.STREET: _("按街道"), Grouping.COMMUNITY: _("按社区"),
    Grouping.GRID: _("按网格"), Grouping.DEPARTMENT: _("按主办部门"), Grouping.CATEGORY: _("按类别"),
    Grouping.MONTH: _("按月份"),
}
# The org levels a grouping cuts the path at (an org code is district 6 + street 3 + community 3 + grid 3 digits).
PATH_LENGTH = {Grouping.DISTRICT: 6, Grouping.STREET: 9, Grouping.COMMUNITY: 12, Grouping.GRID: 15}
LEVEL_OF = {Grouping.DISTRICT: "district", Grouping.STREET: "street", Grouping.COMMUNITY: "community",
            Grouping.GRID: "grid"}
LEVEL_LENGTH = {"district": 6, "street": 9, "community": 12, "grid": 15}
# The key of the group with no value: incidents with no lead department (handled on the spot by the grid worker, or
# not dispatched yet), reports with no category (not registered yet).
NONE_KEY = "none"

# Who may read the figures, each of their own subtree: the leaders, the administrators and the command centers.
FIGURES_ROLES = frozenset({"leader", "admin", "dispatcher"})


class Measure(StrEnum):
    """The counts the figures are made of; each opens its records (figure_records)."""

    REGISTERED = "registered"  # 立案数
    DUE = "due"  # 应结案数
    CLOSED = "closed"  # 结案数
    IN_TIME = "in_time"  # 按期结案数
    SOLVED = "solved"  # 解决数
    REWORKED = "reworked"  # 返工案件数
    TIMED = "timed"  # 结案 with a handling time (the mean's denominator)
    ORDERS = "orders"  # 派单数
    RETURNED = "returned"  # 退单数
    RESPONSE_DUE = "response_due"  # 应响应派单数
    RESPONDED = "responded"  # 按时响应数
    RATED = "rated"  # 评价数
    SATISFIED = "satisfied"  # 满意评价数


COUNT_LABELS = {
    Measure.REGISTERED: _("立案数"), Measure.DUE: _("应结案数"), Measure.CLOSED: _("结案数"),
    Measure.IN_TIME: _("按期结案数"), Measure.SOLVED: _("解决数"), Measure.REWORKED: _("返工案件数"),
    Measure.TIMED: _("计入处置时长的结案数"), Measure.ORDERS: _("派单数"), Measure.RETURNED: _("退单数"),
    Measure.RESPONSE_DUE: _("应响应派单数"), Measure.RESPONDED: _("按时响应数"), Measure.RATED: _("评价数"),
    Measure.SATISFIED: _("满意评价数"),
}
INCIDENT_COUNTS = (Measure.REGISTERED, Measure.DUE, Measure.CLOSED, Measure.IN_TIME, Measure.SOLVED, Measure.REWORKED,
                   Measure.TIMED)
ORDER_COUNTS = (Measure.ORDERS, Measure.RETURNED, Measure.RESPONSE_DUE, Measure.RESPONDED)
RATING_COUNTS = (Measure.RATED, Measure.SATISFIED)


@dataclass(frozen=True)
class Rate:
    name: str
    label: object
    numerator: Measure
    denominator: Measure


RATES = (
    Rate("close_rate", _("结案率"), Measure.CLOSED, Measure.DUE),
    Rate("in_time_rate", _("按期结案率"), Measure.IN_TIME, Measure.DUE),
    Rate("rework_rate", _("返工率"), Measure.REWORKED, Measure.CLOSED),
    Rate("return_rate", _("退单率"), Measure.RETURNED, Measure.ORDERS),
    Rate("response_rate", _("响应率"), Measure.RESPONDED, Measure.RESPONSE_DUE),
    Rate("solve_rate", _("解决率"), Measure.SOLVED, Measure.CLOSED),
    Rate("satisfaction_rate", _("满意率"), Measure.SATISFIED, Measure.RATED),
)
RATE_BY_NAME = {r.name: r for r in RATES}
MEAN_HOURS_LABEL = _("平均处置时长（工作小时）")
# 满意 is the same as for cases (ratings.selectors.rating_figures, 国办发〔2019〕51号): 非常满意, 满意, 基本满意.
SATISFIED_LEVEL = 3


def percent(numerator: int, denominator: int) -> float | None:
    """numerator / denominator in percent with one decimal; None ("—") when there is nothing to divide by."""
    return round(100 * numerator / denominator, 1) if denominator else None


@dataclass
class FigureRow:
    """One group's counts (and the total row's): `key` is the group's value in a records link ("" for the total),
    `area` an org code to look into (path groupings)."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: int = 0  # working seconds of the TIMED closings, summed
    area: str = ""

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    def rate(self, name: str) -> float | None:
        rate = RATE_BY_NAME[name]
        return percent(self.count(rate.numerator), self.count(rate.denominator))

    @property
    def rates(self) -> dict[str, float | None]:
        return {r.name: self.rate(r.name) for r in RATES}

    @property
    def mean_hours(self) -> float | None:
        timed = self.count(Measure.TIMED)
        return round(self.seconds / timed / 3600, 1) if timed else None

    def add(self, counts: dict, seconds: int = 0) -> None:
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0) + (value or 0)
        self.seconds += seconds or 0


@dataclass
class Figures:
    scope: str
    start: datetime.datetime
    end: datetime.datetime
    grouping: Grouping
    kind: str
    rows: list[FigureRow]
    total: FigureRow


# ---- the conditions, one place for the figures and the records behind them ---------------------------------------

def _counted() -> Q:
    """Incidents that count at all: not merged into another report (the one kept counts), not dismissed (不予立案,
    also when dismissed after registration or archived since)."""
    return Q(merged_into__isnull=True) & Q(dismiss_reason="")


def _in(field_name: str, start, end) -> Q:
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def _due_open(start, end, now, *, by_month: bool = False) -> Q:
    """The part of 应结案 not closed in the period: the handling deadline fell in the period (and has passed: a
    deadline still ahead is not due yet), and the incident was not closed by the period's end — still open, or
    closed later. Closed earlier, it counted when it was closed. By month, "the period's end" is the end of the
    deadline's month: the month of the closing (annotated _closed_b, past the last month when open) after the
    deadline's (_due_b)."""
    closed_later = Q(_closed_b__gt=F("_due_b")) if by_month else Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    return _in("handling_due", start, min(end, now)) & closed_later


def _incident_q(count: Measure, start, end, now) -> Q:
    closed = _in("closed_at", start, end)
    if count == Measure.REGISTERED:
        return _in("registered_at", start, end)
    if count == Measure.CLOSED:
        return closed
    if count == Measure.DUE:
        return closed | _due_open(start, end, now)
    if count == Measure.IN_TIME:
        return closed & Q(closed_in_time=True)
    if count == Measure.SOLVED:  # CLOSED_UNSOLVED (无法解决 / 不属实) never counts as solved
        return closed & Q(resolution=Resolution.SOLVED)
    if count == Measure.REWORKED:
        return closed & Q(rework_count__gte=1)
    if count == Measure.TIMED:
        return closed & Q(handling_seconds__isnull=False)
    raise ValueError(count)


def _order_q(count: Measure, start, end, now) -> Q:
    sent = _in("sent_at", start, end)
    unanswered = Q(accepted_at__isnull=True, returned_at__isnull=True)
    if count == Measure.ORDERS:
        return sent
    if count == Measure.RETURNED:
        return sent & Q(state=OrderState.RETURNED)
    if count == Measure.RESPONSE_DUE:
        # left out: withdrawn before any answer (cancelled: the lead returned the round, the incident was reopened)
        # and still waiting inside the response time
        return sent & ~(unanswered & (Q(state=OrderState.CANCELLED) | Q(response_due__gt=now)))
    if count == Measure.RESPONDED:
        return sent & (Q(accepted_at__lte=F("response_due")) | Q(returned_at__lte=F("response_due")))
    raise ValueError(count)


def _rating_q(count: Measure, start, end) -> Q:
    rated = _in("at", start, end)
    if count == Measure.RATED:
        return rated
    if count == Measure.SATISFIED:
        return rated & Q(level__gte=SATISFIED_LEVEL)
    raise ValueError(count)


def _lead_department(ref: str) -> Subquery:
    """The incident's lead department: its newest lead order not returned (the department that handled it, or
    holds it now); none for a matter handled on the spot or not dispatched."""
    return Subquery(DispatchOrder.objects.filter(incident_id=OuterRef(ref), role="lead")
                    .exclude(state=OrderState.RETURNED).order_by("-id").values("department_id")[:1])


def _month_list(start: datetime.datetime, end: datetime.datetime) -> list[tuple[str, datetime.datetime, datetime.datetime]]:
    """The months of [start, end): (YYYY-MM, where the month's part of the period starts, where it ends)."""
    return [(month, *_month_bounds(month, start, end)) for month in _months(start, end)]


def _bucket(field_name: str, months: list) -> Case:
    """The index of the month `field_name` falls in, as plain comparisons (a CASE the database evaluates itself:
    SQLite's date functions are Python callbacks, a thousand times slower over a year of rows): -1 before the
    period, len(months) after it or when empty."""
    whens = [When(**{f"{field_name}__lt": months[0][1]}, then=Value(-1))]
    whens += [When(**{f"{field_name}__lt": after}, then=Value(i)) for i, (_m, _s, after) in enumerate(months)]
    return Case(*whens, default=Value(len(months)), output_field=IntegerField())


def _key(grouping: Grouping, base: str, timestamp: str, months: list | None = None):
    """The group key of a record: `base` is "incident", "order" or "rating"; `timestamp` the field that put it in
    the period (the month of it, for the month grouping: an index into `months`)."""
    prefix = "" if base == "incident" else "incident__"
    if grouping in PATH_LENGTH:
        return Substr(f"{prefix}path", 1, PATH_LENGTH[grouping])
    if grouping == Grouping.CATEGORY:
        return F(f"{prefix}category_id")
    if grouping == Grouping.DEPARTMENT:
        if base == "order":
            return F("department_id")
        return _lead_department("pk" if base == "incident" else "incident_id")
    return _bucket(timestamp, months)


def _scoped(model, scope: str, kind: str) -> QuerySet:
    prefix = "" if model is Incident else "incident__"
    qs = model.objects.filter(subtree_q(f"{prefix}path", scope))
    if kind:
        qs = qs.filter(**{f"{prefix}kind": kind})
    if model is Incident:
        qs = qs.filter(_counted())
    return qs.order_by()


def _key_text(value, months: list | None = None) -> str:
    if value is None:
        return NONE_KEY
    if months is not None:
        return months[value][0] if 0 <= value < len(months) else str(value)
    return str(value)


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


def _months(start: datetime.datetime, end: datetime.datetime) -> list[str]:
    first = timezone.localtime(start) if timezone.is_aware(start) else start
    last = end - datetime.timedelta(microseconds=1)
    last = timezone.localtime(last) if timezone.is_aware(last) else last
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _labelled(grouping: Grouping, scope: str, start, end, keys: set[str]) -> list[tuple[str, str, str]]:
    """(key, label, area to look into) for every group to show, in order: the places and departments of the scope
    even without records (a street with nothing reported shows its zeros), the categories that have records, each
    month of the period. One query (none for months)."""
    from doorstep.org.models import Department, Level, OrgNode

    if grouping in PATH_LENGTH:
        level, length = LEVEL_OF[grouping], PATH_LENGTH[grouping]
        nodes = {n.code: n for n in OrgNode.objects.filter(
            (Q(level=level) & subtree_q("code", scope)) | Q(code__in=list(keys))).only("code", "name", "level")}
        found = []
        for code in sorted(set(keys) | {c for c, n in nodes.items() if n.level == level}):
            node = nodes.get(code)
            if node is None:
                label = code
            elif len(code) < length:  # recorded at the community (or street) itself, in no grid (community) of it
                label = gettext("{name}（未落入{level}）").format(name=node.name, level=Level(level).label)
            else:
                label = node.name
            found.append((code, label, code if len(code) == length and length > len(scope) else ""))
        return found
    if grouping == Grouping.DEPARTMENT:
        ids = {int(k) for k in keys if k != NONE_KEY}
        departments = Department.objects.filter(Q(pk__in=ids) | subtree_q("org_node__code", scope[:6])).only(
            "id", "name", "short_name", "code").order_by("code")
        found = [(str(d.pk), d.short_name or d.name, "") for d in departments]
        if NONE_KEY in keys:
            found.append((NONE_KEY, gettext("无主办部门（前端自处置或未派遣）"), ""))
        return found
    if grouping == Grouping.CATEGORY:
        from doorstep.incidents.models import Category

        categories = Category.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()]).only("id", "code", "name")
        found = [(str(c.pk), f"{c.code} {c.name}", "") for c in sorted(categories, key=lambda c: c.code)]
        if NONE_KEY in keys:  # a report without a category (not yet registered)
            found.append((NONE_KEY, gettext("未分类"), ""))
        return found
    return [(month, month, "") for month in _months(start, end)]


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


def _month_bounds(value: str, start, end) -> tuple[datetime.datetime, datetime.datetime]:
    year, month = (int(p) for p in value.split("-"))
    tz = timezone.get_current_timezone()
    first = datetime.datetime(year, month, 1, tzinfo=tz)
    after = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return max(start, first), min(end, after)


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


def groupings_for(node) -> list[Grouping]:
    """The groupings offered at a node: the org levels below it, then department, category and month."""
    length = LEVEL_LENGTH.get(node.level, 15)
    return [g for g, n in PATH_LENGTH.items() if n > length] + [Grouping.DEPARTMENT, Grouping.CATEGORY,
                                                                 Grouping.MONTH]

