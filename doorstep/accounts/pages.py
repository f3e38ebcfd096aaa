"""Which staff pages each role may open: the workspace table (roles.WORKSPACE) is the table. A page a role's home
does not offer is refused with 403 — an empty staff page for a resident is a leak of what exists, and a link that
leads to a refusal is a bug (the page crawler test walks every role's links)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _

from doorstep.accounts.roles import WORKSPACE, Capability, Scope, is_district_admin
from doorstep.core.errors import PermissionDenied

# Pages that need more than the role's workspace entry: a capability or a place. A street administrator's home
# offers no audit log unless they hold the auditor capability; grids and the catalog are the district's.
PAGE_REQUIRES = {
    "audit:list": lambda u: u.can(Capability.VIEW_AUDIT),
    "admin:index": lambda u: u.can(Capability.MANAGE_MASTER_DATA),
    "catalog-admin": lambda u: u.role == "admin",  # every administrator downloads; importing is the district's
    "partition:list": is_district_admin,
    "calendar:index": is_district_admin,
    "incidents:categories": is_district_admin,  # the district's categories and departments (issue #13 item 1)
    "registry:import": lambda u: _ledger_permitted(u),  # registry.ledger.authority: the district's administrator
    "org:centers": lambda u: u.role == "admin",  # each administrator keeps the centers of their subtree (org/authority)
    "org:root": lambda u: u.can(Capability.BROWSE_ORG),
    "registry:search": lambda u: u.can(Capability.SEARCH_RESIDENTS) or u.resident_scope == Scope.OWN_HOUSEHOLD,
    # registry.changes: the grid's reports and the community's review (registry/changes/authority.py)
    "registry:changes": lambda u: u.org_node_id is not None and (
        (u.role == "grid_worker" and u.org_node.level == "grid") or (u.role == "clerk" and u.org_node.level == "community")),
    # the community's volunteer work (wishes.authority): a station's clerk at a community, leaders and administrators
    "wishes:review": lambda u: _community_work(u),
    "volunteers:roster": lambda u: _community_work(u),
    "activities:manage": lambda u: _community_work(u),
    "volunteers:pairings": lambda u: u.role != "clerk" or _community_work(u),
    "wishes:collect": lambda u: u.role != "clerk" or _community_work(u),
}


def _community_work(user) -> bool:
    if user.role in ("admin", "leader"):
        return True
    return user.role == "clerk" and user.org_node_id is not None and user.org_node.level == "community"


def _ledger_permitted(user) -> bool:
    from doorstep.registry.ledger.authority import Action, permitted  # the registry sits above accounts

    return permitted(user, Action.UPLOAD)


def workspace_for(user) -> list[tuple[str, str | None]]:
    """The user's home entries: the role's workspace, minus pages whose requirement the user does not meet.
    Entries with no page (None) are features still to come, drawn as such."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [(label, name) for label, name in WORKSPACE.get(user.role, ())
            if name is None or PAGE_REQUIRES.get(name, lambda u: True)(user)]


def may_open(user, url_name: str) -> bool:
    """Whether the user's home offers this page (workspace_for): the one table pages and menus both read."""
    return any(name == url_name for _label, name in workspace_for(user))


def workspace_page(url_name: str):
    """Decorate a page view: login required, and the role's workspace must offer `url_name` (else 403)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not may_open(request.user, url_name):
                raise PermissionDenied(_("您的角色不能使用这个页面。"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
