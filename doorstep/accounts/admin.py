from django.contrib import admin

from doorstep.accounts.models import User
from doorstep.core.admin_audit import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Accounts are created and changed through services (password policy, audit); the admin only lists them."""

    list_display = ("username", "full_name", "role", "org_node", "is_active", "locked_until")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    exclude = ("password",)
