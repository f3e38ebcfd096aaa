"""Reads of ratings, follow-ups and appeals, scoped: staff see the follow-ups of their node and below; the rating pad
finds the case its clerk just served; the SMS page finds its case by the signed token alone."""

import datetime

from django.conf import settings
from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import Conflict, NotFound
from doorstep.core.paging import paginate
from doorstep.core.paths import subtree_q
from doorstep.ratings.authority import RatingAction, RatingRef, permitted, relations
from doorstep.ratings.models import BAD_LEVELS, Appeal, FollowUp, Rating

# Who sees the follow-ups of bad ratings (差评整改), and where they must stand: "node" — follow-ups owed by the
# user's own node (a window sees what its own center is told, to learn from it); "subtree" — their node and
# everything below it (the levels that supervise). Who may answer or appeal is ratings.authority's table.
FOLLOW_UP_SCOPE = {"clerk": "node", "approver": "subtree", "leader": "subtree", "admin": "subtree",
                   "supervisor": "subtree"}
STAFF = tuple(FOLLOW_UP_SCOPE)
# Cases a resident may rate: every decided service (国办发〔2019〕51号: 好差评 covers every service), the refusals
# and rejections included — those are the ones residents most need to rate. A rating is its own record: the case
# keeps its state (a concluded case rated can still be picked up or delivered).
RATEABLE_STATES = frozenset({"concluded", "delivered", "refused", "rejected"})
# The rating pad is paired with a window clerk for one day: the clerk's session makes its address, the tablet holds
# only that (docs/decisions.md, issue #11 item 7).
PAD_ROLES = frozenset({"clerk"})
SMS_SALT = "doorstep.ratings.sms-link"
PAD_SALT = "doorstep.ratings.pad"


class LinkGone(NotFound):
    """A rating link that was valid once: expired, or already used (410)."""

    status = 410


def follow_ups_in_scope(user) -> QuerySet[FollowUp]:
    if not user.is_authenticated or user.role not in FOLLOW_UP_SCOPE or not user.org_node_id:
        return FollowUp.objects.none()
    if FOLLOW_UP_SCOPE[user.role] == "node":
        return FollowUp.objects.filter(org_node_id=user.org_node_id)
    return FollowUp.objects.filter(subtree_q("org_node__code", user.org_node.code))


def rating_relations(user, *, staff_id: int | None, node_code: str):
    """The ratings.authority relations between a staff user and a rating owed by the node with this code."""
    node = user.org_node if user.org_node_id else None
    return relations(user_id=user.pk, node_code=node.code if node else "", node_level=node.level if node else "",
                     rating=RatingRef(staff_id=staff_id, node_code=node_code))


def _mark_actions(user, follow_ups) -> None:
    """Draw only what the table allows: each follow-up learns whether this user may answer it or appeal it."""
    today = timezone.localdate()
    for f in follow_ups:
        held = rating_relations(user, staff_id=f.rating.staff_id, node_code=f.org_node.code)
        appeal = getattr(f.rating, "appeal", None)
        f.can_answer = not f.answered_at and permitted(user.role, RatingAction.ANSWER, held)
        f.can_appeal = (appeal is None and not f.rating.excluded and permitted(user.role, RatingAction.APPEAL, held)
                        and today <= appeal_deadline(f.rating))
        f.appeal_row = appeal


def appeal_deadline(rating: Rating) -> datetime.date:
    """The last day the rated staff member may appeal: DOORSTEP_RATING_APPEAL_WORKING_DAYS after the rating."""
    from doorstep.calendar.selectors import work_calendar

    return work_calendar().add_working_days(timezone.localdate(rating.created_at),
                                            settings.DOORSTEP_RATING_APPEAL_WORKING_DAYS)


