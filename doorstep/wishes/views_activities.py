"""Activity pages under /activities/ (issue #15 item 4). For volunteers, phone first: what to sign up for (their own
community's first, then the district's), 我的报名, and the page the QR code at the place opens (签到). For the
community's staff, on a desktop: the list (upcoming / past, paged, by title) with the form to post one, and one
activity with its check-in QR code to print and post at the place, its sign-ups, and the buttons the authority table
and the sign-up machine allow (确认时长, 全部确认, 记为缺席, 取消活动).

Thin: each view parses, calls one service or selector and renders; a POST goes on with a 303; a refusal shows the
same page with the reason in Chinese and its status, nothing changed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.cases.printing import qr_svg
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.links import public_url
from doorstep.core.paging import page_args
from doorstep.wishes.models import Activity
from doorstep.wishes.selectors.activities import (
    MANAGE_TABS,
    SEARCH_MAX,
    activity_by_token,
    activity_for_staff,
    activity_page,
    is_activity_staff,
    my_signup_for,
    my_signups,
    postable_communities,
    staff_activities,
    volunteer_activities,
)
from doorstep.wishes.services.activities import (
    activity_cancel,
    activity_post,
    activity_sign_up,
    checkin_window,
    signup_cancel,
    signup_check_in,
    signup_confirm,
    signup_mark_absent,
    signups_confirm_all,
)
from doorstep.wishes.services.common import registration_of, volunteer_of

FORM_FIELDS = ("community", "kind", "title", "description", "place", "starts_at", "ends_at", "places")


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _volunteer_only(user) -> None:
    if user.role != "volunteer":
        raise PermissionDenied(_("您的角色不能使用这个页面。"))


def _staff_only(user) -> None:
    if not is_activity_staff(user):
        raise PermissionDenied(_("您的角色不能使用这个页面。"))


# ---- volunteers ------------------------------------------------------------------------------------------------------

def _index(request, *, error: str = "", status: int = 200):
    now = timezone.now()
    volunteer = volunteer_of(request.user)
    ctx = {"volunteer": volunteer, "registration": None if volunteer else registration_of(request.user),
           "error": error}
    if volunteer is not None:
        ctx.update(volunteer_activities(volunteer, now=now, **page_args(request)))
        ctx["page"] = ctx["rest"]
    return render(request, "wishes/activities/index.html", ctx, status=status)


@workspace_page("activities:index")
@require_GET
def index(request):
    """志愿活动: the activities and service posts a volunteer may sign up for (staff keep theirs at manage/)."""
    _volunteer_only(request.user)
    return _index(request)


@login_required
@require_POST
def sign_up(request, activity_id: int):
    """报名: a doubled submission (same key) signs up once and says so."""
    _volunteer_only(request.user)
    try:
        signup = activity_sign_up(actor=request.user, activity_id=activity_id,
                                  idempotency_key=request.POST.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _index(request, error=exc.message, status=exc.status)
    again = _("这张表单已经提交过，没有重复报名。") if was_replayed(signup) else ""
    messages.success(request, again + _("报名成功：{title}。请按时到达，到场后扫描现场二维码签到。").format(
        title=signup.activity.title))
    return _see_other(reverse("activities:mine"))


def _mine(request, *, error: str = "", status: int = 200):
    volunteer = registration_of(request.user)
    page = my_signups(volunteer, now=timezone.now(), **page_args(request)) if volunteer else None
    return render(request, "wishes/activities/mine.html", {"volunteer": volunteer, "page": page, "error": error},
                  status=status)


@workspace_page("activities:mine")
@require_GET
def mine(request):
    """我的报名: each sign-up with its state, 取消报名 before the start."""
    _volunteer_only(request.user)
    return _mine(request)


@login_required
@require_POST
def cancel_signup(request, signup_id: int):
    _volunteer_only(request.user)
    try:
        signup_cancel(actor=request.user, signup_id=signup_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _mine(request, error=exc.message, status=exc.status)
    messages.success(request, _("已取消报名，名额已释放。"))
    return _see_other(reverse("activities:mine"))


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, token: str):
    """The page the QR code at the place opens: the activity and 签到 (POST) for a volunteer; a second scan shows the
    first check-in. Not logged in: the login page, coming back here (login_required's next=)."""
    activity = activity_by_token(token)
    error, status = "", 200
    if request.method == "POST":
        try:
            signup = signup_check_in(actor=request.user, token=token)
        except DomainError as exc:
            if exc.status == 404:
                raise
            error, status = exc.message, exc.status
        else:
            when = timezone.localtime(signup.checked_in_at)
            text = _("您已于{time}签到，无需重复签到。") if getattr(signup, "repeated", False) else _("签到成功：{time}。")
            messages.success(request, text.format(time=f"{when:%H:%M}"))
            return _see_other(request.path)
    volunteer = volunteer_of(request.user)
    opens, closes = checkin_window(activity)
    now = timezone.now()
    return render(request, "wishes/activities/checkin.html", {
        "activity": activity, "volunteer": volunteer, "signup": my_signup_for(activity, volunteer),
        "opens": opens, "closes": closes, "in_window": opens <= now <= closes, "error": error}, status=status)


# ---- the community's staff -------------------------------------------------------------------------------------------

def _manage(request, *, error: str = "", error_field: str = "", form=None, status: int = 200):
    tab = request.GET.get("tab", "upcoming")
    tab = tab if tab in MANAGE_TABS else "upcoming"
    q = " ".join(str(request.GET.get("q", "")).split())[:SEARCH_MAX]
    communities = postable_communities(request.user)
    return render(request, "wishes/activities/manage.html", {
        "tab": tab, "q": q, "communities": communities, "kinds": Activity.Kind.choices,
        "page": staff_activities(request.user, tab=tab, q=q, now=timezone.now(), **page_args(request)),
        "form": form or {"kind": Activity.Kind.ACTIVITY, "places": "10"}, "error": error, "error_field": error_field,
    }, status=status)


@workspace_page("activities:manage")
@require_http_methods(["GET", "POST"])
def manage(request):
    """活动管理: the list, and the form to post one (POST: activity_post, then its page)."""
    _staff_only(request.user)
    if request.method == "GET":
        return _manage(request)
    post = request.POST
    form = {name: str(post.get(name, ""))[:1000] for name in FORM_FIELDS}
    try:
        activity = activity_post(
            actor=request.user, community_id=form["community"], kind=form["kind"], title=form["title"],
            description=form["description"], place=form["place"], starts_at=form["starts_at"],
            ends_at=form["ends_at"], places=form["places"], idempotency_key=post.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:  # the community chosen is not one (a bad or stale id)
            return _manage(request, error=_("请选择社区。"), error_field="community", form=form, status=400)
        return _manage(request, error=exc.message, error_field=exc.field or "", form=form, status=exc.status)
    again = _("这张表单已经提交过，没有重复发布。") if was_replayed(activity) else ""
    messages.success(request, again + _("已发布：{title}。请打印签到二维码张贴在活动地点。").format(title=activity.title))
    return _see_other(reverse("activities:detail", args=[activity.pk]))


def _detail(request, activity_id, *, error: str = "", status: int = 200):
    activity = activity_for_staff(request.user, activity_id)
    url = public_url(reverse("activities:checkin", args=[activity.checkin_token]))
    opens, closes = checkin_window(activity)
    return render(request, "wishes/activities/detail.html", {
        "view": activity_page(request.user, activity, now=timezone.now()), "a": activity, "checkin_url": url,
        "qr": qr_svg(url, scale=5), "opens": opens, "closes": closes, "error": error}, status=status)


@login_required
@require_GET
def detail(request, activity_id: int):
    """One activity for its staff: the check-in QR code (with its address as text, printable), the sign-ups and the
    buttons the reader may press. NotFound for anyone else."""
    return _detail(request, activity_id)


def _act(request, activity_id: int, call, done: str):
    """Run one staff action on an activity and go back to its page, or show the page with the refusal."""
    activity = activity_for_staff(request.user, activity_id)
    try:
        result = call()
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _detail(request, activity.pk, error=exc.message, status=exc.status)
    messages.success(request, done.format(n=result) if isinstance(result, int) else done)
    return _see_other(reverse("activities:detail", args=[activity.pk]))


@login_required
@require_POST
def cancel(request, activity_id: int):
    reason = str(request.POST.get("reason", ""))[:1000]
    return _act(request, activity_id, lambda: activity_cancel(actor=request.user, activity_id=activity_id,
                                                              reason=reason), _("活动已取消，已通知报名的志愿者。"))


@login_required
@require_POST
def confirm_all(request, activity_id: int):
    return _act(request, activity_id, lambda: signups_confirm_all(actor=request.user, activity_id=activity_id),
                _("已确认 {n} 人的服务时长。"))


def _signup_activity(request, signup_id: int) -> int:
    from doorstep.wishes.models import Signup
    from doorstep.wishes.services.common import get_or_404

    return get_or_404(Signup.objects.only("activity_id"), signup_id).activity_id


@login_required
@require_POST
def confirm(request, signup_id: int):
    minutes = str(request.POST.get("minutes", "")).strip()[:10] or None
    return _act(request, _signup_activity(request, signup_id),
                lambda: signup_confirm(actor=request.user, signup_id=signup_id, minutes=minutes),
                _("服务时长已确认，已记入志愿服务记录。"))


@login_required
@require_POST
def absent(request, signup_id: int):
    return _act(request, _signup_activity(request, signup_id),
                lambda: signup_mark_absent(actor=request.user, signup_id=signup_id), _("已记为缺席。"))
