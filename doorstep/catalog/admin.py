"""The catalog in the admin is for reference only: it changes through 事项清单 (catalog-admin), whose import checks
every row (kinds and promised days, rules, materials) and resets the intake cache; an edit here would skip both."""

from django.contrib import admin

from doorstep.catalog.models import Category, LifeEvent, MaterialRequirement, ServiceItem
from doorstep.core.admin_audit import ReadOnlyAdmin, ReadOnlyInline


class MaterialInline(ReadOnlyInline, admin.TabularInline):
    model = MaterialRequirement
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "category", "approval_level", "kind", "promised_days", "online_allowed")
    list_filter = ("category", "approval_level", "kind", "online_allowed")
    search_fields = ("code", "name", "name_pinyin")
    inlines = [MaterialInline]
    exclude = ("name_pinyin", "name_initials")


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "order")


@admin.register(LifeEvent)
class LifeEventAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "order")
