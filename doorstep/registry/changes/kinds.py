"""What each kind of change request carries, and the checks its input passes before it is stored (propose) — the
product's own rules: names by core.names.normalize_name, documents by core.idnumbers.parse_document and
check_id_matches_person, phones by core.phones.validate_phone. Input is a mapping of strings (a form's POST, or a
test's dict); the result (Proposal) says where the request belongs (its subject), what may be shown (`payload`:
ids, names, dates, masked numbers) and what is kept only encrypted (`secret`: a document number, a phone).

FIELDS drives the forms: one form per kind, drawn from this table (views_changes, changes/propose.html)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.crypto import blind_index
from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import CHECKED_TYPES, DocumentType, check_id_matches_person, parse_document
from doorstep.core.names import normalize_name
from doorstep.core.phones import mask_phone, validate_phone
from doorstep.registry.changes.households import (
    active_members,
    as_regrouped,
    check_joining,
    new_head_plan,
    relation_field,
)
from doorstep.registry.history import FLAG_FIELDS, history_check_effective
from doorstep.registry.models import (
    Building,
    ChangeKind,
    Gender,
    Household,
    Relation,
    Resident,
    ResidentStatus,
)

NOTE_MAX = 300
DESTINATION_MAX = 100
ROOM_MAX = 30
MIN_REASON_LENGTH = 4
# Kinds that concern a resident already in the registry (the request is reached from their page); the others
# (birth, move in) add someone to a household.
RESIDENT_KINDS = frozenset({"death", "move_within", "move_out", "marriage", "split", "merge", "phone", "flags",
                            "correction"})
# Kinds whose effective date is the event's (asked for); the others take effect when approved.
DATED_KINDS = frozenset({"birth", "death", "move_in", "move_within", "move_out", "marriage", "split", "merge"})
FLAG_LABELS = {"is_elderly_alone": gettext_lazy("独居老人"), "is_disabled": gettext_lazy("残疾人"),
               "is_low_income": gettext_lazy("低保对象"), "is_migrant": gettext_lazy("流动人口"),
               "is_party_member": gettext_lazy("党员"), "is_veteran": gettext_lazy("退役军人")}


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    # text, date, gender, relation, document_type, household, members, member_relations, new_head, building, flags,
    # phone, checkbox
    type: str = "text"
    required: bool = False
    help: object = ""
    maxlength: int = 0
    relations: bool = False  # members: each chosen member's relation in the household they join (relation_<id>)


_NAME = Field("name", gettext_lazy("姓名"), required=True, maxlength=50)
_GENDER = Field("gender", gettext_lazy("性别"), "gender", required=True)
_BIRTH = Field("birth_date", gettext_lazy("出生日期"), "date", required=True)
_DOCTYPE = Field("document_type", gettext_lazy("证件类型"), "document_type")
_NOTE = Field("note", gettext_lazy("说明"), maxlength=NOTE_MAX)
_EFFECTIVE = Field("effective_date", gettext_lazy("发生日期"), "date", required=True)
# households.py: the head leaving a household where others remain names the member who becomes head
_NEW_HEAD = Field("new_head", gettext_lazy("新户主"), "new_head",
                  help=gettext_lazy("户主离开本户、且还有人留在本户时必填：新户主的与户主关系改为“户主”；其他留下的人改为与新户主的"
                                    "关系（配偶的子女仍为子女、子女的兄弟姐妹为兄弟姐妹等），说不清的记为“其他”，可再提交更正。"))
_NEW_HOME = (Field("building", gettext_lazy("新户所在楼栋"), "building",
                   help=gettext_lazy("迁入已有的户请填户号；建立新户请选楼栋并填门牌")),
             Field("room", gettext_lazy("新户门牌"), maxlength=ROOM_MAX))

FIELDS: dict[str, tuple[Field, ...]] = {
    "birth": (Field("household", gettext_lazy("所在户"), "household", required=True), _NAME, _GENDER,
              Field("birth_date", gettext_lazy("出生日期"), "date", required=True),
              Field("relation", gettext_lazy("与户主关系"), "relation", required=True),
              _DOCTYPE, Field("id_number", gettext_lazy("证件号码"), maxlength=24,
                              help=gettext_lazy("落户后才有号码的，可先不填，落户后再提交信息更正补录")), _NOTE),
    "move_in": (Field("household", gettext_lazy("迁入的户"), "household"), *_NEW_HOME, _NAME, _GENDER, _BIRTH,
                _DOCTYPE, Field("id_number", gettext_lazy("证件号码"), required=True, maxlength=24),
                Field("phone", gettext_lazy("联系电话"), "phone", maxlength=24),
                Field("relation", gettext_lazy("与户主关系"), "relation", required=True),
                Field("origin", gettext_lazy("从何处迁来"), maxlength=DESTINATION_MAX),
                Field("is_migrant", gettext_lazy("流动人口"), "checkbox"),
                Field("effective_date", gettext_lazy("迁入日期"), "date", required=True), _NOTE),
    "death": (Field("effective_date", gettext_lazy("死亡日期"), "date", required=True), _NEW_HEAD, _NOTE),
    "move_out": (Field("members", gettext_lazy("迁出的人"), "members", required=True),
                 Field("destination", gettext_lazy("迁往何处"), required=True, maxlength=DESTINATION_MAX),
                 Field("effective_date", gettext_lazy("迁出日期"), "date", required=True), _NEW_HEAD, _NOTE),
    "move_within": (Field("members", gettext_lazy("搬迁的人"), "members", required=True, relations=True,
                          help=gettext_lazy("迁入已有的户：请为每位搬迁的人选择在该户中的与户主关系（该户已有户主的必填，且不能再选户主）。"
                                            "建立新户的可不选：随迁的原户主仍为户主，否则由第一位当户主，其他人改为与其的关系（说不清的记为“其他”）。")),
                    Field("target_number", gettext_lazy("迁入户的户号"), maxlength=24), *_NEW_HOME,
                    Field("effective_date", gettext_lazy("搬迁日期"), "date", required=True), _NEW_HEAD, _NOTE),
    "marriage": (Field("relation", gettext_lazy("婚后与户主关系"), "relation", required=True),
                 Field("target_number", gettext_lazy("迁入配偶户的户号"), maxlength=24,
                       help=gettext_lazy("不迁户的可不填")),
                 Field("effective_date", gettext_lazy("登记结婚日期"), "date", required=True), _NEW_HEAD, _NOTE),
    "split": (Field("members", gettext_lazy("分出的人"), "members", required=True),
              Field("room", gettext_lazy("新户门牌"), maxlength=ROOM_MAX, help=gettext_lazy("不填则与原户同一门牌")),
              Field("effective_date", gettext_lazy("分户日期"), "date", required=True), _NEW_HEAD, _NOTE),
    "merge": (Field("target_number", gettext_lazy("并入户的户号"), required=True, maxlength=24),
              Field("relations", gettext_lazy("各成员在新户中的与户主关系"), "member_relations", required=True,
                    help=gettext_lazy("本户在册的人都并入该户；该户已有户主的，每人都须选择，且不能再选户主。")),
              Field("effective_date", gettext_lazy("并户日期"), "date", required=True), _NOTE),
    "phone": (Field("phone", gettext_lazy("新联系电话"), "phone", maxlength=24,
                    help=gettext_lazy("可填带区号的固定电话；不填表示删除电话")), _NOTE),
    "flags": (Field("flags", gettext_lazy("人群标签"), "flags"), _NOTE),
    "correction": (Field("name", gettext_lazy("正确的姓名"), maxlength=50), Field("gender", gettext_lazy("正确的性别"),
                                                                             "gender"),
                   Field("birth_date", gettext_lazy("正确的出生日期"), "date"),
                   Field("relation", gettext_lazy("正确的与户主关系"), "relation"),
                   _DOCTYPE, Field("id_number", gettext_lazy("正确的证件号码"), maxlength=24), _NEW_HEAD,
                   Field("note", gettext_lazy("更正理由"), required=True, maxlength=NOTE_MAX)),
}


@dataclass
class Proposal:
    """A checked request, ready to store."""

    kind: str
    path: str
    resident: Resident | None
    household: Household | None
    payload: dict
    secret: dict = field(default_factory=dict)
    effective_date: datetime.date | None = None
    note: str = ""

    def fingerprint_inputs(self) -> dict:
        """What the idempotency key's fingerprint covers: the payload, and the secret only as a keyed digest."""
        secret = "" if not self.secret else blind_index("change", repr(sorted(self.secret.items())))
        return {"kind": self.kind, "resident": self.resident.pk if self.resident else None,
                "household": self.household.pk if self.household else None, "payload": self.payload,
                "secret": secret, "effective": str(self.effective_date), "note": self.note}


