"""Staffing advice (issue #14 item 7): our Erlang C against pyworkforce's documented example and an independent
factorial formula, the ciw simulation against Erlang C and with abandonment and bookings, the advice per hour and
pooled against dedicated windows. No database."""

import math
import random
import re
from fractions import Fraction

import pytest

from doorstep.core.errors import ValidationFailed
from doorstep.hall.staffing import advice, erlang, simulation
from doorstep.hall.staffing.advice import ItemGroupDemand
from doorstep.hall.staffing.simulation import HallScenario

CJK = re.compile(r"[\u4e00-\u9fff]")
# pyworkforce's README (queuing.ErlangC, 0.1.0 onwards): transactions=100, aht=3, interval=30, asa=20/60 →
# raw_positions 14, service_level 0.8883500191794669, occupancy 0.7142857142857143,
# waiting_probability 0.1741319335950498. The R package ErlangC documents the same case: ASA 7.83593701177724 s.
EXAMPLE = {"arrivals": 100, "interval_seconds": 1800, "handle_seconds": 180}


def brute_force_erlang_c(load: float, agents: int) -> float:
    """Erlang C straight from its textbook definition with factorials, in exact fractions."""
    a = Fraction(load)
    top = a ** agents / math.factorial(agents) * Fraction(agents) / (agents - a)
    return float(top / (sum(a ** k / math.factorial(k) for k in range(agents)) + top))


def brute_force_erlang_b(load: float, agents: int) -> float:
    a = Fraction(load)
    return float((a ** agents / math.factorial(agents)) / sum(a ** k / math.factorial(k) for k in range(agents + 1)))


# ---- Erlang C -----------------------------------------------------------------------------------------------------

def test_agents_needed_gives_pyworkforces_documented_example():
    figures = erlang.agents_needed(**EXAMPLE, target_seconds=20, service_level=0.8)
    assert figures.agents == 14
    assert round(figures.service_level, 3) == 0.888
    assert figures.service_level == pytest.approx(0.8883500191794669, abs=1e-12)
    assert figures.probability_of_waiting == pytest.approx(0.1741319335950498, abs=1e-12)
    assert figures.occupancy == pytest.approx(0.7142857142857143, abs=1e-12)
    assert figures.average_speed_of_answer_seconds == pytest.approx(7.83593701177724, abs=1e-9)
    assert figures.load_erlangs == 10.0


def test_agents_needed_is_the_fewest_windows_that_reach_the_level():
    assert erlang.service_level(**EXAMPLE, agents=13, target_seconds=20) < 0.8
    # pyworkforce's example also caps occupancy at 0.85, which 14 windows (0.714) already meet
    assert erlang.agents_needed(**EXAMPLE, target_seconds=20, service_level=0.8, max_occupancy=0.85).agents == 14


def test_agents_needed_adds_windows_to_keep_occupancy_under_the_cap():
    figures = erlang.agents_needed(**EXAMPLE, target_seconds=20, service_level=0.8, max_occupancy=0.6)
    assert figures.agents == 17 and figures.occupancy <= 0.6 < 10 / 16


@pytest.mark.parametrize(("load", "agents"), [(1.0, 2), (2.5, 3), (5.0, 10), (10.0, 14), (10.0, 11), (37.5, 45),
                                              (80.0, 95)])
def test_erlang_c_matches_the_factorial_formula(load, agents):
    figures = erlang.erlang_c(arrivals=load, interval_seconds=60, handle_seconds=60, agents=agents,
                              target_seconds=30)
    expected = brute_force_erlang_c(load, agents)
    assert figures.probability_of_waiting == pytest.approx(expected, rel=1e-10)
    assert figures.service_level == pytest.approx(1 - expected * math.exp(-(agents - load) * 30 / 60), rel=1e-10)
    assert figures.average_speed_of_answer_seconds == pytest.approx(expected * 60 / (agents - load), rel=1e-10)
    assert erlang.erlang_b(load=load, agents=agents) == pytest.approx(brute_force_erlang_b(load, agents), rel=1e-10)


def test_erlang_b_matches_the_textbook_table():
    # the printed Erlang B tables: 10 servers offered 5 erlangs block 1.84 % of calls
    assert erlang.erlang_b(load=5, agents=10) == pytest.approx(0.01838, abs=5e-5)


