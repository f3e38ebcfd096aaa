"""Account reads: how long a login must wait, who may lift it, a user's API tokens."""

from django.utils import timezone

from doorstep.accounts.models import ApiToken, LoginThrottle, User
from doorstep.accounts.roles import Capability, Role
from doorstep.core.crypto import blind_index
from doorstep.core.errors import NotFound
from doorstep.core.paths import in_subtree
from doorstep.registry.selectors import resident_get_for_user


def account_key(username: str) -> str:
    """The LoginThrottle key of a login name as typed: a keyed blind index, so no phone number is stored."""
    return blind_index("login", username)


def login_wait_until(user: User):
    """When the account's wait ends (None when it may try now); for the station's unlock page."""
    row = LoginThrottle.objects.filter(kind=LoginThrottle.Kind.ACCOUNT, key=account_key(user.username)).first()
    if row and row.blocked_until and row.blocked_until > timezone.now():
        return row.blocked_until
    return None


def login_unlock_allowed(actor, user: User) -> bool:
    """Who may lift an account's login limit: staff with UNLOCK_LOGINS for a resident they may open in the
    registry (the resident stands at the window with their ID card); an administrator for staff under their node."""
    if not getattr(actor, "is_authenticated", False) or not actor.can(Capability.UNLOCK_LOGINS) or actor == user:
        return False
    if user.role in (Role.RESIDENT, Role.VOLUNTEER):
        if not user.resident_id:
            return False
        try:
            resident_get_for_user(actor, user.resident_id)
        except NotFound:
            return False
        return True
    return (actor.role == Role.ADMIN and actor.org_node_id is not None and user.org_node_id is not None
            and in_subtree(user.org_node.code, actor.org_node.code)
            and not (user.role == Role.ADMIN and user.org_node.code == actor.org_node.code))


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's own tokens, newest first (digests stay out of pages)."""
    return list(ApiToken.objects.filter(user=user).order_by("-id"))
