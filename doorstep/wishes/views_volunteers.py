"""Volunteer registration pages (issue #15 item 1): the public 志愿者报到 form (phone first, no login; limited per
client address), its 待社区确认 page, the community's roster for its staff (tabs with counts, search, filters,
paging, Excel export with masked phones, confirm and reject where the table allows), 代为报到 at the station, one
registration's page (masked phone; staff reveal it with a reason), and the volunteer's own 我的报到 (profile edit,
leave). Views parse, call one service or selector, and render; a POST that succeeds redirects (303)."""

from io import BytesIO
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.clientip import client_ip
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import page_args
from doorstep.core.ratelimit import EXPORT, TRACK, over_limit
from doorstep.wishes.models import Availability, Kind, Offer
from doorstep.wishes.selectors import volunteers as sel
from doorstep.wishes.services import volunteers as svc
from doorstep.wishes.workflow import REGISTRATION_STATE_CONTEXT, REGISTRATION_STATE_LABELS, RegistrationState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_FIELDS = ("community", "name", "phone", "kind", "employer", "position", "skills")


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _form_values(post) -> dict:
    """What was typed, kept for the form shown again after a refusal (never the password)."""
    values = {name: str(post.get(name, ""))[:200] for name in FORM_FIELDS}
    values["offers"] = [str(v)[:20] for v in post.getlist("offers")][:10]
    values["availability"] = [str(v)[:20] for v in post.getlist("availability")][:10]
    return values


def _profile_args(post) -> dict:
    return {"kind": str(post.get("kind", ""))[:20], "employer": post.get("employer", ""),
            "position": post.get("position", ""), "skills": str(post.get("skills", ""))[:400],
            "offers": post.getlist("offers")[:10], "availability": post.getlist("availability")[:10]}


def _form_context(**extra) -> dict:
    return {"kinds": Kind.choices, "offers": Offer.choices, "availabilities": Availability.choices,
            "skills_max": svc.MAX_SKILLS, "skill_length": svc.SKILL_MAX_LENGTH, **extra}


