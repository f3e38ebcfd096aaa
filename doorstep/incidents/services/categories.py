"""Departments and incident categories as data: imported and exported as YAML (the seed's format,
incidents/data/categories.yaml) or as an Excel workbook with the same columns, like the catalog.

A department is matched by its code (the district's code, a dash and the file's code: 430302-cg) and named
everywhere by its short name (城管); a category by its code (SJ0101). Rows whose values did not change are not
written; nothing is deleted (a category no longer in the file is kept, and can be switched off)."""

import io
import re
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.audit.services import audit_record
from doorstep.core.errors import ValidationFailed
from doorstep.incidents.models import Category, LimitUnit, Priority
from doorstep.incidents.services.intake import categories_changed
from doorstep.incidents.workflow import Tier

STARTER = Path(__file__).resolve().parent.parent / "data" / "categories.yaml"
DEPARTMENT_KINDS = ("government", "utility", "property", "mediation")
KINDS = ("event", "component", "community")
MAX_ROWS = 2000
CODE = re.compile(r"[A-Za-z0-9]{1,12}")


def _text(row: dict, key: str, *, limit: int, where: str, required: bool = True) -> str:
    value = row.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int | float):
        raise ValidationFailed(_("{where}：{key} 应为文字。").format(where=where, key=key), field="file")
    value = " ".join(str(value).split())
    if required and not value:
        raise ValidationFailed(_("{where}：缺少 {key}。").format(where=where, key=key), field="file")
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise ValidationFailed(_("{where}：{key} 不超过{limit}个字符。").format(where=where, key=key, limit=limit),
                               field="file")
    return value


def _limit(row: dict, key: str, where: str) -> tuple[int, str]:
    raw = row.get(key)
    if isinstance(raw, dict):
        value, unit = raw.get("value"), raw.get("unit")
    else:
        value, unit = row.get(f"{key}_value"), row.get(f"{key}_unit")
    try:
        number = int(value) if float(value) == int(float(value)) else 0
    except (TypeError, ValueError, OverflowError):
        number = 0
    if not 0 < number <= 999 or unit not in LimitUnit.values:
        raise ValidationFailed(_("{where}：{key} 应为正整数，单位为 hours（工作小时）或 days（工作日）。").format(
            where=where, key=key), field="file")
    return number, unit


def _checked_departments(rows) -> dict[str, dict]:
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        raise ValidationFailed(_("departments（部门）应为列表。"), field="file")
    out: dict[str, dict] = {}
    for i, row in enumerate(rows, start=1):
        where = _("部门第{row}行").format(row=i)
        if not isinstance(row, dict):
            raise ValidationFailed(_("{where}格式有误。").format(where=where), field="file")
        code = _text(row, "code", limit=20, where=where)
        if not code.replace("_", "").isalnum() or not code.isascii():
            raise ValidationFailed(_("{where}：code 只能是字母、数字和下划线。").format(where=where), field="file")
        kind = row.get("kind") or "government"
        if kind not in DEPARTMENT_KINDS:
            raise ValidationFailed(_("{where}：kind 应为 government、utility、property 或 mediation。").format(
                where=where), field="file")
        out[code] = {"short_name": _text(row, "short_name", limit=20, where=where),
                     "name": _text(row, "name", limit=100, where=where), "kind": kind,
                     "phone": _text(row, "phone", limit=30, where=where, required=False),
                     "contact": _text(row, "contact", limit=50, where=where, required=False)}
    shorts = [d["short_name"] for d in out.values()]
    if len(shorts) != len(set(shorts)):
        raise ValidationFailed(_("部门简称不能重复。"), field="file")
    return out


def _keywords(value, where: str) -> list[str]:
    if isinstance(value, str):
        value = [w for w in value.replace("，", "、").replace(",", "、").split("、")]
    if not isinstance(value, list):
        raise ValidationFailed(_("{where}：keywords 应为列表。").format(where=where), field="file")
    words = [" ".join(str(w).split())[:20] for w in value if str(w).strip()]
    return words[:30]


