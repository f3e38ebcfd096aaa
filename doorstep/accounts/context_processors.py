"""Template context for the workspace shell: the user's role label and menu."""

from django.utils.functional import SimpleLazyObject

from doorstep.accounts.roles import Capability
from doorstep.notifications.selectors import unread_count


def workspace(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_search_residents": user.can(Capability.SEARCH_RESIDENTS),
        "can_view_audit": user.can(Capability.VIEW_AUDIT),
        "can_browse_org": user.can(Capability.BROWSE_ORG),
        "can_manage_master_data": user.can(Capability.MANAGE_MASTER_DATA),
        "can_unlock_logins": user.can(Capability.UNLOCK_LOGINS),
        "can_accept_cases": user.role in ("clerk", "grid_worker"),
        "can_see_cases": user.role in ("clerk", "grid_worker", "approver", "leader", "admin", "supervisor", "resident"),
        "can_supervise": user.role in ("clerk", "approver", "leader", "admin", "supervisor"),
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
