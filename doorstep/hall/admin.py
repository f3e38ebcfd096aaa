"""The hall's master data for administrators: each center's hall policy and reserved places per item group, and the
priority rules — cut to the administrator's subtree and audited (core.admin_audit). Bookings and tickets are not
edited here: they change only through the hall's services (and their audit)."""

from django.contrib import admin

from doorstep.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from doorstep.hall.models import Booking, GroupCapacity, HallPolicy, PriorityRule, Ticket


@admin.register(HallPolicy)
class HallPolicyAdmin(AuditedModelAdmin):
    scope_field = "center__org_node__code"
    list_display = ("center", "slot_minutes", "slot_capacity", "release_days", "release_time", "wait_target_minutes")


@admin.register(GroupCapacity)
class GroupCapacityAdmin(AuditedModelAdmin):
    scope_field = "center__org_node__code"
    list_display = ("center", "category", "per_slot")


@admin.register(PriorityRule)
class PriorityRuleAdmin(AuditedModelAdmin):
    scope_field = ""  # one table for the district
    list_display = ("name", "code", "basis", "rank", "min_age", "is_active")


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    scope_field = "center__org_node__code"
    list_display = ("code", "center", "item", "day", "starts_at", "state")
    list_filter = ("state", "channel")
    exclude = ("applicant",)  # the resident is seen through the registry, with its scope and audit


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    scope_field = "center__org_node__code"
    list_display = ("number", "center", "day", "state", "window", "issued_at", "finished_at")
    list_filter = ("state", "day")
    exclude = ("applicant",)
