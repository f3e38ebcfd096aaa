"""Org tree browser with figures per node, and the pages where administrators keep their service centers: windows,
opening hours (weekday, Saturday, 错时延时) and AB posts (issue #11, item 11)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.catalog.models import Category
from doorstep.core.errors import ValidationFailed
from doorstep.core.idempotency import FIELD as IDEMPOTENCY_FIELD
from doorstep.org.models import OpeningHours
from doorstep.org.selectors import (
    WEEKDAY_LABELS,
    center_get_for_user,
    center_node_choices,
    center_page,
    center_staff_choices,
    centers_for_user,
    org_ancestors,
    org_children_with_figures,
    org_node_get_for_user,
    org_root_for_user,
)
from doorstep.org.services import (
    center_create,
    center_update,
    hours_add,
    hours_delete,
    post_create,
    post_delete,
    post_get,
    post_update,
    window_create,
    window_delete,
    window_get,
    window_update,
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


# ---- 服务中心: centers, windows, opening hours and AB posts (issue #11, item 11) -----------------------------------
# Thin: parse the form, call one service, redirect (303) on success; on a refusal render the same page again with
# what was typed and the message, status 400. Who may keep which center is org/authority.py's table.

def _form(request, *names: str, lists: tuple[str, ...] = ()) -> dict:
    data = {n: request.POST.get(n, "") for n in names}
    data.update({n: request.POST.getlist(n) for n in lists})
    return data


def _center_page(request, center, *, status: int = 200, forms: dict | None = None, error: ValidationFailed | None = None,
                 section: str = ""):
    page = center_page(center)
    forms = forms or {}
    return render(request, "org/center.html", {
        "page": page, "center": center, "staff": center_staff_choices(center),
        "categories": Category.objects.order_by("code"), "weekday_labels": list(enumerate(WEEKDAY_LABELS)),
        "window_form": forms.get("window", {"is_general": "1"}),
        "hours_form": forms.get("hours", {"weekdays": [], "kind": "regular"}),
        "post_form": forms.get("post", {}),
        "window_error": error if section == "window" else None, "hours_error": error if section == "hours" else None,
        "post_error": error if section == "post" else None,
        "hours_kinds": OpeningHours.Kind.choices,
    }, status=status)


@workspace_page("org:centers")
def center_list(request):
    return render(request, "org/centers.html", {"centers": centers_for_user(request.user)})


@workspace_page("org:centers")
def center_new(request):
    form = {"node": "", "name": "", "address": "", "phone": ""}
    error = None
    if request.method == "POST":
        form = _form(request, "node", "name", "address", "phone")
        try:
            center = center_create(actor=request.user, idempotency_key=request.POST.get(IDEMPOTENCY_FIELD),
                                   node_code=form["node"], name=form["name"], address=form["address"],
                                   phone=form["phone"])
        except ValidationFailed as exc:
            error = exc
        else:
            messages.success(request, _("已新建服务中心“%(name)s”。请接着添加窗口、开放时间和岗位。") % {"name": center.name})
            return _see_other(reverse("org:center", args=[center.pk]))
    return render(request, "org/center_form.html", {
        "form": form, "error": error, "nodes": center_node_choices(request.user), "center": None,
    }, status=400 if error else 200)


@workspace_page("org:centers")
def center_detail(request, center_id: int):
    center = center_get_for_user(request.user, center_id)
    return _center_page(request, center)


@workspace_page("org:centers")
def center_edit(request, center_id: int):
    center = center_get_for_user(request.user, center_id)
    form = {"name": center.name, "address": center.address, "phone": center.phone}
    error = None
    if request.method == "POST":
        form = _form(request, "name", "address", "phone")
        try:
            center_update(center, actor=request.user, **form)
        except ValidationFailed as exc:
            error = exc
        else:
            messages.success(request, _("已保存。"))
            return _see_other(reverse("org:center", args=[center.pk]))
    return render(request, "org/center_form.html", {"form": form, "error": error, "center": center},
                  status=400 if error else 200)


@workspace_page("org:centers")
@require_POST
def window_add(request, center_id: int):
    center = center_get_for_user(request.user, center_id)
    form = _form(request, "number", "name", "is_general", lists=("categories",))
    try:
        window_create(center, actor=request.user, idempotency_key=request.POST.get(IDEMPOTENCY_FIELD),
                      number=form["number"], name=form["name"], is_general=form["is_general"] == "1",
                      category_codes=form["categories"])
    except ValidationFailed as exc:
        return _center_page(request, center, status=400, forms={"window": form}, error=exc, section="window")
    messages.success(request, _("已添加%(number)s号窗口。") % {"number": form["number"].strip()})
    return _back(center, "windows")


@workspace_page("org:centers")
def window_edit(request, center_id: int, window_id: int):
    center = center_get_for_user(request.user, center_id)
    window = window_get(center, window_id)
    form = {"number": str(window.number), "name": window.name, "is_general": "1" if window.is_general else "0",
            "categories": [c.code for c in window.categories.all()]}
    error = None
    if request.method == "POST":
        form = _form(request, "number", "name", "is_general", lists=("categories",))
        try:
            window_update(window, actor=request.user, number=form["number"], name=form["name"],
                          is_general=form["is_general"] == "1", category_codes=form["categories"])
        except ValidationFailed as exc:
            error = exc
        else:
            messages.success(request, _("已保存窗口。"))
            return _back(center, "windows")
    return render(request, "org/window_form.html", {
        "center": center, "window": window, "window_form": form, "error": error,
        "categories": Category.objects.order_by("code")}, status=400 if error else 200)


@workspace_page("org:centers")
@require_POST
def window_remove(request, center_id: int, window_id: int):
    center = center_get_for_user(request.user, center_id)
    window = window_get(center, window_id)
    window_delete(window, actor=request.user)
    messages.success(request, _("已删除%(number)s号窗口。") % {"number": window.number})
    return _back(center, "windows")


@workspace_page("org:centers")
@require_POST
def hours_new(request, center_id: int):
    center = center_get_for_user(request.user, center_id)
    form = _form(request, "opens", "closes", "kind", lists=("weekdays",))
    try:
        hours_add(center, actor=request.user, idempotency_key=request.POST.get(IDEMPOTENCY_FIELD),
                  weekdays=form["weekdays"], opens=form["opens"], closes=form["closes"],
                  kind=form["kind"] or OpeningHours.Kind.REGULAR)
    except ValidationFailed as exc:
        return _center_page(request, center, status=400, forms={"hours": form}, error=exc, section="hours")
    messages.success(request, _("已添加开放时段。"))
    return _back(center, "hours")


@workspace_page("org:centers")
@require_POST
def hours_remove(request, center_id: int, hours_id: int):
    center = center_get_for_user(request.user, center_id)
    hours_delete(center, hours_id, actor=request.user)
    messages.success(request, _("已删除开放时段。"))
    return _back(center, "hours")


@workspace_page("org:centers")
@require_POST
def post_add(request, center_id: int):
    center = center_get_for_user(request.user, center_id)
    form = _form(request, "name", "holder_a", "holder_b")
    try:
        post_create(center, actor=request.user, idempotency_key=request.POST.get(IDEMPOTENCY_FIELD),
                    name=form["name"], holder_a_id=form["holder_a"], holder_b_id=form["holder_b"])
    except ValidationFailed as exc:
        return _center_page(request, center, status=400, forms={"post": form}, error=exc, section="post")
    messages.success(request, _("已添加岗位“%(name)s”。") % {"name": form["name"].strip()})
    return _back(center, "posts")


@workspace_page("org:centers")
def post_edit(request, center_id: int, post_id: int):
    center = center_get_for_user(request.user, center_id)
    post = post_get(center, post_id)
    form = {"name": post.name, "holder_a": str(post.holder_a_id or ""), "holder_b": str(post.holder_b_id or ""),
            "a_absent": "1" if post.a_absent else ""}
    error = None
    if request.method == "POST":
        form = _form(request, "name", "holder_a", "holder_b", "a_absent")
        try:
            post_update(post, actor=request.user, name=form["name"], holder_a_id=form["holder_a"],
                        holder_b_id=form["holder_b"], a_absent=form["a_absent"] == "1")
        except ValidationFailed as exc:
            error = exc
        else:
            messages.success(request, _("已保存岗位。"))
            return _back(center, "posts")
    return render(request, "org/post_form.html", {
        "center": center, "post": post, "post_form": form, "error": error,
        "staff": _post_holder_choices(center, post)}, status=400 if error else 200)


def _post_holder_choices(center, post) -> list:
    """The center's staff, then the post's current holders not among them (staff of another node, or no longer
    active): a choice the form does not offer would be dropped by saving it unchanged. post_update keeps the
    former (a current holder may stay) and refuses the latter with a message."""
    staff = center_staff_choices(center)
    listed = {u.pk for u in staff}
    return staff + [h for h in (post.holder_a, post.holder_b) if h is not None and h.pk not in listed]


@workspace_page("org:centers")
@require_POST
def post_remove(request, center_id: int, post_id: int):
    center = center_get_for_user(request.user, center_id)
    post = post_get(center, post_id)
    post_delete(post, actor=request.user)
    messages.success(request, _("已删除岗位“%(name)s”。") % {"name": post.name})
    return _back(center, "posts")


def _back(center, anchor: str):
    return _see_other(f"{reverse('org:center', args=[center.pk])}#{anchor}")


def _see_other(url: str):
    response = redirect(url)
    response.status_code = 303  # POST, then GET the page (STYLE.md)
    return response
