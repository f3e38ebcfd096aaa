"""Reading one row of each sheet into what the registry stores, with the product's own rules: names through
core.names.normalize_name, document numbers through core.idnumbers.parse_document (and check_id_matches_person for
the 18-character types, whose birth date and gender may be left blank: they are taken from the number), phones
through core.phones.validate_phone. Pure functions, no database: each returns the record, or None and the problems
of the row ((column key, message) pairs, every one found, not just the first).

Cell values come as the file holds them: text from CSV; from Excel also numbers, dates and TRUE/FALSE.
"""

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import (
    CHECKED_TYPES,
    EARLIEST_BIRTH_YEAR,
    check_id_matches_person,
    parse_document,
)
from doorstep.core.names import normalize_name
from doorstep.core.phones import validate_phone
from doorstep.org.models import LEVEL_CODE_LENGTH, Level
from doorstep.registry.ledger.columns import (
    DOCUMENT_TYPES,
    FLAG_COLUMNS,
    FLAGS,
    GENDERS,
    HOUSEHOLD_KINDS,
    LEVELS,
    RELATION_WORDS,
    RELATIONS,
    fold,
)
from doorstep.registry.models import Building, Household, Resident

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")  # zh: date pattern
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
PARENT_LEVEL = {Level.STREET: Level.DISTRICT, Level.COMMUNITY: Level.STREET, Level.GRID: Level.COMMUNITY}
FLAG_KEYS = tuple(key for key, _h, _s in FLAG_COLUMNS)

Problems = list[tuple[str, str]]


def text(value) -> str:
    """A cell as text: numbers Excel stored for digits (户号, phones, codes typed without the text format) back to
    their digits, booleans as 是/否, dates in ISO form, text trimmed and NFC."""
    if type(value) is str:
        return unicodedata.normalize("NFC", value).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"  # zh: workbook format (cell values)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _plain(value, key: str, problems: Problems, *, max_length: int, required: bool = True) -> str:
    """Free text (a node's, building's or employer's name, an address, a code): one line, no control characters,
    within the column's length."""
    shown = " ".join(text(value).split())
    if not shown:
        if required:
            problems.append((key, _("必填，不能为空。")))
        return ""
    if _CONTROL.search(shown):
        problems.append((key, _("含有不可见的控制字符。")))
    elif len(shown) > max_length:
        problems.append((key, _("不能超过{count}个字符（现有{length}个）。").format(count=max_length, length=len(shown))))
    return shown


def _digits(value, key: str, problems: Problems, *, length: int | None = None) -> str:
    shown = unicodedata.normalize("NFKC", text(value)).replace(" ", "")
    if not shown:
        problems.append((key, _("必填，不能为空。")))
        return ""
    if not shown.isdigit() or (length and len(shown) != length):
        problems.append((key, _("应为{count}位数字。").format(count=length) if length else _("应为数字。")))
        return ""
    return shown


def _word(value, table: dict, key: str, problems: Problems, *, accepted: str, default=None):
    folded = fold(text(value))
    if not folded and default is not None:
        return default
    found = table.get(folded)
    if found is None:
        problems.append((key, _("无法识别“{value}”，可填：{accepted}。").format(value=text(value)[:20], accepted=accepted)))
    return found


def _max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# --- 组织机构 ------------------------------------------------------------------------------------------------------

@dataclass
class OrgRow:
    level: str
    code: str
    name: str
    parent_code: str


