"""What the hall's staff pages read (issue #14 items 4 and 5): the clerk's own center, the arrival desk (today's
bookings not yet arrived, the waiting list, the ticket just issued and its printed slip) and the window console (the
window the clerk holds, the ticket at it and the buttons the authority table and the ticket machine allow, the
center's windows with who holds each). Every read is cut to the clerk's center; writes are hall.services."""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.paging import Page, paginate
from doorstep.core.plaintext import strip_invisible
from doorstep.hall.authority import Extra, permitted
from doorstep.hall.models import Booking, PriorityRule, Ticket, WindowSession
from doorstep.hall.selectors.queue import QueuePlace, queue_place, ticket_token
from doorstep.hall.services.common import center_relations, local_day, policy_for, ticket_relations
from doorstep.hall.services.windows import held_session
from doorstep.hall.workflow import (
    AT_WINDOW_STATES,
    TICKET_MOVES,
    BookingAction,
    BookingState,
    TicketAction,
    TicketState,
)

DESK_PAGE_SIZE = 10  # rows per page of the desk's two lists and the console's waiting list
TEXT_MAX = 60  # a booking code, an ID number or a scanned link: anything longer is not one
ID_MAX_DIGITS = 18  # a row id from a form or a path: more digits overflow the database's 64-bit integer
_CODE = re.compile(r"\d{8}")
_CODE_IN_LINK = re.compile(r"(?<!\d)(\d{8})(?!\d)")


def row_id(raw, *, field_name: str = "id") -> int:
    """A row id sent by a form or a path, as an int. NotFound for anything but 1–18 digits (a longer number would
    overflow the database's integer and become a 500, not a refusal)."""
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > ID_MAX_DIGITS:
        raise NotFound()
    return int(text)


def clerk_center(user):
    """The service center of the clerk's own org node (a station's clerk: the station; a street's: the street's
    center), or None when the node has none. One query."""
    from doorstep.org.models import ServiceCenter

    if not getattr(user, "org_node_id", None):
        return None
    return (ServiceCenter.objects.select_related("org_node").filter(org_node_id=user.org_node_id)
            .order_by("id").first())


def arrival_input(raw: str) -> tuple[str, str]:
    """What the desk's one check-in field holds, as (booking code, ID number): eight digits are a booking code (typed,
    or read by the QR scanner, which types the code then Enter); a scanned link that ends in eight digits is its
    code; anything else is an ID number, typed or read by the card reader. ValidationFailed when it is longer than
    any of them."""
    text = strip_invisible(str(raw or "")).strip()
    if len(text) > TEXT_MAX:
        raise ValidationFailed(gettext("输入过长：请输入8位预约码，或刷/输入身份证号。"), field="code")
    compact = re.sub(r"[\s\-－‐]", "", text)  # a code copied from a phone: "4455 3647", "4455-3647"
    if compact.isascii() and compact.isdigit() and len(compact) < 15:
        return compact, ""  # a short number is a mistyped code (the service says a code has 8 digits)  # a short number is a mistyped code (the service says a code has 8 digits)
    if "/" in text:
        found = _CODE_IN_LINK.findall(text)
        if found:
            return found[-1], ""
    return "", text


def declared_rules() -> list[PriorityRule]:
    """The active priority classes a person declares at the desk (孕妇, 怀抱婴儿 …): the desk's select."""
    return list(PriorityRule.objects.filter(is_active=True, basis=PriorityRule.Basis.DECLARED).order_by("rank", "code"))


def desk_items() -> list[tuple[str, str]]:
    """(code, name) of the active catalog items, for the walk-in form's search list."""
    from doorstep.catalog.models import ServiceItem

    return list(ServiceItem.objects.filter(is_active=True).order_by("category__order", "code")
                .values_list("code", "name"))


def item_code_for(text: str) -> str:
    """The code of the active item a walk-in form names — by its code or its exact name, as the search list offers
    them ("MZ-C01" or "MZ-C01 老年人优待证办理") —, '' for none. ValidationFailed for one that is not there."""
    from doorstep.catalog.models import ServiceItem

    text = strip_invisible(str(text or "")).strip()
    if not text:
        return ""
    if len(text) > 120:
        raise ValidationFailed(gettext("事项名称过长：请从列表中选择事项。"), field="item")
    first = text.split()[0]
    active = ServiceItem.objects.filter(is_active=True)
    found = active.filter(Q(code=first) | Q(name=text)).values_list("code", flat=True).first()
    if found is not None:
        return found
    partial = list(active.filter(name__contains=text).order_by("code").values_list("code", "name")[:6])
    if len(partial) == 1:
        return partial[0][0]  # part of one item's name (老年人优待 → 老年人优待证办理)
    if partial:
        names = pgettext("list separator", "、").join(name for _code, name in partial[:5])
        raise ValidationFailed(gettext("有多个事项包含“{text}”：{names}……请从列表中选择一个。").format(
            text=text, names=names), field="item")
    raise ValidationFailed(gettext("没有找到该事项：请从列表中选择，或不选事项直接取号。"), field="item")


