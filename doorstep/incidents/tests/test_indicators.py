"""The indicators (incidents.indicators, docs/indicators.md) on a fixture computed by hand: thirteen incidents with
their orders, history and ratings in a district of their own (439901: streets 001 and 002 with a community and a grid
each, street 003 empty), timestamps set in March and April 2025, two departments (甲, 乙) and two categories (K1,
K2). Every indicator × every grouping is written out below with its arithmetic; then the same counts through the
services for one request (report → … → rate), checked against its history.

The fixture, as a table (S = street, G = grid, C1 = community 439901001001 with no grid, A/B = lead department):

  inc  place  cat  lead  registered  handling_due  closed (resolution, in time, working hours)  notes
  I1   S1 G1  K1   A     Mar 2       Mar 10        Mar 6 (solved, yes, 10 h)                    rated 5; I8's reporter rated 4
  I2   S1 G1  K1   A     Mar 3       Mar 12        Mar 20 (solved, no, 20 h)                    reworked once; rated 2
  I3   S1 G1  K2   B     Mar 5       Mar 15        Mar 12 (unsolvable, yes, 20000 s)            A returned it first; rated 3 on Apr 2
  I4   S2 G2  K2   A     Mar 10      Mar 25        — (handling)
  I5   S2 G2  K2   —     Mar 28      —             Apr 2 (solved, yes, 1800 s)                  handled on the spot
  I6   S2 G2  K2   B     Mar 20      Apr 5         Apr 3 (solved, yes, 40000 s)
  I7   S1 C1  K1   A     Apr 1       Apr 20        Apr 19 (solved, yes, 30000 s)                closed Apr 8, reopened Apr 12, closed again; rated 1 and 4
  I8   S1 G1  K1   —     Mar 4       —             —                                             merged into I1: never counted
  I9   S2 G2  K1   —     Apr 5       —             —                                             dismissed after registration: never counted
  I10  S2 G2  K1   A     Feb 20      Mar 3         Apr 15 (solved, no, 200000 s)                registered before the periods
  I11  S1 G1  K2   B     Apr 10      Apr 30        — (dispatched, never answered)               a request (诉求)
  I12  S2 G2  K2   B     Apr 25      May 8         Apr 29 (solved, yes, 15000 s)                whistle: co-order to A returned (part)
  I13  S1 G1  K1   A     Apr 28      May 30        — (dispatched, waiting within response time)

Orders (sent, response due, answer):
  o1 I1 A lead Mar 2 → accepted in time          o2 I2 A lead Mar 3 → accepted late
  o3a I3 A lead Mar 5 → returned in time         o3b I3 B co Mar 5 → cancelled unanswered (A's return withdrew it)
  o3c I3 B lead Mar 6 → accepted in time         o4 I4 A lead Mar 10 → accepted in time
  o6 I6 B lead Mar 20 → accepted in time         o10 I10 A lead Feb 20 (outside the periods)
  o7a I7 A lead Apr 1 → accepted, cancelled by the reopen   o7b I7 A lead Apr 13 → accepted in time
  o11 I11 B lead Apr 10 → no answer, response due Apr 11 passed
  o12a I12 B lead Apr 25 → accepted in time      o12b I12 A co Apr 25 → returned in time (part)
  o13 I13 A lead Apr 28 → no answer yet, response due May 20 (after "now", May 10)

Counts are written in the order of COUNTS: (registered, due, closed, in_time, solved, reworked, timed, orders,
returned, response_due, responded, rated, satisfied); rates in the order of RATE_NAMES: (结案率, 按期结案率, 返工率,
退单率, 响应率, 解决率, 满意率); then the mean handling time in working hours. None is "—" (nothing to divide by).
"""

import datetime
import zoneinfo

import pytest

from doorstep.incidents.indicators import (
    NONE_KEY,
    Grouping,
    Measure,
    figure_records,
    incident_figures,
)
from doorstep.incidents.models import Category, DispatchOrder, Incident, IncidentHistory, IncidentRating

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
COUNTS = ("registered", "due", "closed", "in_time", "solved", "reworked", "timed", "orders", "returned",
          "response_due", "responded", "rated", "satisfied")
RATE_NAMES = ("close_rate", "in_time_rate", "rework_rate", "return_rate", "response_rate", "solve_rate",
              "satisfaction_rate")
D, S1, S2, S3 = "439901", "439901001", "439901002", "439901003"
C1, C2 = S1 + "001", S2 + "001"
G1, G2 = C1 + "001", C2 + "001"


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, tzinfo=TZ)


