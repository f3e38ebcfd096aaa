"""Sending notifications. Callers notify inside their transaction; the rows are written after it commits, so a
rolled-back change never tells anybody anything (Saleor/Zulip habit: side effects on_commit)."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from doorstep.core.errors import NotFound
from doorstep.core.links import public_url
from doorstep.notifications.models import Notification
from doorstep.notifications.words import Said, stored_text


def notify(users: Iterable, *, kind: str, title: str | Said, body: str | Said = "", link: str = "") -> None:
    """Queue one inbox message per distinct user (None entries are skipped), written after the current transaction
    commits (at once outside one). `title` and `body` given as `said(...)` are stored in the records' language with
    their words, and the inbox shows them in the reader's (notifications.words). With DOORSTEP_NOTIFY_EMAIL on, users with an e-mail address get a copy through
    the configured EMAIL_BACKEND, the link made absolute under DOORSTEP_PUBLIC_BASE_URL. No audit event: a
    notification changes no state."""
    recipients = {u.pk: u for u in users if u is not None}
    if not recipients:
        return
    title, title_words = stored_text(title)
    body, body_words = stored_text(body)
    words = {part: spec for part, spec in (("title", title_words), ("body", body_words)) if spec}

    def write() -> None:
        Notification.objects.bulk_create([
            Notification(user_id=pk, kind=kind, title=title[:120], body=body[:500], link=link[:200], words=words)
            for pk in recipients
        ])
        if getattr(settings, "DOORSTEP_NOTIFY_EMAIL", False):
            for user in recipients.values():
                if user.email:
                    # the inbox keeps the path; the e-mail needs the public address (never a clerk's intranet one)
                    text = f"{body}\n{public_url(link)}" if link else body
                    # the e-mail is a copy of the stored notification, in the records' language
                    send_mail(f"【家门口办事】{title}", text, None, [user.email], fail_silently=True)  # zh: stored copy

    transaction.on_commit(write)


def notification_mark_read(*, actor, notification_id=None) -> int:
    """Mark one of the actor's messages read, or all of them when no id is given. Returns how many changed.
    Another person's message is NotFound, like a missing one."""
    qs = Notification.objects.filter(user=actor, read_at=None)
    if notification_id is not None:
        try:
            pk = int(notification_id)
        except (TypeError, ValueError):
            raise NotFound() from None
        if not Notification.objects.filter(user=actor, pk=pk).exists():
            raise NotFound()
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())
