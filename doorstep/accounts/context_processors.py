"""Template context for the workspace shell: the user's role label and menu."""

from django.utils.functional import SimpleLazyObject

from doorstep.accounts.pages import may_open
from doorstep.accounts.roles import Capability
from doorstep.notifications.selectors import unread_count


def workspace(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_search_residents": user.can(Capability.SEARCH_RESIDENTS),
        "can_view_audit": user.can(Capability.VIEW_AUDIT),
        "can_browse_org": may_open(user, "org:root"),
        "can_follow_up": may_open(user, "ratings:follow-ups"),
        "can_manage_master_data": user.can(Capability.MANAGE_MASTER_DATA),
        "can_unlock_logins": user.can(Capability.UNLOCK_LOGINS),
        # the menu draws what the pages table lets the user open (accounts.pages), nothing else
        "can_accept_cases": may_open(user, "window"),
        "can_see_cases": may_open(user, "cases:list"),
        "can_supervise": may_open(user, "cases:supervision"),
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