MARCH = (at(3, 1, 0), at(4, 1, 0))
APRIL = (at(4, 1, 0), at(5, 1, 0))
BOTH = (at(3, 1, 0), at(5, 1, 0))
NOW = at(5, 10)


def build_fixture() -> dict:
    """The district 439901 and the thirteen incidents of the table above. Returns the objects by name."""
    from doorstep.accounts.models import User
    from doorstep.org.models import Department, OrgNode

    district = OrgNode.objects.create(code=D, name="指标测试区", level="district")
    streets = {code: OrgNode.objects.create(code=code, name=name, level="street", parent=district)
               for code, name in ((S1, "甲街道"), (S2, "乙街道"), (S3, "丙街道"))}
    c1 = OrgNode.objects.create(code=C1, name="甲社区", level="community", parent=streets[S1])
    c2 = OrgNode.objects.create(code=C2, name="乙社区", level="community", parent=streets[S2])
    g1 = OrgNode.objects.create(code=G1, name="甲社区第1网格", level="grid", parent=c1)
    g2 = OrgNode.objects.create(code=G2, name="乙社区第1网格", level="grid", parent=c2)
    dept_a = Department.objects.create(org_node=district, code="TEST-A", name="指标测试甲局")
    dept_b = Department.objects.create(org_node=district, code="TEST-B", name="指标测试乙局")
    k1 = Category.objects.create(code="TK01", name="测试类别一", kind="event", major="测试", lead_department=dept_a,
                                 response_limit=1, handling_limit=5)
    k2 = Category.objects.create(code="TK02", name="测试类别二", kind="event", major="测试", lead_department=dept_b,
                                 response_limit=1, handling_limit=5)
    user = User.objects.create(username="figures_fixture", role="dispatcher", org_node=district)
    leader = User.objects.create(username="figures_leader", role="leader", org_node=district)
    places = {"G1": (G1, g1), "G2": (G2, g2), "C1": (C1, None)}
    seq = iter(range(1, 100))

    def incident(place, category, registered, *, state, kind="incident", reported=None, **fields):
        path, grid = places[place]
        return Incident.objects.create(
            number=f"E439901202503{next(seq):05d}", kind=kind, channel="grid" if kind == "incident" else "resident",
            category=category, description="指标测试", path=path, grid=grid, submitted_by=user,
            reported_at=reported or registered, registered_at=registered, state=state, **fields)

    def order(inc, dept, sent, *, role="lead", state, accepted=None, returned=None, response_due=None, due=None,
              round_no=1):
        return DispatchOrder.objects.create(
            incident=inc, department=dept, role=role, state=state, round=round_no, sent_at=sent, sent_by=user,
            response_due=response_due or sent + datetime.timedelta(days=1), due_at=due or sent + datetime.timedelta(
                days=7), accepted_at=accepted, returned_at=returned)

    def history(inc, action, when, order_row=None, **data):
        IncidentHistory.objects.create(incident=inc, from_state="", action=action, to_state="", actor=user,
                                       order=order_row, at=when, data=data)

    def rate(inc, level, when, *, report=None, round_no=0):
        IncidentRating.objects.create(incident=inc, report=report or inc, round=round_no, level=level,
                                      source="self", recorded_by=user, at=when)
        history(inc, "rate", when, level=level)

    def closed(inc, when, *, solved=True):
        history(inc, "close" if solved else "close_unsolved", when)

    i1 = incident("G1", k1, at(3, 2), state="reviewed", handling_due=at(3, 10), closed_at=at(3, 6),
                  resolution="solved", closed_in_time=True, handling_seconds=36000)
    o1 = order(i1, dept_a, at(3, 2), state="done", accepted=at(3, 2, 15), due=at(3, 10))
    history(i1, "register", at(3, 2))
    history(i1, "dispatch", at(3, 2), o1)
    closed(i1, at(3, 6))
    rate(i1, 5, at(3, 7))

    i2 = incident("G1", k1, at(3, 3), state="reviewed", handling_due=at(3, 12), closed_at=at(3, 20),
                  resolution="solved", closed_in_time=False, handling_seconds=72000, rework_count=1)
    o2 = order(i2, dept_a, at(3, 3), state="done", accepted=at(3, 5), due=at(3, 12))  # response due Mar 4: late
    history(i2, "register", at(3, 3))
    history(i2, "dispatch", at(3, 3), o2)
    history(i2, "rework", at(3, 13))
    closed(i2, at(3, 20))
    rate(i2, 2, at(3, 21))

    i3 = incident("G1", k2, at(3, 5), state="reviewed", handling_due=at(3, 15), closed_at=at(3, 12),
                  resolution="unsolvable", closed_in_time=True, handling_seconds=20000, return_count=1, tier="whistle")
    o3a = order(i3, dept_a, at(3, 5, 9), state="returned", returned=at(3, 5, 12))
    order(i3, dept_b, at(3, 5, 9), role="co", state="cancelled")
    o3c = order(i3, dept_b, at(3, 6), state="done", accepted=at(3, 6, 11), due=at(3, 15), round_no=2)
    history(i3, "register", at(3, 5))
    history(i3, "dispatch", at(3, 5, 9), o3a)
    history(i3, "return", at(3, 5, 12), o3a)
    history(i3, "dispatch", at(3, 6), o3c)
    closed(i3, at(3, 12), solved=False)
    rate(i3, 3, at(4, 2))

    i4 = incident("G2", k2, at(3, 10), state="handling", handling_due=at(3, 25))
    o4 = order(i4, dept_a, at(3, 10), state="accepted", accepted=at(3, 10, 14), due=at(3, 25))
    history(i4, "register", at(3, 10))
    history(i4, "dispatch", at(3, 10), o4)

    i5 = incident("G2", k2, at(3, 28), state="closed", tier="front_line", closed_at=at(4, 2), resolution="solved",
                  closed_in_time=True, handling_seconds=1800)
    history(i5, "handle_on_spot", at(3, 28))
    closed(i5, at(4, 2))

    i6 = incident("G2", k2, at(3, 20), state="closed", handling_due=at(4, 5), closed_at=at(4, 3),
                  resolution="solved", closed_in_time=True, handling_seconds=40000)
    o6 = order(i6, dept_b, at(3, 20), state="done", accepted=at(3, 20, 11), due=at(4, 5))
    history(i6, "register", at(3, 20))
    history(i6, "dispatch", at(3, 20), o6)
    closed(i6, at(4, 3))

    i7 = incident("C1", k1, at(4, 1), state="reviewed", handling_due=at(4, 20), closed_at=at(4, 19),
                  resolution="solved", closed_in_time=True, handling_seconds=30000, reopen_count=1)
    o7a = order(i7, dept_a, at(4, 1), state="cancelled", accepted=at(4, 1, 11), due=at(4, 10))
    o7b = order(i7, dept_a, at(4, 13), state="done", accepted=at(4, 13, 11), due=at(4, 20), round_no=2)
    history(i7, "register", at(4, 1))
    history(i7, "dispatch", at(4, 1), o7a)
    closed(i7, at(4, 8))
    rate(i7, 1, at(4, 9))
    history(i7, "reopen", at(4, 12))
    history(i7, "dispatch", at(4, 13), o7b)
    closed(i7, at(4, 19))
    rate(i7, 4, at(4, 20), round_no=1)

    i8 = incident("G1", k1, at(3, 4), state="merged", merged_into=i1)
    history(i8, "register", at(3, 4))
    history(i8, "merge", at(3, 4, 11))
    rate(i1, 4, at(3, 8), report=i8)  # the merged reporter rates the incident kept

    i9 = incident("G2", k1, at(4, 5), state="dismissed", dismiss_reason="经核实为重复上报")
    history(i9, "register", at(4, 5))
    history(i9, "dismiss", at(4, 5, 11))

    i10 = incident("G2", k1, at(2, 20), state="closed", handling_due=at(3, 3), closed_at=at(4, 15),
                   resolution="solved", closed_in_time=False, handling_seconds=200000)
    o10 = order(i10, dept_a, at(2, 20), state="done", accepted=at(2, 20, 11), due=at(3, 3))
    history(i10, "register", at(2, 20))
    history(i10, "dispatch", at(2, 20), o10)
    closed(i10, at(4, 15))

    i11 = incident("G1", k2, at(4, 10), state="dispatched", kind="request", handling_due=at(4, 30),
                   response_due=at(4, 11, 9))
    o11 = order(i11, dept_b, at(4, 10, 9), state="sent", response_due=at(4, 11, 9), due=at(4, 30))
    history(i11, "register", at(4, 10))
    history(i11, "dispatch", at(4, 10, 9), o11)

    i12 = incident("G2", k2, at(4, 25), state="closed", tier="whistle", handling_due=at(5, 8), closed_at=at(4, 29),
                   resolution="solved", closed_in_time=True, handling_seconds=15000, return_count=1)
    o12a = order(i12, dept_b, at(4, 25), state="done", accepted=at(4, 25, 11), due=at(5, 8))
    o12b = order(i12, dept_a, at(4, 25), role="co", state="returned", returned=at(4, 25, 15), due=at(5, 8))
    history(i12, "register", at(4, 25))
    history(i12, "dispatch", at(4, 25), o12a)
    history(i12, "part", at(4, 25, 15), o12b, step="return")
    closed(i12, at(4, 29))

    i13 = incident("G1", k1, at(4, 28), state="dispatched", handling_due=at(5, 30), response_due=at(5, 20))
    o13 = order(i13, dept_a, at(4, 28), state="sent", response_due=at(5, 20), due=at(5, 30))
    history(i13, "register", at(4, 28))
    history(i13, "dispatch", at(4, 28), o13)

    return {"A": dept_a, "B": dept_b, "K1": k1, "K2": k2, "leader": leader, "user": user,
            **{f"I{n}": inc for n, inc in enumerate([i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13], 1)}}


