"""What the indicators are made of: the groupings, the counts (Measure) with their labels, the rates as a numerator
and a denominator of counts, who may read the figures, and the rows a page shows. What each count counts is
conditions.py and docs/indicators.md."""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Grouping(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    DEPARTMENT = "department"
    CATEGORY = "category"
    MONTH = "month"


GROUPING_LABELS = {
    Grouping.DISTRICT: _("按区"), Grouping.STREET: _("按街道"), Grouping.COMMUNITY: _("按社区"),
    Grouping.GRID: _("按网格"), Grouping.DEPARTMENT: _("按主办部门"), Grouping.CATEGORY: _("按类别"),
    Grouping.MONTH: _("按月份"),
}
# The org levels a grouping cuts the path at (an org code is district 6 + street 3 + community 3 + grid 3 digits).
PATH_LENGTH = {Grouping.DISTRICT: 6, Grouping.STREET: 9, Grouping.COMMUNITY: 12, Grouping.GRID: 15}
LEVEL_OF = {Grouping.DISTRICT: "district", Grouping.STREET: "street", Grouping.COMMUNITY: "community",
            Grouping.GRID: "grid"}
LEVEL_LENGTH = {"district": 6, "street": 9, "community": 12, "grid": 15}
# The key of the group with no value: incidents with no lead department (handled on the spot by the grid worker, or
# not dispatched yet), reports with no category (not registered yet).
NONE_KEY = "none"

# Who may read the figures, each of their own subtree: the leaders, the administrators and the command centers.
FIGURES_ROLES = frozenset({"leader", "admin", "dispatcher"})


class Measure(StrEnum):
    """The counts the figures are made of; each opens its records (figure_records)."""

    REGISTERED = "registered"  # 立案数
    DUE = "due"  # 应结案数
    CLOSED = "closed"  # 结案数
    IN_TIME = "in_time"  # 按期结案数
    SOLVED = "solved"  # 解决数
    REWORKED = "reworked"  # 返工案件数
    TIMED = "timed"  # 结案 with a handling time (the mean's denominator)
    ORDERS = "orders"  # 派单数
    RETURNED = "returned"  # 退单数
    RESPONSE_DUE = "response_due"  # 应响应派单数
    RESPONDED = "responded"  # 按时响应数
    RATED = "rated"  # 评价数
    SATISFIED = "satisfied"  # 满意评价数


COUNT_LABELS = {
    Measure.REGISTERED: _("立案数"), Measure.DUE: _("应结案数"), Measure.CLOSED: _("结案数"),
    Measure.IN_TIME: _("按期结案数"), Measure.SOLVED: _("解决数"), Measure.REWORKED: _("返工案件数"),
    Measure.TIMED: _("计入处置时长的结案数"), Measure.ORDERS: _("派单数"), Measure.RETURNED: _("退单数"),
    Measure.RESPONSE_DUE: _("应响应派单数"), Measure.RESPONDED: _("按时响应数"), Measure.RATED: _("评价数"),
    Measure.SATISFIED: _("满意评价数"),
}
INCIDENT_COUNTS = (Measure.REGISTERED, Measure.DUE, Measure.CLOSED, Measure.IN_TIME, Measure.SOLVED, Measure.REWORKED,
                   Measure.TIMED)
ORDER_COUNTS = (Measure.ORDERS, Measure.RETURNED, Measure.RESPONSE_DUE, Measure.RESPONDED)
RATING_COUNTS = (Measure.RATED, Measure.SATISFIED)


@dataclass(frozen=True)
class Rate:
    name: str
    label: object
    numerator: Measure
    denominator: Measure


RATES = (
    Rate("close_rate", _("结案率"), Measure.CLOSED, Measure.DUE),
    Rate("in_time_rate", _("按期结案率"), Measure.IN_TIME, Measure.DUE),
    Rate("rework_rate", _("返工率"), Measure.REWORKED, Measure.CLOSED),
    Rate("return_rate", _("退单率"), Measure.RETURNED, Measure.ORDERS),
    Rate("response_rate", _("响应率"), Measure.RESPONDED, Measure.RESPONSE_DUE),
    Rate("solve_rate", _("解决率"), Measure.SOLVED, Measure.CLOSED),
    Rate("satisfaction_rate", _("满意率"), Measure.SATISFIED, Measure.RATED),
)
RATE_BY_NAME = {r.name: r for r in RATES}
MEAN_HOURS_LABEL = _("平均处置时长（工作小时）")
# 满意 is the same as for cases (ratings.selectors.rating_figures, 国办发〔2019〕51号): 非常满意, 满意, 基本满意.
SATISFIED_LEVEL = 3


def percent(numerator: int, denominator: int) -> float | None:
    """numerator / denominator in percent with one decimal; None ("—") when there is nothing to divide by."""
    return round(100 * numerator / denominator, 1) if denominator else None


@dataclass
class FigureRow:
    """One group's counts (and the total row's): `key` is the group's value in a records link ("" for the total),
    `area` an org code to look into (path groupings)."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: int = 0  # working seconds of the TIMED closings, summed
    area: str = ""

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    def rate(self, name: str) -> float | None:
        rate = RATE_BY_NAME[name]
        return percent(self.count(rate.numerator), self.count(rate.denominator))

    @property
    def rates(self) -> dict[str, float | None]:
        return {r.name: self.rate(r.name) for r in RATES}

    @property
    def mean_hours(self) -> float | None:
        timed = self.count(Measure.TIMED)
        return round(self.seconds / timed / 3600, 1) if timed else None

    def add(self, counts: dict, seconds: int = 0) -> None:
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0) + (value or 0)
        self.seconds += seconds or 0


@dataclass
class Figures:
    scope: str
    start: datetime.datetime
    end: datetime.datetime
    grouping: Grouping
    kind: str
    rows: list[FigureRow]
    total: FigureRow