def _checked_categories(rows, departments: set[str]) -> dict[str, dict]:
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        raise ValidationFailed(_("categories（类别）应为列表。"), field="file")
    out: dict[str, dict] = {}
    for i, row in enumerate(rows, start=1):
        where = _("类别第{row}行").format(row=i)
        if not isinstance(row, dict):
            raise ValidationFailed(_("{where}格式有误。").format(where=where), field="file")
        code = _text(row, "code", limit=12, where=where)
        if not CODE.fullmatch(code):
            raise ValidationFailed(_("{where}：code 只能是字母和数字（如 SJ0101）。").format(where=where), field="file")
        if code in out:
            raise ValidationFailed(_("类别编码 {code} 重复出现。").format(code=code), field="file")
        lead = _text(row, "lead", limit=20, where=where)
        if lead not in departments:
            raise ValidationFailed(_("{where}：主办部门“{lead}”不存在。").format(where=where, lead=lead), field="file")
        kind, priority = row.get("kind"), row.get("priority") or Priority.NORMAL
        tier = row.get("tier") or Tier.DISPATCH
        if kind not in KINDS or priority not in Priority.values or tier not in {t.value for t in Tier}:
            raise ValidationFailed(_("{where}：kind、priority 或 tier 的取值无效。").format(where=where), field="file")
        response, handling = _limit(row, "response", where), _limit(row, "handling", where)
        photo = row.get("verify_photo", True)
        if not isinstance(photo, bool):
            text = str(photo).strip().lower()
            if text not in ("true", "1", "yes", YES, "false", "0", "no", NO):
                raise ValidationFailed(_("{where}：verify_photo 应为 true 或 false。").format(where=where), field="file")
            photo = text in ("true", "1", "yes", YES)
        hours = {LimitUnit.HOURS: 1, LimitUnit.DAYS: 7}  # a working day is 7 working hours (DOORSTEP_WORKING_HOURS)
        if response[0] * hours[response[1]] > handling[0] * hours[handling[1]]:
            raise ValidationFailed(_("{where}：响应时限不能长于处置时限。").format(where=where), field="file")
        out[code] = {"name": _text(row, "name", limit=40, where=where), "kind": kind,
                     "major": _text(row, "major", limit=20, where=where),
                     "description": _text(row, "description", limit=300, where=where, required=False),
                     "keywords": _keywords(row.get("keywords") or [], where), "lead": lead, "priority": priority,
                     "response_limit": response[0], "response_unit": response[1], "handling_limit": handling[0],
                     "handling_unit": handling[1], "default_tier": tier, "verify_photo": photo,
                     "active": row.get("active", True) is not False}
    return out


def categories_import_data(*, actor, data) -> dict[str, int]:
    """Create or update departments and categories from parsed data ({departments: [...], categories: [...]}).

    Preconditions: every row valid (else ValidationFailed naming the row; nothing changed); a category's lead is a
    department short name in the file or already known. Result: counts (departments, categories, created,
    updated, unchanged). Audit: incidents.categories_import."""
    from doorstep.org.models import Department, OrgNode

    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise ValidationFailed(_("文件须包含 categories（事件类别列表）。"), field="file")
    district = OrgNode.objects.filter(level="district").order_by("code").first()
    if district is None:
        raise ValidationFailed(_("请先建立区级组织节点。"), field="file")
    departments = _checked_departments(data.get("departments") or [])
    known = set(Department.objects.exclude(short_name=None).values_list("short_name", flat=True))
    categories = _checked_categories(data["categories"], known | {d["short_name"] for d in departments.values()})
    counts = {"departments": len(departments), "categories": len(categories), "created": 0, "updated": 0,
              "unchanged": 0}
    with transaction.atomic():
        for code, values in departments.items():
            full = f"{district.code}-{code}"
            row = Department.objects.filter(code=full).first() or Department.objects.filter(
                short_name=values["short_name"]).first()
            if row is None:
                Department.objects.create(org_node=district, code=full, **values)
                continue
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            if changed:
                for k in changed:
                    setattr(row, k, values[k])
                row.save(update_fields=changed)
        by_short = {d.short_name: d for d in Department.objects.exclude(short_name=None)}
        existing = {c.code: c for c in Category.objects.all()}
        for code, values in categories.items():
            lead = values.pop("lead")
            values["lead_department"] = by_short[lead]
            row = existing.get(code)
            if row is None:
                Category.objects.create(code=code, **values)
                counts["created"] += 1
                continue
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            if not changed:
                counts["unchanged"] += 1
                continue
            for k in changed:
                setattr(row, k, values[k])
            row.save(update_fields=changed)
            counts["updated"] += 1
        audit_record(actor=actor, action="incidents.categories_import", target_type="incidents.category",
                     summary=counts, actor_label="" if actor else "doorstep")
        transaction.on_commit(categories_changed)  # this process's intake reads the new categories at once
    return counts


def categories_import_yaml(*, actor, text: str) -> dict[str, int]:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):  # a document nested deeper than the parser's stack
        raise ValidationFailed(_("文件不是有效的 YAML。"), field="file") from None
    return categories_import_data(actor=actor, data=data)