@pytest.fixture
def fx():
    return build_fixture()


def _figures(period, grouping, **kwargs):
    return incident_figures(scope=D, start=period[0], end=period[1], grouping=grouping, now=NOW, **kwargs)


def _as_table(figures) -> dict:
    return {row.key: (tuple(row.count(c) for c in COUNTS), tuple(row.rate(r) for r in RATE_NAMES), row.mean_hours)
            for row in [*figures.rows, figures.total]}


def _check(figures, expected: dict) -> None:
    got = _as_table(figures)
    assert set(got) == set(expected), (sorted(got), sorted(expected))
    for key, want in expected.items():
        assert got[key] == want, f"group {key!r}: got {got[key]}, expected {want}"
    _check_records(figures)


def _check_records(figures) -> None:
    """Every count opens exactly the records it counted."""
    for row in [*figures.rows, figures.total]:
        for count in COUNTS:
            records = figure_records(scope=figures.scope, start=figures.start, end=figures.end,
                                     grouping=figures.grouping, group=row.key, count=count, now=NOW)
            assert records.count() == row.count(count), (row.key, count)


# ---- March 2025 ------------------------------------------------------------------------------------------------
# Incidents in March: registered I1 I2 I3 (S1) I4 I5 I6 (S2) — I8 merged and I10 (Feb) not; closed I1 I2 I3;
# due = closed (3) + deadline in March and not closed by Apr 1: I4 (Mar 25, open), I10 (Mar 3, closed Apr 15).
# Orders sent in March: o1 o2 o3a o3b o3c o4 o6; returned o3a; response due: all but o3b (withdrawn unanswered);
# answered in time: o1 o3a o3c o4 o6 (o2 late). Ratings in March: I1 5, I1 by I8's reporter 4, I2 2.
MARCH_TOTAL = (
    (6, 5, 3, 2, 2, 1, 3, 7, 1, 6, 5, 3, 2),
    # 3/5, 2/5 (I1 I3), 1/3 (I2), 1/7, 5/6, 2/3 (I3 unsolvable), 2/3 (levels 5 4; not 2)
    (60.0, 40.0, 33.3, 14.3, 83.3, 66.7, 66.7),
    11.9,  # (36000 + 72000 + 20000) / 3 / 3600 = 11.85
)
MARCH_S1 = (
    (3, 3, 3, 2, 2, 1, 3, 5, 1, 4, 3, 3, 2),  # orders o1 o2 o3a o3b o3c; response due o1 o2 o3a o3c; in time o1 o3a o3c
    (100.0, 66.7, 33.3, 20.0, 75.0, 66.7, 66.7),  # 3/3, 2/3, 1/3, 1/5, 3/4, 2/3, 2/3
    11.9,
)
MARCH_S2 = (
    (3, 2, 0, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0),  # registered I4 I5 I6; due I4 I10; orders o4 o6
    (0.0, 0.0, None, 0.0, 100.0, None, None),  # 0/2, 0/2, —, 0/2, 2/2, —, —
    None,
)
EMPTY = ((0,) * 13, (None,) * 7, None)


