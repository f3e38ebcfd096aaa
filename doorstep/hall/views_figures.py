"""大厅统计 (issue #14 item 7): waits and service times per center, window, item or hour against the target, the
wait estimate's measured accuracy, staffing advice per hour (Erlang C, checked by simulation) next to the windows
that were open, and pooled against dedicated windows. ?format=xlsx gives the table as Excel."""

import datetime
from io import BytesIO
from urllib.parse import quote, urlencode

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.hall.figures.advice_from_history import staffing_plan
from doorstep.hall.figures.waits import GROUPINGS, target_of, tickets_between, wait_rows
from doorstep.hall.selectors.figures import centers_for_figures, labels_for, latest_calibrations

GROUPING_LABELS = {"center": gettext_lazy("服务中心"), "window": gettext_lazy("窗口"), "item": gettext_lazy("事项"),
                   "hour": gettext_lazy("时段（取号时间）")}
KIND_LABELS = {"weekday": gettext_lazy("工作日"), "saturday": gettext_lazy("周六")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_DAYS = 366


def _dates(request, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    def read(name: str, default: datetime.date) -> datetime.date:
        raw = request.GET.get(name, "").strip()
        if not raw:
            return default
        try:
            return datetime.date.fromisoformat(raw[:10])
        except ValueError:
            raise ValidationFailed(_("日期格式不对，请用 年-月-日。"), field=name) from None

    start, end = read("start", today - datetime.timedelta(days=30)), read("end", today - datetime.timedelta(days=1))
    if start > end:
        raise ValidationFailed(_("开始日期不能晚于结束日期。"), field="start")
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(_("统计区间最长一年。"), field="start")
    return start, end


@require_GET
@workspace_page("hall:figures")
def figures(request):
    centers = centers_for_figures(request.user)
    today = timezone.localdate()
    context = {"centers": centers, "groupings": [(g, GROUPING_LABELS[g]) for g in GROUPINGS],
               "kinds": list(KIND_LABELS.items()), "values": request.GET}
    if not centers:
        return render(request, "hall/figures/index.html", context)
    try:
        chosen = _center(request, centers)
        start, end = _dates(request, today)
        group = request.GET.get("by", "hour" if chosen else "center")
        if group not in GROUPINGS:
            raise ValidationFailed(_("不支持的分组。"), field="by")
        kind = request.GET.get("kind", "weekday")
        if kind not in KIND_LABELS:
            raise ValidationFailed(_("不支持的日期类型。"), field="kind")
    except ValidationFailed as exc:
        context.update(error=exc.message, error_field=exc.field)
        return render(request, "hall/figures/index.html", context, status=400)
    ids = [chosen.pk] if chosen else [c.pk for c in centers]
    minutes, share = target_of(chosen)
    tickets = tickets_between(ids, start, end)
    rows = wait_rows(tickets, group=group, target_minutes=minutes, target_share=share)
    labels = labels_for(group, [r.key for r in rows])
    for row in rows:
        row.label = labels.get(row.key, row.label)
    params = {"center": chosen.pk if chosen else "", "start": start.isoformat(), "end": end.isoformat(), "by": group,
              "kind": kind}
    if request.GET.get("format") == "xlsx":
        return _xlsx(rows, group=group, chosen=chosen, start=start, end=end)
    total = wait_rows(tickets.annotate(), group="center", target_minutes=minutes, target_share=share)
    context.update(
        chosen=chosen, rows=rows, start=start, end=end, group=group, kind=kind, target_minutes=minutes,
        target_share=share, group_label=GROUPING_LABELS[group], totals=_sum(total),
        export_url="?" + urlencode({**params, "format": "xlsx"}),
        values=params, calibrations=latest_calibrations(chosen),
        plan=_plan(chosen, today, kind, minutes, share) if chosen else None)
    return render(request, "hall/figures/index.html", context)


def _center(request, centers):
    raw = request.GET.get("center", "").strip()
    if not raw:
        return centers[0] if len(centers) == 1 else None
    by_id = {str(c.pk): c for c in centers}
    if raw not in by_id:
        raise NotFound()
    return by_id[raw]


def _sum(rows) -> dict:
    arrivals = sum(r.arrivals for r in rows)
    called = sum(r.called for r in rows)
    within = sum(r.within_target for r in rows)
    return {"arrivals": arrivals, "called": called, "within": within,
            "share": within / called if called else None}


def _plan(center, today, kind, minutes, share):
    """The staffing plan of a center, cached for an hour (it runs a simulation per hour of day)."""
    # per language too: the pooled table's labels are words, made when the plan is computed
    key = f"hall:plan:{center.pk}:{today.isoformat()}:{kind}:{minutes}:{share}:{get_language()}"
    plan = cache.get(key)
    if plan is None:
        plan = staffing_plan(center, today=today, kind=kind, target_minutes=minutes, target_share=share)
        cache.set(key, plan, 3600)
    return plan


def _xlsx(rows, *, group: str, chosen, start, end) -> HttpResponse:
    from openpyxl import Workbook

    from doorstep.core.spreadsheets import safe_row

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("大厅统计"))
    sheet.append(safe_row(sheet, [str(GROUPING_LABELS[group]), _("取号"), _("已叫号"), _("已办结"), _("过号"),
                                  _("平均等候（分钟）"), _("目标内比例（%）"), _("平均办理（分钟）")]))
    for r in rows:
        shown = "—" if r.share_within is None else round(r.share_within * 100, 1)
        sheet.append(safe_row(sheet, [r.label, r.arrivals, r.called, r.served, r.no_show,
                                      "—" if r.mean_wait_minutes is None else r.mean_wait_minutes, shown,
                                      "—" if r.mean_service_minutes is None else r.mean_service_minutes]))
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    where = chosen.name if chosen else _("全部中心")
    name = _("大厅统计") + f"-{where}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
