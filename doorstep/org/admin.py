"""Org master data for the district administrator: centers with windows and hours, departments, posts, grid teams
and the names of org nodes — cut to the administrator's subtree and audited (core.admin_audit). The shape of the
tree (codes, levels, parents) is not edited here: residents' paths and grids hang on it (partition app)."""

from django.contrib import admin

from doorstep.core.admin_audit import AuditedInline, AuditedModelAdmin
from doorstep.org.models import Department, GridTeamMember, OpeningHours, OrgNode, Post, ServiceCenter, Window


@admin.register(OrgNode)
class OrgNodeAdmin(AuditedModelAdmin):
    scope_field = "code"
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    fields = ("code", "name", "level", "parent")
    readonly_fields = ("code", "level", "parent")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WindowInline(AuditedInline, admin.TabularInline):
    model = Window
    extra = 0


class OpeningHoursInline(AuditedInline, admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(ServiceCenter)
class ServiceCenterAdmin(AuditedModelAdmin):
    scope_field = "org_node__code"
    list_display = ("name", "org_node", "address", "phone")
    search_fields = ("name", "address")
    inlines = [WindowInline, OpeningHoursInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The node chosen by name from the administrator's streets and communities (grids have no centers), not by
        # a raw id. The pages at /org/centers/ keep the same data for street administrators too (issue #11).
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "org_node":
            field.queryset = field.queryset.exclude(level="grid")
        return field


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    scope_field = "org_node__code"
    list_display = ("code", "name", "org_node")
    search_fields = ("code", "name")
    raw_id_fields = ("org_node",)


@admin.register(Post)
class PostAdmin(AuditedModelAdmin):
    scope_field = "org_node__code"
    list_display = ("name", "org_node", "center", "holder_a", "holder_b", "a_absent")
    list_filter = ("a_absent",)
    search_fields = ("name",)
    raw_id_fields = ("org_node", "center", "holder_a", "holder_b")


@admin.register(GridTeamMember)
class GridTeamMemberAdmin(AuditedModelAdmin):
    scope_field = "grid__code"
    list_display = ("grid", "user", "team_role")
    list_filter = ("team_role",)
    raw_id_fields = ("grid", "user")