def test_march_by_street_community_grid_and_district(fx):
    _check(_figures(MARCH, "street"), {S1: MARCH_S1, S2: MARCH_S2, S3: EMPTY, "": MARCH_TOTAL})
    # one community and one grid per street: the same figures; street 003 has none of them
    _check(_figures(MARCH, "community"), {C1: MARCH_S1, C2: MARCH_S2, "": MARCH_TOTAL})
    _check(_figures(MARCH, "grid"), {G1: MARCH_S1, G2: MARCH_S2, "": MARCH_TOTAL})
    _check(_figures(MARCH, "district"), {D: MARCH_TOTAL, "": MARCH_TOTAL})


def test_march_by_lead_department(fx):
    a, b = str(fx["A"].pk), str(fx["B"].pk)
    _check(_figures(MARCH, "department"), {
        # lead A: I1 I2 I4 I10 (I3's newest lead not returned is o3c, B). Registered I1 I2 I4; closed I1 I2; due +I4
        # +I10 = 4; in time I1; orders to A: o1 o2 o3a o4 (returned o3a; in time o1 o3a o4); ratings of I1 I1 I2
        a: ((3, 4, 2, 1, 2, 1, 2, 4, 1, 4, 3, 3, 2),
            (50.0, 25.0, 50.0, 25.0, 75.0, 100.0, 66.7),  # 2/4, 1/4, 1/2, 1/4, 3/4, 2/2, 2/3
            15.0),  # (36000 + 72000) / 2 / 3600
        # lead B: I3 I6 (I11 I12 in April). Registered I3 I6; closed I3 (unsolvable); due I3 (I6's deadline is Apr
        # 5); orders to B: o3b (withdrawn) o3c o6
        b: ((2, 1, 1, 1, 0, 0, 1, 3, 0, 2, 2, 0, 0),
            (100.0, 100.0, 0.0, 0.0, 100.0, 0.0, None),  # 1/1, 1/1, 0/1, 0/3, 2/2, 0/1, —
            5.6),  # 20000 / 3600 = 5.56
        # no lead department: I5, handled on the spot, registered Mar 28, closed in April
        NONE_KEY: ((1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), (None,) * 7, None),
        "": MARCH_TOTAL,
    })


