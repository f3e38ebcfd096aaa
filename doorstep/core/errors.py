"""One hierarchy of domain errors. Views and the API map each class to one HTTP status; messages are Chinese, through
gettext (English when the reader chose it)."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A request that the domain refuses. `message` is shown to the person as is; `api_message`, when given, is what
    an API client is told instead (it may name the API's parameters, which a page must not)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, api_message: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.api_message = api_message or message


class ValidationFailed(DomainError):
    status = 400


class NotFound(DomainError):
    """Missing and out of scope look the same, so nothing leaks by the difference."""

    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or _("未找到该记录，或您无权查看。"))


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: str | None = None):
        super().__init__(message or _("您没有执行此操作的权限。"))


class Conflict(DomainError):
    status = 409


class AccountLocked(DomainError):
    status = 403
