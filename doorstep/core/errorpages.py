"""Every error a person or an API client can cause, answered in the reader's language (Chinese unless they chose
English): the site's error page (error.html) for pages, a JSON `detail` under /api/ — the shape of the API's domain
errors. Django's handlers (400, 403, 404, 500), the CSRF failure view and the 405 answers (core.middleware.
MethodMiddleware) all answer through `error_response`; django-ninja's own refusals are mapped in doorstep/api.py."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

API_PREFIX = "/api/"

BAD_REQUEST = _("请求有误，无法处理。请检查输入后重试。")
TOO_LARGE = _("提交的内容过大或字段过多，无法处理。请减少内容后重试。")
NOT_FOUND = _("页面不存在，或您无权查看。")
API_NOT_FOUND = _("没有这个接口地址，请对照接口说明（/api/docs）检查。")
FORBIDDEN = _("您没有执行此操作的权限。")
SERVER_ERROR = _("系统出现故障，已记录，请稍后再试。")
CSRF_HEADING = _("页面已过期")
CSRF_FAILED = _("页面已过期或来源无法验证，请刷新页面后重新提交。")
NOT_ALLOWED_HEADING = _("无法这样打开")
SUBMIT_ONLY = _("这个地址只接受页面上的按钮或表单提交，不能直接打开。请返回上一页，用页面上的按钮操作。")
METHOD_REFUSED = _("不支持这种请求方式。")
API_METHOD_REFUSED = _("不支持 %(method)s 请求：此接口只接受 %(allowed)s。")
API_BODY_UNREADABLE = _("请求内容无法解析：请以 JSON 格式发送（Content-Type: application/json），并检查格式是否正确、"
                        "数字是否过长。")
TOO_MANY_REQUESTS = _("请求过于频繁，请稍后再试。")


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def shaped_error(request, status: int, message):
    """The answer of a machine interface that shapes its own errors (settings.DOORSTEP_ERROR_SHAPES: a path prefix
    -> the dotted path of a function (request, status, message) -> response, e.g. Open311's list of {code,
    description}), or None when the address is under none of them."""
    path = request.META.get("PATH_INFO", "")
    for prefix, function in getattr(settings, "DOORSTEP_ERROR_SHAPES", {}).items():
        if path.startswith(prefix):
            return import_string(function)(request, status, message)
    return None


def error_response(request, status: int, message, *, heading=""):
    """The error page, or under /api/ the JSON body {"detail": message}, or a machine interface's own shape."""
    shaped = shaped_error(request, status, message)
    if shaped is not None:
        return shaped
    if is_api(request):
        return JsonResponse({"detail": str(message)}, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "error.html", {"status": status, "message": message, "heading": heading}, status=status)


def bad_request(request, exception=None):
    too_large = isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent))
    return error_response(request, 400, TOO_LARGE if too_large else BAD_REQUEST)


def not_found(request, exception=None):
    return error_response(request, 404, API_NOT_FOUND if is_api(request) else NOT_FOUND)


def forbidden(request, exception=None):
    return error_response(request, 403, FORBIDDEN)


def server_error(request):
    return error_response(request, 500, SERVER_ERROR)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form without its token, an expired one, or from another origin. Django's `reason`
    is English and for the log, not for the person."""
    return error_response(request, 403, CSRF_FAILED, heading=CSRF_HEADING)


def method_not_allowed(request, allowed: list[str]):
    """405 with the Allow header. A person who opened a form's address (logout, accept, reveal) is told to use the
    page's button; an API client is told the methods the address takes."""
    method = request.META.get("REQUEST_METHOD", request.method)
    if is_api(request):
        message = API_METHOD_REFUSED % {"method": method, "allowed": pgettext("list separator", "、").join(sorted(allowed))}
    else:
        message = SUBMIT_ONLY if allowed == ["POST"] else METHOD_REFUSED
    response = error_response(request, 405, message, heading=NOT_ALLOWED_HEADING)
    response["Allow"] = ", ".join(allowed)
    return response
