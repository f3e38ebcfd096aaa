"""A volunteer's wish pages on a phone (issue #15 items 2 and 5): 可认领心愿 — the wishes they may claim now, their
own community first, then their street, then the district — and 我的心愿 — their claims (active, fulfilled, ended)
with 放弃认领 and 提交圆梦 (a photo taken on the spot) for an active one.

A volunteer reads no resident record here: a wish shows its masked beneficiary and its community, nothing else.
A volunteer account without a confirmed registration is shown how to report to a community (/volunteers/join/).
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from doorstep.core.errors import DomainError
from doorstep.core.paging import page_args, paginate
from doorstep.wishes.authority import Relation
from doorstep.wishes.models import WishCategory
from doorstep.wishes.selectors.wishes import (
    CLAIM_TABS,
    claim_counts,
    claimable_for_volunteer,
    clean_query,
    decorate,
    my_claims,
    wish_buttons,
)
from doorstep.wishes.views_wall import perform, refused, role_page, see_other
from doorstep.wishes.workflow import WishAction

PAGE_SIZE = 10
NEAR_ACTIONS = frozenset({WishAction.CLAIM})
CLAIM_ACTIONS = frozenset({WishAction.RELEASE, WishAction.FULFIL})


def _near_context(request, volunteer) -> dict:
    now = timezone.now()
    category = str(request.GET.get("category", ""))
    ctx = {"volunteer": volunteer, "status": 200, "categories": WishCategory.choices,
           "category": category if category in WishCategory.values else "", "q": clean_query(request.GET.get("q"))}
    if volunteer is None:
        return ctx
    page = paginate(claimable_for_volunteer(volunteer, now=now, category=ctx["category"], q=ctx["q"]),
                    size=PAGE_SIZE, **page_args(request))
    held = frozenset({Relation.VOLUNTEER})  # any confirmed volunteer claims a wish on the wall
    for w in decorate(page.items, now=now):
        w.buttons = wish_buttons(request.user, w, held, offered=NEAR_ACTIONS)
    ctx["page"] = page
    return ctx


@role_page("volunteer")
@require_http_methods(["GET", "POST"])
def near(request):
    """可认领心愿; a POST claims one (action=claim, wish, group_name, the submission key) and opens 我的心愿. "手慢了"
    and every other refusal shows this list again with the reason."""
    from doorstep.wishes.services.common import volunteer_of

    volunteer = volunteer_of(request.user)
    if request.method == "POST":
        try:
            perform(request, allowed=NEAR_ACTIONS)
        except DomainError as exc:
            ctx = refused(_near_context(request, volunteer), exc)
            return render(request, "wishes/volunteer/near.html", ctx, status=exc.status)
        return see_other(reverse("wishes:claims"))
    return render(request, "wishes/volunteer/near.html", _near_context(request, volunteer))


def _claims_context(request, volunteer) -> dict:
    now = timezone.now()
    tab = str(request.GET.get("tab", "active"))
    tab = tab if tab in CLAIM_TABS else "active"
    ctx = {"volunteer": volunteer, "tab": tab, "status": 200}
    if volunteer is None:
        return ctx
    page = paginate(my_claims(volunteer, tab=tab), size=PAGE_SIZE, **page_args(request))
    held = frozenset({Relation.VOLUNTEER, Relation.CLAIMANT})
    for c in page.items:
        decorate([c.wish], now=now)
        c.buttons = wish_buttons(request.user, c.wish, held, offered=CLAIM_ACTIONS, active_claim=c.state == "active")
    ctx.update(page=page, counts=claim_counts(volunteer))
    return ctx


@role_page("volunteer")
@require_http_methods(["GET", "POST"])
def claims(request):
    """我的心愿; a POST gives a place back (release, reason optional) or reports the wish fulfilled (fulfil: photos
    required, a note, the submission key)."""
    from doorstep.wishes.services.common import volunteer_of

    volunteer = volunteer_of(request.user)
    if request.method == "POST":
        try:
            perform(request, allowed=CLAIM_ACTIONS)
        except DomainError as exc:
            ctx = refused(_claims_context(request, volunteer), exc)
            ctx["failed_wish"] = str(request.POST.get("wish", ""))[:20]
            return render(request, "wishes/volunteer/claims.html", ctx, status=exc.status)
        return see_other(reverse("wishes:claims"))
    return render(request, "wishes/volunteer/claims.html", _claims_context(request, volunteer))
