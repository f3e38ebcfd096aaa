"""Applying an approved change to the registry: one function per kind, called by review.change_approve inside its
transaction. Each locks what it changes (households, then residents, by id), checks the subject is still as the
request found it (alive, in the district, in the same household), runs again the checks the proposal made that the
meantime may have undone (one head and one spouse per household, a new head where the head leaves, the document
not registered, the date against later history: households.py, history.py), writes the rows with update_fields and
a history version per resident (registry.history; a change reported late is written at its date). Returns how many
residents changed."""

import datetime
import json

from django.db.models import F
from django.utils.translation import gettext as _

from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.phones import mask_phone
from doorstep.registry.changes.households import as_regrouped, check_joining, movers_relations, new_head_plan
from doorstep.registry.changes.kinds import document_taken_check
from doorstep.registry.history import (
    FLAG_FIELDS,
    VERSIONED_FIELDS,
    history_check_effective,
    history_record,
    version_snapshot,
)
from doorstep.registry.models import (
    Building,
    ChangeRequest,
    Household,
    Relation,
    Resident,
    ResidentStatus,
)
from doorstep.registry.namekeys import namekeys_follow, residents_rekey


def apply_change(change: ChangeRequest, *, actor) -> int:
    secret = json.loads(decrypt(change.secret_enc)) if change.secret_enc else {}
    return _APPLIERS[change.kind](change, secret)


def _lock_households(ids) -> dict[int, Household]:
    return {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("id")}


def _lock_residents(ids) -> dict[int, Resident]:
    return {r.pk: r for r in Resident.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("id")}


def _still_active(resident: Resident) -> None:
    if resident.status != ResidentStatus.ACTIVE:
        raise Conflict(_("{name}已于{date}登记为“{status}”，不能再办理这项变更；请驳回该申请。").format(
            name=resident.name, date=resident.status_date.isoformat() if resident.status_date else "",
            status=resident.get_status_display()))


def _still_in(resident: Resident, household_id: int) -> None:
    if resident.household_id != household_id:
        raise Conflict(_("{name}已不在原户（可能已办理其他迁移），请驳回该申请后重新提交。").format(name=resident.name))


def _meanwhile(check, *args, **kwargs):
    """A proposal's check made again at approval: what it refuses now changed since the proposal."""
    try:
        return check(*args, **kwargs)
    except ValidationFailed as exc:
        raise Conflict(_("{reason}（登记信息在申请提交后有了变化，请驳回该申请，按现在的登记重新提交。）").format(
            reason=exc.message.rstrip("。"))) from None


def _change(resident: Resident, change: ChangeRequest, effective: datetime.date, *, stated=(), **fields) -> None:
    """Write `fields` on the resident and their history version at `effective`. The versioned fields the change
    sets are those it alters, and those in `stated` (a relation the form states, even where it is the one held)."""
    setting = [f for f in fields if f in VERSIONED_FIELDS and (f in stated or getattr(resident, f) != fields[f])]
    history_check_effective(resident, effective, fields=setting)
    before = version_snapshot(resident)
    for name, value in fields.items():
        setattr(resident, name, value)
    resident.save(update_fields=list(fields))
    if "path" in fields:  # the search keys carry the path (a move to another grid)
        namekeys_follow([resident.pk])
    history_record(resident, before=before, effective=effective, change=change, fields=setting)


def _new_household(change: ChangeRequest, building: Building, room: str, kind: str) -> Household:
    """A household a change creates: its 户号 is made from the grid and the request (the police's number, when the
    household has one, is entered by a correction of the ledger import)."""
    household = Household.objects.create(building=building, path=building.path, number=f"{building.path}C{change.pk:08d}",
                                         room=room, kind=kind)
    Building.objects.filter(pk=building.pk).update(household_count=F("household_count") + 1)
    return household


def _document_fields(secret: dict) -> dict:
    if not secret.get("id_number"):
        return {"id_number_enc": None, "id_number_index": None, "id_number_masked": ""}
    from doorstep.core.idnumbers import mask_document

    return {"id_number_enc": encrypt(secret["id_number"]), "id_number_index": blind_index("id", secret["index_value"]),
            "id_number_masked": mask_document(secret["id_number"])}


