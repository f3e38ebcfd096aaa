"""Rating pages: follow-ups of bad ratings (差评整改) and appeals (申诉复核) for staff, the window's rating pad (评价器)
on the clerk's session, and the public SMS rating page reached by a signed one-time link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import page_args
from doorstep.ratings.models import DIMENSIONS, Appeal, Level, Rating
from doorstep.ratings.selectors import (
    appeal_list_for_user,
    follow_up_list_for_user,
    pad_case_for_user,
    pad_clerk,
    pad_token_for,
    rating_figures,
    rating_link_case,
    ratings_in_scope,
)
from doorstep.ratings.services import (
    appeal_decide,
    appeal_file,
    follow_up_answer,
    rating_submit_at_pad,
    rating_submit_by_link,
)

# The pad's five faces, best first, as on the counter devices; the reasons offered for a bad face.
FACES = [(5, "😄"), (4, "🙂"), (3, "😐"), (2, "🙁"), (1, "😠")]
# kept in Chinese as the comment (what the staff read and count), shown in the reader's language
PAD_REASONS = [gettext_noop("等候时间太长"), gettext_noop("工作人员态度不好"), gettext_noop("没有一次说清要带的材料"),
               gettext_noop("没有办成"), gettext_noop("办理太慢")]


@workspace_page("ratings:follow-ups")
def follow_up_list(request):
    status = request.GET.get("status")
    status = status if status in ("answered", "appeals", "decided") else "open"
    if status in ("appeals", "decided"):
        page = appeal_list_for_user(request.user, status="decided" if status == "decided" else "pending",
                                    **page_args(request))
    else:
        page = follow_up_list_for_user(request.user, status=status, **page_args(request))
    return render(request, "ratings/follow_ups.html", {
        "page": page, "status": status, "today": timezone.localdate(), "outcomes": Appeal.Outcome,
        "figures": rating_figures(ratings_in_scope(request.user)) if status == "open" else None})


def _back(request, status: str = "open"):
    return redirect(f"{reverse('ratings:follow-ups')}?status={status}")


@login_required
@require_POST
def follow_up_answer_view(request, follow_up_id: int):
    try:
        follow_up_answer(actor=request.user, follow_up_id=follow_up_id, answer=request.POST.get("answer", ""),
                         idempotency_key=request.POST.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return _back(request)
    messages.success(request, _("已答复，居民可在办件页看到答复。"))
    return _back(request)


@login_required
@require_POST
def appeal_file_view(request, rating_id: int):
    try:
        appeal = appeal_file(actor=request.user, rating_id=rating_id, reason=request.POST.get("reason", ""),
                             idempotency_key=request.POST.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return _back(request)
    messages.success(request, _("申诉已提交区级复核，复核期限 {due_date}。复核前这条评价照常计入。").format(
        due_date=f"{appeal.due_date:%Y-%m-%d}"))
    return _back(request, "appeals")


@login_required
@require_POST
def appeal_decide_view(request, appeal_id: int):
    try:
        appeal = appeal_decide(actor=request.user, appeal_id=appeal_id, outcome=request.POST.get("outcome", ""),
                               reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return _back(request, "appeals")
    messages.success(request, _("已复核：{outcome}。").format(outcome=appeal.get_outcome_display()))
    return _back(request, "decided")


@workspace_page("ratings:pad-pair")
def pad_pair(request):
    """The clerk's page for pairing the counter tablet: today's pad address, as a link and a QR code."""
    from doorstep.cases.printing import qr_svg

    url = request.build_absolute_uri(reverse("ratings:pad", args=[pad_token_for(request.user)]))
    return render(request, "ratings/pad_pair.html", {"pad_url": url, "pad_qr": qr_svg(url)})


def pad(request, token: str):
    """The rating pad (评价器) on the counter tablet, no login: the case its clerk just served and five faces; after a
    bad face, the reasons. Polls itself while it waits for the next case."""
    return _pad_page(request, pad_clerk(token), token, level=request.GET.get("level", ""),
                     case_id=request.GET.get("case", ""))


def _pad_page(request, clerk, token: str, *, level: str, case_id: str, error: str = "", comment: str = "",
              status: int = 200):
    """The pad as it stands for this clerk; with a bad face (level) for the case shown, the reasons screen, carrying
    a refused reason's message and the words typed (issue #11 item 2)."""
    case = pad_case_for_user(clerk)
    bad = level in ("1", "2") and case is not None and str(case.pk) == case_id
    return render(request, "ratings/pad.html", {
        "clerk": clerk, "case": case, "token": token, "bad_level": int(level) if bad else None,
        "faces": [(v, face, Level(v).label) for v, face in FACES], "reasons": [(r, _(r)) for r in PAD_REASONS],
        "bad_label": Level(int(level)).label if bad else "", "error": error if bad else "", "comment": comment,
        "waiting": case is None or case.pad_rated or not case.pad_rateable}, status=status)


