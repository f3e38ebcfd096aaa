"""Staff resident search (masked), resident detail, and reveal-with-reason; a resident's own household."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.accounts.roles import Capability, Scope
from doorstep.audit.services import audit_record
from doorstep.core.errors import DomainError
from doorstep.core.paging import parse_page_number
from doorstep.core.ratelimit import LIST, rate_limited
from doorstep.registry.selectors import (
    household_members_for_user,
    resident_age,
    resident_get_for_user,
)
from doorstep.registry.services import REVEALABLE, resident_lookup, resident_reveal

KIND_LABELS = {"auto": _("自动识别"), "id_number": _("证件号码"), "phone": _("电话号码"), "name": _("姓名"),
               "pinyin": _("拼音/首字母"), "address": _("楼栋地址")}


@workspace_page("registry:search")
@rate_limited(LIST)
def resident_search(request):
    if request.user.role == "resident":  # 我的家庭: the resident's own household as cards, not the staff search
        return my_household(request)
    query = request.GET.get("q", "")
    kind = request.GET.get("kind", "auto")
    sort = request.GET.get("sort", "name")
    context = {"q": query, "kind": kind, "sort": sort, "kind_labels": KIND_LABELS}
    try:
        result = resident_lookup(actor=request.user, query=query, kind=kind, sort=sort,
                                 page=parse_page_number(request.GET.get("page")),
                                 cursor=request.GET.get("cursor", ""))
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "registry/search.html", context, status=exc.status)
    context.update(result=result, rows=[(r, resident_age(r)) for r in result.page.items],
                   kind_label=KIND_LABELS.get(result.kind, ""),
                   can_call=request.user.can(Capability.REVEAL_PERSONAL_DATA))
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, context)


def my_household(request):
    """我的家庭 (issue #11 item 8): the household's members as cards on a phone, their numbers masked, the address
    and the grid it belongs to. Only the resident's own household (residents_in_scope), members in the register
    (the deceased and moved-out are archived). Each card offers "ask for a correction" (registry.changes), and the
    resident's own requests are listed with their outcome (a rejection with its reason)."""
    from doorstep.registry.changes.selectors import changes_asked_by
    from doorstep.registry.models import ResidentStatus
    from doorstep.registry.selectors import residents_in_scope

    members = list(residents_in_scope(request.user).filter(status=ResidentStatus.ACTIVE)
                   .select_related("household__building__grid").order_by("id"))
    requests = changes_asked_by(request.user)
    for change in requests:
        change.actions = ["withdraw"] if change.state == "proposed" else []
    return render(request, "registry/my_household.html", {
        "members": [(m, resident_age(m)) for m in members],
        "household": members[0].household if members else None,
        "requests": requests,
    })


def _as_of_date(raw: str):
    """The history's date picker (?as_of=YYYY-MM-DD): a date not after today, or None (bad input shows nothing)."""
    import datetime

    from django.utils import timezone

    try:
        day = datetime.date.fromisoformat(str(raw or "")[:10])
    except ValueError:
        return None
    return day if datetime.date(1880, 1, 1) <= day <= timezone.localdate() else None


@login_required
def resident_detail(request, resident_id: int):
    """A resident's record (masked, reveal with a reason), its document type, status, history (who changed what,
    when, on whose review) and — with ?as_of= — the record and household as they were on a date; the changes the
    user may propose about them; a reading form for characters of the name nobody has a reading for."""
    from doorstep.core.names import name_keys
    from doorstep.registry.changes.selectors import changes_about_resident
    from doorstep.registry.history import household_members_as_of, resident_as_of, resident_history
    from doorstep.registry.namekeys import staff_readings
    from doorstep.registry.views_changes import kinds_for

    resident = resident_get_for_user(request.user, resident_id)
    audit_record(actor=request.user, action="registry.view", target=resident)
    as_of = _as_of_date(request.GET.get("as_of"))
    snapshot = members_then = None
    if as_of is not None:
        snapshot = resident_as_of(resident.pk, as_of)
        if snapshot is not None:
            members_then = household_members_as_of(snapshot.household_id, as_of)
    staff = request.user.can(Capability.SEARCH_RESIDENTS)
    unread = name_keys(resident.name, staff_readings([resident.name])).unread if staff else ()
    return render(request, "registry/detail.html", {
        "resident": resident, "age": resident_age(resident),
        "members": household_members_for_user(request.user, resident),
        "revealable": REVEALABLE if request.user.can(Capability.REVEAL_PERSONAL_DATA) else {},
        # a window clerk opens only whom a search of theirs showed: members are named, not linked
        "member_links": request.user.resident_scope != Scope.DISTRICT_SEARCH,
        "history": resident_history(resident), "as_of": as_of, "as_of_raw": request.GET.get("as_of", "")[:10],
        "snapshot": snapshot, "members_then": members_then,
        "kinds": kinds_for(request.user, resident), "pending": changes_about_resident(request.user, resident),
        "unread": unread,
    })


@login_required
@require_POST
def resident_reveal_view(request, resident_id: int):
    field = request.POST.get("field", "")
    try:
        value = resident_reveal(actor=request.user, resident_id=resident_id, field=field,
                                reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render(request, "registry/_reveal.html",
                      {"error": exc.message, "field": field, "resident_id": resident_id,
                       "label": REVEALABLE.get(field, "")}, status=exc.status)
    return render(request, "registry/_reveal.html",
                  {"value": value, "field": field, "label": REVEALABLE[field], "resident_id": resident_id,
                   "call": field == "phone" and request.POST.get("call") == "1"})
