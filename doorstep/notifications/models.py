"""In-app notifications (站内消息): what the system tells a person — a case moved, a deadline is near, a rating
needs an answer. The inbox is the record; e-mail is an optional copy through Django's pluggable mail backend."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=120)
    body = models.CharField(_("内容"), max_length=500, blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # the msgids and values of title and body (notifications.words), so the inbox says them in the reader's language
    words = models.JSONField(_("措辞"), default=dict, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        from doorstep.notifications.words import words_text

        return words_text(self.words.get("title"), self.title)

    @property
    def shown_body(self) -> str:
        from doorstep.notifications.words import words_text

        return words_text(self.words.get("body"), self.body)
