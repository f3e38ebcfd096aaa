"""Login and logout pages."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.accounts.services import login_attempt
from doorstep.core.errors import DomainError


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    context = {"next": next_url, "username": ""}
    if request.method == "POST":
        context["username"] = request.POST.get("username", "")[:150]
        try:
            user = login_attempt(username=context["username"], password=request.POST.get("password", ""),
                                 request=request)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "accounts/login.html", context, status=exc.status)
        login(request, user)
        return redirect(next_url or "home", permanent=False)
    return render(request, "accounts/login.html", context)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("accounts:login")
