"""Staff resident search (masked), resident detail, and reveal-with-reason; a resident's own household."""

import re

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
    if result.kind != "empty" and result.page.total == 0:
        context["scope_note"] = search_scope_note(request.user, result.kind)
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, context)


def search_scope_note(user, kind: str) -> str:
    """What a search that found nobody looked through, named for the user's scope: the same words whoever was
    sought, so an empty result never tells whether the person is registered elsewhere."""
    from doorstep.org.models import OrgNode

    node = user.org_node
    if node is None:
        return ""
    scope = user.resident_scope
    if scope == Scope.SUBTREE:
        return _("查询只在您的辖区（{area}）内进行。").format(area=node.name)
    if scope != Scope.DISTRICT_SEARCH:
        return ""
    if kind in ("id_number", "phone"):
        district = OrgNode.objects.filter(code=node.code[:6]).values_list("name", flat=True).first() or node.name
        return _("按证件号码或电话查询覆盖全区（{area}）。").format(area=district)
    return _("按姓名、拼音或楼栋查询只在您所在的{area}范围内进行；其他辖区的居民请用证件号码或手机号查询。").format(
        area=node.name)


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
    """The history's date picker (?as_of=YYYY-MM-DD): (the date, "") for a real date from 1880 to today; (None, the
    message) for input that is no such date (garbage, 2026-02-30) or a date before 1880, and the page shows the
    current record with it; (None, "") for no input, or a future date (the page words that itself). Never an error
    page."""
    import datetime

    from django.utils import timezone

    text = str(raw or "").strip()
    if not text:
        return None, ""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # fromisoformat also takes 20240301 and 2024-W09-5
            raise ValueError(text)
        day = datetime.date.fromisoformat(text)  # 2026-02-30 is refused here, as is any other impossible date
    except ValueError:
        return None, _("日期格式应为 YYYY-MM-DD（如 2024-03-01），且须是真实存在的日期。")
    if day < datetime.date(1880, 1, 1):  # before anyone on the register was born: not "choose an earlier date"
        return None, _("请选择 1880-01-01 以后的日期。")
    return (day, "") if day <= timezone.localdate() else (None, "")


@login_required
def resident_detail(request, resident_id: int):
    """A resident's record (masked, reveal with a reason), its document type, status, history (who changed what,
    when, on whose review) and — with ?as_of= — the record and household as they were on a date; the changes the
    user may propose about them; a reading form for characters of the name nobody has a reading for."""
    from doorstep.core.names import name_keys
    from doorstep.registry.changes.authority import ReadingAction
    from doorstep.registry.changes.selectors import changes_about_resident
    from doorstep.registry.history import household_members_as_of, resident_as_of, resident_history
    from doorstep.registry.namekeys import character_reading_refusal, staff_readings
    from doorstep.registry.views_changes import kinds_for

    resident = resident_get_for_user(request.user, resident_id)
    audit_record(actor=request.user, action="registry.view", target=resident)
    as_of, as_of_error = _as_of_date(request.GET.get("as_of"))
    snapshot = members_then = None
    if as_of is not None:
        snapshot = resident_as_of(resident.pk, as_of)
        if snapshot is not None:
            members_then = household_members_as_of(snapshot.household_id, as_of)
    staff = request.user.can(Capability.SEARCH_RESIDENTS)
    entered = staff_readings([resident.name]) if staff else {}
    unread = name_keys(resident.name, entered).unread if staff else ()
    # the reading form only for those the authority table lets enter one (the service asks the same table); a
    # reading entered before, to those who may correct it
    can_enter_reading = bool(unread) and not character_reading_refusal(request.user, ReadingAction.ENTER)
    corrigible = ([(char, " ".join(readings)) for char, readings in entered.items()]
                  if entered and not character_reading_refusal(request.user, ReadingAction.OVERWRITE) else [])
    return render(request, "registry/detail.html", {
        "resident": resident, "age": resident_age(resident),
        "members": household_members_for_user(request.user, resident),
        "revealable": REVEALABLE if request.user.can(Capability.REVEAL_PERSONAL_DATA) else {},
        # a window clerk opens only whom a search of theirs showed: members are named, not linked
        "member_links": request.user.resident_scope != Scope.DISTRICT_SEARCH,
        "history": resident_history(resident), "as_of": as_of, "as_of_raw": request.GET.get("as_of", "")[:10],
        "as_of_error": as_of_error,
        "snapshot": snapshot, "members_then": members_then,
        "kinds": kinds_for(request.user, resident), "pending": changes_about_resident(request.user, resident),
        "unread": unread, "can_enter_reading": can_enter_reading, "corrigible": corrigible,
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
