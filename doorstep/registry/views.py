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

KIND_LABELS = {"auto": _("自动识别"), "id_number": _("身份证号"), "phone": _("手机号"), "name": _("姓名"),
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
    and the grid it belongs to. Only the resident's own household (residents_in_scope)."""
    from doorstep.registry.selectors import residents_in_scope

    members = list(residents_in_scope(request.user).select_related("household__building__grid").order_by("id"))
    return render(request, "registry/my_household.html", {
        "members": [(m, resident_age(m)) for m in members],
        "household": members[0].household if members else None,
    })


@login_required
def resident_detail(request, resident_id: int):
    resident = resident_get_for_user(request.user, resident_id)
    audit_record(actor=request.user, action="registry.view", target=resident)
    return render(request, "registry/detail.html", {
        "resident": resident, "age": resident_age(resident),
        "members": household_members_for_user(request.user, resident),
        "revealable": REVEALABLE if request.user.can(Capability.REVEAL_PERSONAL_DATA) else {},
        # a window clerk opens only whom a search of theirs showed: members are named, not linked
        "member_links": request.user.resident_scope != Scope.DISTRICT_SEARCH,
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
