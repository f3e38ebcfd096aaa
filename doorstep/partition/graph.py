"""The building adjacency graph: Delaunay neighbours in local metres, with edges longer than a gap cut removed
(a river, a highway, a wall between estates). Pure computation: numpy, scipy and numba, no Django."""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.spatial import Delaunay, QhullError

METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0


def to_metres(lons, lats, *, origin_lat: float) -> np.ndarray:
    """Longitude/latitude to x/y metres around a reference latitude (equirectangular: exact enough for a district)."""
    scale = math.cos(math.radians(origin_lat))
    return np.column_stack([np.asarray(lons, dtype=float) * METRES_PER_DEGREE_LON_AT_EQUATOR * scale,
                            np.asarray(lats, dtype=float) * METRES_PER_DEGREE_LAT])


@dataclass
class Graph:
    """An undirected graph in CSR form (what METIS takes) with the edge lengths in metres."""

    n: int
    xadj: np.ndarray
    adjncy: np.ndarray
    lengths: np.ndarray  # per adjncy entry
    borders: np.ndarray | None = None  # per adjncy entry: the length of cell boundary the two share (with cells)

    def neighbours(self, i: int) -> np.ndarray:
        return self.adjncy[self.xadj[i]:self.xadj[i + 1]]

    def components(self, members=None) -> list[list[int]]:
        """Connected components of the whole graph, or of the subgraph induced by `members`."""
        if members is not None and len(members) > 64:  # large sets in one compiled pass
            return self._components_compiled(np.asarray(sorted(members), dtype=np.int64))
        allowed = set(range(self.n)) if members is None else set(members)
        seen: set[int] = set()
        result = []
        for start in sorted(allowed):
            if start in seen:
                continue
            seen.add(start)
            stack, part = [start], [start]
            while stack:
                v = stack.pop()
                for w in self.neighbours(v):
                    w = int(w)
                    if w in allowed and w not in seen:
                        seen.add(w)
                        stack.append(w)
                        part.append(w)
            result.append(sorted(part))
        return result

    def _components_compiled(self, members: np.ndarray) -> list[list[int]]:
        group = np.full(self.n, -1, dtype=np.int64)
        group[members] = 0
        component = same_group_components(self.xadj, self.adjncy, group)[members]
        order = np.argsort(component, kind="stable")  # members come sorted, so each piece stays sorted
        bounds = np.flatnonzero(np.diff(component[order])) + 1
        pieces = [piece.tolist() for piece in np.split(members[order], bounds)]
        return sorted(pieces, key=lambda g: g[0])

    def is_connected(self, members) -> bool:
        allowed = set(members)
        if len(allowed) <= 1:
            return True
        start = next(iter(allowed))
        seen, stack = {start}, [start]
        xadj, adjncy = self.xadj, self.adjncy
        while stack:
            v = stack.pop()
            for w in adjncy[xadj[v]:xadj[v + 1]].tolist():
                if w in allowed and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return len(seen) == len(allowed)


