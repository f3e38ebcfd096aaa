"""The field's incident pages (issue #13 items 2 and 5), phone first (375 px): the report form for a grid worker
(事件上报: category, text, photos, the place tapped on the grid's map, the device's position or a building), a
resident (一呼即应, with the choice to hide their identity from departments) and the command center (电话受理), with
duplicate hints as the place and category are chosen; a grid worker's and a resident's reports with their progress;
and the verification list of supervisors and grid workers. Actions on an incident (verify, rate, reopen …) are
taken on its detail page (incidents:detail); these pages only link there."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import page_args
from doorstep.incidents.authority import Relation, permitted
from doorstep.incidents.models import Channel
from doorstep.incidents.selectors_field import (
    MINE_TABS,
    building_point,
    building_search,
    center_areas,
    duplicates_for_user,
    field_reports,
    grid_map,
    report_categories,
    resident_home,
    resident_map,
    row_relations,
    verification_queue,
    verifications_done,
)
from doorstep.incidents.services.intake import DESCRIPTION_MAX, ReportIn, incident_report
from doorstep.incidents.workflow import Action, IncidentFacts, State, allowed_actions

# Who may open each page is the workspace table (accounts.roles.WORKSPACE, through accounts.pages.workspace_page),
# kept in step with the tables that decide what people do there (tests/test_field_pages.py): the report form for
# the roles that report through a channel (services.intake.CHANNELS), the verification lists for the roles the
# authority table lets verify on site. The building search belongs to the command center's phone form.
BUILDING_SEARCH_ROLES = frozenset({"dispatcher"})
# The report form's fields an error is shown beside (a place's error is shown over the place: latitude, building,
# node_code); any other refusal (the submission key, a place outside the command center) at the top.
FORM_FIELDS = ("caller_name", "caller_phone", "category", "description", "photos", "latitude", "building",
               "node_code")
# Who may tick 隐藏身份 on the form: a resident for themselves, the command center for a caller who asks to stay
# unknown to the departments (the center still sees them: authority.REPORTER_HIDDEN_FROM).
HIDING_ROLES = frozenset({"resident", "dispatcher"})

# 已上报 → 已立案 → 处置中 → 待核查 → 已办结 → 已评价: where each state stands on a reporter's progress bar.
PROGRESS = (
    pgettext_lazy("incident progress", "已上报"),
    pgettext_lazy("incident progress", "已立案"),
    pgettext_lazy("incident progress", "处置中"),
    pgettext_lazy("incident progress", "待核查"),
    pgettext_lazy("incident progress", "已办结"),
    pgettext_lazy("incident progress", "已评价"),
)
STEP_OF_STATE = {
    State.REPORTED: 0, State.REGISTERED: 1, State.DISPATCHED: 2, State.HANDLING: 2, State.HANDLED: 3,
    State.VERIFIED: 3, State.CLOSED: 4, State.CLOSED_UNSOLVED: 4, State.REVIEWED: 5, State.ARCHIVED: 4,
}


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


# ---- the report form --------------------------------------------------------------------------------------------

def _report_context(user) -> dict:
    ctx = {"role": user.role, "categories": report_categories(), "max_photos": settings.DOORSTEP_INCIDENT_MAX_PHOTOS,
           "description_max": DESCRIPTION_MAX, "map": None, "buildings": [], "home": None, "areas": []}
    node = user.org_node if user.org_node_id else None
    if user.role == "grid_worker" and node is not None and node.level == "grid":
        ctx["map"] = grid_map(node)
        ctx["buildings"] = ctx["map"]["buildings"]
    elif user.role == "resident":
        ctx["home"] = resident_home(user)
        ctx["map"] = resident_map(ctx["home"])
    elif user.role == "dispatcher":
        ctx["areas"] = center_areas(user)
    if ctx["map"] is not None and ctx["map"]["grid"] is None and not ctx["map"]["buildings"]:
        ctx["map"] = None
    return ctx


def _report_in(request) -> ReportIn:
    post, role = request.POST, request.user.role
    return ReportIn(
        description=post.get("description", ""), category=post.get("category", ""),
        latitude=post.get("latitude") or None, longitude=post.get("longitude") or None,
        address=post.get("address", ""), building_id=post.get("building") or None,
        node_code=post.get("node_code", "") if role == "dispatcher" else "",
        photos=request.FILES.getlist("photos"),
        # a resident hides themselves; the command center ticks it for a caller who asks (never for a grid worker)
        hide_identity=role in HIDING_ROLES and post.get("hide_identity") == "1",
        caller_name=post.get("caller_name", "") if role == "dispatcher" else "",
        caller_phone=post.get("caller_phone", "") if role == "dispatcher" else "",
        channel=Channel.PHONE if role == "dispatcher" else "")


def _kept(request) -> dict:
    """What the person had entered, to show the form again after a refusal (files cannot be put back)."""
    names = ("description", "category", "latitude", "longitude", "address", "building", "node_code", "caller_name",
             "caller_phone", "hide_identity")
    kept = {name: str(request.POST.get(name, ""))[:DESCRIPTION_MAX] for name in names}
    if kept["building"] and request.user.role == "dispatcher":  # the building chosen from the search, shown again
        kept["building_found"] = building_search(request.user, "", building_id=kept["building"])
    return kept


def _hidden_at_home(user, data: ReportIn) -> None:
    """A resident who hides their identity must say where the problem is: the home building the form starts with
    (and the place a report without one is filed at) would tell the department where they live. ValidationFailed
    beside the place when no point is given and the place would be their home."""
    if user.role != "resident" or not data.hide_identity or (data.latitude and data.longitude):
        return
    home = resident_home(user)
    if data.building_id in (None, "") or (home is not None and str(data.building_id) == str(home.pk)):
        raise ValidationFailed(_("您选择了对处理部门隐藏身份：请在地图上点选问题所在的位置，或使用当前位置。"
                                 "隐藏身份时不再默认为您家所在的楼栋，以免部门由此知道您的住址。"), field="latitude")


def _border_warning(user, incident) -> str:
    """What a grid worker is told when the place they chose lies in another grid than their own: the report is
    filed there (workers sometimes report across the border), and they should know it."""
    node = user.org_node if user.role == "grid_worker" and user.org_node_id else None
    if node is None or node.level != "grid" or not incident.grid_id or incident.grid_id == node.pk:
        return ""
    return _("所选位置不在您的网格内，将归入{grid}。").format(grid=incident.grid.name)


@workspace_page("incidents:report")
@require_http_methods(["GET", "POST"])
def report(request):
    """The report form for the user's channel; a POST takes the report in (incident_report) and goes on to the new
    incident's page. A doubled submission (same key) opens the same incident; a refusal shows the form again with
    the reason beside the field and everything typed kept. A grid worker whose point lies in another grid is told
    which grid it was filed in."""
    ctx = _report_context(request.user)
    if request.method == "POST":
        data = _report_in(request)
        try:
            _hidden_at_home(request.user, data)
            incident = incident_report(actor=request.user, data=data, idempotency_key=request.POST.get(KEY_FIELD))
        except DomainError as exc:
            if exc.status == 404:
                raise
            field = exc.field if exc.field in FORM_FIELDS else ("latitude" if exc.field == "longitude" else "")
            ctx.update(error=exc.message, error_field=field, kept=_kept(request),
                       photos_lost=bool(data.photos))
            return render(request, "incidents/field/report.html", ctx, status=exc.status)
        again = _("这张表单已经提交过，没有重复上报。") if was_replayed(incident) else ""
        if request.user.role == "resident":
            done = _("您的诉求已提交，编号 {number}。处理进展会通知您。")
        elif request.user.role == "dispatcher":
            done = _("来电已登记，事件编号 {number}。")
        else:
            done = _("已上报，事件编号 {number}。")
        messages.success(request, again + done.format(number=incident.number))
        border = _border_warning(request.user, incident)
        if border:
            messages.warning(request, border)
        return _see_other(reverse("incidents:detail", args=[incident.pk]))
    home = ctx.get("home")
    ctx["kept"] = {"building": str(home.pk) if home is not None else ""}
    return render(request, "incidents/field/report.html", ctx)


def _point(params, user) -> tuple[float | None, float | None]:
    """The point a duplicate hint is asked for: lat/lon when both are numbers in range, else the building's, else
    (a resident) their home's."""
    try:
        lat, lon = float(str(params.get("lat", ""))[:30]), float(str(params.get("lon", ""))[:30])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    except ValueError:
        pass
    found = building_point(params.get("building")) if params.get("building") else None
    if found is None and user.role == "resident":
        home = resident_home(user)
        if home is not None and home.latitude is not None and home.longitude is not None:
            found = (home.latitude, home.longitude)
    return found if found else (None, None)