def follow_up_list_for_user(user, *, status: str = "open", page: int = 1, cursor: str = ""):
    """Follow-ups to answer (status=open, earliest deadline first) or answered ones (newest first), paged; each item
    carries can_answer / can_appeal from the authority table and its appeal (appeal_row) if any."""
    qs = follow_ups_in_scope(user).select_related("rating__case__item", "rating__case__applicant", "org_node",
                                                  "answered_by", "rating__staff", "rating__appeal")
    if status == "answered":
        qs = qs.exclude(answered_at=None).order_by("-answered_at")
    else:
        qs = qs.filter(answered_at=None).order_by("due_date", "id")
    page_ = paginate(qs, page=page, cursor=cursor)
    _mark_actions(user, page_.items)
    return page_


def appeals_in_scope(user) -> QuerySet[Appeal]:
    """Appeals of bad ratings whose follow-up the user sees, and the user's own appeals."""
    if not user.is_authenticated or user.role not in FOLLOW_UP_SCOPE:
        return Appeal.objects.none()
    return Appeal.objects.filter(Q(rating__follow_up__in=follow_ups_in_scope(user)) | Q(appellant=user))


def appeal_list_for_user(user, *, status: str = "pending", page: int = 1, cursor: str = ""):
    """Appeals in scope: undecided ones (status=pending) by deadline, or decided ones newest first; each carries
    can_decide from the authority table."""
    qs = appeals_in_scope(user).select_related("rating__case__item", "rating__follow_up__org_node", "appellant",
                                               "decided_by", "rating__staff")
    if status == "decided":
        qs = qs.exclude(outcome=Appeal.Outcome.PENDING).order_by("-id")
    else:
        qs = qs.filter(outcome=Appeal.Outcome.PENDING).order_by("due_date", "id")
    page_ = paginate(qs, page=page, cursor=cursor)
    for a in page_.items:
        held = rating_relations(user, staff_id=a.rating.staff_id, node_code=a.rating.follow_up.org_node.code)
        a.can_decide = a.outcome == Appeal.Outcome.PENDING and permitted(user.role, RatingAction.DECIDE_APPEAL, held)
    return page_


def rating_figures(ratings: QuerySet[Rating]) -> dict:
    """好差评 figures of a set of ratings: how many, how many counted (an upheld appeal excludes a rating), how many
    bad among the counted, and the satisfaction rate (非常满意, 满意 and 基本满意 among the counted, in percent, one
    decimal; None without ratings). One query."""
    row = ratings.aggregate(n_total=Count("id"), n_excluded=Count("id", filter=Q(excluded=True)),
                            n_bad=Count("id", filter=Q(excluded=False, overall__in=BAD_LEVELS)))
    counted = row["n_total"] - row["n_excluded"]
    satisfied = counted - row["n_bad"]
    return {"total": row["n_total"], "excluded": row["n_excluded"], "counted": counted, "bad": row["n_bad"],
            "satisfaction": round(100 * satisfied / counted, 1) if counted else None}


def ratings_in_scope(user) -> QuerySet[Rating]:
    """Ratings of the centers at or under the user's node (for the roles that see follow-ups)."""
    if not user.is_authenticated or user.role not in FOLLOW_UP_SCOPE or not user.org_node_id:
        return Rating.objects.none()
    return Rating.objects.filter(subtree_q("center__org_node__code", user.org_node.code))


def rating_may_rate(user, case) -> bool:
    """Whether the case page draws the rating form: the applicant (cases.authority: rate), a rateable state, and no
    rating yet. The service checks the same."""
    from doorstep.cases.authority import Extra
    from doorstep.cases.authority import permitted as case_permitted
    from doorstep.cases.selectors import case_relations

    return (case.state in RATEABLE_STATES and case_permitted(user.role, Extra.RATE, case_relations(user, case))
            and not Rating.objects.filter(case_id=case.pk).exists())


