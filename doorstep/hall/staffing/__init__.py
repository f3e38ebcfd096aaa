"""Staffing advice for the service hall (issue #14 item 7), as pure Python on plain numbers: Erlang C (erlang.py),
a ciw discrete-event simulation that adds abandonment and booked arrivals (simulation.py), and the advice per hour
and the pooled-against-dedicated comparison built on both (advice.py). Nothing here reads the database."""

from doorstep.hall.staffing.advice import (
    HourAdvice,
    ItemGroupDemand,
    PoolingComparison,
    PoolingRow,
    advice_per_hour,
    pooled_versus_dedicated,
)
from doorstep.hall.staffing.erlang import ErlangFigures, agents_needed, erlang_c
from doorstep.hall.staffing.simulation import (
    ErlangCheck,
    HallScenario,
    SimulationResult,
    check_erlang_c,
    simulate_hall,
)

__all__ = [
    "ErlangCheck", "ErlangFigures", "HallScenario", "HourAdvice", "ItemGroupDemand", "PoolingComparison",
    "PoolingRow", "SimulationResult", "advice_per_hour", "agents_needed", "check_erlang_c", "erlang_c",
    "pooled_versus_dedicated", "simulate_hall",
]
