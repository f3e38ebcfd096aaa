"""Org tree endpoints."""

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from doorstep.org.selectors import org_children_with_figures, org_node_get_for_user, org_root_for_user

router = Router(tags=[_("组织架构")])


class NodeFiguresOut(Schema):
    code: str
    name: str
    level: str
    grids: int
    buildings: int
    households: int
    residents: int


class NodeOut(NodeFiguresOut):
    children: list[NodeFiguresOut]


def _figures(f) -> dict:
    return {"code": f.node.code, "name": f.node.name, "level": f.node.level, "grids": f.grids,
            "buildings": f.buildings, "households": f.households, "residents": f.residents}


@router.get("/", response=NodeOut, summary=_("本账号可浏览的顶层节点（区）"))
def org_root(request):
    return org_node(request, org_root_for_user(request.auth).code)


@router.get("/{code}", response=NodeOut, summary=_("节点及其下级与统计"))
def org_node(request, code: str):
    node = org_node_get_for_user(request.auth, code)
    total, children = org_children_with_figures(node)
    return {**_figures(total), "children": [_figures(c) for c in children]}