@require_POST
def pad_rate(request, token: str):
    clerk = pad_clerk(token)
    case_id, overall = request.POST.get("case", ""), request.POST.get("overall", "")
    here = reverse("ratings:pad", args=[token])
    # a reason button and the free text both send "comment": keep whichever were given
    sent = request.POST.getlist("comment")
    comment = "；".join(v.strip() for v in sent if v.strip())
    try:
        rating = rating_submit_at_pad(actor=clerk, case_id=case_id, overall=overall, comment=comment,
                                      idempotency_key=request.POST.get(KEY_FIELD))
    except DomainError as exc:
        if exc.field == "comment" and not sent:  # a bad face: ask why, on the next screen
            return redirect(f"{here}?case={case_id}&level={overall}")
        if exc.field == "comment":  # the reasons screen sent too little: again, saying so, with what was typed
            return _pad_page(request, clerk, token, level=overall, case_id=case_id, error=exc.message,
                             comment=sent[-1], status=400)
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect(here)
    messages.success(request, _("已评价过。感谢您的评价！") if was_replayed(rating) else _("感谢您的评价！"))
    return redirect(here)


def rating_form(posted) -> dict:
    """The rating form of the SMS page and the case page: the four dimensions with their five levels, each checked
    as the person last sent it, and the comment they wrote, so a refused submission shows again as it was sent
    (issue #11 item 2)."""
    return {"dimensions": [(key, label, [(v, text, str(posted.get(key, "")) == str(v)) for v, text in Level.choices])
                           for key, label in DIMENSIONS.items()],
            "comment": posted.get("comment", "")}


def _kept_key(case_id) -> str:
    return f"ratings.form.{case_id}"


def rating_form_keep(request, case_id: int, posted) -> None:
    """Keeps a refused rating's choices and words in the session for the next showing of the case page: the rating
    POST redirects there (POST then redirect), and rendering the whole case page from the POST would be heavy."""
    levels = {str(v) for v in Level.values}
    request.session[_kept_key(case_id)] = {
        **{key: posted.get(key, "") if posted.get(key, "") in levels else "" for key in DIMENSIONS},
        "comment": str(posted.get("comment", ""))[:Rating._meta.get_field("comment").max_length]}


def rating_form_kept(request, case_id: int) -> dict:
    """The case page's rating form with what rating_form_keep kept, once: the next showing is empty again."""
    return rating_form(request.session.pop(_kept_key(case_id), {}))


@require_http_methods(["GET", "POST"])
def sms_rate(request, token: str):
    """The page an SMS rating link opens, without logging in. A wrong token is 404, an expired or used one 410, each
    a Chinese page saying so (the domain error page); bad input keeps what was chosen (400)."""
    if request.method == "POST":
        post = request.POST
        try:
            rating = rating_submit_by_link(token=token, overall=post.get("overall"),
                                           efficiency=post.get("efficiency"), service=post.get("service"),
                                           attitude=post.get("attitude"), comment=post.get("comment", ""),
                                           idempotency_key=post.get(KEY_FIELD))
        except DomainError as exc:
            if exc.status != 400:
                raise
            return render(request, "ratings/sms.html", {"case": rating_link_case(token), "error": exc.message,
                                                        **rating_form(post)}, status=400)
        return render(request, "ratings/sms_done.html", {"rating": rating})
    return render(request, "ratings/sms.html", {"case": rating_link_case(token), **rating_form({})})
