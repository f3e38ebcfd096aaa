"""A discrete-event simulation of one service hall, to check Erlang C's staffing advice where its assumptions fail
(issue #14 item 7): residents who give up waiting, booked residents who arrive at their slot's start and may be
called first, handling times taken from history.

Built on ciw (Palmer, Knight, Harper & Hawa, "Ciw: An open-source discrete event simulation library", Journal of
Simulation 2019; https://ciw.readthedocs.io): one node with `windows` servers; two customer classes, "walk_in"
(Poisson) and "booked" (at slot starts); reneging after an exponential patience for abandonment.

Arrival times are drawn here (numpy, from the scenario's seed) and handed to ciw as a fixed sequence of gaps, so the
arrivals can stop at closing time and the rates can change hour by hour; ciw draws handling and patience from its own
generator, seeded by `ciw.seed` with the same seed. A run is therefore reproducible: the same scenario gives the same
result. Times are in seconds throughout.
"""

import math
import random
from dataclasses import dataclass

import ciw
import numpy as np
from django.utils.translation import gettext as _

from doorstep.core.errors import ValidationFailed
from doorstep.hall.staffing.erlang import MAX_AGENTS, erlang_c

WALK_IN = "walk_in"
BOOKED = "booked"
# The gap after the last arrival: far beyond the end, so no one else comes and the queue empties before it.
_NEVER = 1e12
_RUN_UNTIL = 1e11
# A run beyond this many residents takes more than a few seconds on one core; the check asks for far fewer.
MAX_SIMULATED = 200_000


@dataclass(frozen=True)
class HallScenario:
    """One hall over one or more periods (an hour each by default).

    - walk_ins_per_period: the mean number of walk-ins in each counted period (Poisson), one figure per period;
    - handle_seconds: the mean handling time (exponential), unless handle_samples_seconds gives observed times to
      draw from (ciw's Empirical);
    - target_seconds: the wait the service level counts against (the hall's 15 minutes = 900);
    - booked_per_slot residents arrive at each slot start (every slot_seconds from the counted period's start),
      each within ± booked_spread_seconds of it (uniform); booked_first calls them before walk-ins;
    - patience_seconds: the mean time a resident waits before leaving (exponential); None: nobody leaves;
    - warmup_seconds: arrivals at the first period's rates before the counted periods, not counted (so the counted
      ones do not start in an empty hall); cooldown_seconds: arrivals at the last period's rates after them, not
      counted (so the last counted residents share the windows as they would mid-day). 0 and 0 is one hall day that
      opens empty and closes its doors at the end, serving everyone inside.
    """

    windows: int
    walk_ins_per_period: tuple[float, ...]
    handle_seconds: float
    target_seconds: float
    period_seconds: float = 3600.0
    booked_per_slot: int = 0
    slot_seconds: float = 1800.0
    booked_spread_seconds: float = 0.0
    booked_first: bool = True
    patience_seconds: float | None = None
    handle_samples_seconds: tuple[float, ...] = ()
    warmup_seconds: float = 0.0
    cooldown_seconds: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class SimulationResult:
    """What one run measured over the residents who arrived in the counted periods.

    service_level is the share of them served after waiting at most the target; a resident who left (abandoned)
    counts against it, as one who was never served. Waits (mean, 80th and 90th percentile, seconds) are over the
    served. The per-class levels are None for a class with no arrivals."""

    arrived: int
    served: int
    abandoned: int
    within_target: int
    service_level: float
    mean_wait_seconds: float
    p80_wait_seconds: float
    p90_wait_seconds: float
    walk_in_service_level: float | None
    booked_service_level: float | None


@dataclass(frozen=True)
class ErlangCheck:
    """Erlang C's service level next to the simulated one for the same M/M/N hall."""

    agents: int
    customers: int
    erlang_service_level: float
    simulated_service_level: float
    tolerance: float

    @property
    def difference(self) -> float:
        return self.simulated_service_level - self.erlang_service_level

    @property
    def agrees(self) -> bool:
        return abs(self.difference) <= self.tolerance


