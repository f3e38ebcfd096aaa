"""Arrival (签到取号): a booked resident checks in by booking code, QR code (the same code) or ID card number, typed
or read by the card reader; anyone else takes a walk-in ticket. The ticket's class comes from the priority rules
(PriorityRule, data): age, a registered disability, a declaration at the desk, an on-time booking; first come first
served within a class. Ticket numbers are per center and Beijing-time day and prefix (A001 walk-in, Y001 booked),
from a counter row taken by one INSERT … ON CONFLICT DO UPDATE … RETURNING, so two desks never print one number.
Sources: issue #14 item 4; GB/T 32169.2-2015 (排队叫号).
"""

import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.core.ids import parse_id
from doorstep.hall.authority import Extra
from doorstep.hall.models import Booking, PriorityRule, Ticket, TicketCounter, TicketEvent
from doorstep.hall.services.common import (
    active_priority_rules,
    authorize,
    booking_relations,
    center_get,
    center_relations,
    local_day,
    policy_for,
    refused,
)
from doorstep.hall.workflow import BookingAction, BookingState, MoveRefused, booking_next

WALK_IN_PREFIX = "A"
BOOKED_PREFIX = "Y"


def ticket_next_seq(center, *, day: datetime.date, prefix: str) -> int:
    """The next sequence number of `prefix` at `center` on `day` (Beijing time). One statement; the counter row
    stays locked until the caller's transaction commits, so concurrent desks wait and never share a number."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} (center_id, day, prefix, last) VALUES (%s, %s, %s, 1) "
                    f"ON CONFLICT (center_id, day, prefix) DO UPDATE SET last = {table}.last + 1 RETURNING last",
                    [center.pk, day, prefix])
        return cur.fetchone()[0]


def priority_for(*, applicant, declared: str, booking: Booking | None, now: datetime.datetime,
                 rules: list[PriorityRule], policy) -> PriorityRule | None:
    """The first-ranked active rule that applies (lowest rank), or None when no rule applies at all. `declared` is
    the code of a declared rule the desk chose (孕妇 …), '' for none; unknown codes are refused."""
    from doorstep.registry.selectors import resident_age

    applies = []
    codes = {r.code: r for r in rules}
    if declared:
        rule = codes.get(declared)
        if rule is None or rule.basis != PriorityRule.Basis.DECLARED:
            raise ValidationFailed(gettext("优先类别无效。"), field="priority")
        applies.append(rule)
    for rule in rules:
        if rule.basis == PriorityRule.Basis.AGE and applicant is not None and rule.min_age is not None:
            if resident_age(applicant, local_day(now)) >= rule.min_age:
                applies.append(rule)
        elif rule.basis == PriorityRule.Basis.DISABLED and applicant is not None and applicant.is_disabled:
            applies.append(rule)
        elif rule.basis == PriorityRule.Basis.ON_TIME_BOOKING and booking is not None:
            early = booking.starts_at - datetime.timedelta(minutes=policy.on_time_early_minutes)
            late = booking.starts_at + datetime.timedelta(minutes=policy.on_time_late_minutes)
            if early <= now <= late:
                applies.append(rule)
        elif rule.basis == PriorityRule.Basis.STANDARD:
            applies.append(rule)
    return min(applies, key=lambda r: (r.rank, r.code)) if applies else None


def _issue(*, actor, center, prefix: str, applicant, booking, item, declared: str,
           now: datetime.datetime) -> Ticket:
    policy = policy_for(center)
    rule = priority_for(applicant=applicant, declared=declared, booking=booking, now=now,
                        rules=active_priority_rules(), policy=policy)
    day = local_day(now)
    ticket = Ticket.objects.create(
        center=center, day=day, prefix=prefix, seq=ticket_next_seq(center, day=day, prefix=prefix),
        booking=booking, item=item, pool=item.category.code if item else "", applicant=applicant, priority_rank=rule.rank if rule else 99,
        priority_rule=rule, issued_by=actor, issued_at=now, queued_at=now)
    TicketEvent.objects.create(center=center, ticket=ticket, action="issue", actor=actor, at=now)
    return ticket


def _booking_by(center, *, code: str, id_number: str, now: datetime.datetime) -> Booking:
    """Today's booking at `center` found by its code or its resident's ID number. NotFound when there is none."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    bookings = Booking.objects.filter(center=center, day=local_day(now)).select_related("applicant", "item",
                                                                                         "center__org_node")
    if code:
        if len(code) != 8:
            raise ValidationFailed(gettext("预约码是8位数字。"), field="code")
        found = bookings.filter(code=code).first()
    elif (id_number or "").strip():
        found = bookings.filter(applicant_id__in=_residents_by_id_number(id_number)).order_by(
            "state", "starts_at").first()
    else:
        raise ValidationFailed(gettext("请输入预约码，或刷/输入身份证号。"), field="code")
    if found is None:
        raise NotFound(gettext("没有找到本中心今天的这个预约：请核对预约码或身份证号，或现场取号。"))
    return found


