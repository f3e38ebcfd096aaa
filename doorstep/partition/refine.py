"""Evening out and rounding off METIS's grids by moving boundary buildings between neighbouring grids, before the
exact rounding-off (roundness.py). Compiled with numba: these passes look at every boundary pair each round.

Each round: first a building moves from a grid to a smaller neighbour when that brings both nearer the target,
biggest improvement first, tightening towards the band (±5%) inside the tolerance, each grid moved at most once a
round; then a building moves to a neighbouring grid whose household-weighted centre is clearly nearer (a
constrained Lloyd step), sizes staying in the band. The grid left behind must stay connected; kept (frozen) grids
are never touched.
"""

import numpy as np
from numba import njit

from doorstep.partition.roundness import _stays_connected

SHAPE_RATIO = 0.85  # a building moves for shape when the other centre is at most this share of the distance


@njit(cache=True)
def _boundary_pairs(lab, xadj, adjncy, frozen):
    """Every (building, neighbouring grid) pair across a boundary between two grids that may change."""
    n = lab.shape[0]
    src = np.empty(adjncy.shape[0], dtype=np.int64)
    part = np.empty(adjncy.shape[0], dtype=np.int64)
    count = 0
    for v in range(n):
        p = lab[v]
        if p < 0 or frozen[p]:
            continue
        for e in range(xadj[v], xadj[v + 1]):
            q = lab[adjncy[e]]
            if q >= 0 and q != p and not frozen[q]:
                src[count] = v
                part[count] = q
                count += 1
    return src[:count], part[:count]


@njit(cache=True)
def _shift(v, p, q, w, lab, grid_count, sizes):
    lab[v] = q
    grid_count[p] -= 1
    grid_count[q] += 1
    sizes[p] -= w
    sizes[q] += w


@njit(cache=True)
def _refine_kernel(lab, xadj, adjncy, points, weight, frozen, target, low, high, band_low, band_high, rounds):
    n = lab.shape[0]
    k = frozen.shape[0]
    stamp = np.zeros(n, dtype=np.int64)
    stack = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=np.int64)
    mark = 0
    for _ in range(rounds):
        sizes = np.zeros(k)
        grid_count = np.zeros(k, dtype=np.int64)
        for v in range(n):
            if lab[v] >= 0:
                sizes[lab[v]] += weight[v]
                grid_count[lab[v]] += 1
        moved = 0
        # 1. balance: from a grid to a smaller neighbour, biggest improvement first
        src, part = _boundary_pairs(lab, xadj, adjncy, frozen)
        if src.shape[0] == 0:
            return
        gain = np.empty(src.shape[0])
        for i in range(src.shape[0]):
            v, p, q = src[i], lab[src[i]], part[i]
            w = weight[v]
            gain[i] = (abs(sizes[p] - target) + abs(sizes[q] - target)
                       - abs(sizes[p] - w - target) - abs(sizes[q] + w - target))
        touched = np.zeros(k, dtype=np.bool_)
        owner = lab.copy()
        for i in np.argsort(-gain, kind="mergesort"):
            if gain[i] <= 0:
                break
            v, q = src[i], part[i]
            p = owner[v]
            if touched[p] or touched[q] or lab[v] != p:
                continue
            w = weight[v]
            if (sizes[p] <= band_high and sizes[q] >= band_low) or sizes[q] + w > high or sizes[p] - w < low:
                continue  # both already in the band, or the move would leave the tolerance
            mark += 1
            if _stays_connected(v, p, lab, xadj, adjncy, grid_count, stamp, mark, stack, found):
                _shift(v, p, q, w, lab, grid_count, sizes)
                touched[p] = True
                touched[q] = True
                moved += 1
        # 2. shape: towards the nearer centre, sizes staying in the band
        cx = np.zeros(k)
        cy = np.zeros(k)
        for v in range(n):
            if lab[v] >= 0:
                cx[lab[v]] += weight[v] * points[v, 0]
                cy[lab[v]] += weight[v] * points[v, 1]
        for g in range(k):
            if sizes[g] > 0:
                cx[g] /= sizes[g]
                cy[g] /= sizes[g]
        src, part = _boundary_pairs(lab, xadj, adjncy, frozen)
        ratio = np.empty(src.shape[0])
        for i in range(src.shape[0]):
            v, p, q = src[i], lab[src[i]], part[i]
            here = np.hypot(points[v, 0] - cx[p], points[v, 1] - cy[p])
            there = np.hypot(points[v, 0] - cx[q], points[v, 1] - cy[q])
            ratio[i] = there / max(here, 1e-9)
        owner = lab.copy()
        for i in np.argsort(ratio, kind="mergesort"):
            if ratio[i] >= SHAPE_RATIO:
                break
            v, q = src[i], part[i]
            p = owner[v]
            if lab[v] != p:
                continue
            w = weight[v]
            if sizes[p] - w < min(band_low, sizes[p]) or sizes[q] + w > max(band_high, sizes[q]):
                continue
            mark += 1
            if _stays_connected(v, p, lab, xadj, adjncy, grid_count, stamp, mark, stack, found):
                _shift(v, p, q, w, lab, grid_count, sizes)
                moved += 1
        if moved == 0:
            return


def refine(labels: np.ndarray, xadj: np.ndarray, adjncy: np.ndarray, points: np.ndarray, weights: np.ndarray,
           frozen: np.ndarray, *, target: float, low: float, high: float, band: float = 0.05, rounds: int = 5) -> None:
    """Move boundary buildings in place (`labels`: one grid per building, 0..k-1 with k = len(frozen), -1 for a
    building that is not drawn): sizes towards target × (1 ± band) without leaving [low, high], then shapes
    towards their centres inside the band."""
    _refine_kernel(labels, xadj.astype(np.int64), adjncy.astype(np.int64),
                   np.ascontiguousarray(points, dtype=np.float64), weights.astype(np.float64),
                   frozen.astype(np.bool_), float(target), float(low), float(high), target * (1 - band),
                   target * (1 + band), rounds)
