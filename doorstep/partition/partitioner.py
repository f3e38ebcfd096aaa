"""Drawing grids: balanced, contiguous groups of whole buildings inside one community.

Pure computation, no Django. For each community: the Delaunay adjacency of its buildings (gap-cut edges removed,
so a river splits it into pieces that are partitioned separately); the grid count that brings the mean size
closest to the target; METIS (pymetis, recursive bisection) on the graph weighted by households, cutting as few
neighbour links as it can, so grids are compact; then repair passes that make every grid connected, move boundary
buildings until every size is near the target (within the tolerance wherever that is possible) and round shapes
off towards their centres.
When a target cannot be met the notes say so in plain words and the reasonable count is used.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pymetis

from doorstep.partition.graph import Graph, adjacency, same_group_components
from doorstep.partition.refine import refine
from doorstep.partition.roundness import round_off


@dataclass(frozen=True)
class Settings:
    target: int = 350  # households per grid
    tolerance: float = 0.15  # ± share of the target
    gap_metres: float = 0.0  # neighbours farther apart are not adjacent; 0: automatic (graph.AUTO_GAP_FACTOR)
    seed: int = 1

    @property
    def low(self) -> float:
        return self.target * (1 - self.tolerance)

    @property
    def high(self) -> float:
        return self.target * (1 + self.tolerance)


@dataclass
class CommunityPlan:
    """Grid label (0..k-1) per building of one community, in input order, and what could not be met."""

    labels: list[int]
    notes: list[str] = field(default_factory=list)
    graph: Graph | None = None


def grid_count(total: int, settings: Settings) -> tuple[int, bool]:
    """How many grids for `total` households: the count whose mean is closest to the target; and whether that
    mean is within the tolerance."""
    if total <= 0:
        return 1, True
    best = None
    centre = max(1, round(total / settings.target))
    for k in range(max(1, centre - 1), centre + 2):
        deviation = abs(total / k - settings.target) / settings.target
        if best is None or deviation < best[1] - 1e-12:
            best = (k, deviation)
    k, deviation = best
    return k, deviation <= settings.tolerance + 1e-9


def _metis(graph: Graph, members: list[int], weights: np.ndarray, k: int, settings: Settings,
           by_border: bool = False) -> dict[int, int]:
    """Partition the connected subgraph `members` into k parts with METIS (by_border: links weighted by the
    length of cell boundary they stand for)."""
    if k <= 1 or len(members) <= 1:
        return {v: 0 for v in members}
    k = min(k, len(members))
    members_arr = np.asarray(members, dtype=np.int64)
    local = np.full(graph.n, -1, dtype=np.int64)
    local[members_arr] = np.arange(len(members))
    starts, ends = graph.xadj[members_arr], graph.xadj[members_arr + 1]
    counts = ends - starts
    owner = np.repeat(np.arange(len(members)), counts)
    index = np.repeat(starts, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
    neighbour = local[graph.adjncy[index]]
    inside = neighbour >= 0
    adjncy = neighbour[inside]
    xadj = np.concatenate([[0], np.cumsum(np.bincount(owner[inside], minlength=len(members)))])
    # recursive bisection: the fewest cut links, or with the cells known the least cut boundary in metres (the
    # grids' perimeters, so round grids), in a few milliseconds even for thousands of buildings (edge weights
    # favouring short links measured worse); balance, contiguity and shape are finished by the passes below
    options = pymetis.Options(seed=settings.seed, ufactor=30)
    eweights = np.ceil(graph.borders[index][inside]).astype(np.int64).tolist() if by_border else None
    result = pymetis.part_graph(k, adjacency=pymetis.CSRAdjacency(xadj.tolist(), adjncy.tolist()),
                                vweights=weights[members_arr].tolist(), recursive=True, options=options,
                                eweights=eweights)
    return {v: int(result.vertex_part[i]) for i, v in enumerate(members)}


def _as_array(labels: dict[int, int], n: int) -> np.ndarray:
    """The labels as an array over all n buildings (-1 for a building without one)."""
    lab = np.full(n, -1, dtype=np.int64)
    if labels:
        lab[np.fromiter(labels.keys(), dtype=np.int64, count=len(labels))] = np.fromiter(
            labels.values(), dtype=np.int64, count=len(labels))
    return lab


def _write_back(labels: dict[int, int], lab: np.ndarray) -> None:
    """Copy the array's labels back into the dict, for the buildings the dict holds."""
    keys = list(labels)
    labels.update(zip(keys, lab[np.asarray(keys, dtype=np.int64)].tolist(), strict=True))