def test_erlang_c_stays_finite_where_factorials_overflow_a_float():
    figures = erlang.erlang_c(arrivals=450, interval_seconds=3600, handle_seconds=3600, agents=500,
                              target_seconds=60)
    assert 0 < figures.probability_of_waiting < 1 and 0 < figures.service_level < 1
    assert erlang.agents_needed(arrivals=400, interval_seconds=3600, handle_seconds=3600, target_seconds=60,
                                service_level=0.8).agents > 400


def test_too_few_windows_give_no_service_level_and_an_endless_wait():
    figures = erlang.erlang_c(**EXAMPLE, agents=10, target_seconds=20)
    assert figures.probability_of_waiting == 1.0 and figures.service_level == 0.0
    assert figures.average_speed_of_answer_seconds == math.inf and figures.occupancy == 1.0


@pytest.mark.parametrize(("field", "value"), [
    ("arrivals", 0), ("arrivals", -5), ("arrivals", float("nan")), ("arrivals", float("inf")), ("arrivals", "many"),
    ("interval_seconds", 0), ("handle_seconds", -1), ("target_seconds", -20), ("target_seconds", float("nan")),
    ("service_level", 0), ("service_level", 1.5), ("max_occupancy", 2),
])
def test_bad_figures_are_refused_in_chinese(field, value):
    arguments = {**EXAMPLE, "target_seconds": 20, "service_level": 0.8, field: value}
    with pytest.raises(ValidationFailed) as refused:
        erlang.agents_needed(**arguments)
    assert refused.value.field == field and CJK.search(refused.value.message)


@pytest.mark.parametrize("agents", [0, -1, 2.5, True])
def test_windows_must_be_a_positive_whole_number(agents):
    with pytest.raises(ValidationFailed):
        erlang.erlang_c(**EXAMPLE, agents=agents)


def test_search_stops_at_the_window_cap_and_says_so():
    with pytest.raises(ValidationFailed) as refused:
        erlang.agents_needed(arrivals=100_000, interval_seconds=1800, handle_seconds=180, target_seconds=20,
                             service_level=0.8)
    assert str(erlang.MAX_AGENTS) in refused.value.message


# ---- simulation ---------------------------------------------------------------------------------------------------

def test_simulation_agrees_with_erlang_c_without_abandonment_or_bookings():
    check = simulation.check_erlang_c(**EXAMPLE, agents=14, target_seconds=20)
    assert check.customers > 39_000
    assert check.erlang_service_level == pytest.approx(0.88835, abs=1e-5)
    assert check.agrees, check


def test_simulation_is_reproducible_by_its_seed():
    scenario = HallScenario(windows=4, walk_ins_per_period=(30, 40), handle_seconds=420, target_seconds=900,
                            booked_per_slot=2, booked_spread_seconds=180, patience_seconds=1500, seed=7)
    first, again = simulation.simulate_hall(scenario), simulation.simulate_hall(scenario)
    assert first == again
    other = simulation.simulate_hall(HallScenario(**{**scenario.__dict__, "seed": 8}))
    assert other != first


def test_simulation_leaves_the_random_module_as_it_found_it():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    simulation.simulate_hall(HallScenario(windows=2, walk_ins_per_period=(20,), handle_seconds=300,
                                          target_seconds=600, seed=1))
    assert random.random() == expected


def test_residents_who_lose_patience_are_counted_as_abandoned_and_against_the_level():
    overloaded = HallScenario(windows=3, walk_ins_per_period=(40, 40), handle_seconds=600, target_seconds=900,
                              patience_seconds=900, seed=2)
    result = simulation.simulate_hall(overloaded)
    assert result.abandoned > 10 and result.served + result.abandoned == result.arrived
    assert result.service_level == result.within_target / result.arrived <= result.served / result.arrived
    patient = simulation.simulate_hall(HallScenario(**{**overloaded.__dict__, "patience_seconds": None}))
    assert patient.abandoned == 0 and patient.served == patient.arrived  # the doors close; everyone inside is served
    assert result.p80_wait_seconds <= result.p90_wait_seconds


def test_booked_residents_arrive_at_slot_starts():
    only_booked = HallScenario(windows=3, walk_ins_per_period=(0, 0), handle_seconds=300, target_seconds=60,
                               booked_per_slot=3, slot_seconds=1800, seed=3)
    result = simulation.simulate_hall(only_booked)
    assert result.arrived == 12 and result.booked_service_level == 1.0 and result.walk_in_service_level is None
    assert result.mean_wait_seconds == 0.0  # three windows free at each slot start for its three residents


