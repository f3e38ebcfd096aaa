"""What the hall's tests share: a fixed Monday in Beijing time, the demo's 展览桥 station and its clerk, residents
to book for, and one-line calls of the services with fresh idempotency keys."""

import datetime
from zoneinfo import ZoneInfo

from doorstep.accounts.models import User
from doorstep.conftest import found, user
from doorstep.core.idempotency import new_key
from doorstep.hall.models import Slot
from doorstep.hall.services.arrival import ticket_check_in, ticket_walk_in
from doorstep.hall.services.booking import booking_book
from doorstep.hall.services.slots import slots_release
from doorstep.org.models import ServiceCenter, Window
from doorstep.registry.models import Resident

BEIJING = ZoneInfo("Asia/Shanghai")


def _quiet_monday(after: datetime.date) -> datetime.date:
    """A Monday at least two weeks after `after` whose next 16 days (the days the tests use) hold no statutory
    holiday: past the release horizon of the demo's live bookings and never a day of its history, whatever the
    date the suite runs on. Holidays from the `holidays` package, which covers years the State Council has not
    announced yet (the calendar app falls back on it the same way)."""
    import holidays

    day = after + datetime.timedelta(days=14)
    day += datetime.timedelta(days=(7 - day.weekday()) % 7)
    while True:
        span = [day + datetime.timedelta(days=k) for k in range(16)]
        statutory = holidays.China(years=sorted({d.year for d in span}))
        if not any(d in statutory for d in span):
            return day
        day += datetime.timedelta(days=7)


_DAY = _quiet_monday(datetime.datetime.now(BEIJING).date())
MONDAY = datetime.datetime(_DAY.year, _DAY.month, _DAY.day, 9, 0, tzinfo=BEIJING)  # an ordinary working Monday
ITEM = "MZ-C01"  # 老年人优待证办理: an instant item of the demo catalog, 15 minutes at the window


def at(day: datetime.date, hh: int, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hh, mm, tzinfo=BEIJING)


def station() -> ServiceCenter:
    return ServiceCenter.objects.select_related("org_node").get(org_node__code="430302001002")


def clerk() -> User:
    return user("clerk_c001002")


def other_clerk() -> User:
    return user("clerk_c001001")


def residents(n: int, *, exclude=()) -> list[Resident]:
    return list(Resident.objects.filter(status="active").exclude(pk__in=list(exclude)).order_by("id")[:n])


def resident_account() -> User:
    return User.objects.select_related("resident", "org_node").filter(role="resident",
                                                                      resident__status="active").order_by("id")[0]


def book(actor, resident=None, *, start: datetime.datetime, item: str = ITEM, center=None, key: str | None = None,
         now: datetime.datetime = MONDAY):
    center = center or station()
    if resident is not None and actor.role == "clerk":
        found(actor, resident.pk)
    return booking_book(actor=actor, center_id=center.pk, item_code=item, starts_at=start,
                        applicant_id=resident.pk if resident is not None else None,
                        notice_read=True, idempotency_key=key or new_key(), now=now)


def first_slot_start(center=None, *, day: datetime.date, now: datetime.datetime = MONDAY, pool: str = ""):
    center = center or station()
    slots_release(center, now=now)
    return Slot.objects.filter(center=center, day=day, pool=pool).order_by("starts_at").first().starts_at


def walk_in(actor=None, *, now: datetime.datetime, applicant=None, item: str = "", declared: str = ""):
    actor = actor or clerk()
    if applicant is not None:
        found(actor, applicant.pk)
    return ticket_walk_in(actor=actor, center_id=station().pk, item_code=item,
                          applicant_id=applicant.pk if applicant else None, declared=declared,
                          idempotency_key=new_key(), now=now)


def check_in(booking, *, now: datetime.datetime, actor=None):
    return ticket_check_in(actor=actor or clerk(), center_id=booking.center_id, code=booking.code,
                           idempotency_key=new_key(), now=now)


def windows() -> list[Window]:
    return list(station().windows.order_by("number"))
