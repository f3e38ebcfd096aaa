"""The building adjacency graph: Delaunay neighbours in local metres, with edges longer than a gap cut removed
(a river, a highway, a wall between estates). Pure computation: numpy and scipy, no Django."""

import math
from dataclasses import dataclass

import numpy as np
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

    def neighbours(self, i: int) -> np.ndarray:
        return self.adjncy[self.xadj[i]:self.xadj[i + 1]]

    def components(self, members=None) -> list[list[int]]:
        """Connected components of the whole graph, or of the subgraph induced by `members`."""
        if members is not None and len(members) > 64:  # large sets in one vectorised pass (scipy)
            return self._components_scipy(np.asarray(sorted(members), dtype=np.int64))
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

    def _components_scipy(self, members: np.ndarray) -> list[list[int]]:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        inside = np.zeros(self.n, dtype=bool)
        inside[members] = True
        src = np.repeat(np.arange(self.n), np.diff(self.xadj))
        keep = inside[src] & inside[self.adjncy]
        matrix = coo_matrix((np.ones(int(keep.sum())), (src[keep], self.adjncy[keep])), shape=(self.n, self.n))
        _, component = connected_components(matrix, directed=False)
        groups: dict[int, list[int]] = {}
        for v in members.tolist():
            groups.setdefault(int(component[v]), []).append(v)
        return sorted(groups.values(), key=lambda g: g[0])

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


AUTO_GAP_FACTOR = 4.0  # with no gap given, cut edges longer than this many times the median neighbour distance


def adjacency(points: np.ndarray, *, gap_metres: float, cells=None) -> Graph:
    """Delaunay neighbours of the points; edges longer than gap_metres are cut (0: automatic, a few times the
    typical distance between neighbouring buildings, which adapts to dense old towns and sparse new estates).

    With `cells` (each building's Voronoi cell clipped to the community), a Delaunay edge counts only if the two
    cells share a stretch of boundary inside the community: near the outline a Delaunay pair's common cell edge
    can fall outside it, and then a grid connected on the graph would still be two pieces on the map."""
    n = len(points)
    if n < 2:
        return Graph(n=n, xadj=np.zeros(n + 1, dtype=np.int64), adjncy=np.zeros(0, dtype=np.int64),
                     lengths=np.zeros(0))
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
    lengths = np.hypot(*(points[pairs[:, 0]] - points[pairs[:, 1]]).T)
    cut = gap_metres if gap_metres > 0 else AUTO_GAP_FACTOR * float(np.median(lengths))
    keep = lengths <= cut
    if cells is not None and len(pairs):
        import shapely

        cells = np.asarray(cells, dtype=object)
        forward = pairs[:, 0] < pairs[:, 1]
        shared = shapely.length(shapely.intersection(cells[pairs[forward, 0]], cells[pairs[forward, 1]])) > 1e-6
        touching = {(int(a), int(b)) for (a, b), ok in zip(pairs[forward], shared, strict=True) if ok}
        keep &= np.asarray([(min(a, b), max(a, b)) in touching for a, b in pairs.tolist()])
    pairs, lengths = pairs[keep], lengths[keep]
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs, lengths = pairs[order], lengths[order]
    xadj = np.zeros(n + 1, dtype=np.int64)
    np.add.at(xadj, pairs[:, 0] + 1, 1)
    return Graph(n=n, xadj=np.cumsum(xadj), adjncy=pairs[:, 1].astype(np.int64), lengths=lengths)