def _phone_fields(phone: str) -> dict:
    if not phone:
        return {"phone_enc": None, "phone_index": "", "phone_masked": ""}
    return {"phone_enc": encrypt(phone), "phone_index": blind_index("phone", phone), "phone_masked": mask_phone(phone)}


def _add_person(change: ChangeRequest, household: Household, secret: dict, *, relation: str, effective,
                **extra) -> Resident:
    p = change.payload
    if secret.get("id_number"):
        from doorstep.core.idnumbers import Document

        try:
            document_taken_check(Document(type=p["document_type"], number=secret["id_number"]))
        except ValidationFailed:
            raise Conflict(_("该证件号码在申请提交后已被登记，请核对后驳回该申请。")) from None
    resident = Resident.objects.create(
        household=household, path=household.path, name=p["name"], gender=p["gender"],
        birth_date=datetime.date.fromisoformat(p["birth_date"]), document_type=p["document_type"], relation=relation,
        **_document_fields(secret), **_phone_fields(secret.get("phone", "")), **extra)
    residents_rekey([resident])
    history_record(resident, before=None, effective=effective, change=change)
    change.result_resident = resident
    return resident


def _joining_one(household: Household, relation: str, name: str) -> None:
    _meanwhile(check_joining, household, {0: relation}, names={0: name}, field=lambda _pk: "relation")


def _apply_birth(change: ChangeRequest, secret: dict) -> int:
    household = _lock_households([change.household_id])[change.household_id]
    relation = change.payload["relation"]
    _joining_one(household, relation, change.payload["name"])
    _add_person(change, household, secret, relation=relation, effective=change.effective_date)
    return 1


def _apply_move_in(change: ChangeRequest, secret: dict) -> int:
    p = change.payload
    if change.household_id:
        household = _lock_households([change.household_id])[change.household_id]
        _joining_one(household, p["relation"], p["name"])
    else:
        building = Building.objects.get(pk=p["building"])
        household = _new_household(change, building, p["room"], Household.Kind.REGISTERED)
        change.household = household
        change.save(update_fields=["household"])
    _add_person(change, household, secret, relation=p["relation"], effective=change.effective_date,
                is_migrant=bool(p.get("is_migrant")))
    return 1


def _lock_with_household(ids, household_id: int) -> tuple[dict[int, Resident], list[Resident]]:
    """Lock these residents and the active members of their household together (one statement, by id: the order
    every writer locks in), as the head's leaving may change the others' relations. Returns (the residents by id,
    the household's active members as locked)."""
    member_ids = list(Resident.objects.filter(household_id=household_id, status=ResidentStatus.ACTIVE)
                      .values_list("id", flat=True))
    locked = _lock_residents([*ids, *member_ids])
    members = [r for pk, r in sorted(locked.items())
               if r.household_id == household_id and r.status == ResidentStatus.ACTIVE]
    return {pk: locked[pk] for pk in ids if pk in locked}, members


class _Regroup:
    """The household the head leaves, with others remaining: the new head the request names becomes 户主 and the
    others stand to them (households.new_head_plan, checked again on the household as it is now). Worked out
    before anyone's record changes (`plan`); calling it writes the plan, at the change's date (or `effective`: today
    for a correction)."""

    def __init__(self, change: ChangeRequest, members: list[Resident], *, leaving: set[int],
                 head_steps_down: bool = False):
        stated = change.payload.get("new_head")
        self.change, self.members = change, members
        self.plan = _meanwhile(new_head_plan, 0, leaving=leaving, new_head_id=int(stated) if stated else None,
                               members=members, head_steps_down=head_steps_down)

    def __call__(self, effective: datetime.date | None = None) -> None:
        by_id = {m.pk: m for m in self.members}
        for pk in sorted(self.plan):
            _change(by_id[pk], self.change, effective or self.change.effective_date, stated=("relation",),
                    relation=self.plan[pk])