def categories_import_starter(*, actor=None) -> dict[str, int]:
    """The seed shipped with doorstep (GB/T 30428.2's classes and the demo district's 15 departments)."""
    return categories_import_yaml(actor=actor, text=STARTER.read_text(encoding="utf-8"))


def categories_export_data() -> dict:
    """Departments and categories in the import format (a round trip changes nothing)."""
    from doorstep.org.models import Department

    departments = [{"code": d.code.split("-", 1)[-1], "short_name": d.short_name, "name": d.name, "kind": d.kind,
                    "phone": d.phone, "contact": d.contact}
                   for d in Department.objects.exclude(short_name=None).order_by("code")]
    categories = [{"code": c.code, "name": c.name, "kind": c.kind, "major": c.major, "description": c.description,
                   "keywords": list(c.keywords), "lead": c.lead_department.short_name, "priority": c.priority,
                   "response": {"value": c.response_limit, "unit": c.response_unit},
                   "handling": {"value": c.handling_limit, "unit": c.handling_unit}, "tier": c.default_tier,
                   "verify_photo": c.verify_photo, "active": c.active}
                  for c in Category.objects.select_related("lead_department").order_by("code")]
    return {"departments": departments, "categories": categories}


def categories_export_yaml() -> str:
    return yaml.safe_dump(categories_export_data(), allow_unicode=True, sort_keys=False, width=200)


# The workbook's sheet names are part of the import format, as the column names are.
DEPARTMENT_SHEET, CATEGORY_SHEET = "部门", "类别"  # zh: sheet names of the file format, matched on import
YES, NO = "是", "否"  # zh: how a person types yes and no in a cell or a YAML value
DEPARTMENT_COLUMNS = ("code", "short_name", "name", "kind", "phone", "contact")
CATEGORY_COLUMNS = ("code", "name", "kind", "major", "description", "keywords", "lead", "priority",
                    "response_value", "response_unit", "handling_value", "handling_unit", "tier", "verify_photo",
                    "active")


def categories_export_xlsx() -> bytes:
    """The same data as a workbook: sheets 部门 and 类别, one row per record, keywords joined with 、."""
    from openpyxl import Workbook

    from doorstep.core.spreadsheets import safe_row

    data = categories_export_data()
    book = Workbook()
    sheet = book.active
    sheet.title = DEPARTMENT_SHEET
    sheet.append(DEPARTMENT_COLUMNS)
    for d in data["departments"]:
        sheet.append(safe_row(sheet, [d[c] for c in DEPARTMENT_COLUMNS]))
    sheet = book.create_sheet(CATEGORY_SHEET)
    sheet.append(CATEGORY_COLUMNS)
    for c in data["categories"]:
        flat = {**c, "keywords": "、".join(c["keywords"]), "response_value": c["response"]["value"],
                "response_unit": c["response"]["unit"], "handling_value": c["handling"]["value"],
                "handling_unit": c["handling"]["unit"]}
        sheet.append(safe_row(sheet, [flat[k] for k in CATEGORY_COLUMNS]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def categories_import_xlsx(*, actor, content: bytes) -> dict[str, int]:
    """Import a workbook made by categories_export_xlsx (or by hand in its shape)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook  # noqa: BLE001
        raise ValidationFailed(_("文件不是有效的 Excel 工作簿（.xlsx）。"), field="file") from None
    sheets = {}
    for title in (DEPARTMENT_SHEET, CATEGORY_SHEET):
        if title not in book.sheetnames:
            raise ValidationFailed(_("工作簿缺少“{sheet}”工作表。").format(sheet=title), field="file")
        rows = list(book[title].iter_rows(values_only=True, max_row=MAX_ROWS + 1))
        header = [str(h or "").strip() for h in (rows[0] if rows else [])]
        sheets[title] = [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]
    categories = []
    for row in sheets[CATEGORY_SHEET]:
        row = {k: v for k, v in row.items() if k}
        row["response"] = {"value": row.pop("response_value", None), "unit": row.pop("response_unit", None)}
        row["handling"] = {"value": row.pop("handling_value", None), "unit": row.pop("handling_unit", None)}
        row["active"] = str(row.get("active", True)).strip().lower() not in ("false", "0", "no", NO)
        categories.append(row)
    departments = [{k: v for k, v in row.items() if k} for row in sheets[DEPARTMENT_SHEET]]
    return categories_import_data(actor=actor, data={"departments": departments, "categories": categories})