def _require(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise ValidationFailed(message, field=field)


def _validate(scenario: HallScenario) -> None:
    def finite(value, *, positive=False):
        return isinstance(value, (int, float)) and math.isfinite(value) and (value > 0 if positive else value >= 0)

    _require(isinstance(scenario.windows, int) and 1 <= scenario.windows <= MAX_AGENTS,
             _("窗口数必须是 1 到 {limit} 之间的整数。").format(limit=MAX_AGENTS), "windows")
    _require(bool(scenario.walk_ins_per_period) and all(finite(rate) for rate in scenario.walk_ins_per_period),
             _("每个时段的到达人数必须是不小于 0 的数字。"), "walk_ins_per_period")
    _require(finite(scenario.handle_seconds, positive=True), _("平均办理时长必须大于 0。"), "handle_seconds")
    _require(all(finite(value, positive=True) for value in scenario.handle_samples_seconds),
             _("办理时长样本必须都大于 0。"), "handle_samples_seconds")
    _require(finite(scenario.target_seconds), _("目标等待时间不能为负数。"), "target_seconds")
    _require(finite(scenario.period_seconds, positive=True) and finite(scenario.slot_seconds, positive=True),
             _("时段长度必须大于 0。"), "period_seconds")
    _require(isinstance(scenario.booked_per_slot, int) and scenario.booked_per_slot >= 0,
             _("每个预约时段的人数必须是不小于 0 的整数。"), "booked_per_slot")
    _require(scenario.patience_seconds is None or finite(scenario.patience_seconds, positive=True),
             _("平均耐心时长必须大于 0。"), "patience_seconds")
    _require(all(finite(value) for value in (scenario.booked_spread_seconds, scenario.warmup_seconds,
                                             scenario.cooldown_seconds)),
             _("时长不能为负数。"), "warmup_seconds")
    counted = sum(scenario.walk_ins_per_period) + scenario.booked_per_slot * (
        len(scenario.walk_ins_per_period) * scenario.period_seconds / scenario.slot_seconds)
    _require(counted <= MAX_SIMULATED,
             _("一次模拟最多 {limit} 人，请缩短模拟时长。").format(limit=MAX_SIMULATED), "walk_ins_per_period")


def _walk_in_times(scenario: HallScenario, rng: np.random.Generator) -> list[float]:
    """A Poisson process with a rate per period: in each stretch a Poisson count, placed uniformly."""
    start = scenario.warmup_seconds
    stretches = [(0.0, start, scenario.walk_ins_per_period[0] / scenario.period_seconds)]
    for index, mean in enumerate(scenario.walk_ins_per_period):
        begins = start + index * scenario.period_seconds
        stretches.append((begins, begins + scenario.period_seconds, mean / scenario.period_seconds))
    end = start + len(scenario.walk_ins_per_period) * scenario.period_seconds
    stretches.append((end, end + scenario.cooldown_seconds, scenario.walk_ins_per_period[-1] / scenario.period_seconds))
    times: list[float] = []
    for begins, ends, rate in stretches:
        if ends > begins and rate > 0:
            times.extend(rng.uniform(begins, ends, rng.poisson(rate * (ends - begins))).tolist())
    return sorted(times)


def _booked_times(scenario: HallScenario, rng: np.random.Generator) -> list[float]:
    if scenario.booked_per_slot == 0:
        return []
    start = scenario.warmup_seconds
    end = start + len(scenario.walk_ins_per_period) * scenario.period_seconds + scenario.cooldown_seconds
    first = -math.floor(start / scenario.slot_seconds)  # slots reach back into the warm-up, aligned on the start
    times: list[float] = []
    slot = first
    while (slot_start := start + slot * scenario.slot_seconds) < end:
        spread = scenario.booked_spread_seconds
        offsets = rng.uniform(-spread, spread, scenario.booked_per_slot) if spread else [0.0] * scenario.booked_per_slot
        times.extend(max(0.0, slot_start + float(offset)) for offset in offsets)
        slot += 1
    return sorted(times)


def _gaps(times: list[float]) -> list[float]:
    previous, gaps = 0.0, []
    for moment in times:
        gaps.append(moment - previous)
        previous = moment
    return [*gaps, _NEVER]


def _percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share * 100)) if values else 0.0


