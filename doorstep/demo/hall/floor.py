"""One center's day on the hall floor: who stood at which window when, simulated so that the tickets tell the
same story as the cases.

Times are whole seconds after local midnight. A window case was taken in at a fixed moment (the case history's
acceptance, or the refusal with its one-time notice): its ticket is at a window from a call a little before that
moment to a finish a little after it, on the first free window (its clerk's own window first); when every open
window is busy the center opens another for the rest of the session (加开窗口), and a station with none left
shortens the service before (the rare squeeze the history's minute-resolution times force). Then the visits without a
case — walk-ins who only asked something, and no-shows called and recalled — are served in the first free time after
they come. Last, every ticket's issue time is set consistently with the queue the windows saw: first come first
served within a priority class, nobody of a lower class called while one of a higher class waits, and nobody kept
waiting while a window stood idle (a ticket issued while a window was free is called within a minute). So the waits
come out of the floor, not out of a table: the estimates of hall.selectors.queue can be measured against them.
"""

import bisect
import math
import random

from doorstep.demo.hall.curves import between

WALK = (20, 90)  # seconds from the call to the person at the window
WRAP = (10, 40)  # seconds from a finish to the window's next call
SLACK = 60  # a window free for less than this between two tickets was not idle (the clerk was wrapping up)
REACTION = 60  # a person who came while a window was idle is called within this


class Ticket:
    """A ticket being made (the simulation's record; builder.py turns it into rows). The class attributes are the
    defaults: a ticket sets only what it has (hundreds of thousands are made)."""

    window = call = start = finish = end = issued = arrival = None
    first_window = first_call = transfer_at = None
    recalls = 0
    rank, rule, prefix, booking, served_by = 99, None, "A", None, None
    wants_booking = False
    seq = 0
    state = "done"

    def __init__(self, kind: str, *, visit=None, applicant=None, item=None):
        self.kind = kind  # case | inquiry | no_show | cancelled
        self.visit, self.applicant, self.item = visit, applicant, item


