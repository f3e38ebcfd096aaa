"""Reading grid proposals and the current grids for the review page and the map."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from doorstep.accounts.roles import is_district_admin
from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.core.paging import paginate
from doorstep.org.models import OrgNode
from doorstep.partition.models import GridMove, GridProposal
from doorstep.registry.models import Building, Household


def _district_admin(user) -> None:
    if not is_district_admin(user):
        raise PermissionDenied(_("只有区级管理员可以查看和实施网格划分方案。"))


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
        raise NotFound(_("没有这个方案。"))
    return proposal


def scopes_for_user(user) -> list[OrgNode]:
    _district_admin(user)
    return list(OrgNode.objects.filter(level__in=["district", "street"]).order_by("code"))


def community_features(scope: OrgNode) -> list[dict]:
    """The communities under a scope as map features (outline and name), drawn over both maps as boundaries with
    their names."""
    return [{"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
            for code, name, geometry in OrgNode.objects.filter(level="community", code__startswith=scope.code)
            .filter(geometry__isnull=False).order_by("code").values_list("code", "name", "geometry")]


def current_grids(scope: OrgNode, *, target: int, tolerance: float) -> list[dict]:
    """The grids under a scope as map features: code, name, community, households, buildings, deviation from the
    target."""
    households = dict(Household.objects.filter(path__startswith=scope.code).values_list("path")
                      .annotate(n=Count("id")))
    figures = {row["path"]: {**row, "households": households.get(row["path"], 0)}
               for row in Building.objects.filter(path__startswith=scope.code).values("path")
               .annotate(buildings=Count("id"))}
    features = []
    for node in OrgNode.objects.filter(level="grid", code__startswith=scope.code).select_related("parent") \
            .order_by("code"):
        row = figures.get(node.code, {"households": 0, "buildings": 0})
        households = row["households"] or 0
        features.append({"type": "Feature", "geometry": node.geometry, "properties": {
            "code": node.code, "name": node.name, "community": node.parent.name if node.parent else "",
            "households": households, "buildings": row["buildings"],
            "deviation": round((households - target) / target, 3),
            "within": abs(households - target) <= target * tolerance}})
    return features


@dataclass(frozen=True)
class GridLabel:
    code: str | None  # None: a new grid of a draft, numbered only when applied
    name: str
    community: str  # the community's name

    @property
    def text(self) -> str:
        return f"{self.name}（{self.code}）" if self.code else self.name


def proposal_labels(proposal: GridProposal) -> tuple[dict[str, str], dict[str, GridLabel]]:
    """What people call the grids of a proposal: ({current grid code: its name when the proposal was drawn},
    {proposed grid key: GridLabel}). A kept grid is named as it is now; a new grid of a draft is "<社区>新网格N";
    once applied, each proposed grid is named as it was created (the names stay readable after an undo)."""
    communities = dict(OrgNode.objects.filter(code__in={g["community"] for g in proposal.grids})
                       .values_list("code", "name"))
    now = dict(OrgNode.objects.filter(level="grid", code__startswith=proposal.scope.code).values_list("code", "name"))
    undo = proposal.undo or {}
    before = {g["code"]: g["name"] for g in undo.get("grids", [])}  # as they were when applied
    from_names = {**now, **before}
    created_codes, created_names = undo.get("codes", {}), undo.get("names", {})
    labels: dict[str, GridLabel] = {}
    fresh: dict[str, int] = defaultdict(int)
    for g in proposal.grids:
        community = communities.get(g["community"], g["community"])
        code = created_codes.get(g["key"]) or g["code"]
        if code:
            labels[g["key"]] = GridLabel(code, created_names.get(code) or from_names.get(code) or code, community)
        else:
            fresh[g["community"]] += 1
            labels[g["key"]] = GridLabel(None, _("{community}新网格{number}").format(
                community=community, number=fresh[g["community"]]), community)
    return from_names, labels


def proposal_features(proposal: GridProposal, labels: dict[str, GridLabel] | None = None) -> list[dict]:
    labels = labels if labels is not None else proposal_labels(proposal)[1]
    target = proposal.report["settings"]["target"]
    tolerance = proposal.report["settings"]["tolerance"]
    return [{"type": "Feature", "geometry": g["geometry"], "properties": {
        "code": labels[g["key"]].code, "name": labels[g["key"]].name, "community": labels[g["key"]].community,
        "households": g["households"], "buildings": len(g["building_ids"]), "compactness": g["compactness"],
        "connected": g["connected"], "deviation": round((g["households"] - target) / target, 3),
        "within": abs(g["households"] - target) <= target * tolerance}} for g in proposal.grids]


def moves_summary(proposal: GridProposal, *, labels=None, limit: int = 200) -> list[dict]:
    """The buildings whose grid the proposal changes (would change, for a draft), grouped by from and to grid:
    [{from_code, from_name, to (GridLabel), buildings: [{name, address, households}], households}], the largest
    groups first, at most `limit` groups. Built from what the proposal was drawn from (`before`), so a draft shows
    it too; the per-household list is the Excel export of an applied proposal."""
    from_names, labels = labels if labels is not None else proposal_labels(proposal)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for g in proposal.grids:
        target = labels[g["key"]].code
        for b in g["building_ids"]:
            old = proposal.before.get(str(b))
            if old is not None and old != target:
                groups[(old, g["key"])].append(b)
    ids = [b for members in groups.values() for b in members]
    if not ids:
        return []
    counted = dict(Household.objects.filter(building_id__in=ids).values_list("building_id").annotate(n=Count("id")))
    buildings = {pk: {"name": name, "address": address, "households": counted.get(pk, 0)}
                 for pk, name, address in Building.objects.filter(id__in=ids).values_list("id", "name", "address")}
    rows = []
    for (old, key), members in groups.items():
        listed = [buildings[b] for b in sorted(members) if b in buildings]
        rows.append({"from_code": old, "from_name": from_names.get(old, old), "to": labels[key], "buildings": listed,
                     "households": sum(b["households"] for b in listed)})
    rows.sort(key=lambda r: (-r["households"], r["from_code"], r["to"].name))
    return rows[:limit]


def moves_for_export(proposal: GridProposal):
    """Every household an applied proposal moved: (户号, 楼栋, 地址, 房号, 原网格, 新网格), grids by name and code."""
    from_names, labels = proposal_labels(proposal)
    to_names = {label.code: label.text for label in labels.values() if label.code}
    rows = (GridMove.objects.filter(proposal=proposal).order_by("to_code", "household__number")
            .values_list("household__number", "household__building__name", "household__building__address",
                         "household__room", "from_code", "to_code")
            .iterator(chunk_size=5000))
    for number, building, address, room, from_code, to_code in rows:
        old = f"{from_names[from_code]}（{from_code}）" if from_code in from_names else from_code
        yield number, building, f"{address}{room}", room, old, to_names.get(to_code, to_code)
