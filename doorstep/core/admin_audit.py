"""Django admin for master data, with every change written to the audit trail like any other write."""

from django.contrib import admin

from doorstep.accounts.roles import Capability
from doorstep.audit.services import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_superuser or request.user.can(Capability.MANAGE_MASTER_DATA))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action=f"admin.{'change' if change else 'add'}", target=obj,
                     summary={"fields": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.delete", target=obj)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_superuser or request.user.can(Capability.MANAGE_MASTER_DATA))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
