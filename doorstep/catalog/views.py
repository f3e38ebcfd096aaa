"""Public catalog pages (no login, mobile first): search and browse, the one-time notice, the station's list."""

from django.shortcuts import render

from doorstep.catalog.selectors import (
    catalog_facets,
    catalog_item_get,
    catalog_items,
    communities,
    station_get,
    station_items,
)


def catalog_index(request):
    query, category, event = (request.GET.get(k, "") for k in ("q", "category", "event"))
    categories, events = catalog_facets()
    items = list(catalog_items(query=query, category=category, event=event))
    return render(request, "catalog/index.html", {
        "items": items, "q": query, "category": category, "event": event, "categories": categories,
        "events": events, "communities": communities(),
    })


def catalog_notice(request, code: str):
    return render(request, "catalog/notice.html", {"item": catalog_item_get(code)})


def station(request, code: str):
    node = station_get(code)
    here, proxied = station_items(node)
    return render(request, "catalog/station.html", {"node": node, "here": here, "proxied": proxied,
                                                    "centers": list(node.service_centers.all())})
