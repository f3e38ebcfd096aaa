"""Reading grid proposals and the current grids for the review page and the map."""

from django.db.models import Count

from doorstep.accounts.roles import is_district_admin
from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.core.paging import paginate
from doorstep.org.models import OrgNode
from doorstep.partition.models import GridMove, GridProposal
from doorstep.registry.models import Building, Household


def _district_admin(user) -> None:
    if not is_district_admin(user):
        raise PermissionDenied("只有区级管理员可以查看和实施网格划分方案。")


def proposals_for_user(user, *, page: int = 1):
    _district_admin(user)
    return paginate(GridProposal.objects.select_related("scope", "created_by"), page=page)


def proposal_for_user(user, proposal_id) -> GridProposal:
    _district_admin(user)
    try:
        pk = int(proposal_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    proposal = GridProposal.objects.select_related("scope", "created_by", "decided_by").filter(pk=pk).first()
    if proposal is None:
        raise NotFound("没有这个方案。")
    return proposal


def scopes_for_user(user) -> list[OrgNode]:
    _district_admin(user)
    return list(OrgNode.objects.filter(level__in=["district", "street"]).order_by("code"))


def current_grids(scope: OrgNode, *, target: int, tolerance: float) -> list[dict]:
    """The grids under a scope as map features: code, name, households, buildings, deviation from the target."""
    households = dict(Household.objects.filter(path__startswith=scope.code).values_list("path")
                      .annotate(n=Count("id")))
    figures = {row["path"]: {**row, "households": households.get(row["path"], 0)}
               for row in Building.objects.filter(path__startswith=scope.code).values("path")
               .annotate(buildings=Count("id"))}
    features = []
    for node in OrgNode.objects.filter(level="grid", code__startswith=scope.code).order_by("code"):
        row = figures.get(node.code, {"households": 0, "buildings": 0})
        households = row["households"] or 0
        features.append({"type": "Feature", "geometry": node.geometry, "properties": {
            "code": node.code, "name": node.name, "households": households, "buildings": row["buildings"],
            "deviation": round((households - target) / target, 3),
            "within": abs(households - target) <= target * tolerance}})
    return features


def proposal_features(proposal: GridProposal) -> list[dict]:
    target = proposal.report["settings"]["target"]
    tolerance = proposal.report["settings"]["tolerance"]
    return [{"type": "Feature", "geometry": g["geometry"], "properties": {
        "code": g["code"] or "新网格", "name": g["key"], "households": g["households"],
        "buildings": len(g["building_ids"]), "compactness": g["compactness"], "connected": g["connected"],
        "deviation": round((g["households"] - target) / target, 3),
        "within": abs(g["households"] - target) <= target * tolerance}} for g in proposal.grids]


def moves_summary(proposal: GridProposal) -> list[dict]:
    return list(GridMove.objects.filter(proposal=proposal).values("from_code", "to_code")
                .annotate(households=Count("id")).order_by("-households", "from_code"))


def moves_for_export(proposal: GridProposal):
    return (GridMove.objects.filter(proposal=proposal).order_by("to_code", "household__number")
            .values_list("household__number", "household__building__name", "household__room", "from_code", "to_code")
            .iterator(chunk_size=5000))
