"""What the display board (叫号屏) reads (issue #14 item 6): the latest calls of a center and each window's state, and
the feed the board polls for calls and recalls. Only ticket numbers and window numbers: the board is on a public
screen and needs no login.

The feed's ordering pitfall: on PostgreSQL an id is taken when the row is inserted, but transactions commit in
another order, so a call inserted first and committed last has a smaller id than one the board already showed —
"id > after" alone would skip it forever. The feed therefore returns the calls of the last FEED_RECENT_SECONDS as
well as those after the board's last id, ordered by (at, id); the board drops ids it has shown and sorts.

Cheap, for a board polling twice a second: both reads walk the index (center, id) from its newest end. The calls of
the last seconds lie above a floor found by one backward step of that index — the newest event older than the window
plus COMMIT_SLACK_SECONDS —, because an event's `at` is taken before its insert: an event inserted before that floor
was made before the window began (a service never takes COMMIT_SLACK_SECONDS from its clock reading to its insert).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext

from doorstep.core.errors import NotFound
from doorstep.hall.models import Ticket, TicketEvent, WindowSession
from doorstep.hall.services.common import center_get
from doorstep.hall.workflow import AT_WINDOW_STATES, TicketAction, TicketState

FEED_RECENT_SECONDS = 30
COMMIT_SLACK_SECONDS = 30
FEED_MAX_AGE_SECONDS = 600  # the oldest call a feed returns
FEED_MAX = 50
ANNOUNCE_MAX_AGE_SECONDS = 60  # a call older than this when it reaches the board is shown, not read aloud
BOARD_CALLS = 8  # the calls the board lists under the latest one
ANNOUNCED = (TicketAction.CALL.value, TicketAction.RECALL.value)
POLL_MILLISECONDS = 500
ID_MAX_DIGITS = 18


def board_center(center_id):
    """The center a board shows. NotFound (a 404 page) for a malformed, oversized or missing id."""
    text = str(center_id or "")
    if not text.isascii() or not text.isdigit() or len(text) > ID_MAX_DIGITS:
        raise NotFound()
    return center_get(int(text))


def announcement(number: str, window_number) -> str:
    """What the board shows and reads aloud for a call: 请 A023 号到 3 号窗口."""
    return gettext("请 {number} 号到 {window} 号窗口").format(number=number, window=window_number)


@dataclass(frozen=True)
class Call:
    id: int
    at: datetime.datetime
    action: str
    number: str
    window: int | None
    text: str

    def as_json(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "action": self.action, "number": self.number,
                "window": self.window, "text": self.text}


def _calls(qs) -> list[Call]:
    rows = qs.values_list("id", "at", "action", "ticket__prefix", "ticket__seq", "window__number")
    return [Call(pk, at, action, f"{prefix}{seq:03d}", window, announcement(f"{prefix}{seq:03d}", window))
            for pk, at, action, prefix, seq, window in rows]


def _floor_before(center_id: int, moment: datetime.datetime):
    """The id of the center's newest event older than `moment`, as a subquery (0 when there is none): one backward
    step of the index (center, id) over the events since `moment`."""
    older = TicketEvent.objects.filter(center_id=center_id, at__lt=moment).order_by("-id").values("id")[:1]
    return Coalesce(Subquery(older), Value(0))


def latest_calls(center, *, limit: int = BOARD_CALLS, now: datetime.datetime | None = None) -> list[Call]:
    """The center's last `limit` calls and recalls of the day (Beijing time), newest first. One query."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    qs = (TicketEvent.objects.filter(center_id=center.pk, action__in=ANNOUNCED, at__gte=start)
          .filter(id__gt=_floor_before(center.pk, start - datetime.timedelta(seconds=COMMIT_SLACK_SECONDS)))
          .order_by("-at", "-id")[:limit])
    return _calls(qs)


def feed_queryset(center, *, after: int, now: datetime.datetime):
    """The feed's one query (see feed): the range of the index (center, id) above two backward steps of it."""
    recent = now - datetime.timedelta(seconds=FEED_RECENT_SECONDS)
    slack = datetime.timedelta(seconds=COMMIT_SLACK_SECONDS)
    lower = Greatest(Least(Value(after), _floor_before(center.pk, recent - slack)),
                     _floor_before(center.pk, now - datetime.timedelta(seconds=FEED_MAX_AGE_SECONDS)))
    return (TicketEvent.objects.filter(center_id=center.pk, action__in=ANNOUNCED, id__gt=lower)
            .filter(Q(id__gt=after) | Q(at__gte=recent)).order_by("-id")[:FEED_MAX])


def feed(center, *, after: int, now: datetime.datetime | None = None) -> tuple[list[Call], int]:
    """The calls and recalls of the board's center made after event `after` or in the last FEED_RECENT_SECONDS,
    ordered by (at, id) — at most FEED_MAX of them, none older than FEED_MAX_AGE_SECONDS (a board back from an outage,
    or a client asking after=0, gets the last minutes, not the center's history) —; and the largest event id seen
    (the board's next `after`). One query."""
    calls = sorted(_calls(feed_queryset(center, after=after, now=now or timezone.now())), key=lambda c: (c.at, c.id))
    return calls, max([after] + [c.id for c in calls])


@dataclass(frozen=True)
class WindowState:
    number: int
    state: str  # closed | paused | idle | called | serving
    ticket: str  # the number at the window ('' none)
    label: str

    def as_json(self) -> dict:
        return {"number": self.number, "state": self.state, "ticket": self.ticket, "label": self.label}


def window_states(center) -> list[WindowState]:
    """Each window of the center: closed (nobody holds it), paused, idle, or the number called to it or served at
    it. Three queries."""
    from doorstep.org.models import Window

    windows = list(Window.objects.filter(center_id=center.pk).order_by("number").values_list("id", "number"))
    ids = [pk for pk, _number in windows]
    sessions = dict(WindowSession.objects.filter(window_id__in=ids, closed_at__isnull=True)
                    .values_list("window_id", "paused_at"))
    at_window = {w: (f"{p}{s:03d}", state) for w, p, s, state in Ticket.objects.filter(
        window_id__in=ids, state__in=AT_WINDOW_STATES).order_by().values_list("window_id", "prefix", "seq", "state")}
    states = []
    for pk, number in windows:
        number_text, ticket_state = at_window.get(pk, ("", ""))
        if pk not in sessions:
            states.append(WindowState(number, "closed", "", gettext("未开放")))
        elif sessions[pk] is not None:
            states.append(WindowState(number, "paused", number_text, gettext("暂停服务")))
        elif ticket_state == TicketState.SERVING:
            states.append(WindowState(number, "serving", number_text, gettext("正在办理")))
        elif ticket_state == TicketState.CALLED:
            states.append(WindowState(number, "called", number_text, gettext("请到窗口")))
        else:
            states.append(WindowState(number, "idle", "", gettext("空闲")))
    return states
