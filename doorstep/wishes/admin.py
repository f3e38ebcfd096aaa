"""The community's master data for administrators: each community's wish and volunteer rules (value limit, expiry,
re-publication, cap on open claims, check-in window) — cut to the administrator's subtree and audited
(core.admin_audit). Volunteers, wishes, activities and hours are read here only: they change through the services
(and their audit), never by hand."""

from django.contrib import admin

from doorstep.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from doorstep.wishes.models import Activity, CommunityPolicy, HoursEntry, Volunteer, Wish


@admin.register(CommunityPolicy)
class CommunityPolicyAdmin(AuditedModelAdmin):
    scope_field = "community__code"
    list_display = ("community", "value_limit_yuan", "publish_days", "republish_limit", "open_claims_cap",
                    "checkin_early_minutes")


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    scope_field = "community__code"
    list_display = ("number", "name", "kind", "community", "state", "confirmed_at")
    list_filter = ("state", "kind")
    exclude = ("phone_enc", "phone_index")  # the phone is revealed on the roster, with a reason, audited


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    scope_field = "community__code"
    list_display = ("number", "title", "beneficiary_masked", "community", "state", "places", "claimed")
    list_filter = ("state", "category", "source")
    exclude = ("household", "beneficiary")  # the household is seen through the registry, with its scope and audit


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    scope_field = "community__code"
    list_display = ("title", "kind", "community", "starts_at", "places", "signed_up", "state")
    list_filter = ("kind", "state")
    exclude = ("checkin_token",)


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnlyAdmin):
    scope_field = "volunteer__community__code"
    list_display = ("volunteer", "activity", "served_on", "minutes", "recorded_by")
