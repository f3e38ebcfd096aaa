"""The figures on a staff member's home (工作台, issue #11 item 12): what waits for them, counted in their own scope,
each opening the list behind it. A figure is drawn only when the user's home offers its page (accounts.pages), so a
figure never leads to a 403. Counts stop at DOORSTEP_PAGE_COUNT_LIMIT ("10,000+"), as list totals do, and are cached
per user for DOORSTEP_WORKBENCH_CACHE_SECONDS: the home is opened all day, the figures move by the minute."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_lazy

from doorstep.accounts.pages import may_open
from doorstep.core.paging import capped_count
from doorstep.ratings.authority import RATING_AUTHORITY, RatingAction


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int
    capped: bool
    url: str
    urgent: bool = False  # drawn in red when not zero: overdue work, bad ratings

    @property
    def shown(self) -> str:
        return f"{self.count:,}+" if self.capped else f"{self.count:,}"


def _figure_sources(user):
    """(key, label, page url name, query string, queryset factory, urgent) for every figure a role could have."""
    from doorstep.cases.models import Delivery
    from doorstep.cases.selectors import approver_queue_waiting, case_ledger_for_user, cases_in_scope
    from doorstep.cases.workflow import State
    from doorstep.ratings.selectors import follow_ups_in_scope

    return [
        ("submitted", gettext_lazy("待受理"), "cases:queue", "?due=new",
         lambda: approver_queue_waiting(user).filter(state=State.SUBMITTED), False),
        ("review", gettext_lazy("待审批"), "cases:queue", "",
         lambda: approver_queue_waiting(user).exclude(state=State.SUBMITTED), False),
        ("yellow", gettext_lazy("即将到期"), "cases:list", "?mark=yellow", lambda: case_ledger_for_user(user, mark="yellow"), False),
        ("red", gettext_lazy("超期"), "cases:list", "?mark=red", lambda: case_ledger_for_user(user, mark="red"), True),
        ("follow_ups", gettext_lazy("差评待整改"), "ratings:follow-ups", "",
         # what the user may answer: not ratings of themselves, not ratings an appeal took out of the figures
         lambda: (follow_ups_in_scope(user).filter(answered_at=None).exclude(rating__staff=user)
                  .exclude(rating__excluded=True)), True),
        ("deliveries", gettext_lazy("待送达"), "cases:deliveries", "",
         lambda: cases_in_scope(user).filter(delivery=Delivery.HOME, state=State.CONCLUDED), False),
    ]


def workbench_figures(user) -> list[Figure]:
    """The user's figures in a fixed order; [] for residents and roles without such pages. Cached per user."""
    if not getattr(user, "is_authenticated", False) or user.role == "resident":
        return []
    key = f"doorstep.workbench.{user.pk}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    figures = []
    for name, label, page, query, rows, urgent in _figure_sources(user):
        if name == "review" and user.role != "approver":
            continue  # a community clerk's queue holds applications to take in, not decisions
        if name == "follow_ups" and (user.role, RatingAction.ANSWER) not in RATING_AUTHORITY:
            continue  # a clerk reads follow-ups but answers none: no figure of work that is not theirs
        if not may_open(user, page):
            continue
        count, capped = capped_count(rows())
        figures.append(Figure(name, label, count, capped, reverse(page) + query, urgent))
    cache.set(key, figures, settings.DOORSTEP_WORKBENCH_CACHE_SECONDS)
    return figures