def simulate_hall(scenario: HallScenario) -> SimulationResult:
    """Run one scenario and measure it. Raises ValidationFailed for a bad scenario. Side effect: ciw.seed reseeds
    ciw's generator; the `random` module's state is put back as it was."""
    _validate(scenario)
    rng = np.random.default_rng(scenario.seed)
    arrivals = {WALK_IN: _walk_in_times(scenario, rng), BOOKED: _booked_times(scenario, rng)}
    classes = [name for name, times in arrivals.items() if times]
    if not classes:
        return SimulationResult(0, 0, 0, 0, 1.0, 0.0, 0.0, 0.0, None, None)
    if scenario.handle_samples_seconds:
        service = ciw.dists.Empirical(list(scenario.handle_samples_seconds))
    else:
        service = ciw.dists.Exponential(1.0 / scenario.handle_seconds)
    options = {
        "arrival_distributions": {name: [ciw.dists.Sequential(_gaps(arrivals[name]))] for name in classes},
        "service_distributions": {name: [service] for name in classes},
        "number_of_servers": [scenario.windows],
        # ciw's priorities are list indexes from 0 (lower is called first), so 1 exists only beside a 0.
        "priority_classes": {name: int(name == WALK_IN and scenario.booked_first and BOOKED in classes)
                             for name in classes},
    }
    if scenario.patience_seconds is not None:
        options["reneging_time_distributions"] = {
            name: [ciw.dists.Exponential(1.0 / scenario.patience_seconds)] for name in classes}
    saved = random.getstate()
    try:
        ciw.seed(scenario.seed)
        simulation = ciw.Simulation(ciw.create_network(**options))
        simulation.simulate_until_max_time(_RUN_UNTIL)
        records = simulation.get_all_records(only=["service", "renege"])
    finally:
        random.setstate(saved)
    begins = scenario.warmup_seconds
    ends = begins + len(scenario.walk_ins_per_period) * scenario.period_seconds
    return _measure([r for r in records if begins <= r.arrival_date < ends], scenario.target_seconds)


def _measure(records: list, target_seconds: float) -> SimulationResult:
    served = [r for r in records if r.record_type == "service"]
    waits = [float(r.waiting_time) for r in served]

    def level(group: list) -> float | None:
        if not group:
            return None
        good = sum(1 for r in group if r.record_type == "service" and r.waiting_time <= target_seconds)
        return good / len(group)

    within = sum(1 for wait in waits if wait <= target_seconds)
    return SimulationResult(
        arrived=len(records), served=len(served), abandoned=len(records) - len(served), within_target=within,
        service_level=within / len(records) if records else 1.0,
        mean_wait_seconds=sum(waits) / len(waits) if waits else 0.0,
        p80_wait_seconds=_percentile(waits, 0.8), p90_wait_seconds=_percentile(waits, 0.9),
        walk_in_service_level=level([r for r in records if r.customer_class == WALK_IN]),
        booked_service_level=level([r for r in records if r.customer_class == BOOKED]))


def check_erlang_c(*, arrivals: float, interval_seconds: float, handle_seconds: float, agents: int,
                   target_seconds: float, customers: int = 40_000, seed: int = 1,
                   tolerance: float = 0.03) -> ErlangCheck:
    """Simulate the M/M/N hall Erlang C assumes (Poisson arrivals, exponential handling, nobody leaves, no bookings)
    for about `customers` residents after a warm-up, and compare its service level with Erlang C's.

    The default tolerance, 0.03, is about three standard deviations of the simulated level at 40,000 residents for
    the documented example (seeds 0-7 gave 0.876-0.901 against 0.888); waits of neighbours in a queue are
    correlated, so the spread is wider than a binomial share's. Raises ValidationFailed for bad input."""
    figures = erlang_c(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                       agents=agents, target_seconds=target_seconds)
    _require(isinstance(customers, int) and 100 <= customers <= MAX_SIMULATED,
             _("模拟人数必须在 100 到 {limit} 之间。").format(limit=MAX_SIMULATED), "customers")
    rate = arrivals / interval_seconds
    scenario = HallScenario(
        windows=agents, walk_ins_per_period=(float(customers),), period_seconds=customers / rate,
        handle_seconds=handle_seconds, target_seconds=target_seconds,
        # Twenty handling times take an M/M/N queue from empty to near its steady state.
        warmup_seconds=20 * handle_seconds, cooldown_seconds=20 * handle_seconds, seed=seed)
    result = simulate_hall(scenario)
    return ErlangCheck(agents=agents, customers=result.arrived, erlang_service_level=figures.service_level,
                       simulated_service_level=result.service_level, tolerance=tolerance)
