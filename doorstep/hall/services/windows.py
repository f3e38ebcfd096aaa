"""Windows (窗口): a clerk opens one window at a time, pauses it with a reason, and calls tickets to it — the next one
it may serve (an all-purpose window any group, a dedicated window its item groups, a ticket sent to it by name
first in its class), or a chosen one —, recalls, skips a no-show after the policy's recalls, transfers to another
window or group, serves and finishes.

Never called twice, by the database: the next ticket is read `FOR UPDATE SKIP LOCKED` on PostgreSQL (two windows
pressing 下一位 at once get different people, or one gets nobody), and the call itself is `UPDATE … WHERE state =
'waiting'`, so a ticket another window took in the meantime is not taken again; a partial unique index lets a
window hold one ticket at a time, another one person one open window. SQLite serializes writers (BEGIN IMMEDIATE).
Sources: issue #14 item 5.
"""

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.ids import parse_id
from doorstep.core.plaintext import strip_invisible
from doorstep.hall.authority import Extra
from doorstep.hall.models import Ticket, TicketEvent, WindowSession
from doorstep.hall.services.common import (
    authorize,
    center_relations,
    local_day,
    policy_for,
    refused,
    ticket_relations,
)
from doorstep.hall.workflow import AT_WINDOW_STATES, MoveRefused, TicketAction, TicketState, ticket_next


def held_session(actor, *, lock: bool = False) -> WindowSession | None:
    """The actor's open window session, with its window and center, or None."""
    qs = WindowSession.objects.select_related("window__center__org_node").filter(user=actor, closed_at__isnull=True)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.first()


def _window_get(window_id):
    from doorstep.org.models import Window

    pk = parse_id(window_id)
    window = Window.objects.select_related("center__org_node").filter(pk=pk).first()
    if window is None:
        raise NotFound()
    return window


def window_open(*, actor, window_id, now: datetime.datetime | None = None) -> WindowSession:
    """Open a window for the actor (开窗). Errors: NotFound, PermissionDenied (clerks of the window's center),
    Conflict when the actor already holds a window or someone else holds this one. Audit window.open."""
    now = now or timezone.now()
    window = _window_get(window_id)
    authorize(actor, Extra.OPEN_WINDOW, center_relations(actor, window.center))
    with transaction.atomic():
        mine = held_session(actor)
        if mine is not None:
            if mine.window_id == window.pk:
                return mine
            raise Conflict(gettext("您正在{window}值守：一人不能同时占用两个窗口，请先关闭该窗口。").format(
                window=mine.window))
        try:
            with transaction.atomic():
                session = WindowSession.objects.create(window=window, user=actor, opened_at=now)
        except IntegrityError:
            raise Conflict(gettext("{window}已有工作人员值守。").format(window=window)) from None
        audit_record(actor=actor, action="window.open", target=window)
    return session


