"""The home page: a workspace shell per role, with the figures of what waits (cases/workbench.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from doorstep.accounts.pages import workspace_for
from doorstep.accounts.roles import is_district_admin
from doorstep.calendar.selectors import calendar_warnings


@login_required
def home(request):
    """The banner about a year whose holiday notice is missing is for the administrators who import it; other staff
    read a one-line note where deadlines are shown ({% calendar_note %})."""
    from doorstep.cases.workbench import workbench_figures

    warnings = calendar_warnings(timezone.localdate()) if is_district_admin(request.user) else []
    return render(request, "home.html", {"workspace": workspace_for(request.user),
                                         "figures": workbench_figures(request.user),
                                         "calendar_warnings": warnings})


def api_docs_redirect(request):
    return redirect("/api/v1/docs")