def _apply_death(change: ChangeRequest, secret: dict) -> int:
    residents, members = _lock_with_household([change.resident_id], change.household_id)
    resident = residents[change.resident_id]
    _still_active(resident)
    # a later move first (named with its date, ValidationFailed), then any other move since: the new head was named
    # for the household the request found them in
    history_check_effective(resident, change.effective_date, fields=("status", "status_date"))
    _still_in(resident, change.household_id)
    regroup = _Regroup(change, members, leaving={resident.pk})
    _change(resident, change, change.effective_date, status=ResidentStatus.DECEASED,
            status_date=change.effective_date)
    regroup()
    return 1


def _members(change: ChangeRequest) -> tuple[list[Resident], list[Resident]]:
    """The request's members, locked and still active in the household (Conflict else), and the household's active
    members (for the head's leaving)."""
    found, household = _lock_with_household(change.payload["members"], change.household_id)
    for r in found.values():
        _still_active(r)
        _still_in(r, change.household_id)
    if len(found) != len(change.payload["members"]):
        raise Conflict(_("申请中的成员已不在登记中，请驳回该申请。"))
    return [found[pk] for pk in sorted(found)], household


def _apply_move_out(change: ChangeRequest, secret: dict) -> int:
    members, household = _members(change)
    regroup = _Regroup(change, household, leaving={m.pk for m in members})
    for r in members:
        _change(r, change, change.effective_date, status=ResidentStatus.MOVED_OUT, status_date=change.effective_date,
                moved_to=change.payload["destination"])
    regroup()
    return len(members)


def _stated(change: ChangeRequest, movers: list[Resident]) -> dict[int, str]:
    """The relations the request states for the movers. A request proposed before they were asked one per member
    stated only the moving head's (`relation`)."""
    p = change.payload
    if "relations" in p:
        return {m.pk: p["relations"].get(str(m.pk), "") for m in movers}
    return {m.pk: p.get("relation", "") if m.relation == Relation.HEAD else "" for m in movers}


def _move(change: ChangeRequest, movers: list[Resident], target: Household, *, new_household: bool) -> None:
    """Move these residents into `target` with the relations households.movers_relations gives them there."""
    stated = _stated(change, movers)
    names = {m.pk: m.name for m in movers}
    staying = [] if new_household else [r for r in Resident.objects.filter(household_id=target.pk,
                                                                            status=ResidentStatus.ACTIVE)
                                        if r.pk not in names]
    _meanwhile(check_joining, target, {pk: r for pk, r in stated.items() if r}, names=names, staying=staying)
    target_has_head = any(r.relation == Relation.HEAD for r in staying)
    relations = movers_relations(movers, stated, target_has_head=target_has_head)
    for m in movers:
        _change(m, change, change.effective_date, stated=("relation",) if stated.get(m.pk) else (),
                household_id=target.pk, path=target.path, relation=relations[m.pk])


def _target(change: ChangeRequest) -> tuple[Household, bool]:
    p = change.payload
    if p.get("target"):
        return _lock_households([p["target"]])[p["target"]], False
    building = Building.objects.get(pk=p["building"])
    return _new_household(change, building, p["room"], Household.Kind.REGISTERED), True


def _apply_move_within(change: ChangeRequest, secret: dict) -> int:
    target, new = _target(change)
    members, household = _members(change)
    regroup = _Regroup(change, household, leaving={m.pk for m in members})
    _move(change, members, target, new_household=new)
    regroup()
    return len(members)


def _apply_marriage(change: ChangeRequest, secret: dict) -> int:
    p = change.payload
    target_id = p.get("target") or change.household_id
    if target_id != change.household_id:
        _lock_households([target_id])
    residents, household = _lock_with_household([change.resident_id], change.household_id)
    resident = residents[change.resident_id]
    _still_active(resident)
    _still_in(resident, change.household_id)
    moving = target_id != resident.household_id
    target = Household.objects.get(pk=target_id)
    steps_down = not moving and resident.relation == Relation.HEAD and p["relation"] != Relation.HEAD
    regroup = _Regroup(change, household, leaving={resident.pk} if moving else set(), head_steps_down=steps_down)
    _meanwhile(check_joining, target, {resident.pk: p["relation"]}, names={resident.pk: resident.name},
               staying=None if moving else as_regrouped(household, regroup.plan), field=lambda _pk: "relation")
    _change(resident, change, change.effective_date, stated=("relation",), household_id=target.pk, path=target.path,
            relation=p["relation"])
    regroup()
    return 1


