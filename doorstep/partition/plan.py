"""A whole proposal: grids for every community of a street or district, their shapes, the quality report and the
change against the current grids. Pure computation over plain records; the Django side (services.py) loads the
records and applies a reviewed proposal."""

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from shapely.geometry import shape

from doorstep.partition.graph import to_metres
from doorstep.partition.partitioner import CommunityPlan, Settings, partition_community
from doorstep.partition.shapes import (
    Projection,
    building_cells,
    coverage,
    grid_shapes,
    polsby_popper,
    to_geojson,
)


@dataclass(frozen=True)
class BuildingIn:
    id: int
    community: str  # community code
    lon: float
    lat: float
    households: int
    current: str | None = None  # current grid code


@dataclass
class GridOut:
    key: str  # community code + ":" + label
    community: str
    building_ids: list[int]
    households: int
    geometry: dict  # GeoJSON, lon/lat
    compactness: float  # Polsby-Popper of the polygon
    connected: bool  # on the building adjacency graph
    polygon_parts: int
    current_code: str | None = None  # the existing grid it continues, if any


@dataclass
class Plan:
    settings: Settings
    grids: list[GridOut]
    notes: list[str] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    seconds_partition: float = 0.0
    seconds_shapes: float = 0.0


def _match_codes(grids: list[GridOut], current: dict[int, str | None], households: dict[int, int]) -> None:
    """Give each current grid's code to the new grid that continues it: a maximum-overlap assignment (the pairs of
    current and new grids, one to one, that share the most households in all; scipy's linear_sum_assignment, the
    Hungarian method), community by community since grids never cross one. A greedy choice, largest overlap
    first, could hand a grid's code to its neighbour and so swap two codes (issue #11, item 14: 001005 and 001007
    traded places although both grids continued). Pairs sharing no household keep no code."""
    by_community: dict[str, list[GridOut]] = defaultdict(list)
    for g in grids:
        by_community[g.community].append(g)
    for members in by_community.values():
        shared: list[dict[str, int]] = []
        for g in members:
            overlap: dict[str, int] = defaultdict(int)
            for b in g.building_ids:
                if current.get(b):
                    overlap[current[b]] += households[b]
            shared.append(overlap)
        codes = sorted({code for overlap in shared for code in overlap})
        if not codes:
            continue
        matrix = np.zeros((len(members), len(codes)))
        column = {code: j for j, code in enumerate(codes)}
        for i, overlap in enumerate(shared):
            for code, n in overlap.items():
                matrix[i, column[code]] = n
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if matrix[i, j] > 0:
                members[i].current_code = codes[j]


def _current_figures(members: list[BuildingIn], graph, projection: Projection,
                     shapes: dict[str, dict] | None) -> dict[str, dict]:
    """Contiguity (on the same building graph as the proposal) and compactness (Polsby-Popper of the grid's stored
    shape, as the 现状 map draws it) of a community's current grids: {code: {connected, compactness or None}}."""
    idx_of: dict[str, list[int]] = defaultdict(list)
    for i, b in enumerate(members):
        if b.current:
            idx_of[b.current].append(i)
    figures = {}
    for code, idx in idx_of.items():
        geometry = (shapes or {}).get(code)
        compactness = None
        if geometry:
            try:
                compactness = round(polsby_popper(projection.forward(shape(geometry))), 4)
            except (ValueError, TypeError, KeyError, AttributeError):  # a malformed stored shape: no figure
                compactness = None
        figures[code] = {"connected": graph.is_connected(idx), "compactness": compactness}
    return figures


