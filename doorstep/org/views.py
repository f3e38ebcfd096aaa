"""Org tree browser with figures per node."""

from django.shortcuts import render

from doorstep.accounts.pages import workspace_page
from doorstep.org.selectors import (
    org_ancestors,
    org_children_with_figures,
    org_node_get_for_user,
    org_root_for_user,
)


@workspace_page("org:root")  # the leaders' and administrators' page: it counts residents per street and community
def org_browser(request, code: str | None = None):
    node = org_node_get_for_user(request.user, code) if code else org_root_for_user(request.user)
    total, children = org_children_with_figures(node)
    centers = list(node.service_centers.prefetch_related("windows").order_by("name"))
    team = list(node.team_members.select_related("user").order_by("team_role")) if node.level == "grid" else []
    return render(request, "org/node.html", {
        "node": node, "total": total, "children": children, "ancestors": org_ancestors(node),
        "centers": centers, "team": team,
    })
