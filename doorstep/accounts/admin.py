from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from doorstep.accounts.models import User
from doorstep.accounts.roles import STAFF_ROLES
from doorstep.accounts.services import login_unlock
from doorstep.core.admin_audit import ReadOnlyAdmin
from doorstep.core.errors import DomainError


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Staff accounts under the administrator's node, for reference: accounts are created and changed through
    services (password policy, audit). Residents' accounts are not listed — their login names are phone numbers."""

    scope_field = "org_node__code"
    list_display = ("username", "full_name", "role", "org_node", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    fields = ("username", "full_name", "role", "org_node", "department", "is_active", "is_auditor", "last_login")
    actions = ["unlock_logins"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role__in=STAFF_ROLES).select_related("org_node")

    @admin.action(description=gettext_lazy("解除所选账号的登录限制"))
    def unlock_logins(self, request, queryset):
        done = 0
        for account in queryset:
            try:
                login_unlock(actor=request.user, user=account)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{account.username}：{exc.message}", messages.WARNING)
        if done:
            self.message_user(request, gettext("已解除%(count)s个账号的登录限制。") % {"count": done}, messages.SUCCESS)
