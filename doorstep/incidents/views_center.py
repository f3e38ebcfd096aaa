"""The command center's pages (指挥中心: the queue by tab with counts, filters, sorting and paging; leaders and
administrators read it), the department's workspace (我的派单), the incident map with its GeoJSON points, the
categories office (事件类别: district administrators) and the photo of an incident. The incident page and its
actions are views_detail.py. Views stay thin: clean the query, call selectors, render."""

import json
import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doorstep.accounts.pages import workspace_page
from doorstep.accounts.roles import is_district_admin
from doorstep.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.paging import page_args, paginate
from doorstep.core.spreadsheets import safe_row
from doorstep.incidents.authority import INCIDENT_SCOPE, Relation, permitted
from doorstep.incidents.models import IncidentPhoto
from doorstep.incidents.selectors import incident_get_for_user
from doorstep.incidents.selectors_center import (
    CENTER_TABS,
    ORDER_TABS,
    ORDER_TABS_BY_KEY,
    SORT_LABELS,
    TABS_BY_KEY,
    area_choices,
    categories_by_id,
    center_counts,
    center_incidents,
    clean_filters,
    department_order_counts,
    department_orders,
    departments,
    due_mark,
    duplicate_hints,
    overdue_orders,
    pending_extensions,
    reporter_summary,
    state_label,
    with_active_orders,
)
from doorstep.incidents.selectors_detail import order_state_label
from doorstep.incidents.selectors_map import MAP_MAX_POINTS, MAP_STATES, grid_features, map_points
from doorstep.incidents.views_detail import see_other
from doorstep.incidents.workflow import STATE_CONTEXT, STATE_LABELS, Action, State

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CATEGORIES_MAX_UPLOAD = 2 * 1024 * 1024  # the 88 categories of the seed are 40 KB as YAML


def _maybe_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# ---- the command center --------------------------------------------------------------------------------------------