def read_org(cells: dict) -> tuple[OrgRow | None, Problems]:
    problems: Problems = []
    level = _word(cells.get("level"), LEVELS, "level", problems, accepted="区、街道、镇、社区、村、网格")  # zh: words
    code = _digits(cells.get("code"), "code", problems)
    name = _plain(cells.get("name"), "name", problems, max_length=100)
    parent = unicodedata.normalize("NFKC", text(cells.get("parent"))).replace(" ", "")
    if level and code and len(code) != LEVEL_CODE_LENGTH[level]:
        problems.append(("code", _("{level}编码应为{count}位数字。").format(
            level=Level(level).label, count=LEVEL_CODE_LENGTH[level])))
    derived = code[:-3] if level and level != Level.DISTRICT and code else ""
    if level == Level.STREET and code:
        derived = code[:6]
    if parent and derived and parent != derived:
        problems.append(("parent", _("上级编码应为编码的前{count}位（{parent}）。").format(
            count=len(derived), parent=derived)))
    if problems:
        return None, problems
    return OrgRow(level=level, code=code, name=name, parent_code=derived), problems


# --- 楼栋 ----------------------------------------------------------------------------------------------------------

@dataclass
class BuildingRow:
    code: str
    name: str
    address: str
    grid_code: str
    latitude: float | None
    longitude: float | None


def _coordinate(value, key: str, problems: Problems) -> float | None:
    shown = unicodedata.normalize("NFKC", text(value))
    if not shown:
        return None
    try:
        number = float(shown)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        problems.append((key, _("应为十进制度数，如 27.8513。")))
        return None
    return round(number, 7)


def read_building(cells: dict) -> tuple[BuildingRow | None, Problems]:
    problems: Problems = []
    code = _plain(cells.get("code"), "code", problems, max_length=_max(Building, "code"))
    name = _plain(cells.get("name"), "name", problems, max_length=_max(Building, "name"))
    address = _plain(cells.get("address"), "address", problems, max_length=_max(Building, "address"))
    grid = _digits(cells.get("grid"), "grid", problems, length=LEVEL_CODE_LENGTH[Level.GRID])
    lat = _coordinate(cells.get("latitude"), "latitude", problems)
    lon = _coordinate(cells.get("longitude"), "longitude", problems)
    if (lat is None) != (lon is None) and not any(k in ("latitude", "longitude") for k, _m in problems):
        problems.append(("latitude" if lat is None else "longitude", _("纬度和经度要么都填，要么都不填（待定位）。")))
    elif lat is not None and lon is not None:
        if 73 <= lat <= 136 and 3 <= lon <= 54:
            problems.append(("latitude", _("纬度和经度似乎填反了：纬度在前（约3–54），经度在后（约73–136）。")))
        elif not (-90 <= lat <= 90):
            problems.append(("latitude", _("纬度应在-90到90之间。")))
        elif not (-180 <= lon <= 180):
            problems.append(("longitude", _("经度应在-180到180之间。")))
    if problems:
        return None, problems
    return BuildingRow(code=code, name=name, address=address, grid_code=grid, latitude=lat, longitude=lon), problems


# --- 户 ------------------------------------------------------------------------------------------------------------

@dataclass
class HouseholdRow:
    number: str
    building_code: str
    room: str
    kind: str


def read_household(cells: dict) -> tuple[HouseholdRow | None, Problems]:
    problems: Problems = []
    number = _plain(cells.get("number"), "number", problems, max_length=_max(Household, "number"))
    building = _plain(cells.get("building"), "building", problems, max_length=_max(Building, "code"))
    room = _plain(cells.get("room"), "room", problems, max_length=_max(Household, "room"))
    kind = _word(cells.get("kind"), HOUSEHOLD_KINDS, "kind", problems, accepted="户籍户、居住户",  # zh: words
                 default=Household.Kind.REGISTERED)
    if problems:
        return None, problems
    return HouseholdRow(number=number, building_code=building, room=room, kind=kind), problems


# --- 居民 ----------------------------------------------------------------------------------------------------------

@dataclass
class ResidentRow:
    name: str
    gender: str
    birth_date: datetime.date
    document: object  # core.idnumbers.Document
    household_number: str
    relation: str
    phone: str
    flags: dict
    employer: str


