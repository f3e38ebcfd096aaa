"""事件指标 (the figures page): the incident loop's indicators for the user's place (the roles whose home offers the
page — roles.WORKSPACE, of indicators.FIGURES_ROLES: leaders, administrators, command centers — each their own
subtree), a period and a grouping, with a chart, an Excel download of the table, and every
count opening the records behind it (DESIGN.md: every count on a dashboard is computed from the database and opens
the records behind it). The figures are incidents.indicators; their definitions docs/indicators.md."""

import datetime
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import ValidationFailed
from doorstep.core.paging import page_args, paginate
from doorstep.core.ratelimit import LIST, rate_limited
from doorstep.incidents.indicators import (
    COUNT_LABELS,
    GROUPING_LABELS,
    INCIDENT_COUNTS,
    MEAN_HOURS_LABEL,
    NONE_KEY,
    ORDER_COUNTS,
    RATES,
    Grouping,
    Measure,
    figure_records,
    figures_area_for_user,
    groupings_for,
    incident_figures,
)
from doorstep.incidents.models import Kind

PERIODS = {"this_month": gettext_lazy("本月"), "last_month": gettext_lazy("上月"), "this_year": gettext_lazy("今年"),
           "custom": gettext_lazy("自定义")}
MAX_DAYS = 732  # two years: a longer range is a question for an export, not a page
KINDS = [("", gettext_lazy("事件和诉求")), (Kind.INCIDENT.value, Kind.INCIDENT.label),
         (Kind.REQUEST.value, Kind.REQUEST.label)]
# The table's columns: counts, then rates (numerator / denominator), then the mean handling time.
COUNT_COLUMNS = (Measure.REGISTERED, Measure.DUE, Measure.CLOSED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class FigureQuery:
    area: object  # the OrgNode
    period: str
    first: datetime.date  # the first day, and the last, inclusive
    last: datetime.date
    grouping: Grouping
    kind: str

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.last + datetime.timedelta(days=1),
                                                             datetime.time.min))

    def params(self, **changes) -> dict:
        """The query string of this view of the figures (explicit dates, so a link means the same days later)."""
        found = {"period": "custom", "start": self.first.isoformat(), "end": self.last.isoformat(),
                 "by": self.grouping.value, "area": self.area.code, "kind": self.kind}
        found.update(changes)
        return {k: v for k, v in found.items() if v not in ("", None)}

    def records_url(self, count: str, group: str) -> str:
        return reverse("incidents:figures-records") + "?" + urlencode(self.params(indicator=count, group=group,
                                                                                    period=None))