def window_close(*, actor, now: datetime.datetime | None = None) -> WindowSession:
    """Close the actor's window (关窗). Conflict while a ticket is called to it or served at it, or when the actor
    holds none. Audit window.close."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _my_session(actor)
        if Ticket.objects.filter(window=session.window, state__in=AT_WINDOW_STATES).exists():
            raise Conflict(gettext("窗口还有正在叫号或办理的号：请先办结、过号或转移，再关闭窗口。"))
        _end_pause(session, now)
        session.closed_at = now
        session.save(update_fields=["closed_at", "paused_at", "pause_reason", "paused_seconds"])
        audit_record(actor=actor, action="window.close", target=session.window)
    return session


def _my_session(actor) -> WindowSession:
    session = held_session(actor, lock=True)
    if session is None:
        raise Conflict(gettext("您还没有开窗：请先选择窗口并开窗。"))
    return session


def _end_pause(session: WindowSession, now: datetime.datetime) -> None:
    if session.paused_at:
        session.paused_seconds += max(int((now - session.paused_at).total_seconds()), 0)
        session.paused_at, session.pause_reason = None, ""


def window_pause(*, actor, reason: str, now: datetime.datetime | None = None) -> WindowSession:
    """Pause the actor's window with a reason (暂停服务): it calls nobody until resumed; the board shows it paused.
    ValidationFailed without a reason. Audit window.pause."""
    now = now or timezone.now()
    reason = strip_invisible(reason or "").strip()
    if not reason:
        raise ValidationFailed(gettext("请填写暂停原因。"), field="reason")
    with transaction.atomic():
        session = _my_session(actor)
        if session.paused_at:
            raise Conflict(gettext("窗口已暂停。"))
        session.paused_at, session.pause_reason = now, reason[:100]
        session.save(update_fields=["paused_at", "pause_reason"])
        audit_record(actor=actor, action="window.pause", target=session.window, reason=reason[:300])
    return session


def window_resume(*, actor, now: datetime.datetime | None = None) -> WindowSession:
    now = now or timezone.now()
    with transaction.atomic():
        session = _my_session(actor)
        if not session.paused_at:
            raise Conflict(gettext("窗口没有暂停。"))
        _end_pause(session, now)
        session.save(update_fields=["paused_at", "pause_reason", "paused_seconds"])
        audit_record(actor=actor, action="window.resume", target=session.window)
    return session


def _groups_q(window) -> Q:
    """The tickets a window may call: an all-purpose window any group, a dedicated one its groups; a ticket sent to
    a window by name only by that window."""
    q = Q(target_window__isnull=True) | Q(target_window=window)
    if not window.is_general:
        codes = list(window.categories.values_list("code", flat=True))
        q &= Q(pool__in=codes) | Q(target_window=window)
    return q


def _record(ticket: Ticket, action: TicketAction, *, actor, now, note: str = "") -> None:
    TicketEvent.objects.create(center_id=ticket.center_id, ticket=ticket, action=action, window_id=ticket.window_id,
                               actor=actor, at=now, note=note[:200])
    audit_record(actor=actor, action=f"ticket.{action}", target=ticket, target_label=ticket.number,
                 summary={"window": ticket.window_id} if ticket.window_id else {})


def _ready_session(actor) -> WindowSession:
    session = _my_session(actor)
    if session.paused_at:
        raise Conflict(gettext("窗口已暂停，请先恢复服务再叫号。"))
    if Ticket.objects.filter(window=session.window, state__in=AT_WINDOW_STATES).exists():
        raise Conflict(gettext("当前还有号在窗口：请先办结、过号或转移，再叫下一位。"))
    return session


def ticket_call_next(*, actor, now: datetime.datetime | None = None) -> Ticket | None:
    """Call the next ticket the actor's window may serve (下一位): lowest priority rank first, then first come first
    served (queued_at, then id). Result: the called Ticket, or None when nobody is waiting for this window.
    Errors: Conflict (no open window, paused, a ticket still at the window), PermissionDenied. Side effects: a call
    event (the board's feed), audit ticket.call."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _ready_session(actor)
        window = session.window
        authorize(actor, TicketAction.CALL, center_relations(actor, window.center))
        waiting = (Ticket.objects.filter(center_id=window.center_id, day=local_day(now), state=TicketState.WAITING)
                   .filter(_groups_q(window)).order_by("priority_rank", "queued_at", "id"))
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True, of=("self",))
        for ticket in waiting[:3]:  # the first one not taken meanwhile (never more than one under SKIP LOCKED)
            if _take(ticket, window=window, actor=actor, now=now):
                return ticket
    return None


def _take(ticket: Ticket, *, window, actor, now) -> bool:
    try:
        ticket_next(ticket.state, TicketAction.CALL)
    except MoveRefused:
        return False
    taken = Ticket.objects.filter(pk=ticket.pk, state=TicketState.WAITING).update(
        state=TicketState.CALLED, window=window, target_window=None, called_at=Coalesce("called_at", Value(now)),
        served_by=actor, recalls=0)
    if not taken:
        return False
    ticket.state, ticket.window, ticket.window_id = TicketState.CALLED, window, window.pk
    ticket.called_at = ticket.called_at or now
    ticket.served_by, ticket.recalls, ticket.target_window = actor, 0, None
    _record(ticket, TicketAction.CALL, actor=actor, now=now)
    return True


def ticket_call_chosen(*, actor, ticket_id, now: datetime.datetime | None = None) -> Ticket:
    """Call a chosen waiting ticket of today to the actor's window (选号呼叫: an elderly person seen at the door,
    a ticket sent back). Errors as ticket_call_next, NotFound, Conflict when it is no longer waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _ready_session(actor)
        authorize(actor, Extra.CALL_CHOSEN, center_relations(actor, session.window.center))
        ticket = _ticket_here(ticket_id, session, now)
        if not _take(ticket, window=session.window, actor=actor, now=now):
            raise Conflict(gettext("{number}号已被其他窗口叫走或已不在等候。").format(number=ticket.number))
    return ticket


def _ticket_here(ticket_id, session, now) -> Ticket:
    pk = parse_id(ticket_id)
    ticket = Ticket.objects.filter(pk=pk, center_id=session.window.center_id, day=local_day(now)).first()
    if ticket is None:
        raise NotFound()
    return ticket


def _at_my_window(actor, action: TicketAction) -> tuple[WindowSession, Ticket]:
    session = _my_session(actor)
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("center__org_node", "booking")
              .filter(window=session.window, state__in=AT_WINDOW_STATES).first())
    if ticket is None:
        raise Conflict(gettext("窗口当前没有号。"))
    authorize(actor, action, ticket_relations(actor, ticket, held_window_id=session.window_id))
    return session, ticket


def _move(ticket: Ticket, action: TicketAction, **guards) -> TicketState:
    try:
        return ticket_next(ticket.state, action, **guards)
    except MoveRefused as exc:
        raise refused(exc) from None


def ticket_recall(*, actor, now: datetime.datetime | None = None) -> Ticket:
    """Call the ticket at the actor's window again (重呼): the board announces it again. Audit ticket.recall."""
    now = now or timezone.now()
    with transaction.atomic():
        _session, ticket = _at_my_window(actor, TicketAction.RECALL)
        _move(ticket, TicketAction.RECALL)
        Ticket.objects.filter(pk=ticket.pk).update(recalls=F("recalls") + 1)
        ticket.recalls += 1
        _record(ticket, TicketAction.RECALL, actor=actor, now=now)
    return ticket


