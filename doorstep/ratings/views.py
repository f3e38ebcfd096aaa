"""Follow-ups of bad ratings (差评整改) for center staff: the open ones by deadline, and the answer form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.paging import page_args
from doorstep.ratings.selectors import follow_up_list_for_user
from doorstep.ratings.services import follow_up_answer


@workspace_page("ratings:follow-ups")
def follow_up_list(request):
    status = "answered" if request.GET.get("status") == "answered" else "open"
    page = follow_up_list_for_user(request.user, status=status, **page_args(request))
    return render(request, "ratings/follow_ups.html", {"page": page, "status": status,
                                                       "today": timezone.localdate()})


@login_required
@require_POST
def follow_up_answer_view(request, follow_up_id: int):
    try:
        follow_up_answer(actor=request.user, follow_up_id=follow_up_id, answer=request.POST.get("answer", ""),
                         idempotency_key=request.POST.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect("ratings:follow-ups")
    messages.success(request, "已答复，居民可在办件页看到答复。")
    return redirect("ratings:follow-ups")