@workspace_page("incidents:report")
@require_GET
def duplicates(request):
    """Possible duplicates of the report being written (?category=&lat=&lon=, or &building=): as an HTML fragment
    for the form, or JSON with ?format=json. For staff, reports outside their scope are only counted; a resident
    sees their own and the public ones, and no count of the rest (selectors_field.duplicates_for_user)."""
    lat, lon = _point(request.GET, request.user)
    found = duplicates_for_user(request.user, category=request.GET.get("category", ""), latitude=lat, longitude=lon)
    if request.GET.get("format") == "json":
        return JsonResponse({
            "count": found.total, "others": found.others,
            "shown": [{"number": h.incident.number, "category": found.category.code, "metres": h.metres,
                       "hours": h.hours, "state": h.incident.state,
                       "state_label": str(h.incident.get_state_display()),
                       "url": reverse("incidents:detail", args=[h.incident.pk]) if h.openable else None}
                      for h in found.shown]})
    return render(request, "incidents/field/_duplicates.html", {
        "found": found, "hours": settings.DOORSTEP_INCIDENT_DUPLICATE_HOURS,
        "meters": settings.DOORSTEP_INCIDENT_DUPLICATE_METERS})


@workspace_page("incidents:report")
@require_GET
def buildings(request):
    """电话受理's building search (?building_q=): up to 20 buildings under the command center, as radio buttons."""
    if request.user.role not in BUILDING_SEARCH_ROLES:
        raise PermissionDenied(_("您的角色不能使用这个页面。"))
    query = request.GET.get("building_q", "")
    return render(request, "incidents/field/_buildings.html",
                  {"found": building_search(request.user, query), "query": query.strip()[:40]})


