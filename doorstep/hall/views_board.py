"""The display board (叫号屏, issue #14 item 6) on a large screen in the hall, without login: the latest call big
(请 A023 号到 3 号窗口), the last calls, each window's state; kept live by static/hall/board.js polling the feed
every POLL_MILLISECONDS and reading each call and recall aloud, in the order they were made. Only ticket numbers
and window numbers are shown: nothing personal."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.core.errors import DomainError
from doorstep.hall.selectors.board import (
    ANNOUNCE_MAX_AGE_SECONDS,
    POLL_MILLISECONDS,
    board_center,
    feed,
    latest_calls,
    window_states,
)

AFTER_MAX_DIGITS = 18


@require_GET
def board(request, center_id):
    """The board page of a center; 404 page for a bad or missing center id."""
    center = board_center(center_id)
    now = timezone.now()
    calls = latest_calls(center, now=now)
    # what the page shows already is not announced again by the script: every call of the feed's recent window
    seen, after = feed(center, after=max([0] + [c.id for c in calls]), now=now)
    ctx = {"center": center, "calls": calls, "latest": calls[0] if calls else None, "windows": window_states(center),
           "feed_url": reverse("hall:board-feed", args=[center.pk]), "after": after, "poll": POLL_MILLISECONDS,
           "zone": settings.TIME_ZONE,
           "seen": ",".join(str(i) for i in sorted({c.id for c in calls} | {c.id for c in seen}))}
    response = render(request, "hall/board/board.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def board_feed(request, center_id):
    """JSON for the board: {"events": [{id, at, action, number, window, text}], ordered by (at, id): the calls and
    recalls after `after` (an event id) or of the last seconds (selectors.board.feed); "after": the next value to
    send; "now": the server's time and "announce_seconds": how old a call may be and still be read aloud; "windows":
    [{number, state, ticket, label}]}. 400 with a Chinese `detail` for a malformed `after`; 404 for a bad
    center."""
    raw = str(request.GET.get("after", "0") or "0")
    if not raw.isascii() or not raw.isdigit() or len(raw) > AFTER_MAX_DIGITS:
        return JsonResponse({"detail": _("参数 after 应为事件编号（非负整数）。")}, status=400)
    try:
        center = board_center(center_id)
    except DomainError as exc:  # NotFound: a JSON answer for the script, not the error page
        return JsonResponse({"detail": exc.message}, status=exc.status)
    now = timezone.now()
    calls, after = feed(center, after=int(raw), now=now)
    response = JsonResponse({"events": [c.as_json() for c in calls], "after": after, "now": now.isoformat(),
                             "announce_seconds": ANNOUNCE_MAX_AGE_SECONDS,
                             "windows": [w.as_json() for w in window_states(center)]})
    response["Cache-Control"] = "no-store"
    return response
