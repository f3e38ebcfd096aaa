"""Reading activities and sign-ups (issue #15 item 4): what a volunteer may sign up for (their own community's first,
then the rest of the district), their own sign-ups, the staff's list of their communities' activities, one activity
with its sign-ups and the buttons the authority table and the sign-up machine allow, and the page behind the QR code.

Every list is a bounded number of queries whatever its length (select_related, one query for the reader's own
sign-ups of the rows shown)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from doorstep.core.errors import NotFound
from doorstep.core.paging import Page, paginate
from doorstep.org.models import OrgNode
from doorstep.wishes.authority import Extra, permitted
from doorstep.wishes.models import Activity, Signup
from doorstep.wishes.services.common import activity_relations, community_relations, get_or_404
from doorstep.wishes.workflow import (
    ACTIVE_SIGNUP_STATES,
    SIGNUP_MOVES,
    SignupAction,
    SignupState,
)

STAFF_ROLES = ("clerk", "admin", "leader")  # the roles the table gives anything about activities
OWN_COMMUNITY_MAX = 50  # a community rarely has more upcoming activities than this; the rest of the district pages
MANAGE_TABS = ("upcoming", "past")
SEARCH_MAX = 60


def is_activity_staff(user) -> bool:
    return getattr(user, "role", None) in STAFF_ROLES and getattr(user, "org_node_id", None) is not None


def postable_communities(user) -> list[OrgNode]:
    """The communities `user` may post activities for (Extra.POST_ACTIVITY): a community clerk's own, every
    community under an administrator's node."""
    if not is_activity_staff(user):
        return []
    node = user.org_node
    found = OrgNode.objects.filter(level="community", code__startswith=node.code).order_by("code")
    return [c for c in found if permitted(user.role, Extra.POST_ACTIVITY, frozenset(community_relations(user, c)))]


def staff_activities(user, *, tab: str, q: str = "", now: datetime.datetime, page: int = 1, cursor: str = "") -> Page:
    """The activities of the communities at or under the staff member's node: `upcoming` (not ended, soonest first)
    or `past` (latest first), optionally by title; paged (core.paging). Queries: a count and the page."""
    if not is_activity_staff(user):
        return paginate(Activity.objects.none().order_by("pk"), page=1)
    qs = Activity.objects.filter(community__code__startswith=user.org_node.code).select_related("community",
                                                                                                "coordinator")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q))
    if tab == "past":
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    else:
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "id")
    return paginate(qs, page=page, cursor=cursor)


def activity_for_staff(user, activity_id) -> Activity:
    """One activity for its community's staff, staff over it, or its coordinator; NotFound for anyone else (the
    same as a missing one)."""
    activity = get_or_404(Activity.objects.select_related("community", "coordinator", "wish"), activity_id)
    if not (is_activity_staff(user) and activity_relations(user, activity)):
        raise NotFound()
    return activity


@dataclass
class SignupRow:
    signup: Signup
    confirm: bool
    absent: bool


@dataclass
class ActivityPage:
    activity: Activity
    rows: list[SignupRow]
    counts: dict[str, int]
    confirm_all: bool  # a checked-in sign-up waits and the reader may confirm
    cancel: bool
    started: bool
    ended: bool


def _allowed(state, action) -> bool:
    return (SignupState(state), action) in SIGNUP_MOVES


def activity_page(user, activity: Activity, *, now: datetime.datetime) -> ActivityPage:
    """The activity with its sign-ups (checked in first, then signed up, then the rest) and the buttons the table
    allows this reader: 记为缺席 once it has started, 确认时长 and 全部确认 once it has ended (hours are confirmed for
    the time actually served, 民政部令第67号), 取消活动 before the start. Two queries."""
    held = activity_relations(user, activity)
    started, ended = activity.starts_at <= now, activity.ends_at <= now
    may_confirm = permitted(user.role, SignupAction.CONFIRM, held) and ended
    may_absent = permitted(user.role, SignupAction.MARK_ABSENT, held) and started
    order = {SignupState.CHECKED_IN: 0, SignupState.SIGNED_UP: 1, SignupState.CONFIRMED: 2, SignupState.ABSENT: 3,
             SignupState.CANCELLED: 4}
    signups = sorted(activity.signups.select_related("volunteer", "confirmed_by").order_by("signed_up_at", "id"),
                     key=lambda s: order[SignupState(s.state)])
    rows = [SignupRow(s, confirm=may_confirm and _allowed(s.state, SignupAction.CONFIRM),
                      absent=may_absent and _allowed(s.state, SignupAction.MARK_ABSENT)) for s in signups]
    counts = {state.value: 0 for state in SignupState}
    for s in signups:
        counts[s.state] += 1
    open_ = activity.state == Activity.State.OPEN
    return ActivityPage(
        activity=activity, rows=rows, counts=counts, started=started, ended=ended,
        confirm_all=may_confirm and counts[SignupState.CHECKED_IN] > 0,
        cancel=(open_ and not started and counts[SignupState.CHECKED_IN] == 0
                and permitted(user.role, Extra.POST_ACTIVITY, frozenset(community_relations(user, activity.community)))))


def _mark_mine(activities: list[Activity], volunteer) -> None:
    """Set `a.mine` (the volunteer's active sign-up or None) on each row: one query."""
    mine = {}
    if volunteer is not None and activities:
        mine = {s.activity_id: s for s in Signup.objects.filter(
            volunteer=volunteer, activity_id__in=[a.pk for a in activities], state__in=ACTIVE_SIGNUP_STATES)}
    for a in activities:
        a.mine = mine.get(a.pk)


def volunteer_activities(volunteer, *, now: datetime.datetime, page: int = 1, cursor: str = "") -> dict:
    """What a volunteer may sign up for: open activities not yet started, their own community's first (up to
    OWN_COMMUNITY_MAX), then the rest of the district paged; each with `mine` (their sign-up). Queries: four."""
    upcoming = (Activity.objects.filter(state=Activity.State.OPEN, starts_at__gt=now)
                .select_related("community"))
    own = list(upcoming.filter(community_id=volunteer.community_id).order_by("starts_at", "id")[:OWN_COMMUNITY_MAX])
    district = volunteer.community.code[:6]
    rest = paginate(upcoming.filter(community__code__startswith=district).exclude(community_id=volunteer.community_id)
                    .order_by("starts_at", "id"), page=page, cursor=cursor)
    _mark_mine(own + list(rest.items), volunteer)
    return {"own": own, "rest": rest}


def my_signups(volunteer, *, now: datetime.datetime, page: int = 1, cursor: str = "") -> Page:
    """The volunteer's sign-ups, latest first, each with `can_cancel` (signed up, not begun). Queries: two."""
    qs = (Signup.objects.filter(volunteer=volunteer).select_related("activity__community")
          .order_by("-signed_up_at", "-id"))
    found = paginate(qs, page=page, cursor=cursor)
    for s in found.items:
        s.can_cancel = s.state == SignupState.SIGNED_UP and s.activity.starts_at > now
    return found


def activity_by_token(token: str) -> Activity:
    """The activity whose QR code carries `token`; NotFound for anything else."""
    text = str(token or "").strip()[:40]
    activity = Activity.objects.select_related("community").filter(checkin_token=text).first() if text else None
    if activity is None:
        raise NotFound()
    return activity


def my_signup_for(activity: Activity, volunteer) -> Signup | None:
    if volunteer is None:
        return None
    return Signup.objects.filter(activity=activity, volunteer=volunteer, state__in=ACTIVE_SIGNUP_STATES).first()
