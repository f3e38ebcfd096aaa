"""Wishes from the households' side, phone first (issue #15 item 2): 微心愿 — a resident's household's wishes, a
form to post one for a member of the household, 确认圆梦 (with consent to publish the story) or 还没实现 for a
fulfilled one; 走访收集心愿 — a grid worker (or the community's clerk) finds a resident of their grid by name and
posts the wish on their behalf; 网格心愿 — the grid's wishes, confirmed or disputed on the beneficiary's word.

Residents are found only through the registry's scoped selectors (registry.selectors.household_members_for_user,
registry.services.resident_lookup, registry.selectors.resident_get_for_user): nobody reaches a resident here that
they could not open in the registry.
"""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import page_args, paginate, parse_page_number
from doorstep.wishes.models import WishCategory
from doorstep.wishes.selectors.wishes import (
    clean_query,
    decorate,
    grid_wishes,
    household_wishes,
    wish_buttons,
)
from doorstep.wishes.views_wall import TEXT_MAX, perform, refused, role_page, see_other
from doorstep.wishes.workflow import WISH_STATE_CONTEXT, WISH_STATE_LABELS, WishAction, WishState

PAGE_SIZE = 10
HOUSEHOLD_ACTIONS = frozenset({WishAction.CONFIRM, WishAction.DISPUTE, WishAction.CANCEL})


def post_wish(request):
    """The wish form's POST through wishes.services.wishes.wish_post; queues the success message."""
    from doorstep.wishes.services.wishes import wish_post

    post = request.POST
    wish = wish_post(actor=request.user, beneficiary_id=str(post.get("beneficiary", ""))[:40],
                     title=str(post.get("title", ""))[:TEXT_MAX], description=str(post.get("description", ""))[:TEXT_MAX],
                     category=str(post.get("category", ""))[:20], value_yuan=str(post.get("value_yuan", ""))[:20] or 0,
                     places=str(post.get("places", ""))[:20] or 1, story_consent=post.get("story_consent") == "1",
                     idempotency_key=post.get(KEY_FIELD))
    again = _("这张表单已经提交过，没有重复登记。") if was_replayed(wish) else ""
    messages.success(request, again + _("心愿已登记（编号 {number}），等待社区审核后发布到心愿墙。").format(
        number=wish.number))
    return wish


def _form_kept(post) -> dict:
    return {k: str(post.get(k, ""))[:TEXT_MAX] for k in ("beneficiary", "title", "description", "category",
                                                         "value_yuan", "places", "story_consent")}


def _with_buttons(user, wishes) -> list:
    from doorstep.wishes.services.common import wish_relations

    for w in decorate(wishes, now=timezone.now()):
        w.buttons = wish_buttons(user, w, wish_relations(user, w), offered=HOUSEHOLD_ACTIONS)
    return wishes


# ---- 微心愿 (a resident) ---------------------------------------------------------------------------------------------

def _mine_context(request) -> dict:
    from doorstep.registry.selectors import household_members_for_user
    from doorstep.wishes.services.common import mask_name

    user = request.user
    resident = getattr(user, "resident", None) if user.resident_id else None
    ctx = {"resident": resident, "status": 200, "categories": WishCategory.choices, "kept": {}}
    if resident is None:
        return ctx
    members = household_members_for_user(user, resident)
    for m in members:
        m.masked = mask_name(m.name)
    page = paginate(household_wishes(resident.household_id), size=PAGE_SIZE, **page_args(request))
    ctx.update(members=members, page=page)
    _with_buttons(user, page.items)
    return ctx


@role_page("resident")
@require_http_methods(["GET", "POST"])
def mine(request):
    """微心愿: the household's wishes and the form; a POST posts a wish (action=post) or answers a fulfilled one
    (confirm with story_consent, dispute with the reason) or withdraws one the resident posted (cancel)."""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "post":
                post_wish(request)
            else:
                perform(request, allowed=HOUSEHOLD_ACTIONS)
        except DomainError as exc:
            ctx = refused(_mine_context(request), exc)
            if request.POST.get("action") == "post":
                ctx["kept"] = _form_kept(request.POST)
            return render(request, "wishes/resident/mine.html", ctx, status=exc.status)
        return see_other(reverse("wishes:mine"))
    return render(request, "wishes/resident/mine.html", _mine_context(request))


# ---- 走访收集心愿 (a grid worker, or the community's clerk) ------------------------------------------------------------

def _collect_context(request, params) -> dict:
    from doorstep.registry.selectors import resident_get_for_user, resident_rows_described
    from doorstep.registry.services import resident_lookup

    user = request.user
    ctx = {"status": 200, "q": clean_query(params.get("q")), "categories": WishCategory.choices, "kept": {}}
    picked = str(params.get("resident") or params.get("beneficiary") or "")[:20]
    if picked:
        ctx["beneficiary"] = resident_get_for_user(user, picked)  # NotFound outside the user's scope
        return ctx
    if ctx["q"]:
        try:
            result = resident_lookup(actor=user, query=ctx["q"], channel="wishes", sort="relevance",
                                     page=parse_page_number(params.get("page")))
        except DomainError as exc:
            return refused(ctx, exc)
        ctx["page"] = result.page
        ctx["found"] = resident_rows_described(result.page.items)
    return ctx


@workspace_page("wishes:collect")
@require_http_methods(["GET", "POST"])
def collect(request):
    """走访收集心愿: find the resident (?q=name, within the user's grid or area), pick them (?resident=id), fill in the
    wish; the POST posts it (wish_post) and opens the wish's page."""
    if request.method == "POST":
        try:
            wish = post_wish(request)
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx = refused(_collect_context(request, request.POST), exc)
            ctx["kept"] = _form_kept(request.POST)
            return render(request, "wishes/resident/collect.html", ctx, status=exc.status)
        return see_other(reverse("wishes:manage", args=[wish.pk]))
    return render(request, "wishes/resident/collect.html", _collect_context(request, request.GET))


# ---- 网格心愿 (a grid worker) -----------------------------------------------------------------------------------------

def _grid_context(request) -> dict:
    user = request.user
    node = user.org_node
    state = str(request.GET.get("state", ""))
    state = state if state in {s.value for s in WishState} else ""
    ctx = {"status": 200, "state": state, "q": clean_query(request.GET.get("q")),
           "states": [(s.value, WISH_STATE_LABELS[s]) for s in WishState], "state_context": WISH_STATE_CONTEXT}
    if node is None or node.level != "grid":
        return refused(ctx, ValidationFailed(_("您的账号没有关联网格。")))
    page = paginate(grid_wishes(node.code, state=state, q=ctx["q"]), size=PAGE_SIZE, **page_args(request))
    _with_buttons(user, page.items)
    ctx.update(page=page, grid=node)
    return ctx


@role_page("grid_worker")
@require_http_methods(["GET", "POST"])
def grid(request):
    """网格心愿: the grid's wishes by state; a POST confirms a fulfilled one or records that it did not happen, on
    the beneficiary's word, or withdraws one the grid worker posted."""
    if request.method == "POST":
        try:
            perform(request, allowed=HOUSEHOLD_ACTIONS)
        except DomainError as exc:
            ctx = refused(_grid_context(request), exc)
            return render(request, "wishes/resident/grid.html", ctx, status=exc.status)
        return see_other(reverse("wishes:grid"))
    ctx = _grid_context(request)
    return render(request, "wishes/resident/grid.html", ctx, status=ctx["status"])
