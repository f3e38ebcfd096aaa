"""Rounding grids off: local moves of boundary buildings that raise the grids' Polsby-Popper compactness, the
figure the quality report shows, computed exactly from the buildings' clipped Voronoi cells.

A grid's area is the sum of its cells' areas; its perimeter is the cells' outer boundary plus every stretch of
cell boundary shared with a building of another grid. Moving one building changes only the two grids involved,
so each move is priced in a few operations. A move is taken when it raises the two grids' compactness less a
balance penalty (the squared deviation from the target, times a weight), the grid left behind stays connected, and
neither size leaves the tolerance (or moves further from the target than it was). When a good move would break the
tolerance, a second move out of the receiving grid is looked for that brings the sizes back (a swap, or a hand-on
to a third grid), and the pair is taken if together they gain. The weight of balance starts at nothing (the
shapes round off freely) and is raised step by step until the sizes' coefficient of variation is within
BALANCE_GOAL, so the sizes come back to the target at the least cost in roundness. Kept (frozen) grids are never
touched.

Pure computation with numpy; the loops are compiled with numba (cached on disk after the first call), because
they are sequential by nature and run for every community of a district.
"""

import numpy as np
from numba import njit

EPS = 1e-9
CHAIN_FLOOR = -0.05  # a first move may lose at most this much compactness if its second move more than pays


@njit(cache=True)
def _pp(area, perimeter):
    if perimeter <= 0.0:
        return 0.0
    return 4.0 * np.pi * area / (perimeter * perimeter)


@njit(cache=True)
def _size_ok(new, old, low, high, target):
    return (low <= new <= high) or abs(new - target) <= abs(old - target)


@njit(cache=True)
def _perimeter_change(v, p, q, lab, xadj, adjncy, border, outer):
    """(change of grid p's perimeter, change of grid q's) if building v moves from p to q."""
    total = outer[v]
    with_p = 0.0
    with_q = 0.0
    for e in range(xadj[v], xadj[v + 1]):
        length = border[e]
        total += length
        g = lab[adjncy[e]]
        if g == p:
            with_p += length
        elif g == q:
            with_q += length
    return (with_p - (total - with_p)), ((total - with_q) - with_q)


@njit(cache=True)
def _stays_connected(v, p, lab, xadj, adjncy, grid_count, stamp, mark, stack, found):
    """Whether grid p without building v is still connected (a search from one of v's neighbours in p)."""
    start = -1
    inside = 0
    for e in range(xadj[v], xadj[v + 1]):
        w = adjncy[e]
        if lab[w] == p:
            inside += 1
            if start < 0:
                start = w
    if inside == 0:
        return False  # v is the whole grid (or cut off already): never empty a grid
    if inside == 1:
        return True  # a leaf can always leave
    stamp[v] = mark  # searched around, as if it had left already
    return _reach(start, p, lab, xadj, adjncy, stamp, mark, stack, found) == grid_count[p] - 1


@njit(cache=True)
def _reach(start, g, lab, xadj, adjncy, stamp, mark, stack, found):
    """The buildings of grid g reachable from `start` without passing one stamped `mark`, written to `found`;
    returns how many."""
    stamp[start] = mark
    stack[0] = start
    top = 1
    count = 0
    while top > 0:
        top -= 1
        u = stack[top]
        found[count] = u
        count += 1
        for e in range(xadj[u], xadj[u + 1]):
            w = adjncy[e]
            if lab[w] == g and stamp[w] != mark:
                stamp[w] = mark
                stack[top] = w
                top += 1
    return count


@njit(cache=True)
def _move(v, p, q, dp, dq, lab, area, weight, grid_area, grid_perimeter, grid_size, grid_count):
    grid_perimeter[p] += dp
    grid_perimeter[q] += dq
    grid_area[p] -= area[v]
    grid_area[q] += area[v]
    grid_size[p] -= weight[v]
    grid_size[q] += weight[v]
    grid_count[p] -= 1
    grid_count[q] += 1
    lab[v] = q


@njit(cache=True)
def _penalty(size, target, weight_of_balance):
    deviation = (size - target) / target
    return weight_of_balance * deviation * deviation