def _residents_by_id_number(text: str) -> list[int]:
    from doorstep.core.crypto import blind_index
    from doorstep.core.idnumbers import document_candidates, parse_document
    from doorstep.registry.models import Resident

    documents = document_candidates(text.strip())
    if not documents:
        parse_document(text.strip(), "auto", field="id_number")  # raises why an ID-card-shaped number is wrong
        raise ValidationFailed(gettext("证件号码格式不对，请核对。"), field="id_number")
    digests = [blind_index("id", d.index_value) for d in documents]
    return list(Resident.objects.filter(id_number_index__in=digests).values_list("pk", flat=True))


def ticket_check_in(*, actor, center_id, code: str = "", id_number: str = "", declared: str = "",
                    idempotency_key: str, now: datetime.datetime | None = None) -> Ticket:
    """Check a booked resident in at the center and give them a Y ticket.

    Preconditions: the actor is a clerk of the center (hall authority CHECK_IN); the booking is today's, at this
    center, still booked. Result: the Ticket, its class from the priority rules (an on-time booking ranks above a
    walk-in). Errors: ValidationFailed (bad code or ID number), NotFound (no such booking today here),
    PermissionDenied, Conflict (already checked in — two desks confirming one booking: one wins —, cancelled or
    missed). Side effects: the booking becomes arrived; audit ticket.check_in. Idempotent by idempotency_key.
    """
    now = now or timezone.now()
    center = center_get(center_id)
    authorize(actor, BookingAction.CHECK_IN, center_relations(actor, center))
    found = _booking_by(center, code=code, id_number=id_number, now=now)

    def create() -> Ticket:
        booking = Booking.objects.select_for_update(of=("self",)).select_related(
            "applicant", "item__category", "center__org_node").get(pk=found.pk)
        authorize(actor, BookingAction.CHECK_IN, booking_relations(actor, booking))
        if booking.state == BookingState.ARRIVED:
            number = Ticket.objects.filter(booking=booking).values_list("prefix", "seq").first()
            shown = f"{number[0]}{number[1]:03d}" if number else ""
            raise Conflict(gettext("该预约已签到（号码 {number}），不能重复取号。").format(number=shown))
        try:
            after = booking_next(booking.state, BookingAction.CHECK_IN)
        except MoveRefused as exc:
            raise refused(exc) from None
        booking.state, booking.changed_at = after, now
        booking.save(update_fields=["state", "changed_at"])
        ticket = _issue(actor=actor, center=center, prefix=BOOKED_PREFIX, applicant=booking.applicant,
                        booking=booking, item=booking.item, declared=declared, now=now)
        audit_record(actor=actor, action="ticket.check_in", target=ticket,
                     summary={"booking": booking.code, "rank": ticket.priority_rank})
        return ticket

    inputs = {"center": center.pk, "booking": found.pk, "declared": declared}
    ticket, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="ticket.check_in", inputs=inputs,
                                          create=create)
    return ticket


def ticket_walk_in(*, actor, center_id, item_code: str = "", applicant_id=None, declared: str = "",
                   idempotency_key: str, now: datetime.datetime | None = None) -> Ticket:
    """Give a walk-in an A ticket at the center: for an item when known (so a dedicated window may call it), for
    a resident found by the desk when known (age and disability classes apply), else a standard ticket.
    Errors: ValidationFailed, NotFound, PermissionDenied (hall authority WALK_IN: clerks of the center). Audit
    ticket.walk_in. Idempotent by idempotency_key."""
    from doorstep.cases.services.common import _active_item

    now = now or timezone.now()
    center = center_get(center_id)
    authorize(actor, Extra.WALK_IN, center_relations(actor, center))
    item = _active_item(item_code) if (item_code or "").strip() else None
    if item is not None:
        item = type(item).objects.select_related("category").get(pk=item.pk)
    applicant = None
    if applicant_id not in (None, ""):
        from doorstep.cases.services.intake import applicant_for_intake

        applicant = applicant_for_intake(actor, applicant_id)

    def create() -> Ticket:
        ticket = _issue(actor=actor, center=center, prefix=WALK_IN_PREFIX, applicant=applicant, booking=None,
                        item=item, declared=declared, now=now)
        audit_record(actor=actor, action="ticket.walk_in", target=ticket, summary={"rank": ticket.priority_rank})
        return ticket

    inputs = {"center": center.pk, "item": item.code if item else "", "applicant": applicant.pk if applicant else None,
              "declared": declared}
    ticket, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="ticket.walk_in", inputs=inputs,
                                          create=create)
    return ticket


def ticket_get(ticket_id) -> Ticket:
    pk = parse_id(ticket_id)
    ticket = Ticket.objects.select_related("center__org_node", "window").filter(pk=pk).first()
    if ticket is None:
        raise NotFound()
    return ticket

