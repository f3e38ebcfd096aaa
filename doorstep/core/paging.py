"""Paging for every list page and API list: a page of rows plus the total count."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def parse_page_number(raw: Any) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 100000)


def paginate(queryset, *, page: int = 1, size: int | None = None) -> Page:
    size = size or settings.DOORSTEP_PAGE_SIZE
    if page <= 1:
        # A first page that is not full is the whole result: no COUNT query (exact lookups are one query).
        items = list(queryset[:size])
        if len(items) < size:
            return Page(items=items, total=len(items), number=1, size=size)
        return Page(items=items, total=queryset.count(), number=1, size=size)
    total = queryset.count()
    number = min(max(page, 1), max(1, -(-total // size)))
    start = (number - 1) * size
    return Page(items=list(queryset[start : start + size]), total=total, number=number, size=size)
