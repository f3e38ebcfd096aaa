"""The demo district's shape: streets, communities and grids as rectangles that tile the district with no gaps.

Pure computation (no Django): given a scale and a random generator, return the tree with household targets and
the rectangle of every node. Buildings are later placed inside their grid's rectangle, so streets, communities and
grids are contiguous by construction. (Issue 4 replaces the grid rectangles with the real partitioner.)
"""

import random
from dataclasses import dataclass, field

DISTRICT_CODE = "430302"  # borrowed so that generated ID numbers carry a region code stdnum accepts
DISTRICT_NAME = "雨湖区（演示）"
# lon_min, lat_min, lon_max, lat_max
DISTRICT_BOUNDS = (112.850, 27.800, 112.970, 27.890)

STREET_NAMES = ["城正街街道", "雨湖路街道", "广场街道", "窑湾街道", "云塘街道", "昭潭街道", "先锋街道", "万楼街道"]
COMMUNITY_NAMES = [
    "金地花园", "展览桥", "水果湖", "西苑", "阳光山庄", "和平", "大码头", "熙春路", "韶山西路", "宝庆路",
    "唐兴桥", "壶山", "湘江", "黄龙", "十八总", "杉山", "风车坪", "果园", "红旗", "车站路",
    "雨湖", "建设路", "泗洲", "茶园", "东坪", "新塘", "长城", "百花", "柳桥", "文昌阁",
    "杨梅洲", "鹤岭", "楠竹山", "万家", "白石", "荷塘", "梅园", "丰顺", "金桥", "桃园",
]


@dataclass
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def geojson(self) -> dict:
        ring = [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1], [self.x0, self.y0]]
        return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}

    def split(self, weights: list[float], *, vertical: bool) -> list["Rect"]:
        """Cut into strips whose areas follow the weights; the strips tile the rectangle exactly."""
        total = sum(weights)
        parts, start = [], 0.0
        for i, w in enumerate(weights):
            end = 1.0 if i == len(weights) - 1 else start + w / total
            if vertical:
                a, b = self.x0 + (self.x1 - self.x0) * start, self.x0 + (self.x1 - self.x0) * end
                parts.append(Rect(a, self.y0, b, self.y1))
            else:
                a, b = self.y0 + (self.y1 - self.y0) * start, self.y0 + (self.y1 - self.y0) * end
                parts.append(Rect(self.x0, a, self.x1, b))
            start = end
        # exact shared edges: each strip starts where the previous ended
        return parts


@dataclass
class GridPlan:
    code: str
    name: str
    rect: Rect
    households: int


@dataclass
class CommunityPlan:
    code: str
    name: str
    rect: Rect
    grids: list[GridPlan] = field(default_factory=list)


@dataclass
class StreetPlan:
    code: str
    name: str
    rect: Rect
    communities: list[CommunityPlan] = field(default_factory=list)


SCALES = {
    # streets, communities per street, households in all, households per grid (target), and the demo year's cases
    # per street per month (issue 3: about 7,000 per street center; the small scale keeps the same per-household rate
    # roughly, so tests see every state without a long build)
    "district": {"streets": 8, "communities": 5, "households": 114_000, "grid_target": 350,
                 "cases_per_street_month": 7_000},
    "small": {"streets": 1, "communities": 4, "households": 1_400, "grid_target": 120,
              "cases_per_street_month": 600},
}


def uneven_street_code(scale: str) -> str | None:
    """The street whose grids stay as the generator lays them out, deliberately uneven, so that a redraw
    proposal shows a real improvement (journey 13); the others are drawn by the partitioner."""
    streets = SCALES[scale]["streets"]
    return f"{DISTRICT_CODE}{streets:03d}" if streets > 1 else None


def plan_district(scale: str, rng: random.Random) -> list[StreetPlan]:
    conf = SCALES[scale]
    streets_n, comm_n = conf["streets"], conf["communities"]
    district = Rect(*DISTRICT_BOUNDS)
    if streets_n == 1:
        district = Rect(DISTRICT_BOUNDS[0], DISTRICT_BOUNDS[1], DISTRICT_BOUNDS[0] + 0.03, DISTRICT_BOUNDS[1] + 0.02)
    street_weights = [rng.uniform(0.8, 1.2) for _ in range(streets_n)]
    rows = 2 if streets_n >= 4 else 1
    per_row = -(-streets_n // rows)
    row_rects = district.split([1.0] * rows, vertical=False)
    street_rects: list[Rect] = []
    for r, row in enumerate(row_rects):
        ws = street_weights[r * per_row : (r + 1) * per_row]
        street_rects.extend(row.split(ws, vertical=True))
    total_w = sum(street_weights)
    plans: list[StreetPlan] = []
    community_index = 0
    for s, (rect, w) in enumerate(zip(street_rects, street_weights, strict=True), start=1):
        street = StreetPlan(f"{DISTRICT_CODE}{s:03d}", STREET_NAMES[s - 1], rect)
        street_households = round(conf["households"] * w / total_w)
        comm_weights = [rng.uniform(0.7, 1.3) for _ in range(comm_n)]
        for c, (crect, cw) in enumerate(
            zip(rect.split(comm_weights, vertical=False), comm_weights, strict=True), start=1
        ):
            name = COMMUNITY_NAMES[community_index % len(COMMUNITY_NAMES)] + "社区"
            community_index += 1
            community = CommunityPlan(f"{street.code}{c:03d}", name, crect)
            hh = round(street_households * cw / sum(comm_weights))
            uneven = streets_n > 1 and s == streets_n  # the street left as drawn by hand, for the redraw demo
            grid_n = max(1, round(hh / conf["grid_target"] * (0.8 if uneven else 1.0)))
            g_rows = max(1, round(grid_n**0.5))
            base, extra = divmod(grid_n, g_rows)
            cells: list[Rect] = []
            for i, strip in enumerate(crect.split([1.0] * g_rows, vertical=False)):
                cells.extend(strip.split([1.0] * (base + (1 if i < extra else 0)), vertical=True))
            shares = [rng.uniform(0.35, 1.9) if uneven else rng.uniform(0.9, 1.1) for _ in cells]
            for g, (cell, share) in enumerate(zip(cells, shares, strict=True), start=1):
                community.grids.append(
                    GridPlan(f"{community.code}{g:03d}", f"{name}第{g}网格", cell, max(1, round(hh * share / sum(shares))))
                )
            street.communities.append(community)
        plans.append(street)
    return plans