def pad_case_for_user(user):
    """The case the rating pad shows: the newest case this clerk took in (首问) or handed over at the window, if it
    was served within DOORSTEP_RATING_PAD_MINUTES. None when there is none (or the user may not use a pad). Reads
    through the first-contact and delivered-by indexes: two single-row queries."""
    from doorstep.cases.models import Case

    if not user.is_authenticated or user.role not in PAD_ROLES:
        return None
    since = timezone.now() - datetime.timedelta(minutes=settings.DOORSTEP_RATING_PAD_MINUTES)
    rows = Case.objects.select_related("item", "applicant", "center")
    found = [c for c in (rows.filter(first_contact=user).order_by("-id").first(),
                         rows.filter(delivered_by=user).order_by("-delivered_at").first()) if c is not None]
    served = [(max(t for t in (c.created_at, c.accepted_at, c.decided_at, c.concluded_at, c.delivered_at) if t), c)
              for c in found]
    served = [(at, c) for at, c in served if at >= since]
    if not served:
        return None
    case = max(served, key=lambda pair: pair[0])[1]
    case.pad_rated = Rating.objects.filter(case_id=case.pk).exists()
    case.pad_rateable = case.state in RATEABLE_STATES
    return case


def pad_token_for(user) -> str:
    """The address token of a clerk's rating pad for today: signed (salted for this use) with the clerk's id and
    today's date. Raises PermissionDenied for roles that do not use a pad."""
    from doorstep.core.errors import PermissionDenied

    if not user.is_authenticated or user.role not in PAD_ROLES:
        raise PermissionDenied(_("评价器与窗口人员的工作账号配对使用。"))
    return signing.dumps({"u": user.pk, "d": timezone.localdate().isoformat()}, salt=PAD_SALT)


def pad_clerk(token: str):
    """The clerk a pad's token was made for. NotFound (404) for a token that is not ours; LinkGone (410) for one of
    an earlier day, or whose clerk is no longer an active window clerk — the pad is paired again at the window."""
    from doorstep.accounts.models import User

    try:
        data = signing.loads(str(token)[:300], salt=PAD_SALT)
        user_id, day = int(data["u"]), str(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("评价器地址无效：请在窗口电脑的“评价器”页面重新打开。")) from None
    clerk = User.objects.select_related("org_node").filter(pk=user_id, is_active=True, role__in=PAD_ROLES).first()
    if clerk is None or day != timezone.localdate().isoformat():
        raise LinkGone(_("评价器地址已过期（每天配对一次）：请在窗口电脑的“评价器”页面重新打开。"))
    return clerk


def rating_link_token(case_id: int) -> str:
    """The signed token of a case's SMS rating link (django.core.signing, salted for this use, timestamped)."""
    return signing.dumps({"c": int(case_id)}, salt=SMS_SALT)


def rating_link_case(token: str):
    """The case an SMS rating link names. Errors: NotFound (404) for a token that is not ours or names no case;
    LinkGone (410) for one older than DOORSTEP_RATING_LINK_DAYS, or whose case is already rated (the link is used);
    Conflict (409) when the case can no longer be rated (e.g. withdrawn). Reads only."""
    from doorstep.cases.models import Case

    try:
        data = signing.loads(str(token)[:300], salt=SMS_SALT, max_age=datetime.timedelta(
            days=settings.DOORSTEP_RATING_LINK_DAYS))
        case_id = int(data["c"])
    except signing.SignatureExpired:
        raise LinkGone(_("评价链接已过期（有效期{days}天）。如需评价，请登录“我的办件”或到服务中心的评价器评价。").format(
            days=settings.DOORSTEP_RATING_LINK_DAYS)) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("评价链接无效：请核对短信中的链接是否完整。")) from None
    case = Case.objects.select_related("item", "center", "review_node").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("评价链接无效：请核对短信中的链接是否完整。"))
    if Rating.objects.filter(case_id=case.pk).exists():
        raise LinkGone(_("这个评价链接已经使用过：该办件已经评价，不能再次评价。感谢您的评价。"))
    if case.state not in RATEABLE_STATES:
        raise Conflict(_("该办件目前不能评价：办结、送达、不予受理或不予批准后才能评价。"))
    return case