def test_march_by_category(fx):
    k1, k2 = str(fx["K1"].pk), str(fx["K2"].pk)
    _check(_figures(MARCH, "category"), {
        # K1: I1 I2 (I10 due Mar 3 not closed by Apr 1); orders o1 o2 (o2 late); ratings I1 I1 I2
        k1: ((2, 3, 2, 1, 2, 1, 2, 2, 0, 2, 1, 3, 2),
             (66.7, 33.3, 50.0, 0.0, 50.0, 100.0, 66.7),  # 2/3, 1/3, 1/2, 0/2, 1/2, 2/2, 2/3
             15.0),
        # K2: registered I3 I4 I5 I6; closed I3; due I3 + I4; orders o3a o3b o3c o4 o6 (o3b withdrawn)
        k2: ((4, 2, 1, 1, 0, 0, 1, 5, 1, 4, 4, 0, 0),
             (50.0, 50.0, 0.0, 20.0, 100.0, 0.0, None),  # 1/2, 1/2, 0/1, 1/5, 4/4, 0/1, —
             5.6),
        "": MARCH_TOTAL,
    })


# ---- April 2025 ------------------------------------------------------------------------------------------------
# Registered I7 I11 I12 I13 (I9 dismissed); closed I5 I6 I7 I10 I12 (I7 once, at its last closing Apr 19); due =
# closed (5) + I11 (deadline Apr 30, open; I13's is in May). Orders sent: o7a o7b o11 o12a o12b o13; returned o12b;
# response due: all but o13 (still within its response time on May 10); in time: o7a o7b o12a o12b (o11 never
# answered). Ratings in April: I3 3, I7 1, I7 4.
APRIL_TOTAL = (
    (4, 6, 5, 4, 5, 0, 5, 6, 1, 5, 4, 3, 2),
    (83.3, 66.7, 0.0, 16.7, 80.0, 100.0, 66.7),  # 5/6, 4/6 (I10 late), 0/5, 1/6, 4/5, 5/5, 2/3
    15.9,  # (1800 + 40000 + 30000 + 200000 + 15000) / 5 / 3600 = 15.93
)
APRIL_S1 = (
    (3, 2, 1, 1, 1, 0, 1, 4, 0, 3, 2, 3, 2),  # I7 I11 I13; closed I7; due I7 + I11; orders o7a o7b o11 o13
    (50.0, 50.0, 0.0, 0.0, 66.7, 100.0, 66.7),  # 1/2, 1/2, 0/1, 0/4, 2/3, 1/1, 2/3
    8.3,  # 30000 / 3600
)
APRIL_S2 = (
    (1, 4, 4, 3, 4, 0, 4, 2, 1, 2, 2, 0, 0),  # I12 (I9 dismissed); closed I5 I6 I10 I12; orders o12a o12b
    (100.0, 75.0, 0.0, 50.0, 100.0, 100.0, None),  # 4/4, 3/4, 0/4, 1/2, 2/2, 4/4, —
    17.8,  # (1800 + 40000 + 200000 + 15000) / 4 / 3600 = 17.83
)


