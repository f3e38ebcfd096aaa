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


def bad_request(request, exception=None):
    return render(request, "error.html", {"status": 400, "message": "请求有误，无法处理。请检查输入后重试。"}, status=400)


def not_found(request, exception=None):
    return render(request, "error.html", {"status": 404, "message": "页面不存在，或您无权查看。"}, status=404)


def forbidden(request, exception=None):
    return render(request, "error.html", {"status": 403, "message": "您没有执行此操作的权限。"}, status=403)


def server_error(request):
    return render(request, "error.html", {"status": 500, "message": "系统出现故障，已记录，请稍后再试。"}, status=500)
