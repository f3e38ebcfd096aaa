"""The queue behind a day's windows: each ticket's class from the priority rules (PriorityRule rows, as
hall.services.arrival.priority_for applies them) and its issue time, chosen so that the order in which the windows
called people is the order the hall's call-next would have used — lowest rank first, first come first served within
a rank — and nobody waited while a window stood idle (floor.Floor.wait_bound). Within those bounds a wait is drawn
from the arrival curve's wait for the hour (longer at the peaks); a booked visit is issued inside its slot's on-time
window when the queue allows, and ranks as an on-time booking. Then a few people who took a ticket in a long queue
and left before their turn (取消排队)."""

import random

from doorstep.demo.hall.curves import between
from doorstep.demo.hall.floor import Floor, Ticket

NEVER = -(10 ** 9)
PREGNANT_SHARE = 0.03  # of women 22–40 at the window, who declare it at the desk (孕妇优先)


def priority(rules, *, age: int | None, disabled: bool, declared: str, on_time: bool):
    """The rule that applies with the lowest (rank, code), or None (hall.services.arrival.priority_for)."""
    best = None
    for rule in rules:
        if rule.basis == "age":
            applies = age is not None and rule.min_age is not None and age >= rule.min_age
        elif rule.basis == "disabled":
            applies = disabled
        elif rule.basis == "declared":
            applies = declared == rule.code
        elif rule.basis == "on_time_booking":
            applies = on_time
        else:
            applies = rule.basis == "standard"
        if applies and (best is None or (rule.rank, rule.code) < (best.rank, best.code)):
            best = rule
    return best


class Priorities:
    """priority() remembered by what it looks at (the age bands of the age rules, disability, the declaration, an
    on-time booking): the year asks it a million times over a handful of answers."""

    def __init__(self, rules):
        self.rules = rules
        self.ages = sorted(r.min_age for r in rules if r.basis == "age" and r.min_age is not None)
        self.ranks = sorted({r.rank for r in rules} | {99})  # ints: the order is the numbers', not the hash's
        self.memo: dict[tuple, object] = {}

    def __call__(self, *, age: int | None, disabled: bool, declared: str, on_time: bool):
        band = 0 if age is None else sum(1 for a in self.ages if age >= a)
        key = (band, age is None, disabled, declared, on_time)
        if key not in self.memo:
            self.memo[key] = priority(self.rules, age=age if age is None else (self.ages[band - 1] if band else 0),
                                      disabled=disabled, declared=declared, on_time=on_time)
        return self.memo[key]


class DayQueue:
    """Sets rank, rule and issue time on every called ticket of one center-day, in the order they were called."""

    def __init__(self, rng: random.Random, floor: Floor, *, rules: Priorities, ref, day, wait_mean, book):
        self.rng = rng
        self.floor = floor
        self.rules = rules
        self.ref = ref
        self.day = day
        self.wait_mean = wait_mean  # seconds of day -> mean wait (minutes) people are ready for then
        self.book = book  # (ticket, lower, call, desired) -> (earliest, latest) issue time, or None
        self.last_issued = dict.fromkeys(rules.ranks, NEVER)  # per rank: the latest issue time called so far
        self.passed = dict.fromkeys(rules.ranks, NEVER)  # per rank: the latest call of a lower class

    def _lower(self, rank: int, bound: int) -> int:
        """The earliest issue time for a ticket of `rank` called now: after the same rank's last issue (first come
        first served) and after every lower class's last call (it would have been called before them)."""
        return max(bound, self.last_issued[rank], self.passed[rank])

    def run(self, tickets: list[Ticket]) -> None:
        rng, ref, rules, day = self.rng, self.ref, self.rules, self.day
        called = sorted((t for t in tickets if t.call is not None),
                        key=lambda t: (t.first_call if t.first_call is not None else t.call, t.call))
        for ticket in called:
            call = ticket.first_call if ticket.first_call is not None else ticket.call
            bound = self.floor.wait_bound(call)
            applicant = ticket.applicant
            age = ref.age(applicant, day) if applicant else None
            disabled = applicant in ref.disabled
            declared = ""
            if applicant in ref.female and 22 <= age <= 40 and rng.random() < PREGNANT_SHARE:
                declared = "pregnant"
            rule = rules(age=age, disabled=disabled, declared=declared, on_time=False)
            rank = rule.rank if rule else 99
            if ticket.arrival is not None:
                desired = ticket.arrival
            else:
                desired = call - int(rng.expovariate(1.0) * self.wait_mean(call) * 60)
            earliest, latest = self._lower(rank, bound), call - 10
            if ticket.wants_booking:
                booked_rule = rules(age=age, disabled=disabled, declared=declared, on_time=True)
                booked_rank = booked_rule.rank if booked_rule else 99
                window = self.book(ticket, self._lower(booked_rank, bound), call, desired)
                if window is not None:
                    rule, rank = booked_rule, booked_rank
                    earliest, latest = max(self._lower(rank, bound), window[0]), min(latest, window[1])
                    ticket.prefix = "Y"
            issued = min(max(min(desired, latest), earliest), call)
            ticket.issued, ticket.rank, ticket.rule = issued, rank, rule
            if issued > self.last_issued[rank]:
                self.last_issued[rank] = issued
            for r in rules.ranks:
                if r >= rank:
                    break
                if call > self.passed[r]:
                    self.passed[r] = call

    def left_before_their_turn(self, tickets: list[Ticket], count: int, standard_rank: int) -> list[Ticket]:
        """`count` people who took a ticket behind someone with a long wait and left before that person was
        called (so nobody was called past them)."""
        rng = self.rng
        long_waits = [t for t in tickets if t.call is not None and t.rank == standard_rank and t.first_call is None
                      and t.call - t.issued >= 480]
        made = []
        for ahead in rng.sample(long_waits, min(count, len(long_waits))):
            ticket = Ticket("cancelled")
            ticket.state = "cancelled"
            ticket.issued = between(rng, ahead.issued + 30, ahead.call - 240)
            ticket.finish = between(rng, ticket.issued + 180, ahead.call - 10)
            ticket.rank = standard_rank
            ticket.rule = next((r for r in self.rules.rules if r.rank == standard_rank and r.basis == "standard"),
                               None)
            made.append(ticket)
        return made
