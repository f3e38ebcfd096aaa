"""Staff sessions end after DOORSTEP_STAFF_IDLE_MINUTES without a request; an account whose password someone else
chose opens nothing but the password page and logout until it has chosen its own."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

_TOUCH_EVERY_SECONDS = 30  # write the session at most this often, not on every request
# What an account that must change its password may still reach: the JSON API is token-only (a password is never
# its credential), static files carry nothing, the language switch is the page's own.
_OPEN_WHILE_CHANGING = ("/static/", "/api/", "/i18n/")
_OPEN_PAGES_WHILE_CHANGING = ("accounts:password", "accounts:logout", "accounts:login")


def password_change_gate(request) -> HttpResponse | None:
    """The answer for a request of an account that must change its password first (None: go on)."""
    if request.path.startswith(_OPEN_WHILE_CHANGING) or request.path in {
        reverse(name) for name in _OPEN_PAGES_WHILE_CHANGING
    }:
        return None
    target = reverse("accounts:password")
    if request.headers.get("HX-Request"):  # a fragment request: have htmx load the whole page instead
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


class StaffIdleTimeoutMiddleware:
    """Staff sessions end after DOORSTEP_STAFF_IDLE_MINUTES without a request (registered before
    PasswordChangeGateMiddleware, so that a session that timed out is signed out before anything else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff_role:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.DOORSTEP_STAFF_IDLE_MINUTES * 60:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.warning(request, _("超过%(minutes)s分钟未操作，已自动退出，请重新登录。")
                                 % {"minutes": settings.DOORSTEP_STAFF_IDLE_MINUTES})
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if last is None or now - last >= _TOUCH_EVERY_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)


class PasswordChangeGateMiddleware:
    """An account whose password someone else chose (must_change_password) opens only the password page, logout
    and login until it has chosen its own (password_change_gate)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            return password_change_gate(request) or self.get_response(request)
        return self.get_response(request)