def test_april_by_street_community_and_grid(fx):
    _check(_figures(APRIL, "street"), {S1: APRIL_S1, S2: APRIL_S2, S3: EMPTY, "": APRIL_TOTAL})
    _check(_figures(APRIL, "community"), {C1: APRIL_S1, C2: APRIL_S2, "": APRIL_TOTAL})
    _check(_figures(APRIL, "grid"), {
        # I7 was recorded at its community, in no grid: a row of its own, named so
        C1: ((1, 1, 1, 1, 1, 0, 1, 2, 0, 2, 2, 2, 1),  # orders o7a o7b; ratings 1 and 4
             (100.0, 100.0, 0.0, 0.0, 100.0, 100.0, 50.0), 8.3),
        # I11 I13 and I3's rating: due I11; orders o11 (unanswered) o13 (waiting)
        G1: ((2, 1, 0, 0, 0, 0, 0, 2, 0, 1, 0, 1, 1),
             (0.0, 0.0, None, 0.0, 0.0, None, 100.0), None),  # 0/1, 0/1, —, 0/2, 0/1, —, 1/1
        G2: APRIL_S2,
        "": APRIL_TOTAL,
    })
    labels = {row.key: row.label for row in _figures(APRIL, "grid").rows}
    assert labels[C1] == "甲社区（未落入网格）" and labels[G1] == "甲社区第1网格"


def test_april_by_lead_department_and_category(fx):
    a, b = str(fx["A"].pk), str(fx["B"].pk)
    _check(_figures(APRIL, "department"), {
        # A: registered I7 I13; closed I7 I10; due the same 2; in time I7; orders to A: o7a o7b o12b (co, returned)
        # o13 (waiting); ratings of I7 (1, 4)
        a: ((2, 2, 2, 1, 2, 0, 2, 4, 1, 3, 3, 2, 1),
            (100.0, 50.0, 0.0, 25.0, 100.0, 100.0, 50.0),  # 2/2, 1/2, 0/2, 1/4, 3/3, 2/2, 1/2
            31.9),  # (30000 + 200000) / 2 / 3600 = 31.94
        # B: registered I11 I12; closed I6 I12; due + I11 = 3; orders o11 (unanswered) o12a; I3's rating (3)
        b: ((2, 3, 2, 2, 2, 0, 2, 2, 0, 2, 1, 1, 1),
            (66.7, 66.7, 0.0, 0.0, 50.0, 100.0, 100.0),  # 2/3, 2/3, 0/2, 0/2, 1/2, 2/2, 1/1
            7.6),  # (40000 + 15000) / 2 / 3600 = 7.64
        # I5, handled on the spot by the grid worker, closed Apr 2
        NONE_KEY: ((0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0),
                        (100.0, 100.0, 0.0, None, None, 100.0, None), 0.5),  # 1800 / 3600
        "": APRIL_TOTAL,
    })
    k1, k2 = str(fx["K1"].pk), str(fx["K2"].pk)
    _check(_figures(APRIL, "category"), {
        # K1: I7 I13 registered; I7 I10 closed; orders o7a o7b o13
        k1: ((2, 2, 2, 1, 2, 0, 2, 3, 0, 2, 2, 2, 1),
             (100.0, 50.0, 0.0, 0.0, 100.0, 100.0, 50.0), 31.9),  # 2/2, 1/2, 0/2, 0/3, 2/2, 2/2, 1/2
        # K2: I11 I12 registered; I5 I6 I12 closed; due + I11 = 4; orders o11 o12a o12b
        k2: ((2, 4, 3, 3, 3, 0, 3, 3, 1, 3, 2, 1, 1),
             (75.0, 75.0, 0.0, 33.3, 66.7, 100.0, 100.0),  # 3/4, 3/4, 0/3, 1/3, 2/3, 3/3, 1/1
             5.3),  # (1800 + 40000 + 15000) / 3 / 3600 = 5.26
        "": APRIL_TOTAL,
    })


