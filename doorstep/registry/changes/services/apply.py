"""Applying an approved change to the registry: one function per kind, called by review.change_approve inside its
transaction. Each locks what it changes (households, then residents, by id), checks the subject is still as the
request found it (alive, in the district, in the same household), writes the rows with update_fields and a history
version per resident (registry.history). Returns how many residents changed."""

import datetime
import json

from django.db.models import F
from django.utils.translation import gettext as _

from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.phones import mask_phone
from doorstep.registry.changes.kinds import document_taken_check
from doorstep.registry.history import FLAG_FIELDS, history_check_effective, history_record, version_snapshot
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


def _change(resident: Resident, change: ChangeRequest, effective: datetime.date, **fields) -> None:
    history_check_effective(resident, effective)
    before = version_snapshot(resident)
    for name, value in fields.items():
        setattr(resident, name, value)
    resident.save(update_fields=list(fields))
    if "path" in fields:  # the search keys carry the path (a move to another grid)
        namekeys_follow([resident.pk])
    history_record(resident, before=before, effective=effective, change=change)


def _head(household_id: int, *, besides=()) -> Resident | None:
    return (Resident.objects.filter(household_id=household_id, relation=Relation.HEAD, status=ResidentStatus.ACTIVE)
            .exclude(pk__in=list(besides)).first())


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


def _apply_birth(change: ChangeRequest, secret: dict) -> int:
    household = _lock_households([change.household_id])[change.household_id]
    relation = change.payload["relation"]
    if relation == Relation.HEAD and _head(household.pk):
        raise Conflict(_("该户已有户主，请驳回后按正确的与户主关系重新提交。"))
    _add_person(change, household, secret, relation=relation, effective=change.effective_date)
    return 1


def _apply_move_in(change: ChangeRequest, secret: dict) -> int:
    p = change.payload
    if change.household_id:
        household = _lock_households([change.household_id])[change.household_id]
        if p["relation"] == Relation.HEAD and _head(household.pk):
            raise Conflict(_("该户已有户主，请驳回后按正确的与户主关系重新提交。"))
    else:
        building = Building.objects.get(pk=p["building"])
        household = _new_household(change, building, p["room"], Household.Kind.REGISTERED)
        change.household = household
        change.save(update_fields=["household"])
    _add_person(change, household, secret, relation=p["relation"], effective=change.effective_date,
                is_migrant=bool(p.get("is_migrant")))
    return 1


def _apply_death(change: ChangeRequest, secret: dict) -> int:
    resident = _lock_residents([change.resident_id])[change.resident_id]
    _still_active(resident)
    _change(resident, change, change.effective_date, status=ResidentStatus.DECEASED,
            status_date=change.effective_date)
    return 1


def _members(change: ChangeRequest) -> list[Resident]:
    members = _lock_residents(change.payload["members"])
    for r in members.values():
        _still_active(r)
        _still_in(r, change.household_id)
    if len(members) != len(change.payload["members"]):
        raise Conflict(_("申请中的成员已不在登记中，请驳回该申请。"))
    return [members[pk] for pk in sorted(members)]


def _apply_move_out(change: ChangeRequest, secret: dict) -> int:
    members = _members(change)
    for r in members:
        _change(r, change, change.effective_date, status=ResidentStatus.MOVED_OUT, status_date=change.effective_date,
                moved_to=change.payload["destination"])
    return len(members)


def _move(change: ChangeRequest, movers: list[Resident], target: Household, *, head_becomes: str,
          new_household: bool) -> None:
    """Move these residents into `target`: the target keeps one head (a moving head becomes `head_becomes` where
    the target has one; a new household without a head among the movers gets the first as head)."""
    target_head = None if new_household else _head(target.pk, besides=[m.pk for m in movers])
    heads = [m for m in movers if m.relation == Relation.HEAD]
    for m in movers:
        relation = m.relation
        if m.relation == Relation.HEAD and target_head is not None:
            relation = head_becomes if head_becomes != Relation.HEAD else Relation.OTHER
        if new_household and not heads and m is movers[0]:
            relation = Relation.HEAD
        _change(m, change, change.effective_date, household_id=target.pk, path=target.path, relation=relation)


