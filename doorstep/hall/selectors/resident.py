"""Reads behind the residents' hall pages (issue #14 items 1, 2 and 6): the booking form's choices — items, centers,
released days with their free places, a day's slots with the end a long item takes — one booking as its reader may
see it with the buttons the authority table and the state machine allow, a resident's bookings, today's tickets with
their place in the queue, and the public page behind a printed ticket's QR code.

Every read is scoped here: a booking is found only through a relation its reader holds (the resident it is for, a
clerk of its center, the grid worker who made it, a leader or administrator over its center); a missing booking and
another person's give the same NotFound.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from doorstep.core.errors import NotFound
from doorstep.core.paging import Page, paginate
from doorstep.hall.authority import Relation, permitted
from doorstep.hall.models import Booking, Slot, Ticket
from doorstep.hall.selectors.queue import QueuePlace, queue_place, ticket_token
from doorstep.hall.services.booking import pool_for, slots_needed
from doorstep.hall.services.common import booking_relations, local_day, policy_for
from doorstep.hall.services.slots import released_until, slots_release
from doorstep.hall.workflow import (
    ACTIVE_BOOKING_STATES,
    BOOKING_MOVES,
    ENDED_TICKET_STATES,
    BookingAction,
    BookingState,
    TicketState,
)

# Who reads a booking, by role: the relation that must hold (doorstep.hall.authority.Relation). Issue #14 item 2:
# the resident it is for, a clerk at its center, the grid worker who booked for an elderly resident; a leader or
# administrator over the center reads it (figures are theirs, not the acting). Any other role reads none.
READ_RELATIONS: dict[str, frozenset[Relation]] = {
    "resident": frozenset({Relation.SELF}),
    "clerk": frozenset({Relation.CENTER}),
    "grid_worker": frozenset({Relation.BOOKER}),
    "leader": frozenset({Relation.AREA}),
    "admin": frozenset({Relation.AREA}),
}
ITEMS_SHOWN = 60  # the booking form's item list (the district catalog holds about 50 active items)
MINE_TABS = ("upcoming", "past")
BOOKING_TEXT_MAX = 50  # a search box's text is cut to this before it reaches a query


# ---- the booking form's choices ------------------------------------------------------------------------------------

def bookable_items(query: str = "") -> list:
    """Active catalog items matching `query` (Chinese, full pinyin or initials: catalog.selectors.catalog_items),
    at most ITEMS_SHOWN, in the catalog's order."""
    from doorstep.catalog.selectors import catalog_items

    return list(catalog_items(query=str(query or "")[:BOOKING_TEXT_MAX])[:ITEMS_SHOWN])


def notice_item(code: str):
    """The item with its materials, as the catalog's item page shows its one-time notice; NotFound (Chinese) for a
    missing or inactive code."""
    from doorstep.catalog.selectors import catalog_item_get

    return catalog_item_get(str(code or "")[:20])


@dataclass
class CenterChoice:
    center: object  # org.ServiceCenter
    hours: list[str]  # opening hours as lines (周一至周五 08:30–12:00、14:00–17:30 …)
    rank: int  # 0 the applicant's own community, 1 their street's center, 2 elsewhere in their street, 3 the rest


def centers_for_booking(actor, applicant) -> list[CenterChoice]:
    """The centers `actor` may book at for `applicant`, each with its opening hours: a clerk only at their own
    center (HALL_AUTHORITY: clerk books at CENTER); a resident or grid worker at any center with opening hours
    (全区通办). Order: the applicant's own community station, then their street's center, then the rest of their
    street, then everything else by org code. Queries: two (centers, their hours)."""
    from doorstep.org.models import ServiceCenter

    qs = (ServiceCenter.objects.filter(opening_hours__isnull=False).distinct().select_related("org_node")
          .prefetch_related("opening_hours").order_by("org_node__code", "name"))
    if actor.role == "clerk":
        qs = qs.filter(org_node_id=actor.org_node_id) if actor.org_node_id else qs.none()
    path = getattr(applicant, "path", "") or ""
    community, street = path[:12], path[:9]

    def rank(center) -> tuple:
        code = center.org_node.code
        return (0 if code == community else 1 if code == street else 2 if code.startswith(street) else 3, code)

    # the center's hours as lines, shared with the printed papers (a read)
    from doorstep.cases.printing import hours_lines

    centers = sorted(qs, key=rank)
    return [CenterChoice(c, hours_lines(c), rank(c)[0] if path else 3) for c in centers]


