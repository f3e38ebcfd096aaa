"""Reads of ratings and follow-ups, scoped: staff see the follow-ups of their node and below."""

from django.db.models import QuerySet

from doorstep.core.paging import paginate
from doorstep.core.paths import subtree_q
from doorstep.ratings.models import FollowUp

# Who sees the follow-ups of bad ratings (差评整改), and where they must stand: "node" — follow-ups owed by the
# user's own node (a window answers for its own center); "subtree" — their node and everything below it (the
# levels that supervise). Who may answer: the same table, minus read-only supervisors.
FOLLOW_UP_SCOPE = {"clerk": "node", "approver": "subtree", "leader": "subtree", "admin": "subtree",
                   "supervisor": "subtree"}
FOLLOW_UP_ANSWER = {"clerk", "approver", "leader", "admin"}
STAFF = tuple(FOLLOW_UP_SCOPE)


def follow_ups_in_scope(user) -> QuerySet[FollowUp]:
    if not user.is_authenticated or user.role not in FOLLOW_UP_SCOPE or not user.org_node_id:
        return FollowUp.objects.none()
    if FOLLOW_UP_SCOPE[user.role] == "node":
        return FollowUp.objects.filter(org_node_id=user.org_node_id)
    return FollowUp.objects.filter(subtree_q("org_node__code", user.org_node.code))


def follow_up_list_for_user(user, *, status: str = "open", page: int = 1, cursor: str = ""):
    """Follow-ups to answer (status=open, earliest deadline first) or answered ones (newest first), paged."""
    qs = follow_ups_in_scope(user).select_related("rating__case__item", "rating__case__applicant", "org_node",
                                                  "answered_by")
    if status == "answered":
        qs = qs.exclude(answered_at=None).order_by("-answered_at")
    else:
        qs = qs.filter(answered_at=None).order_by("due_date", "id")
    return paginate(qs, page=page, cursor=cursor)
