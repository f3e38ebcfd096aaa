"""Grid shapes: each building's Voronoi cell clipped to its community's outline, merged per grid. The cells tile
the outline, so the grids do too: no gaps (no 插花 pockets that belong to no grid) and no overlaps, by
construction — and `coverage` measures both so the report can show them. Pure computation with shapely."""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, mapping, shape

from doorstep.partition.graph import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR


@dataclass(frozen=True)
class Projection:
    """Local metres around a reference latitude, and back."""

    origin_lat: float

    @property
    def _x(self) -> float:
        return METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(self.origin_lat))

    def forward(self, geom):
        return shapely.transform(geom, lambda c: np.column_stack([c[:, 0] * self._x, c[:, 1] * METRES_PER_DEGREE_LAT]))

    def back(self, geom):
        return shapely.transform(geom, lambda c: np.column_stack([c[:, 0] / self._x, c[:, 1] / METRES_PER_DEGREE_LAT]))


def _spread_duplicates(points: np.ndarray) -> np.ndarray:
    """Two buildings at the same spot would share one Voronoi cell: nudge repeats by a few centimetres."""
    points = points.copy()
    seen: dict[tuple[float, float], int] = {}
    for i, (x, y) in enumerate(points):
        key = (round(float(x), 2), round(float(y), 2))
        if key in seen:
            seen[key] += 1
            points[i] = (x + 0.05 * seen[key], y + 0.03 * seen[key])
        else:
            seen[key] = 0
    return points


def building_cells(points: np.ndarray, outline: Polygon) -> list:
    """One clipped Voronoi cell per point (points and outline in metres), in the points' order."""
    if len(points) == 1:
        return [outline]
    points = _spread_duplicates(points)
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=outline, ordered=True)
    return [cell.intersection(outline) for cell in cells.geoms]


def grid_shapes(points: np.ndarray, labels: list[int], outline: Polygon, cells=None) -> dict[int, object]:
    """The merged shape of each grid label (metres), from the buildings' cells (computed if not given)."""
    cells = building_cells(points, outline) if cells is None else cells
    by_label: dict[int, list] = {}
    for cell, label in zip(cells, labels, strict=True):
        by_label.setdefault(label, []).append(cell)
    return {label: shapely.union_all(parts) for label, parts in by_label.items()}


def polsby_popper(geom) -> float:
    """Compactness 4πA/P²: 1 for a circle, about 0.785 for a square, near 0 for a sliver."""
    if geom.is_empty or geom.length == 0:
        return 0.0
    return 4 * math.pi * geom.area / geom.length ** 2


@dataclass(frozen=True)
class Coverage:
    gap_m2: float  # outline area not in any grid
    overlap_m2: float  # area counted in two grids


def coverage(shapes: list, outline: Polygon) -> Coverage:
    union = shapely.union_all(shapes)
    gap = max(0.0, outline.difference(union).area)
    overlap = max(0.0, sum(s.area for s in shapes) - union.area)
    # below a square centimetre is floating-point noise of the clipping, not a pocket
    return Coverage(gap_m2=0.0 if gap < 1e-4 else gap, overlap_m2=0.0 if overlap < 1e-4 else overlap)


def to_geojson(geom) -> dict:
    return mapping(geom)


def from_geojson(data: dict):
    return shape(data)
