"""Login and logout pages, the user's own password, lifting a resident's login limit at the station, and the user's
own API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.accounts.models import User
from doorstep.accounts.selectors import api_tokens_of, login_unlock_allowed, login_wait_until
from doorstep.accounts.services import (
    DEVICE_COOKIE,
    api_token_revoke,
    login_attempt,
    login_device_token,
    login_label,
    login_unlock,
    password_change,
)
from doorstep.core.clientip import client_ip
from doorstep.core.errors import DomainError, NotFound, ValidationFailed


def client_address(request) -> str:
    """The address that login failures are counted against (trusted proxies only, see core.clientip)."""
    return client_ip(request)


@require_http_methods(["GET", "POST"])
def login_view(request):
    """Our login page, also serving /admin/login/ (core.admin_audit), so both count failures and audit alike."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    context = {"next": next_url, "username": "",
               "free_failures": settings.DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES}
    if request.method == "POST":
        context["username"] = request.POST.get("username", "")[:150]
        try:
            user = login_attempt(username=context["username"], password=request.POST.get("password", ""),
                                 request=request, address=client_address(request),
                                 device=request.COOKIES.get(DEVICE_COOKIE, ""))
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "accounts/login.html", context, status=exc.status)
        login(request, user)
        # someone else chose this password: their own first (the middleware would send them there anyway)
        response = redirect("accounts:password" if user.must_change_password else next_url or "home", permanent=False)
        response.set_cookie(DEVICE_COOKIE, login_device_token(user), max_age=settings.DOORSTEP_LOGIN_DEVICE_DAYS * 86400,
                            secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        return response
    return render(request, "accounts/login.html", context)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_view(request):
    """The user's own password: the current one, the new one twice. Errors keep the page (never the passwords);
    success keeps this session signed in and goes home. Every role, and the one page (with logout) an account that
    must change its password can open (middleware)."""
    context = {"forced": request.user.must_change_password, "help_texts": password_validators_help_texts()}
    if request.method == "POST":
        new = request.POST.get("new_password1", "")
        try:
            if new != request.POST.get("new_password2", ""):
                raise ValidationFailed(_("两次输入的新密码不一致。"), field="new_password2")
            user = password_change(actor=request.user, current=request.POST.get("current_password", ""), new=new,
                                   address=client_address(request), device=request.COOKIES.get(DEVICE_COOKIE, ""))
        except DomainError as exc:
            context.update(error=exc.message, error_field=exc.field)
            return render(request, "accounts/password.html", context, status=exc.status)
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改，下次登录请使用新密码。"))
        return redirect("home")
    return render(request, "accounts/password.html", context)


def _resident_account(request, resident_id: int) -> User:
    account = User.objects.select_related("org_node").filter(resident_id=resident_id).first()
    if account is None or not login_unlock_allowed(request.user, account):
        raise NotFound()
    return account


@login_required
@require_http_methods(["GET", "POST"])
def unlock_view(request, resident_id: int):
    """At the station: the resident shows their ID card, the clerk lifts the wait on their account (audited)."""
    account = _resident_account(request, resident_id)
    if request.method == "POST":
        waiting = login_unlock(actor=request.user, user=account)
        messages.success(request, _("已解除该居民账号的登录限制。") if waiting else _("该账号当前没有登录限制，已清零失败次数。"))
        return redirect("registry:detail", resident_id=resident_id)
    return render(request, "accounts/unlock.html", {
        "account": account, "login_label": login_label(account.username), "wait_until": login_wait_until(account),
        "resident_id": resident_id,
    })


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request):
    """The user's own API tokens: when each expires, and revoking one."""
    if request.method == "POST":
        row = api_token_revoke(actor=request.user, token_id=request.POST.get("token", ""))
        messages.success(request, _("已吊销令牌“%(name)s”。") % {"name": row.name})
        return redirect("accounts:tokens")
    return render(request, "accounts/tokens.html", {"tokens": api_tokens_of(request.user)})
