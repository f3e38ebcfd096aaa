from django.contrib import admin

from doorstep.core.admin_audit import AuditedModelAdmin
from doorstep.org.models import Department, GridTeamMember, OpeningHours, OrgNode, Post, ServiceCenter, Window


@admin.register(OrgNode)
class OrgNodeAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    exclude = ("geometry",)


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(ServiceCenter)
class ServiceCenterAdmin(AuditedModelAdmin):
    list_display = ("name", "org_node", "address", "phone")
    search_fields = ("name", "address")
    raw_id_fields = ("org_node",)
    inlines = [WindowInline, OpeningHoursInline]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "org_node")
    search_fields = ("code", "name")
    raw_id_fields = ("org_node",)


@admin.register(Post)
class PostAdmin(AuditedModelAdmin):
    list_display = ("name", "org_node", "center", "holder_a", "holder_b", "a_absent")
    list_filter = ("a_absent",)
    search_fields = ("name",)
    raw_id_fields = ("org_node", "center", "holder_a", "holder_b")


@admin.register(GridTeamMember)
class GridTeamMemberAdmin(AuditedModelAdmin):
    list_display = ("grid", "user", "team_role")
    list_filter = ("team_role",)
    raw_id_fields = ("grid", "user")
