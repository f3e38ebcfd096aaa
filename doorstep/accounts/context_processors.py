"""Template context for the workspace shell: the user's role label and menu."""

from doorstep.accounts.roles import Capability


def workspace(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_search_residents": user.can(Capability.SEARCH_RESIDENTS),
        "can_view_audit": user.can(Capability.VIEW_AUDIT),
        "can_browse_org": user.can(Capability.BROWSE_ORG),
        "can_manage_master_data": user.can(Capability.MANAGE_MASTER_DATA),
        "can_accept_cases": user.role in ("clerk", "grid_worker"),
        "can_see_cases": user.role in ("clerk", "grid_worker", "approver", "leader", "admin", "supervisor", "resident"),
    }