def draw(buildings: list[BuildingIn], outlines: dict[str, dict], settings: Settings, *,
         keep_current: bool = False, current_shapes: dict[str, dict] | None = None) -> Plan:
    """Draw grids for every community in `outlines` (GeoJSON polygons, lon/lat) over its buildings.

    current_shapes: the current grids' stored shapes (GeoJSON, lon/lat, by code), for the report's compactness of
    the grids as they are; without them that figure is left out (None)."""
    by_community: dict[str, list[BuildingIn]] = defaultdict(list)
    for b in buildings:
        by_community[b.community].append(b)
    origin_lat = float(np.mean([b.lat for b in buildings])) if buildings else 0.0
    projection = Projection(origin_lat)
    grids: list[GridOut] = []
    notes: list[str] = []
    gaps = overlaps = 0.0
    t_partition = t_shapes = 0.0
    current_figures: dict[str, dict] = {}
    for code in sorted(outlines):
        members = sorted(by_community.get(code, []), key=lambda b: b.id)
        if not members:
            continue
        started = time.perf_counter()
        points = to_metres([b.lon for b in members], [b.lat for b in members], origin_lat=origin_lat)
        outline = projection.forward(shape(outlines[code]))
        cells = building_cells(points, outline)
        t_shapes += time.perf_counter() - started
        started = time.perf_counter()
        weights = np.asarray([b.households for b in members])
        keep = [b.current for b in members] if keep_current else None
        plan: CommunityPlan = partition_community(points, weights, settings, keep=keep, cells=cells)
        notes += [f"{code}：{n}" for n in plan.notes]
        current_figures.update(_current_figures(members, plan.graph, projection, current_shapes))
        t_partition += time.perf_counter() - started
        started = time.perf_counter()
        shapes = grid_shapes(points, plan.labels, outline, cells)
        cover = coverage(list(shapes.values()), outline)
        gaps += cover.gap_m2
        overlaps += cover.overlap_m2
        by_label: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(plan.labels):
            by_label[label].append(i)
        for label in sorted(by_label):
            idx = by_label[label]
            geom = shapes[label]
            grids.append(GridOut(
                key=f"{code}:{label}", community=code, building_ids=[members[i].id for i in idx],
                households=int(weights[idx].sum()), geometry=to_geojson(projection.back(geom)),
                compactness=round(polsby_popper(geom), 4), connected=plan.graph.is_connected(idx),
                polygon_parts=len(getattr(geom, "geoms", [geom]))))
        t_shapes += time.perf_counter() - started
    current = {b.id: b.current for b in buildings}
    _match_codes(grids, current, {b.id: b.households for b in buildings})
    result = Plan(settings=settings, grids=grids, notes=notes, seconds_partition=t_partition,
                  seconds_shapes=t_shapes)
    result.report = quality_report(result, buildings, gaps_m2=gaps, overlaps_m2=overlaps,
                                   current_figures=current_figures)
    return result


def _current_report(figures: dict[str, dict]) -> dict:
    measured = [f["compactness"] for f in figures.values() if f["compactness"] is not None]
    return {"all_connected": all(f["connected"] for f in figures.values()),
            "not_connected": sorted(code for code, f in figures.items() if not f["connected"]),
            "compactness": _compactness_figures(measured) if measured else None}


def size_figures(sizes: list[int], settings: Settings) -> dict:
    mean = statistics.fmean(sizes) if sizes else 0.0
    cv = statistics.pstdev(sizes) / mean if len(sizes) > 1 and mean else 0.0
    within = sum(settings.low <= s <= settings.high for s in sizes)
    return {"count": len(sizes), "min": min(sizes, default=0), "max": max(sizes, default=0), "mean": round(mean, 1),
            "cv": round(cv, 4), "within_tolerance": round(within / len(sizes), 4) if sizes else 0.0}


def _compactness_figures(values: list[float]) -> dict:
    return {"mean": round(statistics.fmean(values), 4) if values else 0.0, "worst": min(values, default=0.0)}


def quality_report(plan: Plan, buildings: list[BuildingIn], *, gaps_m2: float, overlaps_m2: float,
                   current_figures: dict[str, dict] | None = None) -> dict:
    """Grid count and sizes, tolerance, contiguity, compactness, gaps and overlaps, and the change against the
    current grids (which households would move). The current grids get the same contiguity and compactness
    figures under `current` ({all_connected, not_connected: [codes], compactness: {mean, worst} or None}) when
    current_figures ({code: {connected, compactness}}) are given."""
    sizes = [g.households for g in plan.grids]
    compact = [g.compactness for g in plan.grids]
    current_sizes: dict[str, int] = defaultdict(int)
    for b in buildings:
        if b.current:
            current_sizes[b.current] += b.households
    current_members: dict[str, set[int]] = defaultdict(set)
    for b in buildings:
        if b.current:
            current_members[b.current].add(b.id)
    new_code = {b: (g.current_code or g.key) for g in plan.grids for b in g.building_ids}
    moved = [b for b in buildings if b.current is not None and new_code.get(b.id) != b.current]
    return {
        "settings": {"target": plan.settings.target, "tolerance": plan.settings.tolerance,
                     "gap_metres": plan.settings.gap_metres},
        "sizes": size_figures(sizes, plan.settings),
        "current_sizes": size_figures(sorted(current_sizes.values()), plan.settings) if current_sizes else None,
        "all_connected": all(g.connected for g in plan.grids),
        "not_connected": [g.key for g in plan.grids if not g.connected],
        "compactness": _compactness_figures(compact),
        "current": _current_report(current_figures) if current_figures else None,
        "gap_m2": round(gaps_m2, 4),
        "overlap_m2": round(overlaps_m2, 4),
        "change": {"buildings_moved": len(moved), "households_moved": sum(b.households for b in moved),
                   "grids_kept": sum(1 for g in plan.grids if g.current_code
                                     and set(g.building_ids) == current_members.get(g.current_code, set())),
                   "grids_before": len(current_sizes), "grids_after": len(plan.grids)},
        "notes": plan.notes,
        "seconds": {"partition": round(plan.seconds_partition, 3), "shapes": round(plan.seconds_shapes, 3)},
    }