def _text(data, name: str, limit: int, *, required: bool = False, message: str = "") -> str:
    value = " ".join(str(data.get(name) or "").split())
    if required and not value:
        raise ValidationFailed(message or _("请填写{field}。").format(field=_field_label(name)), field=name)
    if len(value) > limit:
        raise ValidationFailed(_("{field}不能超过{count}个字。").format(field=_field_label(name), count=limit),
                               field=name)
    return value


def _field_label(name: str, kind: str = "") -> str:
    """The form's label of a field: the kind's own (迁出的人, 搬迁的人, 分出的人 are all `members`), else the first."""
    for f in FIELDS.get(kind, ()):
        if f.name == name:
            return str(f.label)
    for fields in FIELDS.values():
        for f in fields:
            if f.name == name:
                return str(f.label)
    return name


def _date(data, name: str, *, required: bool = True) -> datetime.date | None:
    raw = str(data.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(_("请填写{field}。").format(field=_field_label(name)), field=name)
        return None
    try:
        value = datetime.date.fromisoformat(raw[:10])
    except ValueError:
        raise ValidationFailed(_("日期格式不对，请按“年-月-日”填写，如 2026-03-01。"), field=name) from None
    if value > timezone.localdate():
        raise ValidationFailed(_("日期不能晚于今天。"), field=name)
    if value.year < 1880:
        raise ValidationFailed(_("日期不对，请核对年份。"), field=name)
    return value


def _choice(data, name: str, values, *, default: str = "", required: bool = False) -> str:
    value = str(data.get(name) or "").strip() or default
    if not value and not required:
        return ""
    if value not in values:
        raise ValidationFailed(_("请选择{field}。").format(field=_field_label(name)), field=name)
    return value


def _id(data, name: str) -> int | None:
    raw = str(data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw[:18])
    except ValueError:
        raise ValidationFailed(_("请选择{field}。").format(field=_field_label(name)), field=name) from None


def _document(data, *, birth_date, gender, required: bool):
    """(document or None, secret, payload) for the document fields; unique across the registry."""
    raw = str(data.get("id_number") or "")
    if not raw.strip():
        if required:
            raise ValidationFailed(_("请填写证件号码。"), field="id_number")
        return None
    kind = str(data.get("document_type") or "").strip() or "auto"
    if kind != "auto" and kind not in DocumentType.values:
        raise ValidationFailed(_("不支持的证件类型。"), field="document_type")
    document = parse_document(raw, "auto" if kind == DocumentType.ID_CARD else kind)
    if document.type in CHECKED_TYPES and birth_date is not None and gender:
        check_id_matches_person(document.number, birth_date=birth_date, gender=gender)
    document_taken_check(document)
    return document


def document_taken_check(document, *, besides: int | None = None) -> None:
    qs = Resident.objects.filter(id_number_index=blind_index("id", document.index_value))
    if besides is not None:
        qs = qs.exclude(pk=besides)
    if qs.exists():
        raise ValidationFailed(_("该证件号码已登记。"), field="id_number")


DOCUMENT_KINDS = ("birth", "move_in", "correction")  # the kinds whose secret may carry a document number


def pending_document_check(index_value: str) -> None:
    """No pending request carries the same document number (two births reported with one number: approving the
    first would leave the second unapprovable). Pending requests are few and keep their numbers only encrypted,
    so they are read and decrypted here (no new column: an index of secrets in requests would need a migration);
    call it inside the proposing transaction. ValidationFailed naming the pending request."""
    import json

    from doorstep.core.crypto import decrypt
    from doorstep.registry.models import ChangeRequest, ChangeState

    pending = (ChangeRequest.objects.filter(state=ChangeState.PROPOSED, kind__in=DOCUMENT_KINDS,
                                            secret_enc__isnull=False)
               .only("id", "kind", "proposed_at", "secret_enc").order_by("id"))
    for change in pending.iterator(chunk_size=200):
        if json.loads(decrypt(change.secret_enc)).get("index_value") == index_value:
            raise ValidationFailed(_("该证件号码已在待审核的“{kind}”申请（第{id}号，{day}提交）中，不能重复提交；"
                                     "请等社区审核，或撤回那份申请后再提交。").format(
                kind=change.get_kind_display(), id=change.pk,
                day=timezone.localtime(change.proposed_at).date().isoformat()), field="id_number")


def document_note(payload: dict) -> str:
    """What the proposer is told about how a document number was read (core.idnumbers.Document.note: a 15-digit ID
    number converted to 18 digits), from a request's payload; "" when it was read as typed."""
    from django.utils.translation import gettext

    if not payload.get("id_converted"):
        return ""
    return gettext("15位身份证号已按国家标准（GB 11643-1999）转换为18位：{number}。").format(
        number=payload.get("id_number_masked", ""))


def _household_by_number(data, name: str, *, required: bool, district: str = "") -> Household | None:
    number = _text(data, name, 24, required=required)
    if not number:
        return None
    household = Household.objects.filter(number=number).select_related("building").first()
    if household is None:
        raise ValidationFailed(_("没有户号为“{number}”的户，请核对。").format(number=number), field=name)
    if district and not household.path.startswith(district):  # before anything is said about the household
        raise ValidationFailed(_("只能迁入本区的户；迁往区外请提交“迁出本区”。"), field=name)
    return household


def _new_home(data, subject_path: str) -> tuple[Building | None, str]:
    """A building of the subject's grid and a room for a new household, or (None, "")."""
    building_id = _id(data, "building")
    room = _text(data, "room", ROOM_MAX)
    if building_id is None:
        if room:
            raise ValidationFailed(_("请选择新户所在楼栋。"), field="building")
        return None, ""
    building = Building.objects.filter(pk=building_id, path=subject_path).first()
    if building is None:
        raise ValidationFailed(_("只能在本网格的楼栋建立新户。"), field="building")
    if not room:
        raise ValidationFailed(_("请填写新户门牌。"), field="room")
    return building, room


def _members(data, resident: Resident, kind: str) -> list[Resident]:
    raw = data.getlist("members") if hasattr(data, "getlist") else data.get("members") or []
    if isinstance(raw, (str, int)):
        raw = [raw]
    try:
        ids = sorted({int(str(i)[:18]) for i in raw})
    except ValueError:
        raise ValidationFailed(_("请选择{field}。").format(field=_field_label("members", kind)), field="members") from None
    if not ids:
        raise ValidationFailed(_("请至少选择一个人。"), field="members")
    members = list(Resident.objects.filter(pk__in=ids, household_id=resident.household_id,
                                           status=ResidentStatus.ACTIVE).order_by("id"))
    if len(members) != len(ids):
        raise ValidationFailed(_("只能选择本户在册的成员。"), field="members")
    return members


def _flags(data) -> dict[str, bool]:
    raw = data.getlist("flags") if hasattr(data, "getlist") else data.get("flags") or []
    chosen = {str(v) for v in raw}
    if chosen - set(FLAG_FIELDS):
        raise ValidationFailed(_("人群标签无效。"), field="flags")
    return {f: f in chosen for f in FLAG_FIELDS}


def _checkbox(data, name: str) -> bool:
    return str(data.get(name) or "").lower() in ("1", "on", "true", "yes")


def _active(resident: Resident) -> None:
    if resident.status != ResidentStatus.ACTIVE:  # the status says 已死亡 / 已迁出本区 itself
        raise ValidationFailed(_("{name}{status}，不能再提交变更。").format(
            name=resident.name, status=resident.get_status_display()), field="resident")


def _effective(data, name: str, resident: Resident | None) -> datetime.date:
    day = _date(data, name)
    if resident is not None and day < resident.birth_date:
        raise ValidationFailed(_("日期不能早于出生日期。"), field=name)
    return day


def clean(kind: str, data, *, resident: Resident | None = None, household: Household | None = None) -> Proposal:
    """Check one request's input. `resident`: the subject of a RESIDENT_KINDS request (already in the actor's
    reach); `household`: a birth's or move-in's household when the form was opened from it (else from `data`).
    Raises ValidationFailed on the first field at fault, in the reader's language."""
    if kind not in ChangeKind.values:
        raise ValidationFailed(_("不支持的变更类型。"), field="kind")
    if kind in RESIDENT_KINDS:
        if resident is None:
            raise ValidationFailed(_("请先选择居民。"), field="resident")
        _active(resident)
    note = _text(data, "note", NOTE_MAX, required=kind == "correction",
                 message=_("请填写更正理由（至少{count}个字）。").format(count=MIN_REASON_LENGTH))
    if kind == "correction" and len(note) < MIN_REASON_LENGTH:
        raise ValidationFailed(_("请填写更正理由（至少{count}个字）。").format(count=MIN_REASON_LENGTH), field="note")
    return globals()[f"_clean_{kind}"](data, resident=resident, household=household, note=note)


def _person(data, *, document_required: bool):
    name = normalize_name(str(data.get("name") or ""))
    gender = _choice(data, "gender", Gender.values, required=True)
    birth = _date(data, "birth_date")
    document = _document(data, birth_date=birth, gender=gender, required=document_required)
    return name, gender, birth, document


def _person_payload(name, gender, birth, document) -> tuple[dict, dict]:
    payload = {"name": name, "gender": gender, "birth_date": birth.isoformat(),
               "document_type": document.type if document else DocumentType.ID_CARD,
               "id_number_masked": document.masked if document else ""}
    if document is not None and document.converted_from:
        payload["id_converted"] = True  # document_note tells the proposer and the reviewer
    secret = {"id_number": document.number, "index_value": document.index_value} if document else {}
    return payload, secret


def _clean_birth(data, *, resident, household, note) -> Proposal:
    if household is None:
        household_id = _id(data, "household")
        household = Household.objects.filter(pk=household_id).first() if household_id else None
        if household is None:
            raise ValidationFailed(_("请选择所在户。"), field="household")
    name, gender, birth, document = _person(data, document_required=False)
    _check_birth_age(birth)
    relation = _choice(data, "relation", Relation.values, default=Relation.CHILD, required=True)
    check_joining(household, {0: relation}, names={0: name}, field=lambda _pk: "relation")
    payload, secret = _person_payload(name, gender, birth, document)
    payload.update(relation=relation, household_number=household.number)
    return Proposal("birth", household.path, None, household, payload, secret, birth, note)


def _check_birth_age(birth: datetime.date) -> None:
    """A birth report is of a child, born within DOORSTEP_BIRTH_REPORT_MAX_YEARS: an adult joins a household by
    区外迁入, a wrong record is put right by 更正."""
    from django.conf import settings

    years = settings.DOORSTEP_BIRTH_REPORT_MAX_YEARS
    today = timezone.localdate()
    if birth < today.replace(year=today.year - years, day=min(today.day, 28)):
        raise ValidationFailed(_("出生登记只报{years}岁以下的孩子；成年人入户请报“区外迁入”，登记有误请报“信息更正”。").format(
            years=years), field="birth_date")


def check_new_birth(household, *, name: str, birth: datetime.date) -> None:
    """A child not yet a member nor reported and pending under the same name and birth date (the birth form opened
    twice and sent twice). Checked when a report is created (a replay of the same submission returns the first)."""
    from doorstep.registry.models import ChangeRequest, ChangeState, Resident

    if Resident.objects.filter(household=household, name=name, birth_date=birth, status="active").exists():
        raise ValidationFailed(_("该户已登记同名同出生日期的成员，不能重复报出生。"), field="name")
    if ChangeRequest.objects.filter(household=household, kind="birth", state=ChangeState.PROPOSED,
                                    payload__name=name, payload__birth_date=birth.isoformat()).exists():
        raise ValidationFailed(_("这个孩子的出生登记已经报过，正在等待社区审核。"), field="name")


def _clean_move_in(data, *, resident, household, note) -> Proposal:
    if household is None:
        household_id = _id(data, "household")
        household = Household.objects.filter(pk=household_id).first() if household_id else None
    building, room = (None, "")
    if household is None:
        building_id = _id(data, "building")
        building = Building.objects.filter(pk=building_id).first() if building_id else None
        if building is None:
            raise ValidationFailed(_("请选择迁入的户，或选择楼栋建立新户。"), field="household")
        building, room = _new_home(data, building.path)
    name, gender, birth, document = _person(data, document_required=True)
    phone = _phone(data)
    relation = _choice(data, "relation", Relation.values, required=True)
    if household is None and relation != Relation.HEAD:
        raise ValidationFailed(_("新立的户，迁入的人应为户主。"), field="relation")
    if household is not None:
        check_joining(household, {0: relation}, names={0: name}, field=lambda _pk: "relation")
    effective = _effective(data, "effective_date", None)
    if effective < birth:
        raise ValidationFailed(_("日期不能早于出生日期。"), field="effective_date")
    payload, secret = _person_payload(name, gender, birth, document)
    payload.update(relation=relation, origin=_text(data, "origin", DESTINATION_MAX), is_migrant=_checkbox(
        data, "is_migrant"), phone_masked=mask_phone(phone) if phone else "")
    if phone:
        secret["phone"] = phone
    if household is not None:
        payload["household_number"] = household.number
        path = household.path
    else:
        payload.update(building=building.pk, building_name=building.name, room=room)
        path = building.path
    return Proposal("move_in", path, None, household, payload, secret, effective, note)


def _phone(data) -> str:
    raw = str(data.get("phone") or "")
    return validate_phone(raw) if raw.strip() else ""


def _subject(kind, resident, payload, *, effective=None, note="", secret=None, household=None) -> Proposal:
    return Proposal(kind, resident.path, resident, household or resident.household, payload, secret or {},
                    effective, note)


def _stated_relations(data, people: list[Resident]) -> dict[int, str]:
    """The relation the form states for each of these people in the household they join ("" where none)."""
    stated = {}
    for m in people:
        value = str(data.get(relation_field(m.pk)) or "").strip()
        if value and value not in Relation.values:
            raise ValidationFailed(_("请选择{name}在该户中的与户主关系。").format(name=m.name), field=relation_field(m.pk))
        stated[m.pk] = value
    return stated


def _history_checked(people, effective: datetime.date, fields) -> None:
    """The history check the approval makes (a change reported late, over later changes of the same fields),
    made now so that the proposer hears it first."""
    for person in people:
        history_check_effective(person, effective, fields=fields)


def _leaving(payload: dict, household_members: list[Resident], data, *, leaving: set[int],
             head_steps_down: bool = False) -> dict[int, str]:
    """The head leaving with others remaining needs a new head (households.new_head_plan); the plan goes into the
    payload: the new head's id and name, and how the others will stand to them (shown to the reviewer; the approval
    works it out again from the household as it is then). Returns the plan."""
    plan = new_head_plan(0, leaving=leaving, new_head_id=_id(data, "new_head"), members=household_members,
                         head_steps_down=head_steps_down)
    if not plan:
        return plan
    names = {m.pk: m.name for m in household_members}
    head = next(pk for pk, relation in plan.items() if relation == Relation.HEAD)
    payload.update(new_head=head, new_head_name=names[head],
                   regrouped=[[names[pk], relation] for pk, relation in plan.items() if pk != head])
    return plan


_HOME_FIELDS = ("household_id", "path")
_MOVE_FIELDS = (*_HOME_FIELDS, "relation")
_ARCHIVE_FIELDS = ("status", "status_date")


def _clean_death(data, *, resident, household, note) -> Proposal:
    effective = _effective(data, "effective_date", resident)
    _history_checked([resident], effective, _ARCHIVE_FIELDS)
    payload = {"name": resident.name}
    _leaving(payload, active_members(resident.household_id), data, leaving={resident.pk})
    return _subject("death", resident, payload, effective=effective, note=note)


def _clean_move_out(data, *, resident, household, note) -> Proposal:
    members = _members(data, resident, "move_out")
    destination = _text(data, "destination", DESTINATION_MAX, required=True)
    effective = _effective(data, "effective_date", resident)
    _history_checked(members, effective, _ARCHIVE_FIELDS)
    payload = {"members": [m.pk for m in members], "names": [m.name for m in members], "destination": destination}
    _leaving(payload, active_members(resident.household_id), data, leaving={m.pk for m in members})
    return _subject("move_out", resident, payload, effective=effective, note=note)


def _clean_move_within(data, *, resident, household, note) -> Proposal:
    members = _members(data, resident, "move_within")
    target = _household_by_number(data, "target_number", required=False, district=resident.path[:6])
    building, room = (None, "") if target is not None else _new_home(data, resident.path)
    if target is None and building is None:
        raise ValidationFailed(_("请填写迁入户的户号，或选择楼栋建立新户。"), field="target_number")
    if target is not None and target.pk == resident.household_id:
        raise ValidationFailed(_("迁入的户不能是原来的户。"), field="target_number")
    stated = _stated_relations(data, members)
    check_joining(target, stated, names={m.pk: m.name for m in members}, staying=None if target else [])
    effective = _effective(data, "effective_date", resident)
    for m in members:  # the relation is set where stated (else kept, or made head by the approval)
        _history_checked([m], effective, _MOVE_FIELDS if stated[m.pk] else _HOME_FIELDS)
    payload = {"members": [m.pk for m in members], "names": [m.name for m in members],
               "relations": {str(pk): relation for pk, relation in stated.items() if relation}}
    _leaving(payload, active_members(resident.household_id), data, leaving={m.pk for m in members})
    if target is not None:
        payload.update(target=target.pk, target_number=target.number)
    else:
        payload.update(building=building.pk, building_name=building.name, room=room)
    return _subject("move_within", resident, payload, effective=effective, note=note)


def _clean_marriage(data, *, resident, household, note) -> Proposal:
    relation = _choice(data, "relation", Relation.values, required=True)
    target = _household_by_number(data, "target_number", required=False, district=resident.path[:6])
    if target is not None and target.pk == resident.household_id:
        target = None
    if target is None and relation == resident.relation:
        raise ValidationFailed(_("婚姻变动未改变任何登记信息：请填写新的与户主关系或迁入的户。"), field="relation")
    own = active_members(resident.household_id)
    payload = {"name": resident.name, "relation": relation}
    plan = _leaving(payload, own, data, leaving={resident.pk} if target is not None else set(),
                    head_steps_down=target is None and resident.relation == Relation.HEAD and relation != Relation.HEAD)
    check_joining(target, {resident.pk: relation}, names={resident.pk: resident.name},
                  staying=None if target is not None else as_regrouped(own, plan), field=lambda _pk: "relation")
    effective = _effective(data, "effective_date", resident)
    _history_checked([resident], effective, _MOVE_FIELDS if target is not None else ("relation",))
    if target is not None:
        payload.update(target=target.pk, target_number=target.number)
    return _subject("marriage", resident, payload, effective=effective, note=note)


def _clean_split(data, *, resident, household, note) -> Proposal:
    members = _members(data, resident, "split")
    if resident.pk not in {m.pk for m in members}:
        raise ValidationFailed(_("分出的人须包括本人（新户的户主）。"), field="members")
    own = active_members(resident.household_id)
    if not [m for m in own if m.pk not in {x.pk for x in members}]:
        raise ValidationFailed(_("分户须有人留在原户：请不要选择全部成员。"), field="members")
    room = _text(data, "room", ROOM_MAX)
    effective = _effective(data, "effective_date", resident)
    for m in members:  # the resident becomes the new household's head; the others keep their relation
        _history_checked([m], effective, _MOVE_FIELDS if m.pk == resident.pk else _HOME_FIELDS)
    payload = {"members": [m.pk for m in members], "names": [m.name for m in members],
               "room": room or resident.household.room}
    _leaving(payload, own, data, leaving={m.pk for m in members})
    return _subject("split", resident, payload, effective=effective, note=note)


def _clean_merge(data, *, resident, household, note) -> Proposal:
    target = _household_by_number(data, "target_number", required=True, district=resident.path[:6])
    if target.pk == resident.household_id:
        raise ValidationFailed(_("并入的户不能是本户。"), field="target_number")
    members = active_members(resident.household_id)
    stated = _stated_relations(data, members)
    check_joining(target, stated, names={m.pk: m.name for m in members})
    effective = _effective(data, "effective_date", resident)
    for m in members:
        _history_checked([m], effective, _MOVE_FIELDS if stated[m.pk] else _HOME_FIELDS)
    return _subject("merge", resident, {"target": target.pk, "target_number": target.number,
                                        "household_number": resident.household.number,
                                        "members": [m.pk for m in members], "names": [m.name for m in members],
                                        "relations": {str(pk): relation for pk, relation in stated.items()
                                                      if relation}},
                    effective=effective, note=note)


def _clean_phone(data, *, resident, household, note) -> Proposal:
    phone = _phone(data)
    if phone and resident.phone_index == blind_index("phone", phone):
        raise ValidationFailed(_("新号码与登记的号码相同。"), field="phone")
    if not phone and not resident.phone_index:
        raise ValidationFailed(_("请填写新的联系电话。"), field="phone")
    return _subject("phone", resident, {"name": resident.name, "phone_masked": mask_phone(phone) if phone else ""},
                    secret={"phone": phone} if phone else {}, note=note)


def _clean_flags(data, *, resident, household, note) -> Proposal:
    flags = _flags(data)
    if all(getattr(resident, f) == v for f, v in flags.items()):
        raise ValidationFailed(_("人群标签没有变化。"), field="flags")
    return _subject("flags", resident, {"name": resident.name, "flags": flags}, note=note)


def _clean_correction(data, *, resident, household, note) -> Proposal:
    from doorstep.core.crypto import decrypt

    payload, secret = {}, {}
    raw_name = str(data.get("name") or "").strip()
    if raw_name:
        name = normalize_name(raw_name)
        if name != resident.name:
            payload["name"] = name
    gender = _choice(data, "gender", Gender.values)
    if gender and gender != resident.gender:
        payload["gender"] = gender
    birth = _date(data, "birth_date", required=False)
    if birth and birth != resident.birth_date:
        payload["birth_date"] = birth.isoformat()
    relation = _choice(data, "relation", Relation.values)
    own = active_members(resident.household_id)
    new_head = {}  # the head corrected to another relation names the new head, as a head leaving does
    if relation and relation != resident.relation:
        plan = _leaving(new_head, own, data, leaving=set(), head_steps_down=resident.relation == Relation.HEAD)
        check_joining(resident.household, {resident.pk: relation}, names={resident.pk: resident.name},
                      staying=as_regrouped(own, plan), field=lambda _pk: "relation")
        payload["relation"] = relation
    elif _id(data, "new_head"):
        raise ValidationFailed(_("户主仍在本户（或本户已无人留下），不用选新户主。"), field="new_head")
    new_gender, new_birth = payload.get("gender", resident.gender), birth or resident.birth_date
    if str(data.get("id_number") or "").strip():
        kind = str(data.get("document_type") or "").strip() or "auto"
        if kind != "auto" and kind not in DocumentType.values:
            raise ValidationFailed(_("不支持的证件类型。"), field="document_type")
        document = parse_document(str(data.get("id_number")), "auto" if kind == DocumentType.ID_CARD else kind)
        if document.type in CHECKED_TYPES:
            check_id_matches_person(document.number, birth_date=new_birth, gender=new_gender)
        document_taken_check(document, besides=resident.pk)
        if resident.id_number_index != blind_index("id", document.index_value):
            if document.type != resident.document_type:  # only what differs is asked for (and shown)
                payload["document_type"] = document.type
            payload["id_number_masked"] = document.masked
            if document.converted_from:
                payload["id_converted"] = True
            secret = {"id_number": document.number, "index_value": document.index_value,
                      "document_type": document.type}
    elif ("gender" in payload or "birth_date" in payload) and resident.id_number_enc \
            and resident.document_type in CHECKED_TYPES:
        # the number on file must still agree with the corrected birth date and gender
        check_id_matches_person(decrypt(resident.id_number_enc), birth_date=new_birth, gender=new_gender)
    if not payload:
        raise ValidationFailed(_("没有需要更正的内容：请填写与登记不同的正确信息。"), field="name")
    payload["was"] = {k: (resident.document_type if k == "document_type" else
                          resident.id_number_masked if k == "id_number_masked" else
                          str(getattr(resident, k))) for k in payload if k != "id_converted"}
    payload.update(new_head)
    return _subject("correction", resident, payload, secret=secret, note=note)