def _center(request, default_tab: str):
    user = request.user
    tab = TABS_BY_KEY.get(str(request.GET.get("tab", ""))) or TABS_BY_KEY[default_tab]
    categories = categories_by_id()
    depts = departments()
    filters = clean_filters(user, request.GET, categories=categories, department_ids={d.pk for d in depts})
    now = timezone.now()
    counts = center_counts(user, filters=filters, now=now)
    hints = {}
    if tab.key == "overdue":
        page = paginate(overdue_orders(user, filters=filters, now=now), **page_args(request))
        for order in page.items:
            order.overdue_hours = int((now - order.due_at).total_seconds() // 3600)
    elif tab.key == "extensions":
        page = paginate(pending_extensions(user, filters=filters), **page_args(request))
    else:
        page = paginate(center_incidents(user, tab=tab, filters=filters), **page_args(request))
        with_active_orders(page.items)
        for incident in page.items:
            incident.state_text = state_label(incident.state)
            incident.mark = due_mark(incident.state, incident.handling_due, incident.sla_mark, now)
        if tab.key == "reported":
            hints = duplicate_hints(user, page.items)
            for incident in page.items:
                incident.hints = hints.get(incident.pk, [])
                suggested = (incident.suggestion or {}).get("category")
                incident.suggested_category = next((c for c in categories.values() if c.code == suggested), None)
                incident.register_category = incident.category or incident.suggested_category
    return render(request, "incidents/center/center.html", {
        "tab": tab, "tabs": [(t, counts.get(t.key, 0)) for t in CENTER_TABS], "page": page, "filters": filters,
        "categories": list(categories.values()), "departments": depts, "areas": area_choices(user),
        # the command center registers every report in its area (authority: CENTER; the loop: REPORTED → REGISTER
        # has no guard), so the list may offer it without asking per row; leaders and administrators only read
        "can_register": permitted(user.role, Action.REGISTER, frozenset({Relation.CENTER})),
        "sorts": SORT_LABELS, "report_url": _maybe_url("incidents:report") if user.role == "dispatcher" else "",
        "map_url": reverse("incidents:map"), "query": filters.query(),
    })


@workspace_page("incidents:center")
def center_page(request):
    """事件登记 and every other tab (?tab=): the dispatcher works here; leaders and administrators read it."""
    return _center(request, "reported")


@workspace_page("incidents:center-dispatch")
def center_dispatch(request):
    """派遣: the queue opened at the registered reports waiting for dispatch."""
    return _center(request, "registered")


@workspace_page("incidents:center-overdue")
def center_overdue(request):
    """督办: the queue opened at the overdue orders."""
    return _center(request, "overdue")


@workspace_page("incidents:center")
def center_export(request):
    """The current tab of incidents under the current filters as .xlsx (up to DOORSTEP_EXPORT_INLINE_ROWS rows, read
    by keyset in chunks); a larger list is refused with the advice to filter. Audited (descriptions may name
    people)."""
    from io import BytesIO

    from django.conf import settings
    from openpyxl import Workbook

    from doorstep.audit.services import audit_record
    from doorstep.core.paging import capped_count, iterate

    user = request.user
    tab = TABS_BY_KEY.get(str(request.GET.get("tab", ""))) or TABS_BY_KEY["reported"]
    if not tab.states:
        tab = TABS_BY_KEY["handling"]  # the order and extension tabs export the incidents being handled
    categories = categories_by_id()
    filters = clean_filters(user, request.GET, categories=categories, department_ids={d.pk for d in departments()})
    rows = center_incidents(user, tab=tab, filters=filters)
    limit = settings.DOORSTEP_EXPORT_INLINE_ROWS
    total, more = capped_count(rows, limit)
    if more:
        messages.error(request, _("超过{limit}条，请先按类别、部门或区域筛选后再导出。").format(limit=limit))
        return see_other(reverse("incidents:center") + "?" + request.GET.urlencode())
    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\\/*?:\[\]]", "-", str(tab.label))[:31])  # characters a sheet name cannot hold
    sheet.append([_("事件编号"), _("类型"), _("渠道"), _("类别"), _("状态"), _("问题描述"), _("地点"), _("上报时间"),
                  _("处置期限"), _("所在区域编码")])
    local = timezone.localtime
    for i in iterate(rows.select_related(None).only(
            "id", "number", "kind", "channel", "category", "state", "description", "address", "reported_at",
            "handling_due", "path"), chunk=1000):
        category = categories.get(i.category_id)
        sheet.append(safe_row(sheet, [  # text a reporter typed is never written as a formula
            i.number, i.get_kind_display(), i.get_channel_display(),
            f"{category.code} {category.name}" if category else "", state_label(i.state), i.description, i.address,
            local(i.reported_at).strftime("%Y-%m-%d %H:%M"),
            local(i.handling_due).strftime("%Y-%m-%d %H:%M") if i.handling_due else "", i.path]))
    audit_record(actor=user, action="incident.export", target_type="incidents.incident",
                 summary={"tab": tab.key, "rows": total, **{k: v for k, v in filters.query().items() if k != "q"}})
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(_('事件台账') + '.xlsx')}"
    return response


# ---- a department's orders -----------------------------------------------------------------------------------------

@workspace_page("incidents:orders")
def orders_page(request):
    """我的派单: the department's orders by state, running ones by deadline with their marks; the reporter as a
    department may see them (hidden when they asked)."""
    user = request.user
    tab = ORDER_TABS_BY_KEY.get(str(request.GET.get("tab", ""))) or ORDER_TABS[0]
    now = timezone.now()
    if not getattr(user, "department_id", None):
        counts, page = {t.key: 0 for t in ORDER_TABS}, None
    else:
        counts = department_order_counts(user)
        page = paginate(department_orders(user, tab=tab), **page_args(request))
        for order in page.items:
            order.mark = due_mark(order.state, order.due_at, order.sla_mark, now)
            order.reporter = reporter_summary(user, order.incident)
            order.incident_state = state_label(order.incident.state)
            order.order_state = order_state_label(order.state)  # this department's order, not the incident
    return render(request, "incidents/center/orders.html", {
        "tab": tab, "tabs": [(t, counts.get(t.key, 0)) for t in ORDER_TABS], "page": page})


# ---- the map -------------------------------------------------------------------------------------------------------

@workspace_page("incidents:map")
def map_page(request):
    """事件地图: the grids of the user's area as the base layer (GeoJSON, no tiles) and the incidents as clustered
    points fetched from incidents:map-data with the same filters."""
    user = request.user
    categories = categories_by_id()
    depts = departments()
    filters = clean_filters(user, request.GET, categories=categories, department_ids={d.pk for d in depts})
    state = str(request.GET.get("state", "open"))
    state = state if state in dict(MAP_STATES) else "open"
    words = {"states": {s.value: pgettext(STATE_CONTEXT, STATE_LABELS[s]) for s in State},
             "categories": {c.code: c.name for c in categories.values()}}
    return render(request, "incidents/center/map.html", {
        "grids": {"type": "FeatureCollection", "features": grid_features(user)}, "words": words,
        "categories": list(categories.values()), "departments": depts, "areas": area_choices(user),
        "states": MAP_STATES, "state": state, "filters": filters, "cap": MAP_MAX_POINTS,
        "data_url": reverse("incidents:map-data") + ("?" + request.GET.urlencode() if request.GET else ""),
    })


@login_required
def map_data(request):
    """The incidents of the user's scope under the map's filters as a compact GeoJSON FeatureCollection: each a
    point with its id, state and category code, nothing else; newest first, at most MAP_MAX_POINTS (`capped` says
    when there were more). Three queries: categories, departments, points."""
    user = request.user
    if user.role not in INCIDENT_SCOPE:
        raise PermissionDenied(_("您的角色不能查看事件。"))
    categories = categories_by_id()
    filters = clean_filters(user, request.GET, categories=categories,
                            department_ids={d.pk for d in departments()})
    state = str(request.GET.get("state", "open"))
    rows, capped = map_points(user, state=state if state in dict(MAP_STATES) else "open", filters=filters,
                              now=timezone.now())
    codes = {pk: c.code for pk, c in categories.items()}
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                 "properties": {"id": pk, "state": s, "category": codes.get(cat, "")}}
                for pk, lat, lon, s, cat in rows]
    body = json.dumps({"type": "FeatureCollection", "features": features, "capped": capped, "cap": MAP_MAX_POINTS},
                      separators=(",", ":"), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, no-store"
    return response


# ---- photos --------------------------------------------------------------------------------------------------------

@login_required
def photo(request, pk: int):
    """One photo of an incident (stored without EXIF), for those who may see the incident: the same 404 for a
    photo that does not exist, one of an incident the user may not see, and one the reporter's page does not show."""
    from doorstep.incidents.views_detail import PUBLIC_ROLES, public_photo

    row = (IncidentPhoto.objects.filter(pk=pk).select_related("order")
           .only("id", "incident_id", "file", "content_type", "stage", "order__role").first())
    if row is None:
        raise NotFound()
    incident = incident_get_for_user(request.user, row.incident_id)
    if request.user.role in PUBLIC_ROLES and not public_photo(request.user, incident, row):
        raise NotFound()  # a reporter is served what their page shows (views_detail.public_view), nothing else
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound() from None
    response = FileResponse(handle, content_type=row.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# ---- categories ----------------------------------------------------------------------------------------------------

def _district_admin(user) -> None:
    if not is_district_admin(user):
        raise PermissionDenied(_("只有区级管理员可以管理事件类别。"))


def _categories_context() -> dict:
    from doorstep.incidents.models import Category

    return {"rows": list(Category.objects.select_related("lead_department").order_by("code"))}


@workspace_page("incidents:categories")
def categories_page(request):
    """事件类别: the categories with their lead department, urgency, limits, tier and photo rule; import a YAML or
    Excel file (validated whole, nothing changed on an error) and export both."""
    from doorstep.incidents.services.categories import categories_import_xlsx, categories_import_yaml

    _district_admin(request.user)
    if request.method != "POST":
        return render(request, "incidents/center/categories.html", _categories_context())
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed(_("请选择要导入的文件（.yaml 或 .xlsx）。"), field="file")
        if upload.size > CATEGORIES_MAX_UPLOAD:
            raise ValidationFailed(_("文件超过 {size} MB。").format(size=CATEGORIES_MAX_UPLOAD // (1024 * 1024)),
                                   field="file")
        name = str(upload.name or "").lower()
        content = upload.read()
        if name.endswith((".yaml", ".yml")):
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationFailed(_("YAML 文件须为 UTF-8 编码。"), field="file") from None
            counts = categories_import_yaml(actor=request.user, text=text)
        elif name.endswith(".xlsx"):
            counts = categories_import_xlsx(actor=request.user, content=content)
        else:
            raise ValidationFailed(_("请上传 YAML（.yaml）或 Excel（.xlsx）文件。"), field="file")
    except DomainError as exc:
        return render(request, "incidents/center/categories.html", {**_categories_context(), "error": exc.message},
                      status=exc.status)
    messages.success(request, _("已导入：新增 {created} 个类别，更新 {updated} 个，{unchanged} 个未变；部门 {departments} 个。").format(
        **counts))
    return see_other(reverse("incidents:categories"))


@workspace_page("incidents:categories")
def categories_export(request, fmt: str):
    from doorstep.incidents.services.categories import categories_export_xlsx, categories_export_yaml

    _district_admin(request.user)
    if fmt == "yaml":
        response = HttpResponse(categories_export_yaml(), content_type="application/yaml; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(categories_export_xlsx(), content_type=XLSX)
    else:
        raise NotFound()
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(_('事件类别') + '.' + fmt)}"
    return response