def ticket_skip(*, actor, now: datetime.datetime | None = None) -> Ticket:
    """Strike the called ticket off as a no-show (过号) once it has been recalled HallPolicy.recalls_before_skip
    times. Conflict before that, or when it is being served. Audit ticket.skip."""
    now = now or timezone.now()
    with transaction.atomic():
        _session, ticket = _at_my_window(actor, TicketAction.SKIP)
        policy = policy_for(ticket.center)
        after = _move(ticket, TicketAction.SKIP, recalls=ticket.recalls,
                      recalls_before_skip=policy.recalls_before_skip)
        ticket.state, ticket.finished_at = after, now
        ticket.save(update_fields=["state", "finished_at"])
        _record(ticket, TicketAction.SKIP, actor=actor, now=now)
    return ticket


def ticket_start(*, actor, now: datetime.datetime | None = None) -> Ticket:
    """The called person is at the window (开始办理). Audit ticket.start."""
    now = now or timezone.now()
    with transaction.atomic():
        _session, ticket = _at_my_window(actor, TicketAction.START)
        ticket.state = _move(ticket, TicketAction.START)
        ticket.started_at = now
        ticket.save(update_fields=["state", "started_at"])
        _record(ticket, TicketAction.START, actor=actor, now=now)
    return ticket


def ticket_transfer(*, actor, to_window_id=None, to_group: str = "", note: str = "",
                    now: datetime.datetime | None = None) -> Ticket:
    """Send the ticket at the actor's window to another window of the center (by name) or to an item group (转移):
    it waits again, keeping its place in its class (its queued_at), so the person is not sent to the back.
    ValidationFailed without a destination, for this same window or another center's. Audit ticket.transfer."""
    from doorstep.catalog.models import Category

    now = now or timezone.now()
    to_group = (to_group or "").strip()
    with transaction.atomic():
        session, ticket = _at_my_window(actor, TicketAction.TRANSFER)
        target = None
        if to_window_id not in (None, ""):
            target = _window_get(to_window_id)
            if target.center_id != ticket.center_id:
                raise ValidationFailed(gettext("只能转到本中心的窗口。"), field="to_window")
            if target.pk == session.window_id:
                raise ValidationFailed(gettext("不能转给本窗口。"), field="to_window")
        elif to_group:
            if not Category.objects.filter(code=to_group).exists():
                raise ValidationFailed(gettext("业务类别无效。"), field="to_group")
        else:
            raise ValidationFailed(gettext("请选择转到哪个窗口或哪类业务。"), field="to_window")
        after = _move(ticket, TicketAction.TRANSFER)
        _record(ticket, TicketAction.TRANSFER, actor=actor, now=now,
                note=str(target) if target else to_group)
        ticket.state, ticket.window, ticket.target_window = after, None, target
        if to_group and target is None:
            ticket.pool = to_group
        ticket.transfers += 1
        ticket.started_at = None  # called_at stays: the wait ended at the first call (hall.figures)
        ticket.save(update_fields=["state", "window", "target_window", "pool", "transfers", "started_at"])
    return ticket


def ticket_finish(*, actor, case=None, now: datetime.datetime | None = None) -> Ticket:
    """The ticket at the actor's window is served (办结): with the case it became, when one was taken in (the case
    must be the actor's own, for the ticket's resident). Audit ticket.finish."""
    now = now or timezone.now()
    with transaction.atomic():
        _session, ticket = _at_my_window(actor, TicketAction.FINISH)
        ticket.state = _move(ticket, TicketAction.FINISH)
        if case is not None:
            if case.first_contact_id != actor.pk or (ticket.applicant_id and case.applicant_id != ticket.applicant_id):
                raise ValidationFailed(gettext("该办件不是本窗口为此号受理的办件。"), field="case")
            ticket.case = case
            if ticket.applicant_id is None:
                ticket.applicant_id = case.applicant_id
        ticket.finished_at = now
        ticket.save(update_fields=["state", "finished_at", "case", "applicant"])
        _record(ticket, TicketAction.FINISH, actor=actor, now=now)
    return ticket


def ticket_cancel(*, actor, ticket_id, now: datetime.datetime | None = None) -> Ticket:
    """A waiting ticket leaves the queue (取消排队): its resident, or a clerk of the center. Audit ticket.cancel."""
    from doorstep.hall.services.arrival import ticket_get

    now = now or timezone.now()
    with transaction.atomic():
        ticket = ticket_get(ticket_id)
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("center__org_node").get(pk=ticket.pk)
        authorize(actor, TicketAction.CANCEL, ticket_relations(actor, ticket))
        ticket.state = _move(ticket, TicketAction.CANCEL)
        ticket.finished_at = now
        ticket.save(update_fields=["state", "finished_at"])
        _record(ticket, TicketAction.CANCEL, actor=actor, now=now)
    return ticket