def _month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _date(value: str, field: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationFailed(_("日期格式无效，请按“年-月-日”填写，如 2026-03-01。"), field=field) from None
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed(_("日期须在2000年至2100年之间。"), field=field)
    return day


def _dates(period: str, start: str, end: str) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    if period == "this_month":
        return _month_bounds(today)
    if period == "last_month":
        return _month_bounds(today.replace(day=1) - datetime.timedelta(days=1))
    if period == "this_year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    if not str(start).strip() or not str(end).strip():
        raise ValidationFailed(_("请填写开始日期和结束日期。"), field="start" if not str(start).strip() else "end")
    first, last = _date(start, "start"), _date(end, "end")
    if last < first:
        raise ValidationFailed(_("结束日期不能早于开始日期。"), field="end")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(_("查询区间最长两年，请缩短区间。"), field="end")
    return first, last


def _query(request, area, *, records: bool = False) -> FigureQuery:
    """The figures asked for at `area` (figures_area_for_user: the user's own place or one under it), checked: the
    period, the grouping, the kind. ValidationFailed (with the field) for what is wrong."""
    g = request.GET
    period = str(g.get("period", "")).strip() or ("custom" if records or g.get("start") else "this_month")
    if period not in PERIODS:
        raise ValidationFailed(_("请选择统计期间。"), field="period")
    first, last = _dates(period, g.get("start", ""), g.get("end", ""))
    offered = groupings_for(area)
    by = str(g.get("by", "")).strip()
    if by and by not in {grouping.value for grouping in offered}:
        raise ValidationFailed(_("请选择分组方式。"), field="by")
    kind = str(g.get("kind", "")).strip()
    if kind not in {k for k, _label in KINDS}:
        raise ValidationFailed(_("请选择类型。"), field="kind")
    return FigureQuery(area=area, period=period, first=first, last=last, grouping=Grouping(by or offered[0].value),
                       kind=kind)


def _cell(query: FigureQuery, row, count: str) -> dict:
    return {"value": row.count(count), "url": query.records_url(count, row.key), "label": COUNT_LABELS[count]}


def _table(query: FigureQuery, figures) -> list[dict]:
    """The rows as the template draws them: each count with the link to its records."""
    table = []
    for row in [*figures.rows, figures.total]:
        drill = ""
        if row.area and row.area != query.area.code:
            drill = "?" + urlencode(query.params(area=row.area, by=groupings_for_code(row.area).value))
        table.append({
            "key": row.key, "label": row.label, "total": row is figures.total, "drill": drill,
            "counts": [_cell(query, row, c) for c in COUNT_COLUMNS],
            "rates": [{"label": r.label, "value": row.rate(r.name), "numerator": _cell(query, row, r.numerator),
                       "denominator": _cell(query, row, r.denominator)} for r in RATES],
            "mean_hours": row.mean_hours, "timed": _cell(query, row, Measure.TIMED),
        })
    return table


def groupings_for_code(code: str) -> Grouping:
    """The first grouping offered under an org code (its next level down, or by department under a grid)."""
    length = len(code)
    return next((g for g, n in ((Grouping.STREET, 9), (Grouping.COMMUNITY, 12), (Grouping.GRID, 15)) if n > length),
                Grouping.DEPARTMENT)


def _chart(table: list[dict]) -> dict:
    rows = [r for r in table if not r["total"]]
    return {
        "labels": [r["label"] for r in rows],
        "series": [{"name": str(COUNT_LABELS[c]), "data": [r["counts"][i]["value"] for r in rows],
                    "links": [r["counts"][i]["url"] for r in rows]}
                   for i, c in enumerate(COUNT_COLUMNS) if c != Measure.DUE],
        "rate": {"name": str(RATES[0].label), "data": [r["rates"][0]["value"] for r in rows]},
    }


def _describe(query: FigureQuery) -> str:
    return _("{area}，{first} 至 {last}，{grouping}{kind}").format(
        area=query.area.name, first=query.first.isoformat(), last=query.last.isoformat(),
        grouping=GROUPING_LABELS[query.grouping],
        kind="" if not query.kind else pgettext("figures kind", "，仅{kind}").format(kind=dict(KINDS)[query.kind]))


@workspace_page("incidents:figures")
@rate_limited(LIST)
def figures(request):
    """事件指标: the table (one row per group and a total), the chart, and ?format=xlsx for the table as Excel."""
    area = figures_area_for_user(request.user, request.GET.get("area", ""))  # 403 / 404 before anything else
    context = {"area": area, "periods": list(PERIODS.items()), "kinds": KINDS, "groupings": [
        (g.value, GROUPING_LABELS[g]) for g in groupings_for(area)], "values": request.GET}
    try:
        query = _query(request, area)
    except ValidationFailed as exc:
        context.update(error=exc.message, error_field=exc.field)
        return render(request, "incidents/figures/index.html", context, status=400)
    result = incident_figures(scope=query.area.code, start=query.start, end=query.end, grouping=query.grouping,
                              kind=query.kind)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, query, result)
    table = _table(query, result)
    trail = [{"name": n.name, "url": "?" + urlencode(query.params(area=n.code, by=groupings_for_code(n.code).value))}
             for n in _ancestors(query.area) if n.code.startswith(request.user.org_node.code)]
    context.update(query=query, table=table, chart=_chart(table), description=_describe(query), trail=trail,
                   rate_columns=RATES, count_columns=[COUNT_LABELS[c] for c in COUNT_COLUMNS],
                   mean_label=MEAN_HOURS_LABEL,
                   export_url="?" + urlencode({**query.params(), "format": "xlsx"}),
                   values={"period": query.period, "start": query.first.isoformat(), "end": query.last.isoformat(),
                           "by": query.grouping.value, "kind": query.kind})
    return render(request, "incidents/figures/index.html", context)


def _ancestors(node) -> list:
    """The node and the nodes above it, top first (one query): the trail back up after looking into a street."""
    from doorstep.org.models import OrgNode

    codes = [node.code[:n] for n in (6, 9, 12, 15) if n <= len(node.code)]
    return list(OrgNode.objects.filter(code__in=codes).order_by("code"))


