"""The home page: a workspace shell per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from doorstep.accounts.pages import workspace_for
from doorstep.calendar.selectors import calendar_warnings


@login_required
def home(request):
    warnings = calendar_warnings(timezone.localdate()) if request.user.is_staff_role else []
    return render(request, "home.html", {"workspace": workspace_for(request.user),
                                         "calendar_warnings": warnings})


def api_docs_redirect(request):
    return redirect("/api/v1/docs")