def _date(value, key: str, problems: Problems, today: datetime.date) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        found = value.date()
    elif isinstance(value, datetime.date):
        found = value
    else:
        shown = unicodedata.normalize("NFKC", text(value)).replace(" ", "")
        if not shown:
            return None
        match = _DATE_TEXT.match(shown) or _DATE_DIGITS.match(shown)
        try:
            found = datetime.date(*(int(g) for g in match.groups())) if match else None
        except ValueError:
            found = None
        if found is None:
            problems.append((key, _("日期无法识别，请写成 1990-03-07 或 1990年3月7日。")))
            return None
    if found > today or found.year < EARLIEST_BIRTH_YEAR:
        problems.append((key, _("出生日期不在合理范围内（{earliest}年至今天）。").format(earliest=EARLIEST_BIRTH_YEAR)))
        return None
    return found


def _document(cells: dict, problems: Problems, today: datetime.date):
    kind = _word(cells.get("document_type"), DOCUMENT_TYPES, "document_type", problems, default="auto",
                 accepted="居民身份证、港澳台居民居住证、外国人永久居留身份证、护照、港澳居民来往内地通行证、"  # zh: words
                          "台湾居民来往大陆通行证")  # zh: workbook format (cell values)
    raw = cells.get("document")
    if isinstance(raw, float) and abs(raw) >= 1e15:
        problems.append(("document", _("证件号码被 Excel 存成了数字，后几位已经丢失：请把这一列设为文本格式后重新填写。")))
        return None
    if kind is None:
        return None
    try:
        return parse_document(text(raw), kind, field="document", today=today)
    except ValidationFailed as exc:
        problems.append(("document", exc.message))
        return None


def read_resident(cells: dict, *, today: datetime.date) -> tuple[ResidentRow | None, Problems]:
    problems: Problems = []
    try:
        name = normalize_name(text(cells.get("name")))
    except ValidationFailed as exc:
        problems.append(("name", exc.message))
        name = ""
    document = _document(cells, problems, today)
    gender = _word(cells.get("gender"), GENDERS, "gender", problems, accepted="男、女", default="")  # zh: words
    birth = _date(cells.get("birth_date"), "birth_date", problems, today)
    if document is not None and document.type in CHECKED_TYPES:
        if gender or birth:
            try:
                check_id_matches_person(document.number, birth_date=birth or document.birth_date,
                                        gender=gender or document.gender)
            except ValidationFailed as exc:
                problems.append(("document", exc.message))
        gender = gender or document.gender
        birth = birth or document.birth_date
    elif document is not None:
        if gender == "" and not any(k == "gender" for k, _m in problems):
            problems.append(("gender", _("该证件号码不含性别，请填写性别。")))
        if birth is None and not any(k == "birth_date" for k, _m in problems):
            problems.append(("birth_date", _("该证件号码不含出生日期，请填写出生日期。")))
    household = _plain(cells.get("household"), "household", problems, max_length=_max(Household, "number"))
    relation = _word(cells.get("relation"), RELATIONS, "relation", problems,
                     accepted="、".join(words[0] for words in RELATION_WORDS.values()))
    phone = ""
    if text(cells.get("phone")):
        try:
            phone = validate_phone(text(cells.get("phone")), field="phone")
        except ValidationFailed as exc:
            problems.append(("phone", exc.message))
    flags = {}
    for key in FLAG_KEYS:
        value = cells.get(key)
        flag = value if isinstance(value, bool) else FLAGS.get(fold(text(value)))
        if flag is None:
            problems.append((key, _("应填“是”或“否”（不填为否）。")))
        flags[key] = bool(flag)
    employer = _plain(cells.get("employer"), "employer", problems, max_length=_max(Resident, "employer"),
                      required=False)
    if problems:
        return None, problems
    return ResidentRow(name=name, gender=gender, birth_date=birth, document=document, household_number=household,
                       relation=relation, phone=phone, flags=flags, employer=employer), problems