@njit(cache=True)
def _gain(v, p, q, dp, dq, area, weight, grid_area, grid_perimeter, grid_size, target, lam):
    """The change of (compactness − balance penalty) of grids p and q if building v moves from p to q."""
    w = weight[v]
    return (_pp(grid_area[p] - area[v], grid_perimeter[p] + dp) + _pp(grid_area[q] + area[v], grid_perimeter[q] + dq)
            - _pp(grid_area[p], grid_perimeter[p]) - _pp(grid_area[q], grid_perimeter[q])
            - _penalty(grid_size[p] - w, target, lam) - _penalty(grid_size[q] + w, target, lam)
            + _penalty(grid_size[p], target, lam) + _penalty(grid_size[q], target, lam))


@njit(cache=True)
def _second_move(v, p, q, gain, old_p, old_q, members_q, lab, xadj, adjncy, border, outer, area, weight, frozen,
                 grid_area, grid_perimeter, grid_size, low, high, target, lam):
    """After v moved from p to q: the building u of q and the neighbouring grid r it should go to so that the
    sizes are back within the rules and the pair of moves gains most (together more than nothing); (-1, -1) if
    there is none."""
    best = 0.0
    best_u = -1
    best_r = -1
    for u in members_q:
        if u == v:
            continue
        for f in range(xadj[u], xadj[u + 1]):
            r = lab[adjncy[f]]
            if r == q or frozen[r]:
                continue
            old_r = old_p if r == p else grid_size[r]
            if not _size_ok(grid_size[q] - weight[u], old_q, low, high, target) \
                    or not _size_ok(grid_size[r] + weight[u], old_r, low, high, target):
                continue
            if r != p and not _size_ok(grid_size[p], old_p, low, high, target):
                continue
            du, dr = _perimeter_change(u, q, r, lab, xadj, adjncy, border, outer)
            total = gain + _gain(u, q, r, du, dr, area, weight, grid_area, grid_perimeter, grid_size, target, lam)
            if total > best + EPS:
                best = total
                best_u = u
                best_r = r
    return best_u, best_r


@njit(cache=True)
def _round_off(lab, xadj, adjncy, border, outer, area, weight, frozen, low, high, target, lam, rounds):
    n = lab.shape[0]
    k = frozen.shape[0]
    grid_area = np.zeros(k)
    grid_perimeter = np.zeros(k)
    grid_size = np.zeros(k)
    grid_count = np.zeros(k, dtype=np.int64)
    for v in range(n):
        g = lab[v]
        grid_count[g] += 1
        grid_area[g] += area[v]
        grid_size[g] += weight[v]
        grid_perimeter[g] += outer[v]
        for e in range(xadj[v], xadj[v + 1]):
            if lab[adjncy[e]] != g:
                grid_perimeter[g] += border[e]
    stamp = np.zeros(n, dtype=np.int64)
    stack = np.zeros(n, dtype=np.int64)
    candidates = np.zeros(n, dtype=np.int64)
    mark = 0
    moves = 0
    # after the first pass only buildings in or next to a grid that changed can have a new best move
    dirty = np.ones(k, dtype=np.bool_)
    for _ in range(rounds):
        moved = 0
        changed = np.zeros(k, dtype=np.bool_)
        for v in range(n):
            p = lab[v]
            if frozen[p]:
                continue
            near_change = dirty[p]
            if not near_change:
                for e in range(xadj[v], xadj[v + 1]):
                    if dirty[lab[adjncy[e]]]:
                        near_change = True
                        break
                if not near_change:
                    continue
            for e in range(xadj[v], xadj[v + 1]):
                q = lab[adjncy[e]]
                if q == p or frozen[q] or lab[v] != p:
                    continue
                repeated = False  # each neighbouring grid once
                for f in range(xadj[v], e):
                    if lab[adjncy[f]] == q:
                        repeated = True
                        break
                if repeated:
                    continue
                dp, dq = _perimeter_change(v, p, q, lab, xadj, adjncy, border, outer)
                gain = _gain(v, p, q, dp, dq, area, weight, grid_area, grid_perimeter, grid_size, target, lam)
                if gain <= CHAIN_FLOOR:
                    continue
                old_p = grid_size[p]
                old_q = grid_size[q]
                single_ok = _size_ok(old_p - weight[v], old_p, low, high, target) and \
                    _size_ok(old_q + weight[v], old_q, low, high, target)
                if single_ok and gain <= EPS:
                    continue
                mark += 1
                if not _stays_connected(v, p, lab, xadj, adjncy, grid_count, stamp, mark, stack, candidates):
                    continue
                _move(v, p, q, dp, dq, lab, area, weight, grid_area, grid_perimeter, grid_size, grid_count)
                if single_ok:
                    moved += 1
                    changed[p] = True
                    changed[q] = True
                    break
                # a second move out of q (now holding v) that restores the sizes and makes the pair pay
                mark += 1
                found = _reach(v, q, lab, xadj, adjncy, stamp, mark, stack, candidates)  # the members of q
                best_u, best_r = _second_move(v, p, q, gain, old_p, old_q, candidates[:found], lab, xadj, adjncy,
                                              border, outer, area, weight, frozen, grid_area, grid_perimeter,
                                              grid_size, low, high, target, lam)
                if best_u >= 0:
                    mark += 1
                    if _stays_connected(best_u, q, lab, xadj, adjncy, grid_count, stamp, mark, stack, candidates):
                        du, dr = _perimeter_change(best_u, q, best_r, lab, xadj, adjncy, border, outer)
                        _move(best_u, q, best_r, du, dr, lab, area, weight, grid_area, grid_perimeter, grid_size,
                              grid_count)
                        moved += 1
                        changed[p] = True
                        changed[q] = True
                        changed[best_r] = True
                        break
                back_q, back_p = _perimeter_change(v, q, p, lab, xadj, adjncy, border, outer)
                _move(v, q, p, back_q, back_p, lab, area, weight, grid_area, grid_perimeter, grid_size, grid_count)
        moves += moved
        if moved == 0:
            break
        dirty = changed
    return moves


