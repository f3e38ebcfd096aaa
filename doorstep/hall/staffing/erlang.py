"""Erlang C: how many windows a hall needs so that a share of residents waits no longer than a target (issue #14
item 7).

The model is M/M/N (Erlang 1917, "Solution of some problems in the theory of probabilities of significance in
automatic telephone exchanges"): arrivals are Poisson, handling times exponential, no one leaves the queue, the queue
is unbounded, N identical windows. The formulas are the standard ones, as in Koole, "Call Center Optimization"
(2013), ch. 5, and in pyworkforce's `queuing.ErlangC`:

- offered load A = arrivals × handle time / interval (erlangs);
- Erlang B by the recurrence B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)), which never forms A^N or N! and so stays
  finite for any N (the textbook sum of A^k/k! overflows a float near N = 170);
- probability of waiting C = N·B / (N − A·(1 − B));
- service level P(wait ≤ t) = 1 − C·exp(−(N − A)·t / AHT); average speed of answer C·AHT / (N − A); occupancy A / N.

With N ≤ A the queue grows without bound: C = 1, the service level is 0, the average wait is infinite.

Units: arrivals are a count per interval; every duration is in seconds. Bad input raises ValidationFailed (field =
the argument's name) with a Chinese message. Checked against pyworkforce's documented example (100 arrivals per
30 minutes, 3 min handling, 20 s target, 80 % → 14 agents at service level 0.88835); see tests/test_staffing.py.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from doorstep.core.errors import ValidationFailed

# The search for enough windows stops here. A service hall has tens of windows (Shuiguohu's has 19); needing more
# than a thousand means the figures are wrong (hours typed as minutes), and saying so is more useful than a number.
MAX_AGENTS = 1000


@dataclass(frozen=True)
class ErlangFigures:
    """Erlang C's figures for one interval with `agents` windows open. Durations in seconds; shares in 0..1;
    `average_speed_of_answer_seconds` is math.inf when agents ≤ load."""

    agents: int
    load_erlangs: float
    probability_of_waiting: float
    service_level: float
    average_speed_of_answer_seconds: float
    occupancy: float


def _label(field: str) -> str:
    return {
        "arrivals": _("到达人数"), "interval_seconds": _("时段长度"), "handle_seconds": _("平均办理时长"),
        "target_seconds": _("目标等待时间"), "service_level": _("服务水平"), "max_occupancy": _("最高占用率"),
        "load": _("话务量"),
    }.get(field, field)


def _finite(value: float, field: str, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("{label}必须是数字。").format(label=_label(field)), field=field) from None
    if not math.isfinite(number):
        raise ValidationFailed(_("{label}必须是有限的数字。").format(label=_label(field)), field=field)
    if positive and number <= 0:
        raise ValidationFailed(_("{label}必须大于 0。").format(label=_label(field)), field=field)
    if number < 0:
        raise ValidationFailed(_("{label}不能为负数。").format(label=_label(field)), field=field)
    return number


def _agents(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationFailed(_("窗口数必须是正整数。"), field="agents")
    return value


def _share(value: float, field: str) -> float:
    number = _finite(value, field)
    if number > 1:
        raise ValidationFailed(_("{label}必须在 0 和 1 之间（如 0.8 表示 80%）。").format(label=_label(field)),
                               field=field)
    return number


def offered_load(*, arrivals: float, interval_seconds: float, handle_seconds: float) -> float:
    """The traffic A in erlangs: arrivals per interval × mean handle seconds / interval seconds. All three must be
    positive and finite (ValidationFailed otherwise)."""
    arrivals = _finite(arrivals, "arrivals")
    interval_seconds = _finite(interval_seconds, "interval_seconds")
    handle_seconds = _finite(handle_seconds, "handle_seconds")
    return arrivals * handle_seconds / interval_seconds


def erlang_b(*, load: float, agents: int) -> float:
    """Erlang B, the blocking probability of `agents` servers offered `load` erlangs, by the stable recurrence."""
    load = _finite(load, "load")
    blocking = 1.0
    for n in range(1, _agents(agents) + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def _erlang_c_from_b(*, load: float, agents: int, blocking: float) -> float:
    if agents <= load:
        return 1.0
    return agents * blocking / (agents - load * (1.0 - blocking))


def _figures(*, load: float, agents: int, blocking: float, handle_seconds: float,
             target_seconds: float) -> ErlangFigures:
    waiting = _erlang_c_from_b(load=load, agents=agents, blocking=blocking)
    if agents <= load:
        level, speed = 0.0, math.inf
    else:
        level = 1.0 - waiting * math.exp(-(agents - load) * target_seconds / handle_seconds)
        speed = waiting * handle_seconds / (agents - load)
    return ErlangFigures(agents=agents, load_erlangs=load, probability_of_waiting=waiting, service_level=level,
                         average_speed_of_answer_seconds=speed, occupancy=min(1.0, load / agents))


def erlang_c(*, arrivals: float, interval_seconds: float, handle_seconds: float, agents: int,
             target_seconds: float = 0.0) -> ErlangFigures:
    """Every Erlang C figure for `agents` windows: arrivals per interval, interval and mean handling in seconds, the
    service level's target wait in seconds (≥ 0; 0 gives the share served at once)."""
    load = offered_load(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds)
    target_seconds = _finite(target_seconds, "target_seconds", positive=False)
    agents = _agents(agents)
    return _figures(load=load, agents=agents, blocking=erlang_b(load=load, agents=agents),
                    handle_seconds=float(handle_seconds), target_seconds=target_seconds)


