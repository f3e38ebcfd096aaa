"""Indicators of the incident loop (考核指标): 立案数, 应结案数, 结案数, 结案率, 按期结案率, 返工率, 退单率, 响应率, 解决率,
满意率 and the mean handling time in working hours, for a place (an org code: the user's subtree or a part of it), a
period [start, end) and a grouping (district, street, community, grid, lead department, category or month).

Every figure is counted from the records, in the database: one aggregate query per kind of record (incidents, orders
sent to departments, ratings), grouped by the key, with conditional counts; never a loop over a year of rows in
Python. The definitions — what each counts, by which timestamp a record falls in a period, what is left out — are
docs/indicators.md; the two must say the same (conditions.py holds them in code). `figure_records` returns the records behind any count, built from the
same conditions, so a count on the page opens exactly the rows it counted.

The parts: definitions.py (groupings, counts, rates, the rows), conditions.py (what each count takes), groups.py (the
rollups: group keys, months, the groups' names), figures.py (the counting, the records behind a count, who may read).
"""

from doorstep.incidents.indicators.definitions import (
    COUNT_LABELS,
    FIGURES_ROLES,
    GROUPING_LABELS,
    INCIDENT_COUNTS,
    MEAN_HOURS_LABEL,
    NONE_KEY,
    ORDER_COUNTS,
    RATE_BY_NAME,
    RATES,
    RATING_COUNTS,
    SATISFIED_LEVEL,
    FigureRow,
    Figures,
    Grouping,
    Measure,
    Rate,
    percent,
)
from doorstep.incidents.indicators.figures import figure_records, figures_area_for_user, incident_figures
from doorstep.incidents.indicators.groups import groupings_for

__all__ = [
    "COUNT_LABELS", "FIGURES_ROLES", "GROUPING_LABELS", "INCIDENT_COUNTS", "MEAN_HOURS_LABEL", "NONE_KEY",
    "ORDER_COUNTS", "RATES", "RATE_BY_NAME", "RATING_COUNTS", "SATISFIED_LEVEL", "FigureRow", "Figures", "Grouping",
    "Measure", "Rate", "figure_records", "figures_area_for_user", "groupings_for", "incident_figures", "percent",
]
