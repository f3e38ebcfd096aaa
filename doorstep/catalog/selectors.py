"""Public reads of the catalog: search (Chinese and pinyin), browse by category and life event, one item's notice,
and what a community station can do."""

import re
import time

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.catalog.models import ApprovalLevel, Category, LifeEvent, ServiceItem
from doorstep.core.errors import NotFound
from doorstep.org.models import OrgNode

_PINYIN = re.compile(r"^[a-z]+$")


def catalog_items(*, query: str = "", category: str = "", event: str = "") -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.filter(is_active=True).select_related("category")
    query = (query or "").strip()[:50]
    if query:
        q = query.lower()
        if _PINYIN.match(q):
            # full pinyin or initials, anywhere in the name or in one of its keywords (dbsq: 低保申请, zsz: 准生证)
            qs = qs.filter(Q(name_pinyin__contains=q) | Q(name_initials__contains=q)
                           | Q(keywords_pinyin__contains=q) | Q(keywords_initials__contains=q))
        else:
            qs = qs.filter(Q(name__contains=query) | Q(keywords__contains=query))
    if category:
        qs = qs.filter(category__code=category)
    if event:
        qs = qs.filter(life_events__code=event)
    return qs.order_by("category__order", "code")


def catalog_facets() -> tuple[list[Category], list[LifeEvent]]:
    return list(Category.objects.all()), list(LifeEvent.objects.all())


def catalog_item_get(code: str) -> ServiceItem:
    item = (ServiceItem.objects.filter(code=str(code)[:20], is_active=True).select_related("category")
            .prefetch_related("materials", "life_events").first())
    if item is None:
        raise NotFound(_("没有这个事项，或它已停止办理。"))
    return item


def station_get(code: str) -> OrgNode:
    node = OrgNode.objects.filter(code=str(code)[:15], level="community").prefetch_related("service_centers").first()
    if node is None:
        raise NotFound(_("没有这个社区。"))
    return node


def station_items(node: OrgNode) -> tuple[list[ServiceItem], list[ServiceItem]]:
    """(completed right here, taken in here and carried up by proxy) for a community station."""
    items = list(ServiceItem.objects.filter(is_active=True).select_related("category").order_by("category__order",
                                                                                                 "code"))
    here = [i for i in items if i.approval_level == ApprovalLevel.COMMUNITY]
    proxied = [i for i in items if i.approval_level != ApprovalLevel.COMMUNITY and i.proxy_allowed]
    return here, proxied


def communities() -> list[OrgNode]:
    return list(OrgNode.objects.filter(level="community").select_related("parent").order_by("code"))


def catalog_bundles(*, query: str = "") -> QuerySet:
    """一件事 bundles matching a search (name contains the text), with their items."""
    from doorstep.catalog.models import ItemBundle

    qs = ItemBundle.objects.filter(is_active=True).prefetch_related("items")
    query = (query or "").strip()[:50]
    if query:
        qs = qs.filter(name__contains=query)
    return qs.order_by("code")


def bundle_get(code: str):
    """A bundle with its items and their materials, and the one set of materials it asks for: the items' materials
    merged by name (a paper needed by two items is brought once)."""
    from doorstep.catalog.models import ItemBundle

    bundle = (ItemBundle.objects.filter(code=str(code)[:20], is_active=True)
              .prefetch_related("items__materials").first())
    if bundle is None:
        raise NotFound(_("没有这个“一件事”，或它已停止办理。"))
    merged: dict[str, dict] = {}
    for item in bundle.items.all():
        for m in item.materials.all():
            entry = merged.setdefault(m.name, {"name": m.name, "form": m.form, "shared_data": m.shared_data,
                                               "shared_label": m.get_shared_data_display(), "items": []})
            entry["items"].append(item.name)
    bundle.merged_materials = list(merged.values())
    return bundle


_intake: dict[str, object] = {"stamp": None, "checked": 0.0, "items": {}}


def catalog_changed() -> None:
    """Forget the cached items: the next intake lookup reads the catalog again."""
    _intake["checked"] = 0.0
    _intake["items"] = {}


def active_item_for_intake(code: str) -> ServiceItem:
    """An active item with its materials, for taking in applications: cached per process, and whether the catalog
    changed (items, their last change, materials) is asked at most every DOORSTEP_CATALOG_RECHECK_SECONDS — the
    busiest write in the product then spends no query on the catalog. A deactivated item may still be accepted by
    another process for those few seconds; this process's own imports reset the cache at once."""


    from doorstep.catalog.models import MaterialRequirement

    now = time.monotonic()
    if now - _intake["checked"] >= settings.DOORSTEP_CATALOG_RECHECK_SECONDS:  # type: ignore[operator]
        _intake["checked"] = now
        items = ServiceItem.objects.aggregate(n=Count("id"), last=Max("updated_at"))
        materials = MaterialRequirement.objects.aggregate(n=Count("id"), last=Max("id"))
        stamp = (items["n"], items["last"], materials["n"], materials["last"])
        if stamp != _intake["stamp"]:
            _intake["stamp"] = stamp
            _intake["items"] = {}
    cache: dict[str, ServiceItem] = _intake["items"]  # type: ignore[assignment]
    code = str(code)[:20]
    if code not in cache:
        item = ServiceItem.objects.filter(code=code, is_active=True).prefetch_related("materials").first()
        if item is None:
            raise NotFound(_("没有这个事项，或它已停止办理。"))
        cache[code] = item
    return cache[code]
