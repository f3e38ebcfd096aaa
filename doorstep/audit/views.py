"""Audit trail browser for staff with the auditor permission."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from doorstep.audit.models import AuditEvent
from doorstep.audit.selectors import audit_events_for_user
from doorstep.core.errors import ValidationFailed
from doorstep.core.paging import page_args
from doorstep.core.ratelimit import LIST, rate_limited

FILTERS = ("action", "actor", "target", "result", "date_from", "date_to")


@login_required
@rate_limited(LIST)
def audit_list(request):
    filters = {k: request.GET.get(k, "") for k in FILTERS}
    context = {"filters": filters, "results": AuditEvent.Result.choices}
    try:
        context["page"] = audit_events_for_user(request.user, **page_args(request), **filters)
    except ValidationFailed as exc:
        context["error"] = exc.message
        return render(request, "audit/list.html", context, status=400)
    return render(request, "audit/list.html", context)