def test_by_month_the_total_is_not_the_sum_of_the_months(fx):
    """March and April by month are the two periods' totals; over both months I10 (deadline Mar 3, closed Apr 15)
    is 应结案 once, not in each month: registered 6 + 4; closed 3 + 5; due 8 closed + I4 + I11 = 10 (the months
    say 5 + 6)."""
    both = _figures(BOTH, "month")
    _check(both, {
        "2025-03": MARCH_TOTAL,
        "2025-04": APRIL_TOTAL,
        "": ((10, 10, 8, 6, 7, 1, 8, 13, 2, 11, 9, 6, 4),
             (80.0, 60.0, 12.5, 15.4, 81.8, 87.5, 66.7),  # 8/10, 6/10, 1/8, 2/13, 9/11, 7/8, 4/6
             14.4),  # (128000 + 286800) / 8 / 3600 = 14.40
    })
    assert sum(row.count("due") for row in both.rows) == 11


def test_nothing_to_divide_by_is_a_dash_not_zero(fx):
    empty = incident_figures(scope=S3, start=MARCH[0], end=MARCH[1], grouping="department", now=NOW)
    assert all(value is None for value in empty.total.rates.values()) and empty.total.mean_hours is None
    # street 003 shows its zeros, with no rate at all
    row = next(r for r in _figures(MARCH, "street").rows if r.key == S3)
    assert row.counts == {} or set(row.counts.values()) == {0}
    assert row.rates == dict.fromkeys(RATE_NAMES) and row.label == "丙街道"


def test_closed_unsolved_is_never_solved_and_merged_or_dismissed_reports_never_count(fx):
    march = dict(scope=D, start=MARCH[0], end=MARCH[1], grouping="street", group="", now=NOW)
    closed = set(figure_records(count=Measure.CLOSED, **march))
    solved = set(figure_records(count=Measure.SOLVED, **march))
    assert fx["I3"] in closed and fx["I3"] not in solved
    registered = set(figure_records(count=Measure.REGISTERED, **march))
    assert fx["I8"] not in registered and fx["I1"] in registered  # the merged report: its incident counts, not it
    april = dict(march, start=APRIL[0], end=APRIL[1])
    assert fx["I9"] not in set(figure_records(count=Measure.REGISTERED, **april))
    # I8's reporter's rating counts as a rating of I1
    ratings = list(figure_records(count=Measure.RATED, **march))
    assert sorted(r.level for r in ratings) == [2, 4, 5] and {r.incident_id for r in ratings} == {
        fx["I1"].pk, fx["I2"].pk}


def test_a_reopened_incident_counts_once_at_its_last_closing(fx):
    april = dict(scope=D, start=APRIL[0], end=APRIL[1], grouping="street", group="", now=NOW)
    closings = IncidentHistory.objects.filter(incident=fx["I7"], action__in=("close", "close_unsolved"),
                                              at__gte=APRIL[0], at__lt=APRIL[1])
    assert closings.count() == 2
    closed = list(figure_records(count=Measure.CLOSED, **april))
    assert closed.count(fx["I7"]) == 1
    assert list(figure_records(count=Measure.DUE, **april)).count(fx["I7"]) == 1


def test_a_deadline_still_ahead_is_not_due_yet(fx):
    """On Apr 12 (the month under way) I11's deadline (Apr 30) has not come: April's 应结案 is the 5 closings only.
    (The fixture's later records still count by their own dates.)"""
    early = incident_figures(scope=D, start=APRIL[0], end=APRIL[1], grouping="street", now=at(4, 12, 12))
    assert early.total.count("due") == 5 and early.total.count("closed") == 5
    due = figure_records(scope=D, start=APRIL[0], end=APRIL[1], grouping="street", group="", count="due",
                         now=at(4, 12, 12))
    assert fx["I11"] not in set(due)
    # o13 (response due May 20) is never due by then; o11 (Apr 11 09:00) is: answered in time 4 of 5
    assert early.total.count("response_due") == 5 and early.total.count("responded") == 4


def test_kind_narrows_to_requests(fx):
    requests = incident_figures(scope=D, start=APRIL[0], end=APRIL[1], grouping="street", kind="request", now=NOW)
    # I11 only: registered, due (Apr 30), not closed; its order o11 never answered
    assert (requests.total.count("registered"), requests.total.count("due"), requests.total.count("closed"),
            requests.total.count("orders"), requests.total.count("responded")) == (1, 1, 0, 1, 0)