def _xlsx(request, query: FigureQuery, result) -> HttpResponse:
    """The table as a workbook: a 说明 sheet (what, where, when) and the figures, every count and rate (— where
    there is nothing to divide by)."""
    from openpyxl import Workbook

    from doorstep.core.spreadsheets import safe_row

    wb = Workbook(write_only=True)
    about = wb.create_sheet(pgettext("figures export", "说明"))
    for line in ((_("内容"), _("事件指标")), (pgettext("figures export", "范围"), _describe(query)),
                 (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
                 (_("口径"), _("各项指标的定义见系统文档 docs/indicators.md；“—”表示没有可计算的基数。"))):
        about.append(safe_row(about, [str(v) for v in line]))
    sheet = wb.create_sheet(_("事件指标"))
    counts = [*INCIDENT_COUNTS, *ORDER_COUNTS, Measure.RATED, Measure.SATISFIED]
    sheet.append(safe_row(sheet, [str(GROUPING_LABELS[query.grouping]), *[str(COUNT_LABELS[c]) for c in counts],
                                  *[_("{rate}（%）").format(rate=r.label) for r in RATES], str(MEAN_HOURS_LABEL)]))
    for row in [*result.rows, result.total]:
        rates = [row.rate(r.name) for r in RATES]
        sheet.append(safe_row(sheet, [row.label, *[row.count(c) for c in counts],
                                      *["—" if v is None else v for v in rates],
                                      "—" if row.mean_hours is None else row.mean_hours]))
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = _("事件指标") + f"-{query.area.code}-{query.first:%Y%m%d}-{query.last:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@workspace_page("incidents:figures")
@rate_limited(LIST)
def figure_records_page(request):
    """The records behind one count: incidents (number, category, state, dates), the orders of the order counts
    (department, sent, answered) or the ratings — each linking to its incident."""
    query = _query(request, figures_area_for_user(request.user, request.GET.get("area", "")), records=True)
    indicator = str(request.GET.get("indicator", "")).strip()
    if indicator not in {m.value for m in Measure}:
        raise ValidationFailed(_("请选择要查看的指标。"), field="indicator")
    group = str(request.GET.get("group", "")).strip()[:15]
    if group and not _group_valid(query, group):
        raise ValidationFailed(_("分组无效。"), field="group")
    records = figure_records(scope=query.area.code, start=query.start, end=query.end, grouping=query.grouping,
                             group=group, count=indicator, kind=query.kind)
    if indicator in INCIDENT_COUNTS:
        kind = "incidents"
    elif indicator in ORDER_COUNTS:
        kind = "orders"
    else:
        kind = "ratings"
    page = paginate(records, **page_args(request))
    if kind == "ratings":
        from doorstep.ratings.models import Level

        for rating in page.items:
            rating.level_label = Level(rating.level).label if rating.level in Level.values else rating.level
    back = reverse("incidents:figures") + "?" + urlencode(query.params())
    return render(request, "incidents/figures/records.html", {
        "page": page, "kind": kind, "indicator_label": COUNT_LABELS[Measure(indicator)],
        "group_label": _group_label(query, group), "description": _describe(query), "back": back})


def _group_valid(query: FigureQuery, group: str) -> bool:
    if query.grouping == Grouping.MONTH:
        try:
            day = datetime.date.fromisoformat(group + "-01")
        except ValueError:
            return False
        return query.first.replace(day=1) <= day <= query.last
    if query.grouping in (Grouping.DEPARTMENT, Grouping.CATEGORY):
        return group == NONE_KEY or group.isdigit()
    return group.isdigit() and group.startswith(query.area.code[:len(group)])


def _group_label(query: FigureQuery, group: str) -> str:
    """The group's name for the heading (one query, none for a month or the total)."""
    from doorstep.incidents.models import Category
    from doorstep.org.models import Department, OrgNode

    if not group:
        return _("合计")
    if query.grouping == Grouping.MONTH:
        return group
    if group == NONE_KEY:
        return _("无主办部门（前端自处置或未派遣）") if query.grouping == Grouping.DEPARTMENT else _("未分类")
    if query.grouping == Grouping.DEPARTMENT:
        found = Department.objects.filter(pk=int(group)).first()
        return (found.short_name or found.name) if found else group
    if query.grouping == Grouping.CATEGORY:
        found = Category.objects.filter(pk=int(group)).first()
        return f"{found.code} {found.name}" if found else group
    found = OrgNode.objects.filter(code=group).first()
    return found.name if found else group