@require_http_methods(["GET", "POST"])
def join(request):
    """志愿者报到 (public): the community (search, then a select grouped by street), name, mobile phone (the login
    name), a password, identity, employer, position, skills, availability and the 三认 offers. Someone logged in is
    told what to do instead (a resident needs a separate volunteer account)."""
    user = request.user
    if user.is_authenticated and user.role == "volunteer" and sel.my_registration(user) is not None:
        return _see_other(reverse("volunteers:me"))
    query = str(request.GET.get("q", ""))[:sel.QUERY_MAX]
    ctx = _form_context(groups=sel.join_communities(query), q=query, values={"kind": Kind.VOLUNTEER},
                        logged_in=user.is_authenticated)
    if request.method == "GET":
        return render(request, "wishes/volunteers/join.html", ctx)
    refused = over_limit(request, TRACK, key=f"volunteer-join:{client_ip(request)}")
    if refused is not None:
        return refused
    post = request.POST
    try:
        volunteer = svc.volunteer_register(
            actor=user, community_id=str(post.get("community", ""))[:20], name=post.get("name", ""),
            phone=post.get("phone", ""), password=str(post.get("password", ""))[:200],
            idempotency_key=post.get(KEY_FIELD), **_profile_args(post))
    except DomainError as exc:
        ctx.update(values=_form_values(post), error=exc.message, error_field=exc.field or "",
                   groups=sel.join_communities(""))
        return render(request, "wishes/volunteers/join.html", ctx, status=exc.status)
    if not was_replayed(volunteer):
        login(request, volunteer.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return _see_other(reverse("volunteers:join-done"))


@require_GET
def join_done(request):
    """After the form: 已提交，待社区确认 (and the registration, when it is the reader's own)."""
    return render(request, "wishes/volunteers/join_done.html", {"mine": sel.my_registration(request.user)})


def _roster_query(request) -> dict:
    tab = str(request.GET.get("tab", RegistrationState.APPLIED))
    return {"tab": tab if tab in sel.ROSTER_TABS else RegistrationState.APPLIED,
            "query": " ".join(str(request.GET.get("q", "")).split())[:sel.QUERY_MAX],
            "kind": str(request.GET.get("kind", ""))[:20], "offer": str(request.GET.get("offer", ""))[:20]}


@workspace_page("volunteers:roster")
@require_GET
def roster(request):
    """志愿者名册 of one community: tabs 待确认 / 在册 / 已退出 / 未通过 with counts, search, filters, paging;
    ?format=xlsx exports the tab as filtered (phones masked)."""
    communities = sel.roster_communities(request.user)
    community = sel.roster_community(request.user, request.GET.get("community"), communities)
    chosen = _roster_query(request)
    if request.GET.get("format") == "xlsx":
        refused = over_limit(request, EXPORT)
        return refused if refused is not None else _roster_xlsx(community, chosen)
    counts = sel.roster_counts(community)
    tabs = [(state, _state_label(state), counts[state]) for state in sel.ROSTER_TABS]
    ctx = {"communities": communities, "community": community, "tabs": tabs, **chosen,
           "page": sel.roster_page(community, **chosen, **page_args(request)),
           "buttons": sel.roster_buttons(request.user, community), "kinds": Kind.choices, "offers": Offer.choices,
           "export_query": urlencode({"community": community.pk, "tab": chosen["tab"], "q": chosen["query"],
                                      "kind": chosen["kind"], "offer": chosen["offer"], "format": "xlsx"})}
    return render(request, "wishes/volunteers/roster.html", ctx)


def _state_label(state) -> str:
    return pgettext(REGISTRATION_STATE_CONTEXT, REGISTRATION_STATE_LABELS[RegistrationState(state)])


def _roster_xlsx(community, chosen: dict) -> HttpResponse:
    from openpyxl import Workbook

    from doorstep.core.spreadsheets import safe_row
    from doorstep.wishes.exports import about_sheet, fill_about

    wb = Workbook(write_only=True)
    about = about_sheet(wb)
    sheet = wb.create_sheet(_("志愿者名册"))
    sheet.append(safe_row(sheet, [_("志愿者编号"), _("姓名"), _("身份"), _("工作单位"), _("职务"), _("技能特长"),
                                  _("三认承诺"), _("可服务时间"), _("联系电话"), _("状态"), _("报到时间"),
                                  _("确认时间")]))
    offers, times, kinds = dict(Offer.choices), dict(Availability.choices), dict(Kind.choices)
    count = 0
    for v in sel.roster_export_rows(community, tab=chosen["tab"], query=chosen["query"], kind=chosen["kind"],
                                    offer=chosen["offer"]):
        sheet.append(safe_row(sheet, [
            v.number or "", v.name, str(kinds.get(v.kind, v.kind)), v.employer, v.position, "、".join(v.skills),
            "、".join(str(offers.get(o, o)) for o in v.offers), "、".join(str(times.get(t, t)) for t in v.availability),
            v.phone_masked, _state_label(v.state), f"{v.applied_at:%Y-%m-%d}",
            f"{v.confirmed_at:%Y-%m-%d}" if v.confirmed_at else ""]))
        count += 1
    fill_about(about, what=_("志愿者名册（{tab}）").format(tab=_state_label(chosen["tab"])), scope=community.name,
               rows=count, note=_("每行一名志愿者，按页面上的筛选条件导出；联系电话已部分隐去。"))
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = _("志愿者名册") + f"-{community.name}-{_state_label(chosen['tab'])}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def register_at_station(request):
    """代为报到: the community's staff register someone at the station (active at once with a number; the account
    changes its password at first login)."""
    communities = sel.roster_communities(request.user)
    params = request.POST if request.method == "POST" else request.GET
    community = sel.roster_community(request.user, params.get("community"), communities)
    ctx = _form_context(community=community, values={"kind": Kind.PARTY_MEMBER})
    if request.method == "POST":
        post = request.POST
        try:
            volunteer = svc.volunteer_register_by_staff(
                actor=request.user, community_id=community.pk, name=post.get("name", ""), phone=post.get("phone", ""),
                password=str(post.get("password", ""))[:200], idempotency_key=post.get(KEY_FIELD),
                **_profile_args(post))
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx.update(values=_form_values(post), error=exc.message, error_field=exc.field or "")
            return render(request, "wishes/volunteers/station.html", ctx, status=exc.status)
        messages.success(request, _("已代为报到，志愿者编号 %(number)s。首次登录须修改密码。") % {"number": volunteer.number})
        return _see_other(reverse("volunteers:detail", args=[volunteer.pk]))
    return render(request, "wishes/volunteers/station.html", ctx)


def _detail_context(request, volunteer, held, **extra) -> dict:
    return {"v": volunteer, "buttons": sel.volunteer_buttons(request.user, volunteer, held),
            "record": sel.volunteer_record(volunteer), "own": volunteer.user_id == request.user.pk,
            "offer_labels": dict(Offer.choices), "time_labels": dict(Availability.choices),
            "reason_min": svc.MIN_NOTE_LENGTH, **extra}


@login_required
@require_GET
def detail(request, volunteer_id: int):
    """One registration (staff of its community, or the volunteer): number, skills, offers, availability, the
    masked phone, and the buttons allowed."""
    volunteer, held = sel.volunteer_get_for_user(request.user, volunteer_id)
    return render(request, "wishes/volunteers/detail.html", _detail_context(request, volunteer, held))


ACTIONS = {
    "confirm": lambda user, pk, post: svc.volunteer_confirm(actor=user, volunteer_id=pk),
    "reject": lambda user, pk, post: svc.volunteer_reject(actor=user, volunteer_id=pk,
                                                          reason=str(post.get("reason", ""))[:400]),
    "leave": lambda user, pk, post: svc.volunteer_leave(actor=user, volunteer_id=pk,
                                                        reason=str(post.get("reason", ""))[:400]),
}
DONE = {"confirm": gettext_noop("报到已确认，志愿者编号 %(number)s。"), "reject": gettext_noop("已退回报到。"),
        "leave": gettext_noop("已办理退出。")}


@login_required
@require_POST
def act(request, volunteer_id: int, action: str):
    """确认 / 退回 / 退出; back to where the form was (the roster or the page), or the page with the reason."""
    volunteer, held = sel.volunteer_get_for_user(request.user, volunteer_id)
    if action not in ACTIONS:
        raise NotFound()
    try:
        done = ACTIONS[action](request.user, volunteer.pk, request.POST)
    except DomainError as exc:
        if exc.status == 404:
            raise
        volunteer, held = sel.volunteer_get_for_user(request.user, volunteer.pk)
        ctx = _detail_context(request, volunteer, held, error=exc.message, error_field=exc.field or "")
        return render(request, "wishes/volunteers/detail.html", ctx, status=exc.status)
    messages.success(request, _(DONE[action]) % {"number": done.number or ""} if action == "confirm"
                     else _(DONE[action]))
    back = str(request.POST.get("next", ""))
    if back.startswith("/volunteers/") and "//" not in back and len(back) < 300:
        return _see_other(back)
    return _see_other(reverse("volunteers:me") if done.user_id == request.user.pk
                      else reverse("volunteers:detail", args=[done.pk]))


@login_required
@require_POST
def reveal(request, volunteer_id: int):
    """The whole phone with a reason (audited); the page again with it shown, or with the refusal."""
    volunteer, held = sel.volunteer_get_for_user(request.user, volunteer_id)
    try:
        phone = svc.volunteer_reveal_phone(actor=request.user, volunteer_id=volunteer.pk,
                                           reason=str(request.POST.get("reason", ""))[:400])
    except DomainError as exc:
        if exc.status == 404:
            raise
        ctx = _detail_context(request, volunteer, held, reveal_error=exc.message)
        return render(request, "wishes/volunteers/detail.html", ctx, status=exc.status)
    return render(request, "wishes/volunteers/detail.html", _detail_context(request, volunteer, held, phone=phone))


@workspace_page("volunteers:me")
@require_http_methods(["GET", "POST"])
def me(request):
    """我的报到: the volunteer's own registration (state, number, community), the profile form, 退出."""
    mine = sel.my_registration(request.user)
    if mine is None:
        if request.user.role == "volunteer":
            return _see_other(reverse("volunteers:join"))
        raise NotFound(_("您还没有志愿者报到记录。"))
    volunteer, held = sel.volunteer_get_for_user(request.user, mine.pk)
    if request.method == "POST":
        try:
            svc.volunteer_update_profile(actor=request.user, **_profile_args(request.POST))
        except DomainError as exc:
            ctx = _form_context(**_detail_context(request, volunteer, held), error=exc.message,
                                error_field=exc.field or "", values=_form_values(request.POST))
            return render(request, "wishes/volunteers/me.html", ctx, status=exc.status)
        messages.success(request, _("报到信息已保存。"))
        return _see_other(reverse("volunteers:me"))
    values = {"kind": volunteer.kind, "employer": volunteer.employer, "position": volunteer.position,
              "skills": "、".join(volunteer.skills), "offers": volunteer.offers, "availability": volunteer.availability}
    return render(request, "wishes/volunteers/me.html",
                  _form_context(**_detail_context(request, volunteer, held), values=values))
