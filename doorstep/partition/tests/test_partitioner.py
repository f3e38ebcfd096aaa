"""The partitioner on random buildings: every building in exactly one grid, grids connected on the adjacency graph,
never across a community, sizes within the tolerance whenever that is feasible, deterministic for a seed; shapes
tile the community with no gap and no overlap; what cannot be met is said plainly; kept grids stay kept."""

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from doorstep.partition.graph import adjacency, cell_borders
from doorstep.partition.partitioner import Settings, grid_count, partition_community
from doorstep.partition.plan import BuildingIn, draw
from doorstep.partition.shapes import building_cells, coverage, grid_shapes, polsby_popper


def scattered(seed: int, n: int, *, side: float = 1000.0, low: int = 1, high: int = 80):
    rng = np.random.default_rng(seed)
    return rng.random((n, 2)) * side, rng.integers(low, high + 1, n)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 250), target=st.integers(60, 400), with_cells=st.booleans())
def test_every_building_once_and_every_grid_connected(seed, n, target, with_cells):
    points, households = scattered(seed, n)
    rules = Settings(target=target, tolerance=0.15, gap_metres=0)
    cells = building_cells(points, box(0, 0, 1000, 1000)) if with_cells else None
    plan = partition_community(points, households, rules, cells=cells)
    assert len(plan.labels) == n
    labels = np.asarray(plan.labels)
    assert set(labels.tolist()) == set(range(labels.max() + 1))  # grids numbered 0..k-1, none empty
    graph = adjacency(points, gap_metres=0, cells=cells)
    for label in range(labels.max() + 1):
        members = np.flatnonzero(labels == label).tolist()
        assert graph.is_connected(members), (label, members)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(200, 600), with_cells=st.booleans())
def test_sizes_within_tolerance_when_feasible(seed, n, with_cells):
    """Dense, connected, small buildings (1–20 households) against a target of 200: always feasible."""
    points, households = scattered(seed, n, side=600.0, low=1, high=20)
    rules = Settings(target=200, tolerance=0.15, gap_metres=10_000)
    cells = building_cells(points, box(0, 0, 600, 600)) if with_cells else None
    plan = partition_community(points, households, rules, cells=cells)
    sizes = np.bincount(plan.labels, weights=households)
    k, feasible = grid_count(int(households.sum()), rules)
    if feasible:
        assert len(sizes) == k
        assert all(rules.low <= s <= rules.high for s in sizes), sorted(sizes)
        assert np.std(sizes) / np.mean(sizes) <= 0.08  # the refine pass aims at ±5%; CV 3–5% in the benchmark


def test_deterministic_for_a_seed():
    points, households = scattered(3, 400)
    first = partition_community(points, households, Settings(seed=5)).labels
    assert partition_community(points, households, Settings(seed=5)).labels == first


def test_what_cannot_be_met_is_said_plainly():
    # one building of 600 households: never split, a grid of its own, and the report says why
    points = np.asarray([[0, 0], [50, 0], [0, 50], [50, 50], [100, 25]], dtype=float)
    plan = partition_community(points, np.asarray([600, 100, 100, 100, 50]), Settings(target=350))
    assert any("600户" in note and "不拆分" in note for note in plan.notes)
    assert len(set(plan.labels)) >= 2
    # a community of 500 households cannot make grids of 350 ± 15%
    points, households = scattered(1, 20, side=300)
    households = np.full(20, 25)
    plan = partition_community(points, households, Settings(target=350))
    assert any("500户" in note and "无法均分" in note for note in plan.notes)
    assert len(set(plan.labels)) in (1, 2)


def test_a_gap_cut_splits_the_community_and_no_grid_crosses_it():
    left, _ = scattered(1, 60, side=400)
    right = left + np.asarray([2000.0, 0.0])  # the same estate again, across a 1.6 km river
    points = np.vstack([left, right])
    households = np.full(120, 30)
    plan = partition_community(points, households, Settings(target=350, gap_metres=300))
    labels = np.asarray(plan.labels)
    assert not set(labels[:60]) & set(labels[60:])


