"""The public wish wall (心愿墙, issue #15 items 2 and 5): no login, phone first. Published and claimed wishes newest
first, filtered by street or community and category and searched in title and description; the 圆梦故事 of closed
wishes whose story the community published; one public card with 认领 for a confirmed volunteer; and the fulfilment
photos, served only through `photo` (never by a media URL anyone could guess).

Also what every wish page shares: `role_page`, `perform` (one POSTed action → its one service, the success message),
`see_other`. A page posts its actions to itself; a refusal renders the same page with the reason in Chinese and the
error's 4xx status, nothing changed.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from doorstep.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import page_args, paginate
from doorstep.wishes.models import ClaimState, Wish, WishCategory
from doorstep.wishes.selectors.wishes import (
    clean_query,
    decorate,
    photo_for_reader,
    story_photos,
    wall_areas,
    wall_card,
    wall_stories,
    wall_wishes,
    wish_buttons,
)
from doorstep.wishes.workflow import WishAction

TEXT_MAX = 2000  # longer than any field a service takes: the service refuses it in words, never a silent cut
WALL_PAGE_SIZE = 12
CARD_ACTIONS = frozenset({WishAction.CLAIM})


def see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def role_page(*roles: str):
    """Login required and one of `roles` (else 403 in Chinese)."""

    def decorate_view(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied(_("您的角色不能使用这个页面。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate_view


def _text(post, name: str) -> str:
    return str(post.get(name, ""))[:TEXT_MAX]


def done_message(action: WishAction) -> str:
    return {
        WishAction.PUBLISH: _("心愿已审核发布到心愿墙。"),
        WishAction.REJECT: _("已不予发布，登记人会收到原因。"),
        WishAction.CLAIM: _("认领成功！请按约定为心愿人圆梦，完成后在“我的心愿”提交圆梦照片。"),
        WishAction.RELEASE: _("已放弃认领。"),
        WishAction.FULFIL: _("已提交圆梦，等待心愿人确认。"),
        WishAction.CONFIRM: _("已确认圆梦。"),
        WishAction.DISPUTE: _("已反馈尚未实现，认领人和社区会收到原因。"),
        WishAction.REPUBLISH: _("心愿已重新发布。"),
        WishAction.CLOSE: _("心愿已关闭。"),
        WishAction.CANCEL: _("心愿已撤销。"),
        WishAction.PUBLISH_STORY: _("圆梦故事已发布到心愿墙。"),
    }[action]


def perform(request, *, allowed: set[WishAction], wish_id=None) -> tuple[WishAction, object]:
    """Run the POSTed `action` on `wish_id` (else the POSTed `wish`) through its service and queue the success
    message. Raises the service's DomainError; ValidationFailed for an action this page does not offer."""
    from doorstep.wishes.services import claims, wishes

    post, actor = request.POST, request.user
    try:
        action = WishAction(str(post.get("action", "")))
    except ValueError:
        action = None
    if action not in allowed:
        raise ValidationFailed(_("这个页面不能进行该操作，请刷新页面后重试。"), field="action")
    wish_id = str(wish_id if wish_id is not None else post.get("wish", ""))[:40]
    calls = {
        WishAction.PUBLISH: lambda: wishes.wish_publish(actor=actor, wish_id=wish_id),
        WishAction.REJECT: lambda: wishes.wish_reject(actor=actor, wish_id=wish_id, reason=_text(post, "reason")),
        WishAction.REPUBLISH: lambda: wishes.wish_republish(actor=actor, wish_id=wish_id),
        WishAction.CLOSE: lambda: wishes.wish_close(actor=actor, wish_id=wish_id, reason=_text(post, "reason")),
        WishAction.CANCEL: lambda: wishes.wish_cancel(actor=actor, wish_id=wish_id, reason=_text(post, "reason")),
        WishAction.PUBLISH_STORY: lambda: wishes.wish_publish_story(actor=actor, wish_id=wish_id,
                                                                    story=_text(post, "story")),
        WishAction.CLAIM: lambda: claims.wish_claim(actor=actor, wish_id=wish_id, group_name=_text(post, "group_name"),
                                                    idempotency_key=post.get(KEY_FIELD)),
        WishAction.RELEASE: lambda: claims.wish_release(actor=actor, wish_id=wish_id, reason=_text(post, "reason")),
        WishAction.FULFIL: lambda: claims.wish_fulfil(actor=actor, wish_id=wish_id, note=_text(post, "note"),
                                                      photos=request.FILES.getlist("photos"),
                                                      idempotency_key=post.get(KEY_FIELD)),
        WishAction.CONFIRM: lambda: claims.wish_confirm(
            actor=actor, wish_id=wish_id,
            story_consent=(post.get("story_consent") == "1") if post.get("consent_asked") == "1" else None),
        WishAction.DISPUTE: lambda: claims.wish_dispute(actor=actor, wish_id=wish_id, reason=_text(post, "reason")),
    }
    result = calls[action]()
    again = _("这张表单已经提交过，没有重复提交。") if was_replayed(result) else ""
    messages.success(request, again + done_message(action))
    return action, result


