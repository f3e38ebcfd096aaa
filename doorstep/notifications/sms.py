"""Text messages (短信), pluggable: doorstep composes the message, a gateway adapter sends it. Set
DOORSTEP_SMS_BACKEND to the dotted path of a class with `send(self, phone: str, text: str) -> None` (an adapter for
the district's SMS platform, e.g. a 政务短信平台 or a cloud provider's API; docs/deploy.md); unset, no text is sent
and residents get the in-app message only. `MemoryBackend` keeps what was sent in a list, for tests and for trying
an install. Phone numbers are never logged; an adapter must not log them either."""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

sent: list[tuple[str, str]] = []  # MemoryBackend's outbox: (phone, text)


class MemoryBackend:
    def send(self, phone: str, text: str) -> None:
        sent.append((phone, text))


def sms_enabled() -> bool:
    return bool(getattr(settings, "DOORSTEP_SMS_BACKEND", ""))


def send_sms(phone: str, text: str) -> bool:
    """Send after the current transaction commits (so a rolled-back change texts nobody). Result: whether a backend
    is configured and the number is non-empty. A backend's failure is its own to retry; it never undoes the change."""
    path = getattr(settings, "DOORSTEP_SMS_BACKEND", "")
    if not path or not phone:
        return False
    backend = import_string(path)()
    transaction.on_commit(lambda: backend.send(phone, text))
    return True
