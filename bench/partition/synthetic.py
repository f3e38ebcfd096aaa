"""The synthetic inputs both partitioners get: n buildings of 12–72 households scattered over a square whose size
keeps the demo district's density (about one building per 2,600 m²), deterministic for a seed."""

import math
import random

import numpy as np

SIZES = (12, 18, 24, 30, 36, 48, 60, 72)
AREA_PER_BUILDING_M2 = 2_600.0


def synthetic(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(points in metres, households per building)."""
    rng = random.Random(seed)
    side = math.sqrt(n * AREA_PER_BUILDING_M2)
    points = np.asarray([(rng.random() * side, rng.random() * side) for _ in range(n)])
    households = np.asarray([rng.choice(SIZES) for _ in range(n)])
    return points, households


def outline(n: int):
    from shapely.geometry import box

    side = math.sqrt(n * AREA_PER_BUILDING_M2)
    return box(0, 0, side, side)
