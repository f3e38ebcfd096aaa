"""The inbox page (我的消息): read the list, open a message (marks it read and follows its link), mark all read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from doorstep.core.paging import page_args
from doorstep.notifications.models import Notification
from doorstep.notifications.selectors import inbox_for_user
from doorstep.notifications.services import notification_mark_read


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = inbox_for_user(request.user, unread_only=unread_only, **page_args(request))
    return render(request, "notifications/inbox.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def open_message(request, notification_id: int):
    notification_mark_read(actor=request.user, notification_id=notification_id)
    link = Notification.objects.filter(user=request.user, pk=notification_id).values_list("link", flat=True).first()
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    notification_mark_read(actor=request.user)
    return redirect("notifications:inbox")