# ---- lists ------------------------------------------------------------------------------------------------------

def _progress(row) -> None:
    """Attach the progress bar to a listed report; no query. A request ends with its rating (已评价); an incident
    found in the street has nobody to rate it and ends when it is closed."""
    state = State(row.state)
    step = STEP_OF_STATE.get(state)
    if step is not None and row.rated and state in (State.CLOSED, State.CLOSED_UNSOLVED, State.ARCHIVED):
        step = len(PROGRESS) - 1
    labels = PROGRESS if row.kind == "request" else PROGRESS[:-1]
    if step is None:
        row.steps = []
        return
    last = len(labels) - 1
    step = min(step, last)
    row.steps = [(label, "done" if i < step or i == step == last else "current" if i == step else "todo")
                 for i, label in enumerate(labels)]


def _reporter_links(user, row, now) -> None:
    role = user.role
    facts = IncidentFacts(state=State(row.state), closed_at=row.closed_at, now=now,
                          reopen_days=settings.DOORSTEP_INCIDENT_REOPEN_DAYS)
    allowed = allowed_actions(facts, role)
    # a resident's list holds only their own reports and those theirs were merged into
    held = frozenset({Relation.REPORTER}) if role == "resident" else row_relations(user, row)
    row.may_rate = Action.RATE in allowed and permitted(role, Action.RATE, held) and not row.rated
    row.may_reopen = Action.REOPEN in allowed and permitted(role, Action.REOPEN, held)


@workspace_page("incidents:mine")
@require_GET
def mine(request):
    """我的诉求 / 我的上报: a resident's requests, a grid worker's own reports and their grid's (tabs), newest
    first, searched by number or text, each with its progress and a link to its page."""
    user = request.user
    tab = request.GET.get("tab", "mine") if user.role == "grid_worker" else "mine"
    tab = tab if tab in MINE_TABS else "mine"
    query = " ".join(str(request.GET.get("q", "")).split())[:50]
    page = field_reports(user, tab=tab, query=query, **page_args(request))
    now = timezone.now()
    for row in page.items:
        _progress(row)
        _reporter_links(user, row, now)
    return render(request, "incidents/field/mine.html", {"page": page, "tab": tab, "q": query, "role": user.role})


@workspace_page("incidents:verify-list")
@require_GET
def verify_list(request):
    """待核查: incidents handled and waiting for on-site verification where the user verifies, nearest due first."""
    page = verification_queue(request.user, **page_args(request))
    return render(request, "incidents/field/verify_list.html", {"page": page, "tab": "todo", "now": timezone.now()})


@workspace_page("incidents:verified")
@require_GET
def verified(request):
    """核查记录: the user's own verifications, newest first."""
    page = verifications_done(request.user, **page_args(request))
    return render(request, "incidents/field/verify_list.html", {"page": page, "tab": "done"})