@dataclass
class BookingGrid:
    """What the day and slot steps read for one center and item, read once: the center's policy, the pool the item
    is booked from (services.booking.pool_for) and how many consecutive slots it holds (slots_needed)."""

    center: object  # org.ServiceCenter
    item: object  # catalog.ServiceItem
    policy: object  # hall.HallPolicy
    pool: str
    needed: int


def booking_grid(center, item, *, now: datetime.datetime) -> BookingGrid:
    """Release the center's days up to its horizon (slots_release: idempotent, three queries once made), then read
    the policy and the item's pool (two queries)."""
    slots_release(center, now=now)
    policy = policy_for(center)
    return BookingGrid(center, item, policy, pool_for(center, item), slots_needed(item, policy))


@dataclass
class DayChoice:
    day: datetime.date
    free: int  # places left in the item's pool over the day's slots not yet begun
    slots: int  # slots not yet begun (0: closed that day, or over)

    @property
    def open(self) -> bool:
        return self.slots > 0 and self.free > 0


def booking_days(grid: BookingGrid, *, now: datetime.datetime) -> list[DayChoice]:
    """Every day from today to the center's release horizon (hall.services.slots.released_until) with the places
    left in the item's pool. One aggregate query."""
    first, last = local_day(now), released_until(grid.policy, now)
    rows = (Slot.objects.filter(center=grid.center, pool=grid.pool, day__gte=first, day__lte=last,
                                starts_at__gt=now)
            .values("day").annotate(free=Sum(F("capacity") - F("booked")), n=Count("id")))
    by_day = {r["day"]: (r["free"] or 0, r["n"]) for r in rows}
    days, day = [], first
    while day <= last:
        free, n = by_day.get(day, (0, 0))
        days.append(DayChoice(day, free, n))
        day += datetime.timedelta(days=1)
    return days


@dataclass
class SlotChoice:
    starts_at: datetime.datetime
    ends_at: datetime.datetime  # the end of the last slot a booking from here holds (a long item takes several)
    free: int  # places left in the first slot
    bookable: bool
    full: bool  # 已约满: this slot, or one the item runs on into, has no place left
    short: bool  # the day ends (or breaks) before the item would be done

    @property
    def value(self) -> str:
        """What the form sends back (services.booking.parse_start reads it)."""
        return timezone.localtime(self.starts_at).isoformat()


def booking_slots(grid: BookingGrid, day: datetime.date, *, now: datetime.datetime) -> list[SlotChoice]:
    """The slots of `day` not yet begun in the item's pool, each with the end time a booking from it would take
    (grid.needed consecutive slots, as services.booking.slots_for checks them) and whether it can be booked. One
    query."""
    n = grid.needed
    slots = list(Slot.objects.filter(center=grid.center, day=day, pool=grid.pool).order_by("starts_at"))
    choices = []
    for i, slot in enumerate(slots):
        if slot.starts_at <= now:
            continue
        run = slots[i:i + n]
        back_to_back = all(a.ends_at == b.starts_at for a, b in zip(run, run[1:], strict=False))
        short = len(run) < n or not back_to_back
        full = any(s.booked >= s.capacity for s in run)
        choices.append(SlotChoice(slot.starts_at, run[-1].ends_at, slot.free, not short and not full, full, short))
    return choices