def refused(ctx: dict, exc: DomainError) -> dict:
    ctx.update(error=exc.message, error_field=exc.field or "", status=exc.status)
    return ctx


# ---- the wall -------------------------------------------------------------------------------------------------------

def _wall_params(request) -> dict:
    get = request.GET
    category = str(get.get("category", ""))
    return {"tab": "stories" if get.get("tab") == "stories" else "wishes", "area": str(get.get("area", ""))[:12],
            "category": category if category in WishCategory.values else "", "q": clean_query(get.get("q"))}


@require_GET
def wall(request):
    """心愿墙: the wishes on the wall or, with ?tab=stories, the published stories; paged."""
    now = timezone.now()
    params = _wall_params(request)
    if params["tab"] == "stories":
        qs = wall_stories(area=params["area"], q=params["q"])
    else:
        qs = wall_wishes(area=params["area"], category=params["category"], q=params["q"])
    page = paginate(qs, size=WALL_PAGE_SIZE, **page_args(request))
    decorate(page.items, now=now)
    photos = story_photos(page.items) if params["tab"] == "stories" else {}
    for w in page.items:
        w.photo_ids = photos.get(w.pk, [])
    return render(request, "wishes/wall/wall.html", {
        **params, "page": page, "areas": wall_areas(), "categories": WishCategory.choices,
        "filtered": bool(params["area"] or params["category"] or params["q"])})


def _card_context(request, wish_id) -> dict:
    from doorstep.wishes.services.common import volunteer_of, wish_relations

    wish = wall_card(wish_id)
    decorate([wish], now=timezone.now())
    user = request.user
    ctx = {"w": wish, "status": 200, "buttons": wish_buttons(None, wish, frozenset(), offered=CARD_ACTIONS),
           "photo_ids": story_photos([wish]).get(wish.pk, []), "volunteer": None}
    if user.is_authenticated:
        volunteer = volunteer_of(user) if user.role == "volunteer" else None
        whole = Wish.objects.select_related("community").get(pk=wish.pk)  # relations only; never rendered
        held = wish_relations(user, whole, volunteer=volunteer)
        mine = volunteer is not None and whole.claims.filter(volunteer=volunteer, state=ClaimState.ACTIVE).exists()
        ctx.update(volunteer=volunteer, mine=mine,
                   buttons=wish_buttons(user, wish, held, offered=CARD_ACTIONS, active_claim=mine))
    return ctx


@require_http_methods(["GET", "POST"])
def card(request, wish_id: str):
    """One public card (a wish on the wall or a published story; anything else 404). A confirmed volunteer claims
    from here (POST action=claim); everyone else is shown how to join or sign in."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return see_other(reverse("accounts:login") + "?next=" + reverse("wishes:card", args=[wish_id]))
        wall_card(wish_id)  # a wish not on the wall is 404 before any service is asked
        try:
            perform(request, allowed=CARD_ACTIONS, wish_id=wish_id)
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx = refused(_card_context(request, wish_id), exc)
            return render(request, "wishes/wall/card.html", ctx, status=exc.status)
        return see_other(reverse("wishes:claims"))
    return render(request, "wishes/wall/card.html", _card_context(request, wish_id))


@require_GET
def photo(request, photo_id: str):
    """A fulfilment photo for those who may see it (selectors.photo_for_reader); 404 for anyone else."""
    row = photo_for_reader(request.user, photo_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound() from None
    response = FileResponse(handle, content_type=row.content_type)
    public = row.wish.state == "closed" and row.wish.story_published_at
    response["Cache-Control"] = "public, max-age=3600" if public else "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
