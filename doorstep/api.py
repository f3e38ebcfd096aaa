"""The JSON API at /api/v1 (django-ninja): token auth for clients, OpenAPI at /api/docs.

Endpoints stay thin: parse, call one selector or service, shape the answer. Domain errors become 4xx with a
`detail`; request validation errors become 422 with one readable message per field; ninja's own refusals (a body
that is not JSON, Http404) a `detail` too. An unknown address and a 405 are answered outside ninja, in the same shape
(core.errorpages, core.middleware.MethodMiddleware).

Language: the details, the OpenAPI document and its docs page are in the language the request asks for — the
language cookie (the person's choice on the site), else Accept-Language, else Chinese. Pages ignore Accept-Language
(a clerk's English browser still shows Chinese pages); an API client has no switch to click, and the header is how
HTTP asks: core.locale_middleware sets it for every answer under /api/. The OpenAPI texts are lazy, so each
request's document is in its own language.
"""


from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from doorstep.accounts.services import api_token_user
from doorstep.core import errorpages
from doorstep.core.errors import DomainError, NotFound


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        return user


class LocalSwagger(Swagger):
    """The docs page with Swagger UI from our own static files (npm `swagger-ui-dist`, copied into static/vendor by
    scripts/build_static.py): ninja's own page loads it from a CDN unless ninja is an installed app, and government
    intranets are offline. No inline script either: api-docs.js reads the settings from a JSON element (CSP)."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs):
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": swagger_settings})


api = NinjaAPI(
    title="doorstep API",
    version="1",
    urls_namespace="api-v1",
    description=_("家门口办事 API。所有接口需要 Bearer 令牌；结果已按令牌所属账号的角色和组织范围裁剪。"),
    auth=TokenAuth(),
    docs_url="/docs",
    # validatorUrl None: Swagger UI would otherwise send our schema to an online validator.
    docs=LocalSwagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
)

_TYPE_MESSAGES = {
    "missing": _("缺少必填项"),
    "int_parsing": _("应为整数"),
    "string_too_long": _("内容过长"),
    "string_too_short": _("内容过短"),
    "literal_error": _("取值不在允许范围内"),
    "json_invalid": _("JSON 格式错误"),
    "greater_than_equal": _("数值过小"),
    "less_than_equal": _("数值过大"),
    "bool_parsing": _("应为 true 或 false"),
    "list_type": _("应为列表"),
    "too_long": _("条目过多"),
    "enum": _("取值不在允许范围内"),
}


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    body = {"detail": exc.api_message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        message = _TYPE_MESSAGES.get(err.get("type", "")) or gettext("取值无效")
        errors.append({"field": ".".join(loc), "message": str(message)})
    return api.create_response(request, {"detail": gettext("请求参数有误。"), "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(request, {"detail": gettext("未认证：请提供有效的 API 令牌。")}, status=401)


# ninja raises HttpError(400, "Cannot parse request body") for any body json.loads refuses: malformed JSON, a
# form-encoded body, a number of more than 4,300 digits (Python's int limit).
_HTTP_ERROR_MESSAGES = {400: errorpages.API_BODY_UNREADABLE, 403: errorpages.FORBIDDEN,
                        429: errorpages.TOO_MANY_REQUESTS}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message = _HTTP_ERROR_MESSAGES.get(exc.status_code, errorpages.BAD_REQUEST)
    return api.create_response(request, {"detail": str(message)}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": NotFound().message}, status=404)


api.add_router("/org", "doorstep.org.api.router")
api.add_router("/residents", "doorstep.registry.api.router")
api.add_router("/cases", "doorstep.cases.api.router")
api.add_router("/hall", "doorstep.hall.api.router")
api.add_router("/wishes", "doorstep.wishes.api.router")