def test_booked_residents_called_first_wait_less_than_walk_ins():
    busy = HallScenario(windows=4, walk_ins_per_period=(26,) * 6, handle_seconds=480, target_seconds=300,
                        booked_per_slot=2, slot_seconds=1800, booked_spread_seconds=120, seed=4)
    first = simulation.simulate_hall(busy)
    assert first.booked_service_level > first.walk_in_service_level
    in_turn = simulation.simulate_hall(HallScenario(**{**busy.__dict__, "booked_first": False}))
    assert first.booked_service_level > in_turn.booked_service_level


def test_a_bad_scenario_is_refused_in_chinese():
    with pytest.raises(ValidationFailed) as refused:
        simulation.simulate_hall(HallScenario(windows=0, walk_ins_per_period=(10,), handle_seconds=300,
                                              target_seconds=900))
    assert refused.value.field == "windows" and CJK.search(refused.value.message)


# ---- advice -------------------------------------------------------------------------------------------------------

def test_advice_per_hour_gives_the_fewest_windows_for_each_hour():
    hours = advice.advice_per_hour(arrivals_by_hour={10: 60, 9: 40, 12: 0}, handle_minutes=10, target_seconds=900,
                                   service_level=0.8)
    assert [h.hour for h in hours] == [9, 10, 12]
    nine, ten, noon = hours
    assert 0 < nine.windows < ten.windows and noon.windows == 0 and noon.service_level == 1.0
    for hour in (nine, ten):
        assert hour.service_level >= 0.8 and hour.simulated is None
        assert advice.erlang_service_level(arrivals_per_hour=hour.arrivals, handle_minutes=10,
                                           windows=hour.windows - 1, target_seconds=900) < 0.8


def test_advice_per_hour_simulates_abandonment_and_bookings_when_asked():
    hours = advice.advice_per_hour(arrivals_by_hour={9: 30}, handle_minutes=12, target_seconds=900,
                                   service_level=0.8, simulate=True, patience_minutes=20, booked_share=0.4,
                                   simulated_residents=1500, seed=5)
    simulated = hours[0].simulated
    assert simulated.arrived > 1000 and simulated.booked_service_level is not None
    assert simulated.served + simulated.abandoned == simulated.arrived
    assert 0.5 < simulated.service_level <= 1.0


@pytest.mark.parametrize("arrivals_by_hour", [{24: 10}, {-1: 10}, {9: -3}, {9: float("nan")}])
def test_advice_refuses_bad_hours_or_arrivals(arrivals_by_hour):
    with pytest.raises(ValidationFailed):
        advice.advice_per_hour(arrivals_by_hour=arrivals_by_hour, handle_minutes=10, target_seconds=900,
                               service_level=0.8)


def test_pooled_windows_need_no_more_than_dedicated_ones():
    groups = [ItemGroupDemand("社保", 24, 8), ItemGroupDemand("民政", 12, 15),  # zh: item group names, data
              ItemGroupDemand("户籍", 6, 10), ItemGroupDemand("残联", 0, 20)]  # zh: item group names, data
    comparison = advice.pooled_versus_dedicated(groups=groups, target_seconds=900, service_level=0.8)
    kinds = [row.kind for row in comparison.rows]
    assert kinds == ["dedicated"] * 4 + ["dedicated_total", "pooled"]
    dedicated, total, pooled = comparison.rows[:4], comparison.rows[4], comparison.rows[5]
    assert dedicated[3].windows == 0
    assert total.windows == comparison.dedicated_windows == sum(row.windows for row in dedicated)
    assert pooled.windows == comparison.pooled_windows < comparison.dedicated_windows
    assert comparison.windows_saved == comparison.dedicated_windows - comparison.pooled_windows
    assert pooled.arrivals_per_hour == 42
    assert pooled.handle_minutes == pytest.approx((24 * 8 + 12 * 15 + 6 * 10) / 42)
    assert pooled.load_erlangs == pytest.approx(total.load_erlangs)
    assert pooled.service_level >= 0.8 and all(row.service_level >= 0.8 for row in dedicated)


def test_pooling_needs_at_least_one_group_with_arrivals():
    with pytest.raises(ValidationFailed):
        advice.pooled_versus_dedicated(groups=[], target_seconds=900, service_level=0.8)
    with pytest.raises(ValidationFailed):
        advice.pooled_versus_dedicated(groups=[ItemGroupDemand("x", 0, 5)], target_seconds=900, service_level=0.8)
