"""The community's wish pages (issue #15 items 2 and 5), usable on a desktop: 心愿审核 — tabs with their counts
(待审核, 待认领, 已认领, 待确认, 已过期, 已圆梦, 全部), search by number or title, paging, sorted by date, an Excel
export of the community's wishes (beneficiaries masked, no ID numbers) — and one wish's page (`manage`) with its
household, beneficiary, history, claims and photos, read through wishes.services.wishes.wish_see (audited).

A community's clerk reviews their own community; an administrator or a leader picks a community in their area
(leaders read only: the authority table gives them no move, so no button is drawn). Buttons are the state
machine's actions the table permits (selectors.wishes.wish_buttons); the services check again.
"""

from io import BytesIO
from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, NotFound, PermissionDenied
from doorstep.core.ids import parse_id
from doorstep.core.paging import iterate, page_args, paginate
from doorstep.wishes.authority import Relation
from doorstep.wishes.selectors.wishes import (
    REVIEW_SORTS,
    REVIEW_TABS,
    clean_query,
    decorate,
    review_counts,
    review_wishes,
    staff_communities,
    wish_buttons,
    wish_claims,
    wish_history,
    wish_photo_ids,
)
from doorstep.wishes.views_wall import perform, refused, role_page, see_other
from doorstep.wishes.workflow import WISH_STATE_CONTEXT, WISH_STATE_LABELS, WishAction, WishState

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REVIEW_ACTIONS = frozenset({WishAction.PUBLISH, WishAction.REJECT, WishAction.CONFIRM, WishAction.DISPUTE,
                            WishAction.REPUBLISH, WishAction.CLOSE, WishAction.CANCEL, WishAction.PUBLISH_STORY})
# a claim and its moves are the volunteer's pages'; posting is the forms'; expiry is the sweep's
MANAGE_ACTIONS = REVIEW_ACTIONS
TAB_LABELS = {"posted": WishState.POSTED, "published": WishState.PUBLISHED, "claimed": WishState.CLAIMED,
              "fulfilled": WishState.FULFILLED, "expired": WishState.EXPIRED, "closed": WishState.CLOSED}


def _community(request, params):
    """The community reviewed: a clerk's own; for an administrator or leader the one chosen (?community=id) among
    theirs, else the first. PermissionDenied for staff with no community."""
    communities = staff_communities(request.user)
    if not communities:
        raise PermissionDenied(_("只有社区工作人员或辖区管理员、领导可以审核心愿。"))
    chosen = str(params.get("community", ""))
    if chosen:
        try:
            pk = parse_id(chosen)
        except NotFound:
            pk = None
        match = next((c for c in communities if c.pk == pk), None)
        if match is None:
            raise NotFound()
        return match, communities
    return communities[0], communities


def _review_context(request, params) -> dict:
    from doorstep.wishes.services.common import community_relations

    community, communities = _community(request, params)
    tab = str(params.get("tab", "posted"))
    tab = tab if tab in REVIEW_TABS else "posted"
    sort = str(params.get("sort", "-posted_at"))
    sort = sort if sort in REVIEW_SORTS else "-posted_at"
    q = clean_query(params.get("q"))
    page = paginate(review_wishes(community, tab=tab, q=q, sort=sort), size=PAGE_SIZE, **page_args(request))
    held = frozenset(community_relations(request.user, community))
    for w in decorate(page.items, now=timezone.now()):
        mine = {Relation.POSTER} if w.posted_by_id == request.user.pk else set()
        w.buttons = wish_buttons(request.user, w, held | mine, offered=REVIEW_ACTIONS)
    counts = review_counts(community)
    tabs = [(key, pgettext(WISH_STATE_CONTEXT, WISH_STATE_LABELS[state]), counts.get(key, 0))
            for key, state in TAB_LABELS.items()] + [("all", _("全部"), counts.get("all", 0))]
    back = [("tab", tab), ("q", q), ("sort", sort)] + ([("community", community.pk)] if len(communities) > 1 else [])
    return {"community": community, "communities": communities if len(communities) > 1 else [], "tab": tab,
            "tabs": tabs, "sort": sort, "q": q, "page": page, "status": 200, "back": back}


