from django.contrib import admin

from doorstep.audit.models import AuditEvent
from doorstep.core.admin_audit import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "actor_label", "role", "action", "target_label", "result")
    list_filter = ("result", "role")
    search_fields = ("action", "actor_label", "target_id")
