"""Shared-data checks (数据共享 / 无证明): what the registry can confirm instead of a paper the resident would bring.

Each check says which data it used (masked) and whether it confirms the material. It reads the registry only; the
caller records the applicant's consent and stores the result on the case.
"""

import datetime

from django.db.models import Sum

from doorstep.core.crypto import decrypt
from doorstep.core.errors import DomainError
from doorstep.core.idnumbers import check_id_matches_person, validate_id_number
from doorstep.registry.models import IncomeRecord, Relation, Resident
from doorstep.registry.selectors import resident_age

CHECK_LABELS = {"identity": "身份信息", "household": "户籍与家庭成员", "marriage": "婚姻状况", "age": "年龄",
                "income": "家庭收入"}


def _identity(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[str, bool]:
    try:
        number = validate_id_number(decrypt(resident.id_number_enc))
        check_id_matches_person(number, birth_date=resident.birth_date, gender=resident.gender)
    except DomainError as exc:
        return f"身份证号 {resident.id_number_masked}：{exc.message}", False
    return f"{resident.name}，身份证号 {resident.id_number_masked}，与户籍登记一致", True


def _household(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[str, bool]:
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    head_name = head.name if head else "未登记"
    return (f"户号 {resident.household.number}，户主 {head_name}，共 {len(members)} 人，"
            f"申请人为{resident.get_relation_display()}"), True


def _marriage(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[str, bool]:
    if resident.relation == Relation.HEAD:
        spouse = next((m for m in members if m.relation == Relation.SPOUSE), None)
    elif resident.relation == Relation.SPOUSE:
        spouse = next((m for m in members if m.relation == Relation.HEAD), None)
    else:
        spouse = None
    if spouse is None:
        return "户内未登记配偶，须提供结婚证或婚姻状况证明", False
    return f"户内登记配偶 {spouse.name}（{spouse.id_number_masked}），已婚", True


def _age(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[str, bool]:
    return f"出生日期 {resident.birth_date:%Y年%m月}，{resident_age(resident, today)} 周岁", True


def _income(resident: Resident, members: list[Resident], today: datetime.date) -> tuple[str, bool]:
    year = today.year - 1
    total = IncomeRecord.objects.filter(household_id=resident.household_id, year=year).aggregate(s=Sum("amount"))["s"]
    if total is None:
        return f"{year}年家庭收入未登记，须提供收入证明", False
    return f"{year}年家庭总收入 {total:,.0f} 元，{len(members)} 人，人均 {float(total) / len(members):,.0f} 元", True


_CHECKS = {"identity": _identity, "household": _household, "marriage": _marriage, "age": _age, "income": _income}


def shared_data_checks(resident: Resident, materials, *, today: datetime.date) -> list[dict]:
    """One result per material that shared data can verify: {material_id, material, kind, label, data, ok}."""
    shared = [m for m in materials if m.shared_data]
    if not shared:
        return []
    members = list(Resident.objects.filter(household_id=resident.household_id).order_by("id"))
    results = []
    for m in shared:
        data, ok = _CHECKS[m.shared_data](resident, members, today)
        results.append({"material_id": m.id, "material": m.name, "kind": m.shared_data,
                        "label": CHECK_LABELS[m.shared_data], "data": data, "ok": ok})
    return results
