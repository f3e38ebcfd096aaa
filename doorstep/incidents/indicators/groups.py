"""The rollups: the key each record is grouped by (a place cut from its path, its lead department or category, the
month of the timestamp that put it in the period), the groups a page lists with their names, and the groupings
offered at a node."""

import datetime

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext

from doorstep.core.paths import subtree_q
from doorstep.incidents.indicators.definitions import LEVEL_LENGTH, LEVEL_OF, NONE_KEY, PATH_LENGTH, Grouping
from doorstep.incidents.models import DispatchOrder
from doorstep.incidents.workflow import OrderState


def _lead_department(ref: str) -> Subquery:
    """The incident's lead department: its newest lead order not returned (the department that handled it, or
    holds it now); none for a matter handled on the spot or not dispatched."""
    return Subquery(DispatchOrder.objects.filter(incident_id=OuterRef(ref), role="lead")
                    .exclude(state=OrderState.RETURNED).order_by("-id").values("department_id")[:1])


def _month_list(start: datetime.datetime, end: datetime.datetime) -> list[tuple[str, datetime.datetime, datetime.datetime]]:
    """The months of [start, end): (YYYY-MM, where the month's part of the period starts, where it ends)."""
    return [(month, *_month_bounds(month, start, end)) for month in _months(start, end)]


def _month_bounds(value: str, start, end) -> tuple[datetime.datetime, datetime.datetime]:
    year, month = (int(p) for p in value.split("-"))
    tz = timezone.get_current_timezone()
    first = datetime.datetime(year, month, 1, tzinfo=tz)
    after = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return max(start, first), min(end, after)


def _months(start: datetime.datetime, end: datetime.datetime) -> list[str]:
    first = timezone.localtime(start) if timezone.is_aware(start) else start
    last = end - datetime.timedelta(microseconds=1)
    last = timezone.localtime(last) if timezone.is_aware(last) else last
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


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


def _key_text(value, months: list | None = None) -> str:
    if value is None:
        return NONE_KEY
    if months is not None:
        return months[value][0] if 0 <= value < len(months) else str(value)
    return str(value)


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


def groupings_for(node) -> list[Grouping]:
    """The groupings offered at a node: the org levels below it, then department, category and month."""
    length = LEVEL_LENGTH.get(node.level, 15)
    return [g for g, n in PATH_LENGTH.items() if n > length] + [Grouping.DEPARTMENT, Grouping.CATEGORY,
                                                                 Grouping.MONTH]