@workspace_page("wishes:review")
@require_http_methods(["GET", "POST"])
def review(request):
    """心愿审核; ?format=xlsx exports the community's wishes (every state). A POST takes one action on one wish
    (publish, reject, confirm, dispute, republish, close, publish_story) and comes back to the same tab."""
    if request.method == "POST":
        try:
            perform(request, allowed=REVIEW_ACTIONS)
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx = refused(_review_context(request, request.POST), exc)
            ctx["failed_wish"] = str(request.POST.get("wish", ""))[:20]
            return render(request, "wishes/review/review.html", ctx, status=exc.status)
        back = {k: str(request.POST.get(k, ""))[:40] for k in ("tab", "community", "q", "sort")}
        return see_other(reverse("wishes:review") + "?" + urlencode({k: v for k, v in back.items() if v}))
    if request.GET.get("format") == "xlsx":
        community, _all = _community(request, request.GET)
        return _xlsx(request, community)
    return render(request, "wishes/review/review.html", _review_context(request, request.GET))


def _xlsx(request, community) -> HttpResponse:
    from openpyxl import Workbook

    from doorstep.audit.services import audit_record
    from doorstep.core.spreadsheets import safe_row
    from doorstep.wishes.exports import about_sheet, fill_about
    from doorstep.wishes.models import Wish

    wb = Workbook(write_only=True)
    about = about_sheet(wb)
    sheet = wb.create_sheet(_("微心愿"))
    sheet.append(safe_row(sheet, [_("心愿编号"), _("心愿"), _("类别"), _("心愿人"), _("估价（元）"), _("认领名额"),
                                  _("已认领"), _("状态"), _("来源"), _("登记时间"), _("发布时间"), _("截止时间"),
                                  _("圆梦时间"), _("原因")]))
    rows = Wish.objects.filter(community=community).order_by("-posted_at", "-id").only(
        "id", "number", "title", "category", "beneficiary_masked", "value_yuan", "places", "claimed", "state",
        "source", "posted_at", "published_at", "expires_at", "fulfilled_at", "state_reason")
    local = timezone.localtime

    def when(value):
        return local(value).strftime("%Y-%m-%d %H:%M") if value else ""

    count = 0
    for w in iterate(rows):
        sheet.append(safe_row(sheet, [w.number, w.title, w.get_category_display(), w.beneficiary_masked,
                                      w.value_yuan, w.places, w.claimed, w.get_state_display(),
                                      w.get_source_display(), when(w.posted_at), when(w.published_at),
                                      when(w.expires_at), when(w.fulfilled_at), w.state_reason]))
        count += 1
    fill_about(about, what=_("微心愿（全部状态）"), scope=community.name, rows=count,
               note=_("每行一个心愿，按登记时间从新到旧；心愿人姓名已隐去。"))
    audit_record(actor=request.user, action="wishes.export", target=community, summary={"rows": count})
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = _("微心愿") + f"-{community.name}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _manage_context(request, wish_id) -> dict:
    from doorstep.wishes.models import ClaimState
    from doorstep.wishes.services.common import wish_relations
    from doorstep.wishes.services.wishes import wish_see

    if request.user.role == "volunteer":
        raise NotFound()  # a volunteer reads the public card; the table gives them no household view
    wish = wish_see(actor=request.user, wish_id=wish_id)
    decorate([wish], now=timezone.now())
    claims = wish_claims(wish)
    return {"w": wish, "status": 200, "history": wish_history(wish), "claims": claims,
            "photo_ids": wish_photo_ids(wish),
            "buttons": wish_buttons(request.user, wish, wish_relations(request.user, wish), offered=MANAGE_ACTIONS),
            "active_claims": [c for c in claims if c.state == ClaimState.ACTIVE]}


@role_page("clerk", "admin", "leader", "grid_worker", "resident")
@require_http_methods(["GET", "POST"])
def manage(request, wish_id: str):
    """One wish with its household and history, for those the table lets see it (Extra.SEE_WISH; 404 for anyone
    else, as for a missing wish). A POST takes one permitted action and comes back here."""
    if request.method == "POST":
        _manage_context(request, wish_id)  # 404 before any service for a wish the reader may not see
        try:
            perform(request, allowed=MANAGE_ACTIONS, wish_id=wish_id)
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx = refused(_manage_context(request, wish_id), exc)
            return render(request, "wishes/review/manage.html", ctx, status=exc.status)
        return see_other(reverse("wishes:manage", args=[parse_id(wish_id)]))
    return render(request, "wishes/review/manage.html", _manage_context(request, wish_id))