class Floor:
    """The windows of one center on one day. `spans`: the open periods [(start, end)] in seconds; `windows`: the
    center's window ids by number; `clerks`: who hold the windows' sessions, in turn (`holder`); the first
    `base_windows` windows are open all day."""

    def __init__(self, rng: random.Random, *, spans, windows, clerks, base_windows: int):
        self.rng = rng
        self.spans = spans
        self.windows = windows
        self.holder = {w: clerks[k % len(clerks)] for k, w in enumerate(windows)}
        self.calls = {w: [] for w in windows}
        self.ends = {w: [] for w in windows}
        self.held = {w: [] for w in windows}  # the tickets, parallel to calls/ends
        self.sessions = {w: [] for w in windows}  # [(open, close)]
        day_start, day_end = spans[0][0], spans[-1][1]
        for w in windows[:base_windows]:
            self.sessions[w].append((day_start, day_end))
        self.squeezed = self.late = 0

    # -- sessions ------------------------------------------------------------------------------------------------
    def session_at(self, w: int, t: int) -> tuple[int, int] | None:
        """The session of window w open at t, or None."""
        for opened, closed in self.sessions[w]:
            if opened <= t < closed:
                return opened, closed
        return None

    def span_of(self, t: int) -> tuple[int, int]:
        """The open span holding t, or the last one that began before it (a queue finished after closing)."""
        found = self.spans[0]
        for span in self.spans:
            if span[0] <= t:
                found = span
        return found

    def _open_extra(self, t: int) -> int | None:
        """Open a window not open at t, from t to the end of t's span (加开窗口); None when every window is."""
        span = self.span_of(t)
        for w in self.windows:
            if self.session_at(w, t) is None and not any(o < span[1] and c > t for o, c in self.sessions[w]):
                opened = max(span[0], t)  # opened to call at once: it never stood idle with people waiting
                if self.ends[w] and self.ends[w][-1] > opened:
                    continue
                self.sessions[w].append((opened, span[1]))
                self.sessions[w].sort()
                return w
        return None

    # -- intervals ---------------------------------------------------------------------------------------------
    def _put(self, w: int, ticket: Ticket, call: int, end: int) -> None:
        i = bisect.bisect_right(self.calls[w], call)
        self.calls[w].insert(i, call)
        self.ends[w].insert(i, end)
        self.held[w].insert(i, ticket)

    def _free_at(self, w: int) -> int:
        return self.ends[w][-1] if self.ends[w] else self.sessions[w][0][0] if self.sessions[w] else 0

    def place_case(self, ticket: Ticket, *, duration: int, clerk: int | None) -> None:
        """Put a case's ticket around its fixed moment at the window (ticket.visit.anchor)."""
        rng = self.rng
        anchor = ticket.visit.anchor
        before = int(duration * rng.uniform(0.5, 0.85))
        after = max(duration - before, 30)
        walk, wrap = between(rng, *WALK), between(rng, *WRAP)
        want_call = max(anchor - before - walk, self.span_of(anchor)[0])
        open_now = [w for w in self.windows if self.session_at(w, want_call) is not None]
        free = [w for w in open_now if self._free_at(w) <= want_call]
        if free:
            w = min(free, key=lambda x: (self.holder[x] != clerk, self._free_at(x)))
            call = want_call
        else:
            w = min(open_now, key=self._free_at) if open_now else None
            call = self._free_at(w) if w is not None else None
            if w is None or call + walk > anchor - 45:
                extra = self._open_extra(want_call)
                if extra is not None:
                    w, call = extra, want_call
                else:
                    w, call = self._squeeze(open_now or self.windows, anchor, walk)
        if call <= anchor:  # at the opening the person is at the door: no walk longer than the time there is
            walk = min(walk, anchor - call)
        start = call + walk
        if start > anchor:
            self.late += 1  # taken in before the ticket's service began: three people in one minute at a station
        finish = max(anchor, start) + after
        ticket.window, ticket.call, ticket.start, ticket.finish, ticket.end = w, call, start, finish, finish + wrap
        self._put(w, ticket, call, ticket.end)

    def _squeeze(self, windows, anchor: int, walk: int) -> tuple[int, int]:
        """Every window is busy and none is left to open: shorten the service before, on the window whose last
        person was taken in earliest (never to less than 20 s after that person's own acceptance). Returns
        (window, call)."""
        w = min(windows, key=lambda x: (self.held[x][-1].visit.anchor if self.held[x] else -1))
        self.squeezed += 1
        previous = self.held[w][-1] if self.held[w] else None
        if previous is None:
            return w, max(anchor - walk - 45, self._free_at(w))
        finish = max(previous.visit.anchor + 20, previous.start + 30, min(previous.finish, anchor - walk - 55))
        previous.finish, previous.end = finish, finish + 10
        self.ends[w][-1] = previous.end
        return w, previous.end

    def place_transfer(self, ticket: Ticket) -> bool:
        """Called first to another window that sent it on (转移) before its own window took it. False when no other
        window was free just before."""
        rng = self.rng
        first_call = ticket.call - between(rng, 150, 330)
        transfer_at = first_call + between(rng, 60, 140)
        end = transfer_at + between(rng, *WRAP)
        if end + 20 > ticket.call:
            return False
        for w in self.windows:
            if w == ticket.window or self.session_at(w, first_call) is None or self.session_at(w, end) is None:
                continue
            i = bisect.bisect_right(self.calls[w], first_call)
            if (i > 0 and self.ends[w][i - 1] > first_call) or (i < len(self.calls[w]) and self.calls[w][i] < end):
                continue
            ticket.first_window, ticket.first_call, ticket.transfer_at = w, first_call, transfer_at
            self._put(w, ticket, first_call, end)
            return True
        return False

    def first_gap(self, w: int, after: int, need: int) -> tuple[int, int] | None:
        """The first moment at or after `after` when window w is open and free for `need` seconds: (start, end of
        the free time)."""
        calls, ends = self.calls[w], self.ends[w]
        for opened, closed in self.sessions[w]:
            if closed <= after:
                continue
            t = max(after, opened)
            i = bisect.bisect_right(calls, t) - 1
            if i >= 0 and ends[i] > t:
                t = ends[i]
            i += 1
            while t < closed:
                nxt = min(calls[i], closed) if i < len(calls) else closed
                if nxt - t >= need:
                    return t, nxt
                if i >= len(calls):
                    break
                t = max(t, ends[i])
                i += 1
        return None

    def place_walk_in(self, ticket: Ticket, *, duration: int) -> bool:
        """Serve a visit without a case (a question, or a no-show called and recalled) in the first free time after
        it came (ticket.arrival); False when that is past its session's end (the person left: no ticket kept)."""
        rng = self.rng
        after = ticket.arrival + between(rng, 10, 60)
        # a no-show holds the window for its call and two recalls (up to 200 s); a question needs at least 90 s
        need = (240 if ticket.kind == "no_show" else min(duration, 90)) + SLACK
        best = None
        for w in self.windows:
            gap = self.first_gap(w, after, need)
            if gap is not None and (best is None or gap[0] < best[1][0]):
                best = (w, gap)
        if best is None:
            return False
        w, (t, free_until) = best
        if t > self.span_of(ticket.arrival)[1] + 600:
            return False
        wrap = between(rng, *WRAP)
        if ticket.kind == "no_show":
            ticket.recalls = 2
            finish = min(t + between(rng, 120, 200), free_until - wrap)
            ticket.start = None
        else:
            walk = between(rng, *WALK)
            ticket.start = t + walk
            finish = min(ticket.start + duration, free_until - wrap)
            if finish - ticket.start < 30:
                finish = ticket.start + 30
        ticket.window, ticket.call, ticket.finish, ticket.end = w, t, finish, finish + wrap
        ticket.served_by = self.holder[w]
        self._put(w, ticket, t, ticket.end)
        return True

    def closed_sessions(self, w: int) -> list[tuple[int, int]]:
        """The window's sessions, each closed no earlier than the end of the last ticket it called (a window is
        closed with nobody at it)."""
        found = []
        for opened, closed in self.sessions[w]:
            last = max((e for c, e in zip(self.calls[w], self.ends[w], strict=True) if opened <= c < closed),
                       default=closed)
            found.append((opened, max(closed, last)))
        return found

    # -- the queue ----------------------------------------------------------------------------------------------
    def freeze(self) -> None:
        """Every ticket is placed: work out once when some open window stood idle (nobody at it for more than
        SLACK), as sorted disjoint periods, so that each ticket's wait bound is one lookup."""
        idle = []
        for w in self.windows:
            calls, ends = self.calls[w], self.ends[w]
            for opened, closed in self.sessions[w]:
                t = opened  # idle from here until the next call
                for call, end in zip(calls, ends, strict=True):
                    if end + SLACK <= opened or call >= closed:
                        continue
                    if call - t > 0 and call > opened:
                        idle.append((max(t, opened), min(call, closed)))
                    t = max(t, end + SLACK)
                if t < closed:
                    idle.append((t, closed))
        idle.sort()
        self.idle_starts, self.idle_ends = [], []
        for start, end in idle:
            if self.idle_ends and start <= self.idle_ends[-1]:
                self.idle_ends[-1] = max(self.idle_ends[-1], end)
            elif start < end:
                self.idle_starts.append(start)
                self.idle_ends.append(end)

    def last_idle(self, x: int) -> int:
        """The last moment before x at which some open window stood idle; the start of x's span when every window
        was busy (or shut) since then. Needs freeze()."""
        i = bisect.bisect_left(self.idle_starts, x) - 1
        latest = self.span_of(x)[0]
        if i >= 0:
            latest = max(latest, min(self.idle_ends[i], x))
        return latest

    def wait_bound(self, call: int) -> int:
        """The earliest issue time a ticket called at `call` can have had."""
        return max(self.last_idle(call) - REACTION, self.span_of(call)[0])


def lognormal_seconds(rng: random.Random, median_minutes: float, sigma: float, low: float, high: float) -> int:
    minutes = median_minutes * math.exp(rng.gauss(0.0, sigma))
    return int(min(max(minutes, low), high) * 60)