def bookings_waiting(center, *, today: datetime.date, page: int = 1) -> Page:
    """Today's bookings at the center not yet checked in, by their time (two queries)."""
    qs = (Booking.objects.filter(center=center, day=today, state=BookingState.BOOKED)
          .select_related("item", "applicant").order_by("starts_at", "id"))
    return paginate(qs, page=page, size=DESK_PAGE_SIZE)


def waiting_tickets(center, *, today: datetime.date, page: int = 1, now: datetime.datetime | None = None) -> Page:
    """The center's waiting tickets of the day in queue order (priority class, then first come first served), each
    with `place` (1 = next) and `waited` minutes. Two queries."""
    now = now or timezone.now()
    qs = (Ticket.objects.filter(center=center, day=today, state=TicketState.WAITING)
          .select_related("priority_rule", "item", "target_window").order_by("priority_rank", "queued_at", "id"))
    result = paginate(qs, page=page, size=DESK_PAGE_SIZE)
    first = ((result.number or 1) - 1) * result.size
    for i, ticket in enumerate(result.items, start=1):
        ticket.place = first + i
        ticket.waited = max(int((now - ticket.queued_at).total_seconds() // 60), 0)
    return result


def class_label(ticket: Ticket) -> str:
    return ticket.priority_rule.label if ticket.priority_rule_id else gettext("普通")


def ticket_at_center(user, ticket_id, *, center=None) -> Ticket:
    """A ticket of the clerk's own center (the desk's issued ticket, its printed slip). NotFound for a malformed id,
    a missing ticket and another center's alike. `center`: the clerk's center when the caller has read it."""
    pk = row_id(ticket_id)
    center = center or clerk_center(user)
    ticket = (Ticket.objects.select_related("center", "priority_rule", "item", "window").filter(pk=pk).first()
              if center is not None else None)
    if ticket is None or ticket.center_id != center.pk:
        raise NotFound()
    return ticket


def public_ticket_url(ticket: Ticket) -> str:
    """The address of the ticket's public page (number, place, wait — nothing personal) under the configured public
    base URL (core.links), for the QR code on the slip; '' while that page is not routed."""
    from doorstep.core.links import public_url

    try:
        path = reverse("hall:ticket-public", args=[ticket_token(ticket)])
    except NoReverseMatch:
        return ""
    return public_url(path)


@dataclass
class Desk:
    center: object
    may_check_in: bool = False
    may_walk_in: bool = False
    rules: list = field(default_factory=list)
    items: list = field(default_factory=list)
    bookings: Page | None = None
    waiting: Page | None = None
    issued: Ticket | None = None
    issued_place: QueuePlace | None = None


def desk_for(user, *, booking_page: int = 1, waiting_page: int = 1, issued_id=None,
             now: datetime.datetime | None = None) -> Desk:
    """The arrival desk of the clerk's center: the forms the authority table lets them use, today's bookings not yet
    arrived, the waiting list, and the ticket just issued (`issued_id`, a ticket of this center, with its place in
    the queue). A clerk whose node has no center gets Desk(center=None): the page says so."""
    now = now or timezone.now()
    center = clerk_center(user)
    if center is None:
        return Desk(center=None)
    held = frozenset(center_relations(user, center))
    today = local_day(now)
    desk = Desk(center=center, may_check_in=permitted(user.role, BookingAction.CHECK_IN, held),
                may_walk_in=permitted(user.role, Extra.WALK_IN, held))
    if desk.may_check_in or desk.may_walk_in:
        desk.rules = declared_rules()
    if desk.may_walk_in:
        desk.items = desk_items()
    desk.bookings = bookings_waiting(center, today=today, page=booking_page)
    desk.waiting = waiting_tickets(center, today=today, page=waiting_page, now=now)
    if issued_id:
        desk.issued = ticket_at_center(user, issued_id, center=center)
        desk.issued.class_label = class_label(desk.issued)
        desk.issued_place = queue_place(desk.issued, now=now)
    return desk


# ---- the window console --------------------------------------------------------------------------------------------

# The buttons of a ticket at the window, each drawn when the ticket machine has the move from the ticket's state
# and the authority table lets the clerk take it from where they stand.
TICKET_BUTTONS = (TicketAction.RECALL, TicketAction.START, TicketAction.SKIP, TicketAction.TRANSFER,
                  TicketAction.FINISH)


@dataclass
class WindowRow:
    window: object
    holder: str = ""  # who holds it ('' when free)
    mine: bool = False


@dataclass
class Console:
    center: object
    session: WindowSession | None = None
    ticket: Ticket | None = None
    buttons: frozenset = frozenset()
    recalls_left: int = 0  # recalls still needed before 过号 is allowed
    windows: list = field(default_factory=list)  # WindowRow of the center, when the clerk holds none
    transfer_windows: list = field(default_factory=list)
    transfer_groups: list = field(default_factory=list)
    waiting: Page | None = None


def _at_window(session: WindowSession) -> Ticket | None:
    ticket = (Ticket.objects.select_related("item", "applicant", "priority_rule")
              .filter(window_id=session.window_id, state__in=AT_WINDOW_STATES).first())
    if ticket is not None:
        ticket.center = session.window.center  # read with its org node already: the relations need both
    return ticket


def ticket_buttons(user, *, center, session: WindowSession | None, ticket: Ticket | None, policy
                   ) -> tuple[frozenset, int]:
    """The console's buttons as names ("open", "next", "chosen", "pause", "resume", "close", "accept", and the ticket
    actions' values), and the recalls still needed before a skip. Each one only where hall.authority.permitted and
    the ticket machine (workflow.TICKET_MOVES) both allow it; no query beyond `policy`."""
    role, at_center = user.role, frozenset(center_relations(user, center))
    if session is None:
        return (frozenset({"open"}) if permitted(role, Extra.OPEN_WINDOW, at_center) else frozenset()), 0
    shown, paused, recalls_left = set(), session.paused_at is not None, 0
    if permitted(role, Extra.OPEN_WINDOW, at_center):
        shown.add("resume" if paused else "pause")
        if ticket is None:
            shown.add("close")
    if ticket is None:
        if not paused and permitted(role, TicketAction.CALL, at_center):
            shown.add("next")
        if not paused and permitted(role, Extra.CALL_CHOSEN, at_center):
            shown.add("chosen")
        return frozenset(shown), 0
    held = ticket_relations(user, ticket, held_window_id=session.window_id)
    state = TicketState(ticket.state)
    for action in TICKET_BUTTONS:
        if (state, action) not in TICKET_MOVES or not permitted(role, action, held):
            continue
        if action == TicketAction.SKIP and ticket.recalls < policy.recalls_before_skip:
            recalls_left = policy.recalls_before_skip - ticket.recalls
            continue
        shown.add(action.value)
    if state in AT_WINDOW_STATES and permitted(role, Extra.ACCEPT_CASE, held):
        from doorstep.accounts.pages import may_open

        if may_open(user, "window"):
            shown.add("accept")
    return frozenset(shown), recalls_left


def console_for(user, *, waiting_page: int = 1, now: datetime.datetime | None = None) -> Console:
    """The window console: the window the clerk holds with the ticket at it, its buttons and where it may be sent;
    or, holding none, the center's windows with who holds each. Always the center's waiting list. A clerk whose node
    has no center (and who holds no window) gets Console(center=None)."""
    from doorstep.catalog.models import Category
    from doorstep.org.models import Window

    now = now or timezone.now()
    session = held_session(user)
    center = session.window.center if session is not None else clerk_center(user)
    if center is None:
        return Console(center=None)
    console = Console(center=center, session=session)
    if session is None:
        holders = {s.window_id: s.user for s in WindowSession.objects.select_related("user")
                   .filter(window__center=center, closed_at__isnull=True)}
        console.windows = [WindowRow(w, holder=(holders[w.pk].full_name or holders[w.pk].username)
                                     if w.pk in holders else "")
                           for w in Window.objects.filter(center=center).order_by("number")]
        console.buttons, _left = ticket_buttons(user, center=center, session=None, ticket=None, policy=None)
    else:
        console.ticket = _at_window(session)
        policy = policy_for(center) if console.ticket is not None else None
        console.buttons, console.recalls_left = ticket_buttons(user, center=center, session=session,
                                                               ticket=console.ticket, policy=policy)
        if console.ticket is not None:
            console.ticket.class_label = class_label(console.ticket)
        if TicketAction.TRANSFER.value in console.buttons:
            staffed = Exists(WindowSession.objects.filter(window_id=OuterRef("pk"), closed_at__isnull=True))
            console.transfer_windows = list(Window.objects.filter(center=center).exclude(pk=session.window_id)
                                            .annotate(staffed=staffed).order_by("number"))
            console.transfer_groups = list(Category.objects.order_by("order", "code"))
    console.waiting = waiting_tickets(center, today=local_day(now), page=waiting_page, now=now)
    return console


# ---- the window intake page (cases) with a ticket ------------------------------------------------------------------

def ticket_at_my_window(user) -> Ticket | None:
    """The ticket called to or served at the window the clerk holds, with its item and applicant; None when the
    user holds no window or nobody is at it. Two queries (none for other roles)."""
    if getattr(user, "role", "") != "clerk":
        return None
    session = held_session(user)
    return _at_window(session) if session is not None else None


def board_url(center) -> str:
    return reverse("hall:board", args=[center.pk]) if center is not None else ""