def _frozen_mask(frozen: frozenset, k: int) -> np.ndarray:
    """Which of grids 0..k-1 are kept as they are."""
    mask = np.zeros(k, dtype=bool)
    mask[[p for p in frozen if p < k]] = True
    return mask


def _sizes(labels: dict[int, int], weights: np.ndarray) -> dict[int, int]:
    lab = _as_array(labels, len(weights))
    inside = lab >= 0
    totals = np.bincount(lab[inside], weights=weights[inside])
    return defaultdict(int, {int(p): int(totals[p]) for p in np.flatnonzero(np.bincount(lab[inside]))})


def _members(labels: dict[int, int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for v, part in sorted(labels.items()):
        groups[part].append(v)
    return groups


def _split_parts(graph: Graph, labels: dict[int, int]) -> list[int]:
    """The parts that are not connected, found in one pass over the links inside parts."""
    lab = _as_array(labels, graph.n)
    piece = same_group_components(graph.xadj, graph.adjncy, lab)
    members = np.flatnonzero(lab >= 0)
    pairs = np.unique(np.column_stack([lab[members], piece[members]]), axis=0)
    parts, counts = np.unique(pairs[:, 0], return_counts=True)
    return [int(p) for p in parts[counts > 1]]


def _make_contiguous(graph: Graph, labels: dict[int, int], weights: np.ndarray, frozen: frozenset = frozenset()
                     ) -> None:
    """Every part keeps its largest connected piece; each other piece joins the neighbouring part it touches most
    (a part being kept whole only when nothing else touches it)."""
    for _ in range(20):
        split = _split_parts(graph, labels)
        if not split:
            return
        groups = _members(labels)
        for part in split:
            pieces = graph.components(groups[part])
            pieces.sort(key=lambda p: (-sum(int(weights[v]) for v in p), p[0]))
            for piece in pieces[1:]:
                touching: dict[int, int] = defaultdict(int)
                for v in piece:
                    for w in graph.neighbours(v):
                        other = labels.get(int(w))
                        if other is not None and other != part:
                            touching[other] += 1
                if touching:
                    target = max(sorted(touching), key=lambda p: (p not in frozen, touching[p]))
                    for v in piece:
                        labels[v] = target


def _balance(graph: Graph, labels: dict[int, int], weights: np.ndarray, settings: Settings,
             frozen: frozenset = frozenset(), max_moves: int = 2000) -> None:
    """Move single boundary buildings between neighbouring parts until every part is within [low, high], keeping
    both parts connected and the frozen (kept) parts untouched; stop when no move helps."""
    low, high = settings.low, settings.high
    for _ in range(max_moves):
        sizes = _sizes(labels, weights)
        groups = _members(labels)
        outside = sorted((p for p in sizes if (sizes[p] > high or sizes[p] < low) and p not in frozen),
                         key=lambda p: (-abs(sizes[p] - settings.target), p))
        moved = False
        for part in outside:
            over = sizes[part] > high
            candidates = []
            for v in (groups[part] if over else sorted({int(w) for u in groups[part] for w in graph.neighbours(u)})):
                if over:
                    donor, taker = part, None
                    for w in graph.neighbours(v):
                        q = labels.get(int(w))
                        if q is not None and q != part and q not in frozen and sizes[q] + weights[v] <= high:
                            if taker is None or sizes[q] < sizes[taker]:
                                taker = q
                    if taker is None:
                        continue
                else:
                    donor = labels.get(v)
                    if donor is None or donor == part or donor in frozen or sizes[donor] - weights[v] < low:
                        continue
                    taker = part
                gain = abs(sizes[donor] - settings.target) + abs(sizes[taker] - settings.target) - (
                    abs(sizes[donor] - weights[v] - settings.target) + abs(sizes[taker] + weights[v] - settings.target))
                candidates.append((-gain, int(weights[v]), v, donor, taker))
            for _, _, v, donor, taker in sorted(candidates):
                rest = [u for u in groups[donor] if u != v]
                if rest and graph.is_connected(rest):
                    labels[v] = taker
                    moved = True
                    break
            if moved:
                break
        if not moved:
            return


def _refine(graph: Graph, points: np.ndarray, labels: dict[int, int], weights: np.ndarray, settings: Settings,
            frozen: frozenset = frozenset(), rounds: int = 5) -> None:
    """Even out sizes (towards ±5% inside the tolerance) and round off shapes towards the grids' centres by moving
    boundary buildings between neighbouring grids (refine.refine); kept (frozen) grids are never touched."""
    lab = _as_array(labels, graph.n)
    k = int(lab.max()) + 1 if labels else 0
    if k == 0:
        return
    refine(lab, graph.xadj, graph.adjncy, points, weights, _frozen_mask(frozen, k), target=settings.target,
           low=settings.low, high=settings.high, rounds=rounds)
    _write_back(labels, lab)


def _round_off(graph: Graph, labels: dict[int, int], weights: np.ndarray, settings: Settings, frozen: frozenset,
               cells) -> None:
    """Raise the grids' compactness with the exact cell geometry (roundness.round_off)."""
    import shapely

    cells = np.asarray(cells, dtype=object)
    area, perimeter = shapely.area(cells), shapely.length(cells)
    src = np.repeat(np.arange(graph.n), np.diff(graph.xadj))
    outer = np.maximum(perimeter - np.bincount(src, weights=graph.borders, minlength=graph.n), 0.0)
    lab = _as_array(labels, graph.n)
    kept = _frozen_mask(frozen, int(lab.max()) + 1)
    round_off(lab, graph.xadj, graph.adjncy, graph.borders, outer, area, weights, kept, target=settings.target,
              band=settings.tolerance)
    _write_back(labels, lab)


def _outside(labels: dict[int, int], weights: np.ndarray, settings: Settings, frozen: frozenset) -> int:
    """How many drawn (not kept) grids are outside the tolerance."""
    sizes = _sizes(labels, weights)
    return sum(1 for p in sizes if p not in frozen and not settings.low <= sizes[p] <= settings.high)


def _draw_pieces(graph: Graph, points: np.ndarray, weights: np.ndarray, settings: Settings, kept: dict[int, int],
                 free: list[int], frozen: frozenset, *, by_border: bool) -> tuple[dict[int, int], list[str]]:
    """Grids for the free buildings (each connected piece on its own: METIS, then the repairs), next to the kept
    grids `kept` (labels 0..len(frozen)-1). Returns all labels and the notes on what could not be met."""
    labels = dict(kept)
    notes: list[str] = []
    next_label = len(frozen)
    for piece in graph.components(free):
        total = int(weights[piece].sum())
        largest = int(weights[piece].max())
        k, feasible = grid_count(total, settings)
        if largest > settings.high:
            notes.append(  # zh: stored record (the proposal's report keeps its notes)
                f"有一栋楼{largest}户，超过每格上限{settings.high:.0f}户：整栋不拆分，单独成格。")
        elif not feasible:
            notes.append(  # zh: stored record (the proposal's report keeps its notes)
                f"一个片区共{total}户，按目标{settings.target}户±{settings.tolerance:.0%}无法均分："
                f"划为{k}个网格，平均每格{total / k:.0f}户。")
        part = _metis(graph, piece, weights, k, settings, by_border=by_border)
        for v, p in part.items():
            labels[v] = next_label + p
        next_label += k
    _make_contiguous(graph, labels, weights, frozen)
    if not __import__("os").environ.get("SKIPREF") or graph.borders is None:
        _refine(graph, points, labels, weights, settings, frozen)
    if _outside(labels, weights, settings, frozen):
        _balance(graph, labels, weights, settings, frozen)  # the slower, thorough pass for what is left
    return labels, notes


def partition_community(points: np.ndarray, households: np.ndarray, settings: Settings,
                        keep: list[int | None] | None = None, cells=None) -> CommunityPlan:
    """Grid labels for one community's buildings (points in metres, households per building).

    `keep`, if given, is the current grid of each building (None for a new building): current grids that are
    still connected and within the tolerance are kept whole, and only the rest is drawn again. `cells`, if given,
    are the buildings' clipped Voronoi cells: adjacency then also means the cells touch (see graph.adjacency).
    """
    n = len(points)
    weights = np.asarray(households, dtype=np.int64)
    graph = adjacency(points, gap_metres=settings.gap_metres, cells=cells)
    labels: dict[int, int] = {}
    notes: list[str] = []
    next_label = 0
    free = list(range(n))
    if keep is not None:
        current: dict[object, list[int]] = defaultdict(list)
        for v, grid in enumerate(keep):
            if grid is not None:
                current[grid].append(v)
        fitting = {grid: members for grid, members in current.items()
                   if settings.low <= int(weights[members].sum()) <= settings.high and graph.is_connected(members)}
        owner = {v: grid for grid, members in fitting.items() for v in members}
        # a leftover piece that cannot make good grids on its own takes in the kept grids around it, and the
        # union is drawn again: as few grids as possible change, but none is left stranded
        while True:
            free_now = [v for v in range(n) if v not in owner]
            opened = set()
            for piece in graph.components(free_now):
                total, largest = int(weights[piece].sum()), int(weights[piece].max())
                if grid_count(total, settings)[1] or largest > settings.high:
                    continue
                opened |= {owner[int(w)] for v in piece for w in graph.neighbours(v) if int(w) in owner}
            if not opened:
                break
            owner = {v: grid for v, grid in owner.items() if grid not in opened}
        for grid in sorted({g for g in owner.values()}, key=str):
            for v in fitting[grid]:
                labels[v] = next_label
            next_label += 1
        free = [v for v in range(n) if v not in owner]
    frozen = frozenset(range(next_label))
    by_border = graph.borders is not None
    drawn, notes_drawn = _draw_pieces(graph, points, weights, settings, labels, free, frozen, by_border=by_border)
    if by_border and _outside(drawn, weights, settings, frozen):
        # weighted by boundary, METIS may cut through a cluster of sliver cells and leave a part in pieces that
        # the repair cannot balance: then the plain count of cut links is drawn too and the better one kept
        plain, _ = _draw_pieces(graph, points, weights, settings, labels, free, frozen, by_border=False)
        if _outside(plain, weights, settings, frozen) < _outside(drawn, weights, settings, frozen):
            drawn = plain
    labels = drawn
    notes += notes_drawn
    if cells is not None and graph.borders is not None and len(labels) > 1:
        _round_off(graph, labels, weights, settings, frozen, cells)
    # number the grids by their position (west to east, then south to north) so results read in a stable order
    lab = _as_array(labels, n)
    count = np.bincount(lab)
    centre_x = np.round(np.bincount(lab, weights=points[:, 0]) / np.maximum(count, 1), 1)
    centre_y = np.round(np.bincount(lab, weights=points[:, 1]) / np.maximum(count, 1), 1)
    used = np.flatnonzero(count)
    order = used[np.lexsort((used, centre_y[used], centre_x[used]))]
    renumber = np.zeros(len(count), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    return CommunityPlan(labels=renumber[lab].tolist(), notes=notes, graph=graph)
