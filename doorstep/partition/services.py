"""Grid proposals: draw one for a street or the district, apply it after review, undo it, or discard it.

Applying moves buildings (and with them households, residents and the paths on their cases) into the proposed
grids, keeps the codes of grids that continue, creates the new ones, re-points the grid teams and grid workers of
grids that disappear, and reports every moved household. Nothing is applied silently: only a district
administrator applies, the proposal must have been drawn from the data as it still is, and every step is audited.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.accounts.roles import is_district_admin
from doorstep.audit.services import audit_record
from doorstep.cases.models import Case, EligibilityReview
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.org.models import GridTeamMember, OrgNode
from doorstep.partition.models import GridMove, GridProposal
from doorstep.partition.partitioner import Settings
from doorstep.partition.plan import BuildingIn, draw
from doorstep.registry.models import Building, Household, Resident, ResidentNameKey


def _district_admin(actor) -> None:
    if actor is not None and not is_district_admin(actor):  # None: the command line and the demo builder
        raise PermissionDenied(_("只有区级管理员可以生成或实施网格划分方案。"))


def scope_inputs(scope: OrgNode) -> tuple[list[BuildingIn], dict[str, dict]]:
    """The buildings (with their current grid) and the community outlines under a street or district."""
    communities = OrgNode.objects.filter(level="community", code__startswith=scope.code)
    outlines = {c.code: c.geometry for c in communities if c.geometry}
    # the registry's households, counted, rather than the building's recorded count, which may lag behind
    counted = dict(Household.objects.filter(path__startswith=scope.code).values_list("building_id")
                   .annotate(n=Count("id")))
    buildings = [
        BuildingIn(id=pk, community=path[:12], lon=lon, lat=lat, households=max(1, counted.get(pk, 0)), current=path)
        # a building not located yet (a ledger row without coordinates) stays in its grid until it is
        for pk, path, lon, lat in Building.objects.filter(path__startswith=scope.code, latitude__isnull=False,
                                                          longitude__isnull=False)
        .values_list("id", "path", "longitude", "latitude").order_by("id")
        if path[:12] in outlines
    ]
    return buildings, outlines


def district_inputs() -> tuple[list[BuildingIn], dict[str, dict]]:
    return scope_inputs(OrgNode.objects.filter(level="district").order_by("id").first())


def _settings(target, tolerance, gap) -> Settings:
    try:
        target, tolerance, gap = int(target), float(tolerance), float(gap or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("目标户数、容差和断开距离须为数字。")) from None
    if not 50 <= target <= 2000:
        raise ValidationFailed(_("每格目标户数须在50–2000之间。"), field="target")
    if not 0.01 <= tolerance <= 0.5:
        raise ValidationFailed(_("容差须在1%–50%之间。"), field="tolerance")
    if gap != 0 and not 20 <= gap <= 5000:
        raise ValidationFailed(_("断开距离须在20–5000米之间（0或留空为自动）。"), field="gap")
    return Settings(target=target, tolerance=tolerance, gap_metres=gap)


def grids_propose(*, actor, scope_code: str, target=350, tolerance=0.15, gap=0, keep_current=False,
                  idempotency_key: str) -> GridProposal:
    """Draw a proposal for a street or the district.

    Preconditions: a district administrator (or the command line, actor None); the scope is a street or district
    with buildings; settings in range. Result: a draft GridProposal with its grids, shapes and quality report;
    nothing in the org tree changes. Audit: grids.propose with the headline figures. Idempotent: a replay of
    idempotency_key (the form submitted twice) returns the first proposal (doorstep.core.idempotency).
    """
    _district_admin(actor)
    scope = OrgNode.objects.filter(code=str(scope_code)[:15], level__in=["street", "district"]).first()
    if scope is None:
        raise NotFound(_("没有这个街道或区。"))
    settings = _settings(target, tolerance, gap)
    buildings, outlines = scope_inputs(scope)
    if not buildings:
        raise ValidationFailed(_("该范围内没有楼栋，无法划分。"))
    shapes = dict(OrgNode.objects.filter(level="grid", code__startswith=scope.code).filter(geometry__isnull=False)
                  .values_list("code", "geometry"))
    plan = draw(buildings, outlines, settings, keep_current=bool(keep_current), current_shapes=shapes)
    grids = [{"key": g.key, "community": g.community, "code": g.current_code, "building_ids": g.building_ids,
              "households": g.households, "geometry": g.geometry, "compactness": g.compactness,
              "connected": g.connected} for g in plan.grids]
    def create() -> GridProposal:
        proposal = GridProposal.objects.create(
            scope=scope, keep_current=bool(keep_current), report=plan.report, grids=grids,
            before={str(b.id): b.current for b in buildings}, created_by=actor)
        audit_record(actor=actor, actor_label="" if actor else "doorstep grids", action="grids.propose",
                     target=proposal, summary={"grids": len(grids), "cv": plan.report["sizes"]["cv"],
                                               "households_moved": plan.report["change"]["households_moved"]})
        return proposal

    inputs = {"scope": scope.code, "target": settings.target, "tolerance": settings.tolerance,
              "gap": settings.gap_metres, "keep_current": bool(keep_current)}
    proposal, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="grids.propose", inputs=inputs,
                                    create=create)
    return proposal


def _locked(proposal_id, status: str) -> GridProposal:
    try:
        pk = int(proposal_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    proposal = GridProposal.objects.select_for_update().filter(pk=pk).first()
    if proposal is None:
        raise NotFound(_("没有这个方案。"))
    if proposal.status != status:
        raise Conflict(_("方案当前为“{status}”，不能进行此操作。").format(status=proposal.get_status_display()))
    return proposal


def _move_buildings(building_ids: list[int], node: OrgNode) -> None:
    Building.objects.filter(id__in=building_ids).update(grid=node, path=node.code)
    Household.objects.filter(building_id__in=building_ids).update(path=node.code)
    Resident.objects.filter(household__building_id__in=building_ids).update(path=node.code)
    applicants = Resident.objects.filter(household__building_id__in=building_ids).values("id")
    ResidentNameKey.objects.filter(resident_id__in=applicants).update(path=node.code)  # keys carry the path
    Case.objects.filter(applicant_id__in=applicants).update(applicant_path=node.code)
    EligibilityReview.objects.filter(case__applicant_id__in=applicants).update(applicant_path=node.code)


def _snapshot(communities: list[OrgNode]) -> dict:
    codes = [c.code for c in communities]
    grids = OrgNode.objects.filter(level="grid", parent__in=communities)
    return {
        "grids": [{"code": g.code, "name": g.name, "parent": g.parent.code, "geometry": g.geometry}
                  for g in grids.select_related("parent")],
        "team": [{"grid": m.grid.code, "user": m.user_id, "role": m.team_role}
                 for m in GridTeamMember.objects.filter(grid__in=grids).select_related("grid")],
        "users": [{"user": u.pk, "grid": u.org_node.code}
                  for u in User.objects.filter(org_node__in=grids).select_related("org_node")],
        "communities": codes,
    }


def _grids_changed() -> None:
    from doorstep.incidents.geo import grids_changed

    grids_changed()


def grids_apply(*, actor, proposal_id) -> dict:
    """Apply a reviewed proposal.

    Preconditions: a district administrator; the proposal is a draft; every building is still in the grid it was
    in when the proposal was drawn (else Conflict: draw again). Result: counts {grids_created, grids_removed,
    buildings_moved, households_moved, teams_moved, grids_without_team}. Audit: grids.apply with those counts.
    Side effects: org tree grids created, reshaped and removed; buildings, households, residents and case paths
    moved; grid teams and grid workers re-pointed; one GridMove per moved household; the undo snapshot stored,
    with the code and name each proposed grid got (undo["codes"], undo["names"]) for the review page.
    """
    _district_admin(actor)
    with transaction.atomic():
        proposal = _locked(proposal_id, GridProposal.Status.DRAFT)
        current = dict(Building.objects.filter(id__in=[int(b) for b in proposal.before])
                       .values_list("id", "path"))
        if {str(k): v for k, v in current.items()} != proposal.before:
            raise Conflict(_("方案生成后楼栋或网格已有变化，请重新生成方案再实施。"))
        community_codes = sorted({g["community"] for g in proposal.grids})
        communities = list(OrgNode.objects.filter(code__in=community_codes).order_by("code"))
        undo = _snapshot(communities)
        by_code = {c.code: c for c in communities}
        existing = {g.code: g for g in OrgNode.objects.filter(level="grid", parent__in=communities)}
        next_number: dict[str, int] = {}
        for c in communities:
            top = OrgNode.objects.filter(parent=c, level="grid").aggregate(m=Max("code"))["m"]
            next_number[c.code] = int(top[-3:]) if top else 0
        counts = defaultdict(int)
        new_nodes: dict[str, OrgNode] = {}
        for g in proposal.grids:
            if g["code"] and g["code"] in existing:
                node = existing[g["code"]]
                node.geometry = g["geometry"]
                node.save(update_fields=["geometry"])
            else:
                community = by_code[g["community"]]
                next_number[community.code] += 1
                if next_number[community.code] > 999:
                    raise Conflict(_("{community}的网格编号已用完。").format(community=community.name))
                code = f"{community.code}{next_number[community.code]:03d}"
                node = OrgNode.objects.create(  # zh: the new grid's name, stored on the org tree (data)
                    code=code, name=f"{community.name}第{next_number[community.code]}网格", level="grid",
                    parent=community, geometry=g["geometry"])
                counts["grids_created"] += 1
            new_nodes[g["key"]] = node
        # buildings, households, residents and case paths
        moves = []
        old_path = {int(k): v for k, v in proposal.before.items()}
        for g in proposal.grids:
            node = new_nodes[g["key"]]
            moving = [b for b in g["building_ids"] if old_path.get(b) != node.code]
            if not moving:
                continue
            _move_buildings(moving, node)
            counts["buildings_moved"] += len(moving)
            for household_id, building_id in Household.objects.filter(building_id__in=moving) \
                    .values_list("id", "building_id"):
                moves.append(GridMove(proposal=proposal, household_id=household_id, from_code=old_path[building_id],
                                      to_code=node.code))
        GridMove.objects.bulk_create(moves, batch_size=2000)
        counts["households_moved"] = len(moves)
        # grids that disappear: their teams and workers go to the new grid that took most of their households
        kept_codes = {n.code for n in new_nodes.values()}
        removed = [code for code in existing if code not in kept_codes]
        received: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for move in moves:
            received[move.from_code][move.to_code] += 1
        fresh = {n.code for n in new_nodes.values() if n.code not in existing}
        staffed: set[str] = set()
        for code in sorted(removed, key=lambda c: -sum(received[c].values())):
            destinations = sorted(received[code].items(), key=lambda kv: (-kv[1], kv[0]))
            target_code = next((d for d, _source in destinations if d in fresh and d not in staffed), None)
            if target_code is None:
                target_code = destinations[0][0] if destinations else None
            if target_code is None:
                target_code = next(iter(sorted(kept_codes & {n.code for n in new_nodes.values()
                                                          if n.parent.code == code[:12]})), None)
            target = OrgNode.objects.get(code=target_code)
            whole_team = target_code in fresh and target_code not in staffed
            for member in GridTeamMember.objects.filter(grid__code=code):
                if whole_team:
                    member.grid = target
                    member.save(update_fields=["grid"])
                elif member.team_role != "supervisor" and not GridTeamMember.objects.filter(
                        grid=target, user=member.user).exists():
                    member.grid, member.team_role = target, "assistant"  # joins as an assistant
                    member.save(update_fields=["grid", "team_role"])
                else:
                    member.delete()
            counts["teams_moved"] += User.objects.filter(org_node__code=code).update(org_node=target)
            staffed.add(target_code)
            OrgNode.objects.filter(code=code).delete()
            counts["grids_removed"] += 1
        lonely = sorted(fresh - staffed)
        for code in lonely:  # a supervisor for every grid: the community's
            node = OrgNode.objects.get(code=code)
            supervisor = GridTeamMember.objects.filter(grid__parent=node.parent, team_role="supervisor").first()
            if supervisor:
                GridTeamMember.objects.create(grid=node, user=supervisor.user, team_role="supervisor")
        counts["grids_without_team"] = len(lonely)
        undo["created"] = sorted(fresh)
        # what each proposed grid became, for the review page and the moves export after the fact
        undo["codes"] = {key: node.code for key, node in new_nodes.items()}
        undo["names"] = {node.code: node.name for node in new_nodes.values()}
        proposal.undo = undo
        proposal.status = GridProposal.Status.APPLIED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["undo", "status", "decided_by", "decided_at"])
        audit_record(actor=actor, actor_label="" if actor else "doorstep grids", action="grids.apply",
                     target=proposal, summary=dict(counts))
    transaction.on_commit(_grids_changed)  # incident intake finds grids by their shapes (incidents.geo)
    return dict(counts)


def grids_undo(*, actor, proposal_id) -> dict:
    """Put back what applying a proposal changed: grids, shapes, buildings and paths, teams and workers.

    Preconditions: a district administrator; the proposal is applied and no later proposal has been applied over
    the same communities. Result: counts. Audit: grids.undo. Side effects: the reverse of grids_apply; the
    proposal's GridMove rows are kept as the record of what happened.
    """
    _district_admin(actor)
    with transaction.atomic():
        proposal = _locked(proposal_id, GridProposal.Status.APPLIED)
        later = GridProposal.objects.filter(status=GridProposal.Status.APPLIED, id__gt=proposal.pk)
        if any(set(p.undo.get("communities", [])) & set(proposal.undo["communities"]) for p in later):
            raise Conflict(_("之后又实施过覆盖同一社区的方案，须先撤销那一个。"))
        snap = proposal.undo
        communities = {c.code: c for c in OrgNode.objects.filter(code__in=snap["communities"])}
        nodes = {}
        for g in snap["grids"]:
            node, _created = OrgNode.objects.update_or_create(code=g["code"], defaults={
                "name": g["name"], "level": "grid", "parent": communities[g["parent"]], "geometry": g["geometry"]})
            nodes[g["code"]] = node
        by_target: dict[str, list[int]] = defaultdict(list)
        for building_id, code in proposal.before.items():
            by_target[code].append(int(building_id))
        for code, ids in by_target.items():
            _move_buildings(ids, nodes[code])
        grids_now = OrgNode.objects.filter(level="grid", parent__in=communities.values())
        GridTeamMember.objects.filter(grid__in=grids_now).delete()
        GridTeamMember.objects.bulk_create([GridTeamMember(grid=nodes[t["grid"]], user_id=t["user"],
                                                           team_role=t["role"]) for t in snap["team"]])
        for u in snap["users"]:
            User.objects.filter(pk=u["user"]).update(org_node=nodes[u["grid"]])
        removed = OrgNode.objects.filter(code__in=snap.get("created", [])).exclude(code__in=nodes)
        removed_count = removed.count()
        removed.delete()
        proposal.status = GridProposal.Status.UNDONE
        proposal.save(update_fields=["status"])
        counts = {"grids_restored": len(nodes), "grids_removed": removed_count,
                  "buildings_restored": len(proposal.before)}
        audit_record(actor=actor, action="grids.undo", target=proposal, summary=counts)
    transaction.on_commit(_grids_changed)
    return counts


def grids_discard(*, actor, proposal_id) -> GridProposal:
    """Set a draft aside. Audit: grids.discard."""
    _district_admin(actor)
    with transaction.atomic():
        proposal = _locked(proposal_id, GridProposal.Status.DRAFT)
        proposal.status = GridProposal.Status.DISCARDED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action="grids.discard", target=proposal)
    return proposal