def outline_geojson(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def test_draw_respects_communities_and_tiles_them():
    rng = np.random.default_rng(4)
    buildings = []
    for c, (x0, x1) in enumerate([(112.90, 112.91), (112.91, 112.925)]):
        for i in range(120):
            buildings.append(BuildingIn(id=c * 1000 + i, community=f"C{c}", lon=float(rng.uniform(x0, x1)),
                                        lat=float(rng.uniform(27.80, 27.81)), households=int(rng.integers(10, 60))))
    outlines = {"C0": outline_geojson(112.90, 27.80, 112.91, 27.81),
                "C1": outline_geojson(112.91, 27.80, 112.925, 27.81)}
    plan = draw(buildings, outlines, Settings(target=350))
    community_of = {b.id: b.community for b in buildings}
    assert sorted(b for g in plan.grids for b in g.building_ids) == sorted(community_of)
    for grid in plan.grids:
        assert {community_of[b] for b in grid.building_ids} == {grid.community}
        assert grid.connected and grid.polygon_parts == 1
    report = plan.report
    assert report["gap_m2"] == 0 and report["overlap_m2"] == 0 and report["all_connected"]
    assert report["sizes"]["within_tolerance"] >= 0.9 and report["sizes"]["cv"] <= 0.08


def test_shapes_cover_the_outline_exactly():
    points, households = scattered(9, 300)
    plan = partition_community(points, households, Settings())
    shapes = grid_shapes(points, plan.labels, box(0, 0, 1000, 1000))
    cover = coverage(list(shapes.values()), box(0, 0, 1000, 1000))
    assert cover.gap_m2 == 0 and cover.overlap_m2 == 0
    assert sum(s.area for s in shapes.values()) == pytest.approx(1_000_000, rel=1e-9)


def test_redrawing_keeps_grids_that_still_fit_and_reports_the_moves():
    rng = np.random.default_rng(8)
    buildings = [BuildingIn(id=i, community="C", lon=float(rng.uniform(112.9, 112.92)),
                            lat=float(rng.uniform(27.8, 27.82)), households=int(rng.integers(10, 50)))
                 for i in range(300)]
    outlines = {"C": outline_geojson(112.9, 27.8, 112.92, 27.82)}
    first = draw(buildings, outlines, Settings())
    code_of = {b: f"G{n:03d}" for n, g in enumerate(first.grids) for b in g.building_ids}
    current = [BuildingIn(**{**b.__dict__, "current": code_of[b.id]}) for b in buildings]
    again = draw(current, outlines, Settings(), keep_current=True)
    within = [g for g in first.grids if Settings().low <= g.households <= Settings().high]
    assert again.report["change"]["households_moved"] == 0
    assert again.report["change"]["grids_kept"] >= len(within)
    # growth: one grid gains a big new estate and no longer fits; the others stay as they were
    grown = current + [BuildingIn(id=10_000 + i, community="C", lon=buildings[0].lon + 1e-5 * i,
                                  lat=buildings[0].lat, households=60) for i in range(5)]
    redrawn = draw(grown, outlines, Settings(), keep_current=True)
    assert redrawn.report["change"]["grids_kept"] >= len(within) - 3
    assert redrawn.report["sizes"]["within_tolerance"] >= 0.9


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 300), repeats=st.integers(0, 3))
def test_cell_borders_match_the_polygons(seed, n, repeats):
    """The shared boundary found by matching edges equals intersecting the polygons, on a non-convex (L-shaped)
    outline and with buildings standing at the same spot."""
    from shapely.geometry import Polygon

    points, _ = scattered(seed, n)
    outline = Polygon([(0, 0), (1000, 0), (1000, 400), (400, 400), (400, 1000), (0, 1000)])
    points = points[[outline.contains(shapely.Point(p)) for p in points]]
    points = np.vstack([points, points[:repeats]]) if len(points) else points
    if len(points) < 2:
        return
    cells = building_cells(points, outline)
    low, high, length = cell_borders(cells)
    measured = {}
    for a, b, x in zip(low.tolist(), high.tolist(), length.tolist(), strict=True):
        measured[(a, b)] = measured.get((a, b), 0.0) + x
    for a in range(len(cells)):
        for b in range(a + 1, len(cells)):
            shared = cells[a].intersection(cells[b]).length
            assert measured.get((a, b), 0.0) == pytest.approx(shared, abs=1e-6), (a, b)