def _apply_split(change: ChangeRequest, secret: dict) -> int:
    members, household = _members(change)
    source = Household.objects.select_related("building").get(pk=change.household_id)
    if not [r for r in household if r.pk not in {m.pk for m in members}]:
        raise Conflict(_("分户须有人留在原户，请驳回该申请。"))
    regroup = _Regroup(change, household, leaving={m.pk for m in members})
    target = _new_household(change, source.building, change.payload["room"], source.kind)
    subject = next((m for m in members if m.pk == change.resident_id), members[0])
    ordered = [subject] + [m for m in members if m is not subject]
    # the resident heads the new household; the others stand to them (a moving old head among them is no longer
    # head: households.movers_relations)
    relations = movers_relations(ordered, {subject.pk: Relation.HEAD}, target_has_head=False)
    for m in ordered:
        _change(m, change, change.effective_date, household_id=target.pk, path=target.path, relation=relations[m.pk])
    regroup()
    return len(members)


def _apply_merge(change: ChangeRequest, secret: dict) -> int:
    target_id = change.payload["target"]
    _lock_households([change.household_id, target_id])
    _found, movers = _lock_with_household([], change.household_id)
    if not movers:
        raise Conflict(_("原户已没有在册成员，请驳回该申请。"))
    target = Household.objects.get(pk=target_id)
    _move(change, movers, target, new_household=False)
    return len(movers)


def _apply_phone(change: ChangeRequest, secret: dict) -> int:
    resident = _lock_residents([change.resident_id])[change.resident_id]
    _still_active(resident)
    _change(resident, change, _today(), **_phone_fields(secret.get("phone", "")))
    return 1


def _apply_flags(change: ChangeRequest, secret: dict) -> int:
    resident = _lock_residents([change.resident_id])[change.resident_id]
    _still_active(resident)
    flags = change.payload["flags"]
    _change(resident, change, _today(), **{f: bool(flags[f]) for f in FLAG_FIELDS})
    return 1


def _apply_correction(change: ChangeRequest, secret: dict) -> int:
    residents, household = _lock_with_household([change.resident_id], change.household_id)
    resident = residents[change.resident_id]
    _still_active(resident)
    _still_in(resident, change.household_id)
    p = change.payload
    fields = {k: p[k] for k in ("name", "gender", "relation") if k in p}
    if "birth_date" in p:
        fields["birth_date"] = datetime.date.fromisoformat(p["birth_date"])
    if secret.get("id_number"):
        from doorstep.core.idnumbers import Document

        kind = secret.get("document_type") or p.get("document_type") or resident.document_type
        try:
            document_taken_check(Document(type=kind, number=secret["id_number"]), besides=resident.pk)
        except ValidationFailed:
            raise Conflict(_("该证件号码在申请提交后已被登记，请核对后驳回该申请。")) from None
        fields.update(document_type=kind, **_document_fields(secret))
    regroup = None
    if "relation" in fields:  # a head corrected to another relation: the new head the request names
        regroup = _Regroup(change, household, leaving=set(), head_steps_down=resident.relation == Relation.HEAD
                           and fields["relation"] != Relation.HEAD)
        _meanwhile(check_joining, resident.household, {resident.pk: fields["relation"]},
                   names={resident.pk: resident.name}, staying=as_regrouped(household, regroup.plan),
                   field=lambda _pk: "relation")
    if all(getattr(resident, k) == v for k, v in fields.items() if k in VERSIONED_FIELDS) and not (
            secret.get("id_number") and fields.get("id_number_index") != resident.id_number_index):
        raise Conflict(_("登记信息已与这项更正一致，没有需要更正的内容，请驳回该申请。"))
    _change(resident, change, _today(), **fields)
    if regroup is not None:
        regroup(_today())
    if "name" in fields:
        residents_rekey([resident])
    return 1


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


_APPLIERS = {
    "birth": _apply_birth, "death": _apply_death, "move_in": _apply_move_in, "move_within": _apply_move_within,
    "move_out": _apply_move_out, "marriage": _apply_marriage, "split": _apply_split, "merge": _apply_merge,
    "phone": _apply_phone, "flags": _apply_flags, "correction": _apply_correction,
}
