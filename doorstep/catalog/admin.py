from django.contrib import admin

from doorstep.catalog.models import Category, LifeEvent, MaterialRequirement, ServiceItem
from doorstep.core.admin_audit import AuditedModelAdmin


class MaterialInline(admin.TabularInline):
    model = MaterialRequirement
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "category", "approval_level", "kind", "promised_days", "online_allowed")
    list_filter = ("category", "approval_level", "kind", "online_allowed")
    search_fields = ("code", "name", "name_pinyin")
    inlines = [MaterialInline]
    exclude = ("name_pinyin", "name_initials")


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "order")


@admin.register(LifeEvent)
class LifeEventAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "order")
