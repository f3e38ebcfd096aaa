"""Staffing advice for a service hall (issue #14 item 7): windows needed per hour by Erlang C, optionally checked by
simulating each hour with residents who give up and a booked share; and all-purpose (pooled) against dedicated
windows for the same demand, as rows for a table.

Pure Python on plain numbers: the caller turns history (tickets per hour, handling minutes per item group) into the
arguments. Arrivals are residents per hour; handling in minutes; the target wait in seconds; shares in 0..1. The
target and the service level are the center's policy (e.g. 80 % within 15 min = 900 s) and have no default here.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from doorstep.core.errors import ValidationFailed
from doorstep.hall.staffing.erlang import agents_needed, erlang_c
from doorstep.hall.staffing.simulation import HallScenario, SimulationResult, simulate_hall

HOUR_SECONDS = 3600


@dataclass(frozen=True)
class HourAdvice:
    """One hour of the day: the windows Erlang C asks for and what they give. `simulated` is None unless asked for,
    and for an hour nobody comes."""

    hour: int
    arrivals: float
    windows: int
    service_level: float
    average_wait_seconds: float
    occupancy: float
    simulated: SimulationResult | None = None


@dataclass(frozen=True)
class ItemGroupDemand:
    """One item group's demand: residents per hour and mean handling minutes."""

    name: str
    arrivals_per_hour: float
    handle_minutes: float


@dataclass(frozen=True)
class PoolingRow:
    """A row of the pooled-against-dedicated table. kind: "dedicated" (one group at its own windows),
    "dedicated_total" (the sum of those) or "pooled" (every window takes every item). The service level of the
    dedicated total is the arrival-weighted mean of the groups'."""

    kind: str
    label: str
    arrivals_per_hour: float
    handle_minutes: float
    load_erlangs: float
    windows: int
    service_level: float
    occupancy: float


@dataclass(frozen=True)
class PoolingComparison:
    rows: list[PoolingRow]
    dedicated_windows: int
    pooled_windows: int

    @property
    def windows_saved(self) -> int:
        return self.dedicated_windows - self.pooled_windows


def _hours(arrivals_by_hour: Mapping[int, float]) -> list[tuple[int, float]]:
    hours = []
    for hour, arrivals in sorted(arrivals_by_hour.items()):
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
            raise ValidationFailed(_("小时必须是 0 到 23 之间的整数。"), field="arrivals_by_hour")
        if not isinstance(arrivals, (int, float)) or not math.isfinite(arrivals) or arrivals < 0:
            raise ValidationFailed(_("每小时到达人数必须是不小于 0 的数字。"), field="arrivals_by_hour")
        hours.append((hour, float(arrivals)))
    return hours


def advice_per_hour(*, arrivals_by_hour: Mapping[int, float], handle_minutes: float, target_seconds: float,
                    service_level: float, max_occupancy: float | None = None, simulate: bool = False,
                    patience_minutes: float | None = None, booked_share: float = 0.0, slot_minutes: float = 30.0,
                    simulated_residents: int = 3000, seed: int = 0) -> list[HourAdvice]:
    """Advice for each hour of `arrivals_by_hour` (hour of day 0-23 → mean residents arriving in it), in hour order.

    Each hour is staffed on its own, as if its rate held steady (Erlang C's assumption): the fewest windows whose
    share of waits within `target_seconds` reaches `service_level`. An hour with no arrivals needs 0 windows.

    With simulate=True each hour's advice is also run through the simulation with those windows: residents leave
    after an exponential patience of mean `patience_minutes` (None: nobody leaves), `booked_share` of arrivals are
    booked and come at slot starts (every `slot_minutes`, rounded to whole residents per slot) and are called first.
    The hour's regime is simulated for about `simulated_residents` residents (many hours at its rate) so the
    measured level is not the noise of one hour's thirty people. Raises ValidationFailed for bad input."""
    if not isinstance(booked_share, (int, float)) or not 0 <= booked_share <= 1:
        raise ValidationFailed(_("预约占比必须在 0 和 1 之间。"), field="booked_share")
    handle_seconds = handle_minutes * 60 if isinstance(handle_minutes, (int, float)) else handle_minutes
    advice = []
    for hour, arrivals in _hours(arrivals_by_hour):
        if arrivals == 0:
            advice.append(HourAdvice(hour=hour, arrivals=0.0, windows=0, service_level=1.0, average_wait_seconds=0.0,
                                     occupancy=0.0))
            continue
        figures = agents_needed(arrivals=arrivals, interval_seconds=HOUR_SECONDS, handle_seconds=handle_seconds,
                                target_seconds=target_seconds, service_level=service_level,
                                max_occupancy=max_occupancy)
        simulated = None
        if simulate:
            simulated = simulate_hall(_hour_scenario(
                windows=figures.agents, arrivals=arrivals, handle_seconds=handle_seconds,
                target_seconds=target_seconds, patience_minutes=patience_minutes, booked_share=booked_share,
                slot_minutes=slot_minutes, residents=simulated_residents, seed=seed + hour))
        advice.append(HourAdvice(hour=hour, arrivals=arrivals, windows=figures.agents,
                                 service_level=figures.service_level,
                                 average_wait_seconds=figures.average_speed_of_answer_seconds,
                                 occupancy=figures.occupancy, simulated=simulated))
    return advice