def test_rounding_off_makes_rounder_grids_and_keeps_the_rules():
    """With the cells known, grids are rounded off on their real perimeters: the mean Polsby-Popper rises clearly,
    sizes stay within the tolerance with a spread under 5%, every grid stays connected, and it is deterministic."""
    rng = np.random.default_rng(11)
    points = rng.random((600, 2)) * 1250
    households = rng.choice([12, 18, 24, 30, 36, 48, 60, 72], 600)
    outline = box(0, 0, 1250, 1250)
    cells = building_cells(points, outline)
    rules = Settings(gap_metres=250)
    plain = partition_community(points, households, rules)
    rounded = partition_community(points, households, rules, cells=cells)
    assert partition_community(points, households, rules, cells=cells).labels == rounded.labels

    def mean_compactness(labels):
        return float(np.mean([polsby_popper(s) for s in grid_shapes(points, labels, outline, cells).values()]))

    assert mean_compactness(rounded.labels) >= mean_compactness(plain.labels) + 0.05
    sizes = np.bincount(rounded.labels, weights=households)
    assert all(rules.low <= s <= rules.high for s in sizes) and sizes.std() / sizes.mean() <= 0.05
    graph = adjacency(points, gap_metres=250, cells=cells)
    labels = np.asarray(rounded.labels)
    assert all(graph.is_connected(np.flatnonzero(labels == g).tolist()) for g in range(labels.max() + 1))


def test_codes_go_to_the_grids_that_continue_them_even_where_greedy_would_swap_them():
    """Issue #11 item 14: G005 continues as grid A (200 of its 210 households), G007 as grid B (205 of 415). Taking
    the largest overlap first gave A G007's code (A holds 210 of G007) and B G005's: the two codes swapped. The
    maximum-overlap assignment keeps each code with its grid."""
    from doorstep.partition.plan import GridOut, _match_codes

    def grid(key, ids):
        return GridOut(key=key, community="C", building_ids=ids, households=0, geometry={}, compactness=1.0,
                       connected=True, polygon_parts=1)

    current = {1: "G005", 2: "G007", 3: "G005", 4: "G007", 5: "G009"}
    households = {1: 200, 2: 210, 3: 10, 4: 205, 5: 0}
    a, b, c = grid("C:0", [1, 2]), grid("C:1", [3, 4]), grid("C:2", [5])
    _match_codes([a, b, c], current, households)
    assert (a.current_code, b.current_code) == ("G005", "G007")
    assert c.current_code is None  # sharing no household with G009 (an empty building) keeps no code
    # grids of another community never take these codes, and a grid with no current buildings takes none
    other = GridOut(key="D:0", community="D", building_ids=[9], households=0, geometry={}, compactness=1.0,
                    connected=True, polygon_parts=1)
    _match_codes([other], {9: None}, {9: 30})
    assert other.current_code is None


def test_the_report_measures_the_current_grids_as_it_measures_the_proposal():
    """The 现状 column: contiguity on the same building graph, compactness of the grids' stored shapes; a current
    grid in two pieces is named."""
    rng = np.random.default_rng(8)
    buildings = [BuildingIn(id=i, community="C", lon=float(rng.uniform(112.9, 112.92)),
                            lat=float(rng.uniform(27.8, 27.82)), households=int(rng.integers(10, 50)))
                 for i in range(300)]
    outlines = {"C": outline_geojson(112.9, 27.8, 112.92, 27.82)}
    first = draw(buildings, outlines, Settings())
    assert first.report["current"] is None  # nothing drawn before
    code_of = {b: f"G{n:03d}" for n, g in enumerate(first.grids) for b in g.building_ids}
    shapes = {f"G{n:03d}": g.geometry for n, g in enumerate(first.grids)}
    current = [BuildingIn(**{**b.__dict__, "current": code_of[b.id]}) for b in buildings]
    again = draw(current, outlines, Settings(), current_shapes=shapes)
    measured = again.report["current"]
    assert measured["all_connected"] and measured["not_connected"] == []
    assert measured["compactness"]["mean"] == pytest.approx(first.report["compactness"]["mean"], abs=1e-3)
    assert measured["compactness"]["worst"] == pytest.approx(first.report["compactness"]["worst"], abs=1e-3)
    # one building of the farthest grid counted in G000: G000 is then in two pieces
    centre = {n: np.mean([[b.lon, b.lat] for b in buildings if code_of[b.id] == f"G{n:03d}"], axis=0)
              for n in range(len(first.grids))}
    far = max(centre, key=lambda n: np.linalg.norm(centre[n] - centre[0]))
    stray = next(b.id for b in buildings if code_of[b.id] == f"G{far:03d}")
    split = [BuildingIn(**{**b.__dict__, "current": "G000" if b.id == stray else code_of[b.id]}) for b in buildings]
    measured = draw(split, outlines, Settings(), current_shapes=shapes).report["current"]
    assert not measured["all_connected"] and measured["not_connected"] == ["G000"]