def _target(change: ChangeRequest) -> tuple[Household, bool]:
    p = change.payload
    if p.get("target"):
        return _lock_households([p["target"]])[p["target"]], False
    building = Building.objects.get(pk=p["building"])
    return _new_household(change, building, p["room"], Household.Kind.REGISTERED), True


def _apply_move_within(change: ChangeRequest, secret: dict) -> int:
    members = _members(change)
    target, new = _target(change)
    _move(change, members, target, head_becomes=change.payload.get("relation") or Relation.OTHER, new_household=new)
    return len(members)


def _apply_marriage(change: ChangeRequest, secret: dict) -> int:
    resident = _lock_residents([change.resident_id])[change.resident_id]
    _still_active(resident)
    _still_in(resident, change.household_id)
    p = change.payload
    target_id = p.get("target") or resident.household_id
    if target_id != resident.household_id:
        _lock_households([target_id])
    if p["relation"] == Relation.HEAD and _head(target_id, besides=[resident.pk]):
        raise Conflict(_("该户已有户主，请驳回后按正确的与户主关系重新提交。"))
    target = Household.objects.get(pk=target_id)
    _change(resident, change, change.effective_date, household_id=target.pk, path=target.path,
            relation=p["relation"])
    return 1


def _apply_split(change: ChangeRequest, secret: dict) -> int:
    members = _members(change)
    source = Household.objects.select_related("building").get(pk=change.household_id)
    if not Resident.objects.filter(household_id=source.pk, status=ResidentStatus.ACTIVE).exclude(
            pk__in=[m.pk for m in members]).exists():
        raise Conflict(_("分户须有人留在原户，请驳回该申请。"))
    target = _new_household(change, source.building, change.payload["room"], source.kind)
    subject = next((m for m in members if m.pk == change.resident_id), members[0])
    ordered = [subject] + [m for m in members if m is not subject]
    for m in ordered:
        _change(m, change, change.effective_date, household_id=target.pk, path=target.path,
                relation=Relation.HEAD if m is subject else m.relation)
    return len(members)


def _apply_merge(change: ChangeRequest, secret: dict) -> int:
    target_id = change.payload["target"]
    _lock_households([change.household_id, target_id])
    ids = list(Resident.objects.filter(household_id=change.household_id, status=ResidentStatus.ACTIVE)
               .values_list("id", flat=True))
    movers = [r for r in _lock_residents(ids).values() if r.status == ResidentStatus.ACTIVE]
    if not movers:
        raise Conflict(_("原户已没有在册成员，请驳回该申请。"))
    target = Household.objects.get(pk=target_id)
    _move(change, sorted(movers, key=lambda r: r.pk), target, head_becomes=change.payload["relation"],
          new_household=False)
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
    resident = _lock_residents([change.resident_id])[change.resident_id]
    _still_active(resident)
    p = change.payload
    fields = {k: p[k] for k in ("name", "gender", "relation") if k in p}
    if "birth_date" in p:
        fields["birth_date"] = datetime.date.fromisoformat(p["birth_date"])
    if secret.get("id_number"):
        from doorstep.core.idnumbers import Document

        try:
            document_taken_check(Document(type=p["document_type"], number=secret["id_number"]), besides=resident.pk)
        except ValidationFailed:
            raise Conflict(_("该证件号码在申请提交后已被登记，请核对后驳回该申请。")) from None
        fields.update(document_type=p["document_type"], **_document_fields(secret))
    if fields.get("relation") == Relation.HEAD and _head(resident.household_id, besides=[resident.pk]):
        raise Conflict(_("该户已有户主，请驳回后按正确的与户主关系重新提交。"))
    _change(resident, change, _today(), **fields)
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
