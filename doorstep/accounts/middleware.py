"""Staff sessions end after DOORSTEP_STAFF_IDLE_MINUTES without a request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

_TOUCH_EVERY_SECONDS = 30  # write the session at most this often, not on every request


class StaffIdleTimeoutMiddleware:
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
                messages.warning(request, f"超过{settings.DOORSTEP_STAFF_IDLE_MINUTES}分钟未操作，已自动退出，请重新登录。")
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if last is None or now - last >= _TOUCH_EVERY_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)
