"""The inbox: a user's own messages, newest first, paged; and the unread count for the menu badge."""

from doorstep.core.paging import paginate
from doorstep.notifications.models import Notification


def inbox_for_user(user, *, page: int = 1, unread_only: bool = False, cursor: str = ""):
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at=None)
    return paginate(qs.order_by("-id"), page=page, cursor=cursor)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at=None).count()