def _hour_scenario(*, windows: int, arrivals: float, handle_seconds: float, target_seconds: float,
                   patience_minutes: float | None, booked_share: float, slot_minutes: float, residents: int,
                   seed: int) -> HallScenario:
    if not isinstance(slot_minutes, (int, float)) or not math.isfinite(slot_minutes) or slot_minutes <= 0:
        raise ValidationFailed(_("预约时段长度必须大于 0。"), field="slot_minutes")
    slot_seconds = slot_minutes * 60
    booked_per_slot = round(arrivals * booked_share * slot_seconds / HOUR_SECONDS)
    walk_ins = max(0.0, arrivals - booked_per_slot * HOUR_SECONDS / slot_seconds)
    hours = max(1, math.ceil(residents / arrivals))
    return HallScenario(
        windows=windows, walk_ins_per_period=(walk_ins,) * hours, handle_seconds=handle_seconds,
        target_seconds=target_seconds, booked_per_slot=booked_per_slot, slot_seconds=slot_seconds,
        # Booked residents come a little early or late: within a tenth of the slot of its start.
        booked_spread_seconds=slot_seconds / 10,
        patience_seconds=None if patience_minutes is None else patience_minutes * 60,
        warmup_seconds=HOUR_SECONDS, cooldown_seconds=HOUR_SECONDS, seed=seed)


def pooled_versus_dedicated(*, groups: Sequence[ItemGroupDemand], target_seconds: float,
                            service_level: float) -> PoolingComparison:
    """Windows needed when each item group has its own windows (one Erlang C per group, summed) against all-purpose
    windows taking every group (one Erlang C on the summed arrivals with the arrival-weighted mean handling time).

    The pooled figure treats the mixed handling as exponential with that mean, Erlang C's usual approximation for a
    mix; when groups' handling times differ a lot, pooling gains less than that suggests and can even lose
    (Mandelbaum & Reiman, "On pooling in queueing networks", Management Science 44(7), 1998), so the page should
    show every row, not only the saving. A group nobody comes for needs 0 windows. Raises ValidationFailed for no
    groups, no arrivals at all, or bad figures."""
    if not groups:
        raise ValidationFailed(_("至少需要一个事项组。"), field="groups")
    rows = []
    for group in groups:
        if group.arrivals_per_hour == 0:
            rows.append(PoolingRow(kind="dedicated", label=group.name, arrivals_per_hour=0.0,
                                   handle_minutes=group.handle_minutes, load_erlangs=0.0, windows=0,
                                   service_level=1.0, occupancy=0.0))
            continue
        figures = agents_needed(arrivals=group.arrivals_per_hour, interval_seconds=HOUR_SECONDS,
                                handle_seconds=group.handle_minutes * 60, target_seconds=target_seconds,
                                service_level=service_level)
        rows.append(PoolingRow(kind="dedicated", label=group.name, arrivals_per_hour=group.arrivals_per_hour,
                               handle_minutes=group.handle_minutes, load_erlangs=figures.load_erlangs,
                               windows=figures.agents, service_level=figures.service_level,
                               occupancy=figures.occupancy))
    arrivals = sum(row.arrivals_per_hour for row in rows)
    if arrivals == 0:
        raise ValidationFailed(_("所有事项组的到达人数都为 0，无需测算。"), field="groups")
    load = sum(row.load_erlangs for row in rows)
    handle_minutes = sum(row.arrivals_per_hour * row.handle_minutes for row in rows) / arrivals
    dedicated_windows = sum(row.windows for row in rows)
    total = PoolingRow(
        kind="dedicated_total", label=_("专窗合计"), arrivals_per_hour=arrivals, handle_minutes=handle_minutes,
        load_erlangs=load, windows=dedicated_windows,
        service_level=sum(row.arrivals_per_hour * row.service_level for row in rows) / arrivals,
        occupancy=min(1.0, load / dedicated_windows))
    pooled_figures = agents_needed(arrivals=arrivals, interval_seconds=HOUR_SECONDS,
                                   handle_seconds=handle_minutes * 60, target_seconds=target_seconds,
                                   service_level=service_level)
    pooled = PoolingRow(
        kind="pooled", label=_("综合窗口（一窗通办）"), arrivals_per_hour=arrivals, handle_minutes=handle_minutes,
        load_erlangs=pooled_figures.load_erlangs, windows=pooled_figures.agents,
        service_level=pooled_figures.service_level, occupancy=pooled_figures.occupancy)
    return PoolingComparison(rows=[*rows, total, pooled], dedicated_windows=dedicated_windows,
                             pooled_windows=pooled.windows)


def erlang_service_level(*, arrivals_per_hour: float, handle_minutes: float, windows: int,
                         target_seconds: float) -> float:
    """Erlang C's service level for a given number of windows (what the hall has open, not what it needs)."""
    return erlang_c(arrivals=arrivals_per_hour, interval_seconds=HOUR_SECONDS, handle_seconds=handle_minutes * 60,
                    agents=windows, target_seconds=target_seconds).service_level
