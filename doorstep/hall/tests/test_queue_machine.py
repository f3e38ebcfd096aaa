"""A hypothesis state machine over the hall's queue services (issue #14 item 9's property tests): walk-ins of every
class arrive, two clerks open windows, call, recall, start, skip, transfer, finish and cancel in any order; whatever
succeeds —
- each call takes the first callable waiting ticket: lowest class, then first come first served within it (a known
  queue system served equal priorities last in, first out);
- no ticket is ever called twice without a transfer in between, and a window holds at most one ticket;
- every called ticket ends served, no-show, or back in the queue by a transfer."""

import datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from doorstep.core.errors import DomainError
from doorstep.hall.models import Ticket, TicketEvent, WindowSession
from doorstep.hall.services import windows as desk
from doorstep.hall.tests.helpers import MONDAY, clerk, station, walk_in, windows
from doorstep.hall.tests.test_queue import second_clerk
from doorstep.hall.workflow import AT_WINDOW_STATES, TicketState
from doorstep.registry.models import Resident


class QueueMachine(RuleBasedStateMachine):
    calls_made = 0

    @initialize()
    def hall(self):
        center = station()
        TicketEvent.objects.filter(center=center).delete()
        Ticket.objects.filter(center=center).delete()
        WindowSession.objects.all().delete()
        self.center = center
        self.clerks = [clerk(), second_clerk()]
        self.windows = windows()[:2]
        self.clock = MONDAY
        self.elder = Resident.objects.filter(status="active", birth_date__lt=datetime.date(1950, 1, 1)).first()
        for person, window in zip(self.clerks, self.windows, strict=True):  # the hall is open with a queue
            desk.window_open(actor=person, window_id=window.pk, now=self._tick())
        for kind in ("standard", "elder", "standard"):
            self.arrive(kind)

    def _tick(self) -> datetime.datetime:
        self.clock += datetime.timedelta(seconds=1)
        return self.clock

    def _try(self, fn, **kwargs):
        try:
            return fn(now=self._tick(), **kwargs)
        except DomainError:
            return None

    @rule(kind=st.sampled_from(["standard", "standard", "elder", "pregnant"]))
    def arrive(self, kind):
        walk_in(now=self._tick(), applicant=self.elder if kind == "elder" else None,
                declared="pregnant" if kind == "pregnant" else "")

    @rule(j=st.integers(0, 1), w=st.integers(0, 1))
    def open_window(self, j, w):
        self._try(desk.window_open, actor=self.clerks[j], window_id=self.windows[w].pk)

    @rule(j=st.integers(0, 1))
    def close_window(self, j):
        self._try(desk.window_close, actor=self.clerks[j])

    @rule(j=st.integers(0, 1))
    def call_next(self, j):
        session = desk.held_session(self.clerks[j])
        expected = None
        if session is not None:
            waiting = Ticket.objects.filter(center=self.center, state=TicketState.WAITING).exclude(
                target_window__isnull=False, target_window_id__in=[w.pk for w in self.windows
                                                                     if w.pk != session.window_id])
            expected = waiting.order_by("priority_rank", "queued_at", "id").first()
        called = self._try(desk.ticket_call_next, actor=self.clerks[j])
        if called is not None:
            QueueMachine.calls_made += 1
            assert expected is not None and called.pk == expected.pk, (called, expected)

    @rule(j=st.integers(0, 1))
    def recall(self, j):
        self._try(desk.ticket_recall, actor=self.clerks[j])

    @rule(j=st.integers(0, 1))
    def start(self, j):
        self._try(desk.ticket_start, actor=self.clerks[j])

    @rule(j=st.integers(0, 1))
    def skip(self, j):
        self._try(desk.ticket_skip, actor=self.clerks[j])

    @rule(j=st.integers(0, 1))
    def serve(self, j):  # the common day: whoever is at the window is served, then the next is called and served
        self._try(desk.ticket_start, actor=self.clerks[j])
        self._try(desk.ticket_finish, actor=self.clerks[j])
        self.call_next(j)
        self._try(desk.ticket_start, actor=self.clerks[j])
        self._try(desk.ticket_finish, actor=self.clerks[j])

    @rule(j=st.integers(0, 1))
    def finish(self, j):
        self._try(desk.ticket_finish, actor=self.clerks[j])

    @rule(j=st.integers(0, 1), to=st.integers(0, 1))
    def transfer(self, j, to):
        self._try(desk.ticket_transfer, actor=self.clerks[j], to_window_id=self.windows[to].pk)

    @rule(k=st.integers(0, 20))
    def cancel(self, k):
        waiting = list(Ticket.objects.filter(center=self.center, state=TicketState.WAITING).order_by("id"))
        if waiting:
            self._try(desk.ticket_cancel, actor=self.clerks[0], ticket_id=waiting[k % len(waiting)].pk)

    @invariant()
    def one_ticket_per_window_and_never_called_twice(self):
        if not hasattr(self, "center"):
            return
        at_windows = list(Ticket.objects.filter(center=self.center, state__in=AT_WINDOW_STATES)
                          .values_list("window_id", flat=True))
        assert len(at_windows) == len(set(at_windows)) and None not in at_windows
        for ticket in Ticket.objects.filter(center=self.center).prefetch_related("events"):
            steps = [e.action for e in ticket.events.all()]
            since_transfer = []
            for step in steps:
                since_transfer = [] if step == "transfer" else since_transfer + [step]
                assert since_transfer.count("call") <= 1, steps
            assert _calls_end_well(steps, at_window=ticket.state in AT_WINDOW_STATES), (ticket.state, steps)

    def teardown(self):
        if not hasattr(self, "center"):
            return
        for person in self.clerks:  # the day ends: whoever is at a window is served
            self._try(desk.ticket_start, actor=person)
            self._try(desk.ticket_finish, actor=person)
        for ticket in Ticket.objects.filter(center=self.center).prefetch_related("events"):
            assert _calls_end_well([e.action for e in ticket.events.all()], at_window=False)


def _calls_end_well(steps: list[str], *, at_window: bool) -> bool:
    """Every call is followed, before any next call, by a finish, a skip (no-show) or a transfer — except the last
    call of a ticket still at a window."""
    phases, current = [], None
    for step in steps:
        if step == "call":
            if current is not None:
                phases.append(current)
            current = []
        elif current is not None:
            current.append(step)
    if current is not None:
        phases.append(current)
    ended = [any(s in ("finish", "skip", "transfer") for s in phase) for phase in phases]
    if at_window and ended:
        ended[-1] = True
    return all(ended)


@pytest.mark.django_db
def test_the_queue_calls_in_class_then_arrival_order_and_never_twice():
    QueueMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=30, deadline=None,
                                              derandomize=True, database=None,
                                              suppress_health_check=list(HealthCheck))
    QueueMachine.TestCase().runTest()
    assert QueueMachine.calls_made > 20  # the walk really called people