def cell_borders(cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every stretch of boundary two cells share, as arrays (i, j, length) with i < j, found by matching the
    cells' edges (an inner edge is drawn once in each of its two cells): a few milliseconds for a thousand cells,
    where intersecting every neighbouring pair of polygons takes tens."""
    import shapely

    parts, part_index = shapely.get_parts(np.asarray(cells, dtype=object), return_index=True)
    rings, ring_index = shapely.get_rings(parts, return_index=True)
    coords, coord_index = shapely.get_coordinates(rings, return_index=True)
    owner = part_index[ring_index[coord_index]]
    same_ring = coord_index[:-1] == coord_index[1:]
    start, end, owner = coords[:-1][same_ring], coords[1:][same_ring], owner[:-1][same_ring]
    # the same edge in two cells: equal endpoints to a millimetre, in either direction; each endpoint as one
    # 64-bit key (millimetres from the cells' south-west corner: 27 bits each way, enough for 130 km)
    corner = coords.min(axis=0) if len(coords) else np.zeros(2)
    grid = np.round((coords - corner) * 1000).astype(np.int64)
    point_key = (grid[:, 0] << 27) | grid[:, 1]
    a, b = point_key[:-1][same_ring], point_key[1:][same_ring]
    low_key, high_key = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((high_key, low_key))
    low_key, high_key = low_key[order], high_key[order]
    twin = np.flatnonzero((low_key[1:] == low_key[:-1]) & (high_key[1:] == high_key[:-1]))
    first, second = owner[order[twin]], owner[order[twin + 1]]
    length = np.hypot(*(start[order[twin]] - end[order[twin]]).T)
    distinct = first != second
    first, second, length = first[distinct], second[distinct], length[distinct]
    return np.minimum(first, second), np.maximum(first, second), length


@njit(cache=True)
def same_group_components(xadj, adjncy, group):
    """Connected pieces of each group (group[v] ≥ 0; -1: left out), following only links inside a group: a piece
    number per building (-1 for those left out)."""
    n = group.shape[0]
    piece = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    count = 0
    for start in range(n):
        if group[start] < 0 or piece[start] >= 0:
            continue
        piece[start] = count
        stack[0] = start
        top = 1
        while top > 0:
            top -= 1
            v = stack[top]
            for e in range(xadj[v], xadj[v + 1]):
                w = adjncy[e]
                if piece[w] < 0 and group[w] == group[start]:
                    piece[w] = count
                    stack[top] = w
                    top += 1
        count += 1
    return piece


AUTO_GAP_FACTOR = 4.0  # with no gap given, cut edges longer than this many times the median neighbour distance


def _delaunay_pairs(points: np.ndarray) -> np.ndarray:
    """Both directions of every Delaunay edge (a chain along the line when all points are on one)."""
    n = len(points)
    pairs = None
    if n > 2:
        try:
            indptr, indices = Delaunay(points).vertex_neighbor_vertices
            rows = np.repeat(np.arange(n), np.diff(indptr))
            pairs = np.column_stack([rows, indices])
        except QhullError:  # all on a line (a row of houses along a road): chain them in order along it
            pairs = None
    if pairs is None:
        order = np.lexsort((points[:, 1], points[:, 0]))
        chain = np.column_stack([order[:-1], order[1:]])
        pairs = np.vstack([chain, chain[:, ::-1]])
    # Delaunay leaves out repeated points (two buildings at one spot): tie each to its nearest other point
    lonely = np.setdiff1d(np.arange(n), pairs[:, 0])
    if len(lonely):
        extra = []
        for i in lonely:
            distance = ((points - points[i]) ** 2).sum(axis=1)
            distance[i] = np.inf
            j = int(np.argmin(distance))
            extra += [(i, j), (j, i)]
        pairs = np.unique(np.vstack([pairs, np.asarray(extra)]), axis=0)
    return pairs


def adjacency(points: np.ndarray, *, gap_metres: float, cells=None) -> Graph:
    """Delaunay neighbours of the points; edges longer than gap_metres are cut (0: automatic, a few times the
    typical distance between neighbouring buildings, which adapts to dense old towns and sparse new estates).

    With `cells` (each building's Voronoi cell clipped to the community), a Delaunay edge counts only if the two
    cells share a stretch of boundary inside the community: near the outline a Delaunay pair's common cell edge
    can fall outside it, and then a grid connected on the graph would still be two pieces on the map. The pairs
    are then read off the cells themselves (cell_borders), with the length of boundary each shares."""
    n = len(points)
    if n < 2:
        return Graph(n=n, xadj=np.zeros(n + 1, dtype=np.int64), adjncy=np.zeros(0, dtype=np.int64),
                     lengths=np.zeros(0), borders=np.zeros(0) if cells is not None else None)
    borders = None
    if cells is not None:
        # the cells that share boundary are the Delaunay neighbours that count: read them off the cells directly
        low, high, shared = cell_borders(cells)
        keys, at = np.unique(low * n + high, return_inverse=True)
        total = np.bincount(at.ravel(), weights=shared, minlength=len(keys))
        forward = np.column_stack([keys // n, keys % n])
        pairs = np.vstack([forward, forward[:, ::-1]])
        borders = np.concatenate([total, total])
        real = borders > 1e-6
        pairs, borders = pairs[real], borders[real]
    else:
        pairs = _delaunay_pairs(points)
    lengths = np.hypot(*(points[pairs[:, 0]] - points[pairs[:, 1]]).T)
    cut = gap_metres if gap_metres > 0 else AUTO_GAP_FACTOR * float(np.median(lengths)) if len(lengths) else 0.0
    keep = lengths <= cut
    pairs, lengths = pairs[keep], lengths[keep]
    if borders is not None:
        borders = borders[keep]
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))  # neighbours in order: the same graph for the same buildings
    pairs, lengths = pairs[order], lengths[order]
    borders = borders[order] if borders is not None else None
    xadj = np.concatenate([[0], np.cumsum(np.bincount(pairs[:, 0], minlength=n))]).astype(np.int64)
    return Graph(n=n, xadj=xadj, adjncy=pairs[:, 1].astype(np.int64), lengths=lengths, borders=borders)