def test_the_figures_agree_with_the_history(fx):
    """结案 = the incidents whose last closing in the history falls in the period and that are closed now; 立案 = the
    register (or handle-on-the-spot) rows of incidents neither merged nor dismissed; 退单 = the return rows and the
    co-departments' part returns."""
    for start, end in (MARCH, APRIL):
        figures = incident_figures(scope=D, start=start, end=end, grouping="street", now=NOW)
        rows = IncidentHistory.objects.filter(incident__path__startswith=D, at__gte=start, at__lt=end)
        last_close = {}
        for h in IncidentHistory.objects.filter(incident__path__startswith=D,
                                                action__in=("close", "close_unsolved")).order_by("at"):
            last_close[h.incident_id] = h.at
        reopened_after = {h.incident_id for h in IncidentHistory.objects.filter(action="reopen")
                          if last_close.get(h.incident_id) and h.at > last_close[h.incident_id]}
        closed = {i for i, when in last_close.items() if start <= when < end and i not in reopened_after}
        assert figures.total.count("closed") == len(closed)
        registered = rows.filter(action__in=("register", "handle_on_spot"), incident__merged_into__isnull=True,
                                 incident__dismiss_reason="").values("incident_id").distinct().count()
        assert figures.total.count("registered") == registered
        returns = rows.filter(action="return").count() + rows.filter(action="part", data__step="return").count()
        assert figures.total.count("returned") == returns


@pytest.mark.parametrize("grouping", [g.value for g in Grouping])
def test_the_queries_are_few_whatever_the_grouping(fx, grouping, django_assert_max_num_queries):
    # incidents, orders, ratings and the groups' names; by month five aggregates and three for the total
    with django_assert_max_num_queries(8 if grouping == "month" else 4):
        figures = _figures(BOTH, grouping)
    assert figures.total.count("registered") == 10


def test_the_services_path_counts_what_the_history_says():
    """One request through the services on the demo district (report → register → dispatch → accept → handle →
    verify → close → rate): the figures of its grid today move by exactly what its history holds."""
    from django.utils import timezone

    from doorstep.core.idempotency import new_key
    from doorstep.incidents.services.center import incident_close, incident_dispatch, incident_register
    from doorstep.incidents.services.handling import (
        incident_handle,
        incident_rate,
        incident_verify,
        order_accept,
    )
    from doorstep.incidents.services.intake import ReportIn, incident_report
    from doorstep.incidents.tests.helpers import (
        phone_jpeg,
        resident_user,
        staff,
        street_dispatcher,
        supervisor_of,
    )

    resident = resident_user()
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=1)

    def figures(scope):
        later = timezone.now() + datetime.timedelta(minutes=1)
        return incident_figures(scope=scope, start=start, end=end, grouping="department", now=later).total

    incident = incident_report(actor=resident, data=ReportIn(description="小区门口垃圾堆了三天没人清理"),
                               idempotency_key=new_key())
    grid = incident.grid
    before = figures(incident.path)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk, category="SJ0102")
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管", part="清运垃圾")
    dept = staff("dept_cg")
    order_accept(actor=dept, incident_id=incident.pk)
    incident_handle(actor=dept, incident_id=incident.pk, resolution="solved", note="已清运", photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, note="现场已干净",
                    photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    incident_rate(actor=resident, incident_id=incident.pk, level=5, solved=True, comment="很快")
    after = figures(incident.path)

    history = list(IncidentHistory.objects.filter(incident=incident).values_list("action", flat=True))
    moved = {c: after.count(c) - before.count(c) for c in COUNTS}
    assert moved == {
        "registered": history.count("register"),  # 1
        "due": 1,  # closed today: due today (its deadline is later: an early closing counts)
        "closed": history.count("close"),  # 1
        "in_time": 1, "solved": 1, "reworked": history.count("rework"), "timed": 1,
        "orders": history.count("dispatch"),  # one dispatch, one order (no co-department)
        "returned": history.count("return"),  # 0
        "response_due": 1, "responded": 1,
        "rated": history.count("rate"), "satisfied": 1,  # level 5
    }
    assert Incident.objects.get(pk=incident.pk).state == "reviewed"
    assert IncidentRating.objects.filter(incident=incident).count() == 1