# the weight of balance against compactness, raised step by step: first the shapes round off freely inside the
# tolerance, then the sizes are drawn back towards the target at the least cost in roundness
BALANCE_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 20.0, 24.0, 32.0, 64.0)
BALANCE_GOAL = 0.048  # stop raising the weight once the sizes' root-mean-square deviation from the target is at most
# this share of it (for a community whose mean is on target: the coefficient of variation)


def round_off(labels: np.ndarray, xadj: np.ndarray, adjncy: np.ndarray, border: np.ndarray, outer: np.ndarray,
              area: np.ndarray, weights: np.ndarray, frozen: np.ndarray, *, target: float, band: float,
              rounds: int = 4) -> int:
    """Raise the grids' compactness in place (`labels`, one grid per building, 0..k-1 with k = len(frozen)).

    `border[e]` is the length of cell boundary building i shares with adjncy[e] (e in xadj[i]..xadj[i+1]),
    `outer[i]` the rest of its cell's boundary (the community outline, and stretches shared with buildings that
    are not its neighbours on the graph); `area` the cells' areas. Sizes stay within target × (1 ± band) or do
    not move away from the target, and end with a coefficient of variation within BALANCE_GOAL wherever the
    heaviest balance weight can reach it. Returns the number of moves made."""
    arrays = (xadj.astype(np.int64), adjncy.astype(np.int64), border.astype(np.float64), outer.astype(np.float64),
              area.astype(np.float64), weights.astype(np.float64), frozen.astype(np.bool_))
    free = ~frozen[labels]
    moves = 0
    for lam in BALANCE_WEIGHTS:
        moves += int(_round_off(labels, *arrays, target * (1 - band), target * (1 + band), float(target), lam,
                                rounds))
        sizes = np.bincount(labels[free], weights=weights[free], minlength=len(frozen))[~frozen]
        sizes = sizes[sizes > 0]
        # the spread around the target itself, as a district's figure sees it, not around this community's mean
        if len(sizes) < 2 or np.sqrt(np.mean((sizes - target) ** 2)) <= BALANCE_GOAL * target:
            break
    return moves