def probability_of_waiting(*, arrivals: float, interval_seconds: float, handle_seconds: float, agents: int) -> float:
    """Erlang C's C(N, A): the share of arrivals that find every window busy and wait (1 when agents ≤ load)."""
    return erlang_c(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                    agents=agents).probability_of_waiting


def service_level(*, arrivals: float, interval_seconds: float, handle_seconds: float, agents: int,
                  target_seconds: float) -> float:
    """The share of arrivals that wait at most `target_seconds`: 1 − C·exp(−(N − A)·t / AHT); 0 when N ≤ A."""
    return erlang_c(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                    agents=agents, target_seconds=target_seconds).service_level


def average_speed_of_answer(*, arrivals: float, interval_seconds: float, handle_seconds: float,
                            agents: int) -> float:
    """The mean wait over all arrivals, in seconds: C·AHT / (N − A); math.inf when N ≤ A."""
    return erlang_c(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                    agents=agents).average_speed_of_answer_seconds


def occupancy(*, arrivals: float, interval_seconds: float, handle_seconds: float, agents: int) -> float:
    """The share of time a window is busy: A / N, at most 1."""
    return erlang_c(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                    agents=agents).occupancy


def agents_needed(*, arrivals: float, interval_seconds: float, handle_seconds: float, target_seconds: float,
                  service_level: float, max_occupancy: float | None = None) -> ErlangFigures:
    """The fewest windows N (N > A) whose service level for `target_seconds` reaches `service_level` (a share in
    (0, 1], e.g. 0.8) and, when given, whose occupancy A/N is at most `max_occupancy`; with its figures.

    Raises ValidationFailed for bad input, and when more than MAX_AGENTS windows would be needed."""
    load = offered_load(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds)
    target_seconds = _finite(target_seconds, "target_seconds", positive=False)
    wanted = _share(service_level, "service_level")
    ceiling = None if max_occupancy is None else _share(max_occupancy, "max_occupancy")
    handle_seconds = float(handle_seconds)
    blocking = 1.0
    # B(n) is carried forward from B(n − 1): the whole search costs one pass of the recurrence.
    for agents in range(1, MAX_AGENTS + 1):
        blocking = load * blocking / (agents + load * blocking)
        if agents <= load:
            continue
        figures = _figures(load=load, agents=agents, blocking=blocking, handle_seconds=handle_seconds,
                           target_seconds=target_seconds)
        if figures.service_level >= wanted and (ceiling is None or figures.occupancy <= ceiling):
            return figures
    raise ValidationFailed(
        _("按这些数字需要超过 {limit} 个窗口，请检查到达量和办理时长（单位是否有误）。").format(limit=MAX_AGENTS),
        field="arrivals")
