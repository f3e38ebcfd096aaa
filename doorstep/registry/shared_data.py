"""Shared-data checks (数据共享 / 无证明): what the registry can confirm instead of a paper the resident would bring.

Each check says which data it used (masked) and whether it confirms the material. It reads the registry only; the
caller records the applicant's consent and stores the result on the case. The stored result is written in the site's
language (records are kept in one language); a refusal raised now shows the same reading in its reader's language
(`SharedCheck.shown`).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext, ngettext

from doorstep.core.crypto import decrypt
from doorstep.core.errors import DomainError
from doorstep.core.idnumbers import CHECKED_TYPES, check_id_matches_person, parse_document
from doorstep.registry.models import IncomeRecord, Relation, Resident, ResidentStatus
from doorstep.registry.selectors import resident_age

CHECK_LABELS = {  # zh: stored on the case with each check (case.shared_checks, in the site's language)
    "identity": "身份信息", "household": "户籍与家庭成员", "marriage": "婚姻状况", "age": "年龄", "income": "家庭收入",
}

# A reading renders the data a check used in the active language; it is called once for the record and once for
# the reader, so it reads nothing from the database itself.
Reading = Callable[[], str]


def _identity_problem(resident: Resident) -> str | None:
    if not resident.id_number_enc:  # a newborn reported before the 户口 registration gives the number
        return gettext("未登记证件号码（待落户）")
    try:
        document = parse_document(decrypt(resident.id_number_enc), resident.document_type)
        if document.type in CHECKED_TYPES:
            check_id_matches_person(document.number, birth_date=resident.birth_date, gender=resident.gender)
    except DomainError as exc:
        return exc.message
    return None


def _identity(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[Reading, bool]:
    if _identity_problem(resident) is not None:
        # The problem is worded by validation, in the active language: worded again for each rendering.
        return (lambda: gettext("{document} {id_number}：{problem}").format(
            document=resident.get_document_type_display(), id_number=resident.id_number_masked,
            problem=_identity_problem(resident))), False
    return (lambda: gettext("{name}，{document} {id_number}，与户籍登记一致").format(
        name=resident.name, document=resident.get_document_type_display(),
        id_number=resident.id_number_masked)), True


def _household(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[Reading, bool]:
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    number = resident.household.number
    return (lambda: ngettext("户号 {number}，户主 {head}，共 {count} 人，申请人为{relation}",
                             "户号 {number}，户主 {head}，共 {count} 人，申请人为{relation}", len(members)).format(
        number=number, head=head.name if head else gettext("未登记"), count=len(members),
        relation=resident.get_relation_display())), True


def _marriage(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[Reading, bool]:
    if resident.relation == Relation.HEAD:
        spouse = next((m for m in members if m.relation == Relation.SPOUSE), None)
    elif resident.relation == Relation.SPOUSE:
        spouse = next((m for m in members if m.relation == Relation.HEAD), None)
    else:
        spouse = None
    if spouse is None:
        return (lambda: gettext("户内未登记配偶，须提供结婚证或婚姻状况证明")), False
    return (lambda: gettext("户内登记配偶 {name}（{id_number}），已婚").format(
        name=spouse.name, id_number=spouse.id_number_masked)), True


def _age(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[Reading, bool]:
    born, age = resident.birth_date, resident_age(resident, today)
    return (lambda: gettext("出生日期 {year}年{month}月，{age} 周岁").format(
        year=born.year, month=f"{born.month:02d}", age=age)), True


def _income(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[Reading, bool]:
    year = today.year - 1
    total = IncomeRecord.objects.filter(household_id=resident.household_id, year=year).aggregate(s=Sum("amount"))["s"]
    if total is None:
        return (lambda: gettext("{year}年家庭收入未登记，须提供收入证明").format(year=year)), False
    return (lambda: ngettext("{year}年家庭总收入 {total} 元，{count} 人，人均 {per_head} 元",
                             "{year}年家庭总收入 {total} 元，{count} 人，人均 {per_head} 元", len(members)).format(
        year=year, total=f"{total:,.0f}", count=len(members), per_head=f"{float(total) / len(members):,.0f}")), True


_CHECKS = {"identity": _identity, "household": _household, "marriage": _marriage, "age": _age, "income": _income}


@dataclass(frozen=True)
class SharedCheck:
    record: dict  # what the case stores: {material_id, material, kind, label, data, ok}, in the site's language
    shown: str  # `data` in the language of whoever reads it now (a refusal raised at the window or online)

    @property
    def ok(self) -> bool:
        return self.record["ok"]


def shared_data_read(resident: Resident, materials, *, today: datetime.date) -> list[SharedCheck]:
    """One check per material that shared data can verify: the record to store and the reading to show now."""
    shared = [m for m in materials if m.shared_data]
    if not shared:
        return []
    members = list(Resident.objects.filter(household_id=resident.household_id, status=ResidentStatus.ACTIVE)
                   .order_by("id"))  # today's members: the deceased and moved-out keep their household as history
    results = []
    for m in shared:
        reading, ok = _CHECKS[m.shared_data](resident, members, today)
        with translation.override(settings.LANGUAGE_CODE):
            data = reading()
        results.append(SharedCheck(
            record={"material_id": m.id, "material": m.name, "kind": m.shared_data,
                    "label": CHECK_LABELS[m.shared_data], "data": data, "ok": ok},
            shown=reading()))
    return results


def shared_data_checks(resident: Resident, materials, *, today: datetime.date) -> list[dict]:
    """One result per material that shared data can verify: {material_id, material, kind, label, data, ok}, as the
    case stores it (in the site's language). A caller that also shows a reading now uses shared_data_read."""
    return [check.record for check in shared_data_read(resident, materials, today=today)]