def day_in_range(grid: BookingGrid, day: datetime.date, *, now: datetime.datetime) -> bool:
    """Whether `day` lies between today and the center's release horizon."""
    return local_day(now) <= day <= released_until(grid.policy, now)


# ---- one booking ---------------------------------------------------------------------------------------------------

def booking_get_for_user(user, booking_id) -> Booking:
    """A booking its reader may see (READ_RELATIONS), with its center, item and materials, applicant; NotFound for
    a malformed id, a missing booking and another person's alike."""
    try:
        pk = int(str(booking_id)[:12])
    except (TypeError, ValueError):
        raise NotFound() from None
    booking = (Booking.objects.select_related("center__org_node", "item__category", "applicant")
               .prefetch_related("item__materials", "center__opening_hours").filter(pk=pk).first())
    if booking is None or not (booking_relations(user, booking) & READ_RELATIONS.get(user.role, frozenset())):
        raise NotFound()
    return booking


@dataclass
class BookingButtons:
    cancel: bool = False
    reschedule: bool = False


def booking_buttons(user, booking: Booking, *, now: datetime.datetime) -> BookingButtons:
    """Which of cancel and reschedule to draw: the hall authority table allows the user from where they stand, the
    booking state machine has the move, and the booking's time has not begun (the services refuse after it)."""
    held = booking_relations(user, booking)
    before = booking.starts_at > now

    def may(action: BookingAction) -> bool:
        return (before and (BookingState(booking.state), action) in BOOKING_MOVES
                and permitted(user.role, action, held))

    return BookingButtons(cancel=may(BookingAction.CANCEL), reschedule=may(BookingAction.RESCHEDULE))


# ---- a resident's bookings and tickets ------------------------------------------------------------------------------

def my_bookings(user, *, tab: str, now: datetime.datetime, page: int = 1, cursor: str = "") -> Page:
    """The resident's own bookings: `upcoming` (still booked or checked in, from today on) soonest first, or `past`
    (everything else) latest first; paged (core.paging). Queries: a count and the page."""
    if not user.resident_id:
        return paginate(Booking.objects.none().order_by("pk"), page=1)
    today = local_day(now)
    mine = Booking.objects.filter(applicant_id=user.resident_id).select_related("center", "item")
    upcoming = Q(state__in=ACTIVE_BOOKING_STATES, day__gte=today)
    if tab == "past":
        qs = mine.exclude(upcoming).order_by("-starts_at", "-id")
    else:
        qs = mine.filter(upcoming).order_by("starts_at", "id")
    return paginate(qs, page=page, cursor=cursor)


@dataclass
class TicketView:
    """A ticket as its holder or the public page sees it: nothing personal."""

    ticket: Ticket
    number: str
    state: str
    center_name: str
    window_number: int | None  # the window it is called to or served at
    place: QueuePlace | None  # while waiting
    token: str = ""
    live: bool = field(default=True)  # not ended: worth refreshing


def ticket_view(ticket: Ticket, *, now: datetime.datetime) -> TicketView:
    """The ticket with its place in the queue (hall.selectors.queue.queue_place; three queries while waiting)."""
    return TicketView(ticket=ticket, number=ticket.number, state=ticket.state, center_name=ticket.center.name,
                      window_number=ticket.window.number if ticket.window_id else None,
                      place=queue_place(ticket, now=now) if ticket.state == TicketState.WAITING else None,
                      token=ticket_token(ticket), live=ticket.state not in ENDED_TICKET_STATES)


def my_tickets_today(user, *, now: datetime.datetime) -> list[TicketView]:
    """The resident's tickets of today (Beijing time), in the order they were taken. Queries: one, and three per
    waiting ticket."""
    if not user.resident_id:
        return []
    tickets = (Ticket.objects.filter(applicant_id=user.resident_id, day=local_day(now))
               .select_related("center", "window").order_by("issued_at", "id"))
    return [ticket_view(t, now=now) for t in tickets]
