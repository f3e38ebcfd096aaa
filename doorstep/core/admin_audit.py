"""The Django admin: the district administrator's tool for master data, and nobody else's (issue #10, item 4).

- Only a district administrator (or a superuser) enters it; any other signed-in account gets 403, and the admin's
  own login page is our login (the same failure counting, waits and audit), so there is one door with one lock.
- Master data (centers with their windows and hours, departments, posts, grid teams, org node names) is edited
  here, cut to the administrator's own subtree, and every add, change and delete — inline rows included — is
  written to the audit trail in the admin's transaction.
- Everything with a life of its own is read-only here or absent: the catalog changes only through its import
  page (validated, versioned for intake), accounts only through services (password policy, audit), cases, ratings,
  notifications and the audit trail are not registered (auditors browse the trail at /audit/, in their scope).
"""

from functools import update_wrapper

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy

from doorstep.accounts.roles import STAFF_ROLES, Capability
from doorstep.audit.services import audit_record
from doorstep.core.paths import subtree_q


def may_use_admin(user) -> bool:
    return bool(user.is_active and user.is_authenticated
                and (user.is_superuser or user.can(Capability.MANAGE_MASTER_DATA)))


def admin_scope_code(user) -> str | None:
    """The org code every admin query is cut to; None for a superuser (no cut)."""
    if user.is_superuser:
        return None
    return user.org_node.code


class DoorstepAdminSite(admin.AdminSite):
    site_header = gettext_lazy("家门口办事 · 主数据管理")
    site_title = gettext_lazy("家门口办事")
    index_title = gettext_lazy("主数据")

    def has_permission(self, request):
        return may_use_admin(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # Django would send a signed-in account without access back to the login page; refuse it plainly.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        from doorstep.accounts.views import login_view

        if request.method == "GET" and self.has_permission(request):
            return redirect("admin:index")
        return login_view(request)

    def password_change(self, request, extra_context=None):
        # Passwords change through accounts services (policy and audit), not through the admin's own form.
        raise Http404


class ScopedAdminMixin:
    """Cuts the change list and every foreign-key choice to the administrator's subtree.

    `scope_field` names the org-code column of the model (e.g. `org_node__code`)."""

    scope_field = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        code = admin_scope_code(request.user)
        return qs if code is None or not self.scope_field else qs.filter(subtree_q(self.scope_field, code))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from doorstep.accounts.models import User
        from doorstep.org.models import OrgNode, ServiceCenter

        code = admin_scope_code(request.user)
        model = db_field.remote_field.model
        if code is not None and model in (OrgNode, ServiceCenter, User):
            if model is OrgNode:
                kwargs["queryset"] = OrgNode.objects.filter(subtree_q("code", code))
            elif model is ServiceCenter:
                kwargs["queryset"] = ServiceCenter.objects.filter(subtree_q("org_node__code", code))
            else:
                kwargs["queryset"] = User.objects.filter(subtree_q("org_node__code", code), role__in=STAFF_ROLES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AuditedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Editable master data, scoped and audited."""

    def has_module_permission(self, request):
        return may_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: may_use_admin(request.user)
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action=f"admin.{'change' if change else 'add'}", target=obj,
                     summary={"fields": sorted(form.changed_data)})

    def save_formset(self, request, form, formset, change):
        deleted = [(f.instance._meta.label_lower, f.instance.pk, str(f.instance)) for f in formset.deleted_forms
                   if f.instance.pk is not None]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action="admin.add", target=obj)
        for obj, fields in formset.changed_objects:
            audit_record(actor=request.user, action="admin.change", target=obj, summary={"fields": sorted(fields)})
        for label, pk, text in deleted:
            audit_record(actor=request.user, action="admin.delete", target_type=label, target_id=str(pk),
                         target_label=text)

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.delete", target=obj)
        super().delete_queryset(request, queryset)


class AuditedInline:
    """Inline rows of master data (windows, opening hours): editable by whoever may edit the parent; the parent
    admin's save_formset audits them."""

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: may_use_admin(request.user)
    )


class ReadOnlyPermissions:
    """Visible to those who may use the admin; never added, changed or deleted here."""

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, ScopedAdminMixin, admin.ModelAdmin):
    """Shown for reference, changed elsewhere (through services and their audit)."""

    def has_module_permission(self, request):
        return may_use_admin(request.user)


class ReadOnlyInline(ReadOnlyPermissions):
    pass

