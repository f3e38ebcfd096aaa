"""Where a report is: the grid a point falls in (point-in-polygon on the grids' GeoJSON shapes, through a shapely
STRtree kept per process and rebuilt when the grids change or DOORSTEP_CALENDAR_RECHECK_SECONDS pass), and the
distance between two points on the ground (haversine, metres)."""

import math
import time

from django.conf import settings

_cache: dict[str, object] = {"checked": 0.0, "tree": None, "codes": [], "ids": []}
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def grids_changed() -> None:
    """Forget the shapes: the next lookup reads the grids again (called when grids are redrawn)."""
    _cache["checked"] = 0.0
    _cache["tree"] = None


def _tree():
    import shapely

    from doorstep.org.models import OrgNode

    now = time.monotonic()
    if now - _cache["checked"] < settings.DOORSTEP_CALENDAR_RECHECK_SECONDS and _cache["tree"] is not None:
        return _cache
    _cache["checked"] = now
    grids = OrgNode.objects.filter(level="grid", geometry__isnull=False)
    # a few hundred shapes, rebuilt whole each period (a redraw changes shapes, not how many there are)
    shapes, codes, ids = [], [], []
    for pk, code, geometry in grids.values_list("id", "code", "geometry").iterator():
        try:
            shape = shapely.geometry.shape(geometry)
        except Exception:  # a malformed shape is skipped, never a failed report  # noqa: BLE001
            continue
        if shape.is_empty:
            continue
        shapes.append(shape)
        codes.append(code)
        ids.append(pk)
    _cache.update(tree=shapely.STRtree(shapes) if shapes else None, codes=codes, ids=ids, shapes=shapes)
    return _cache


def grid_at(latitude: float, longitude: float) -> tuple[int, str] | None:
    """The (id, code) of the grid whose shape holds the point (longitude, latitude), or None outside every grid.
    A point on a shared border goes to the grid with the lowest code (deterministic)."""
    import shapely

    cache = _tree()
    tree = cache["tree"]
    if tree is None:
        return None
    point = shapely.Point(float(longitude), float(latitude))
    hits = [i for i in tree.query(point, predicate="intersects")]
    if not hits:
        return None
    best = min(hits, key=lambda i: cache["codes"][i])
    return cache["ids"][best], cache["codes"][best]


def grids_near(shape, metres: float) -> set[int]:
    """The ids of the grids whose shapes come within `metres` of `shape` (a shapely geometry in longitude/latitude),
    from the same index as grid_at. Metres become degrees of latitude (a little more than that in longitude: a
    neighbour list errs on the side of including)."""
    cache = _tree()
    tree = cache["tree"]
    if tree is None or shape.is_empty:
        return set()
    return {cache["ids"][i] for i in tree.query(shape.buffer(metres / 111_320), predicate="intersects")}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def box(latitude: float, longitude: float, metres: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) of a square around the point holding every point within `metres`."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlon = dlat / max(0.01, math.cos(math.radians(latitude)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
