"""Catalog writes: importing a district's list of items (事项清单) from YAML data, and exporting it again.

Every validation error names the row and the field; an import with any error changes nothing.
"""

from pathlib import Path

import yaml
from django.db import transaction

from doorstep.audit.services import audit_record
from doorstep.catalog.models import (
    ApprovalLevel,
    Category,
    ItemBundle,
    ItemKind,
    LifeEvent,
    MaterialRequirement,
    ServiceItem,
    SharedData,
)
from doorstep.catalog.selectors import catalog_changed
from doorstep.core.errors import ValidationFailed
from doorstep.core.names import name_pinyin

STARTER = Path(__file__).resolve().parent / "data" / "starter.yaml"
RULE_FACTS = {"age": "年龄", "household_income_per_head_year": "家庭年人均收入"}
RULE_OPS = {">=", ">", "<", "<=", "=="}
FIELD_LABELS = {"code": "事项编码", "name": "事项名称", "category": "类别编码", "events": "人生事件编码",
                "level": "审批层级", "kind": "办件类型", "days": "承诺时限（工作日）", "materials": "材料",
                "rules": "资格规则"}


def _fail(where: str, code: str, field: str, message: str):
    base = field.split("[")[0]
    label = f"“{FIELD_LABELS[base]}”（{field}）" if base in FIELD_LABELS else field
    raise ValidationFailed(f"{where}（{code or '无编码'}）字段 {label}：{message}", field=base)


def _check_item(row: int, raw: dict, categories: set[str], events: set[str]) -> dict:
    row = raw.get("_where") or f"第{row}项"  # an Excel import names the sheet row
    code = str(raw.get("code") or "").strip()
    if not code or len(code) > 20:
        _fail(row, code, "code", "事项编码必填，且不超过20个字符。")
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 100:
        _fail(row, code, "name", "事项名称必填，且不超过100字。")
    if raw.get("category") not in categories:
        _fail(row, code, "category", f"类别“{raw.get('category')}”不在类别表中。")
    unknown = [e for e in raw.get("events") or [] if e not in events]
    if unknown:
        _fail(row, code, "events", f"人生事件 {'、'.join(map(str, unknown))} 不在事件表中。")
    if raw.get("level") not in ApprovalLevel.values:
        _fail(row, code, "level", "审批层级只能是 community、street 或 district。")
    if raw.get("kind") not in ItemKind.values:
        _fail(row, code, "kind", "办件类型只能是 instant（即办件）或 promised（承诺件）。")
    try:
        days = int(raw.get("days") or 0)
    except (TypeError, ValueError):
        _fail(row, code, "days", "承诺时限应为整数（工作日）。")
    if raw["kind"] == ItemKind.PROMISED and not 1 <= days <= 365:
        _fail(row, code, "days", "承诺件须填写1–365个工作日的承诺时限。")
    if raw["kind"] == ItemKind.INSTANT and days:
        _fail(row, code, "days", "即办件不设承诺时限。")
    materials = raw.get("materials") or []
    if not isinstance(materials, list) or not materials:
        _fail(row, code, "materials", "至少列出一项申请材料。")
    for i, m in enumerate(materials, start=1):
        where = m.get("_where") if isinstance(m, dict) and m.get("_where") else row
        if not isinstance(m, dict) or not str(m.get("name") or "").strip():
            _fail(where, code, f"materials[{i}]", "材料须有名称。")
        if m.get("shared") and m["shared"] not in SharedData.values:
            _fail(where, code, f"materials[{i}].shared",
                  f"“{m['shared']}”不是可共享核验的数据（可填 {'、'.join(SharedData.values)}）。")
    for i, rule in enumerate(raw.get("rules") or [], start=1):
        if not isinstance(rule, dict) or rule.get("fact") not in RULE_FACTS or rule.get("op") not in RULE_OPS:
            _fail(row, code, f"rules[{i}]", "规则须写明 fact（age 或 household_income_per_head_year）、op 和 value。")
        if not isinstance(rule.get("value"), int | float) or not str(rule.get("label") or "").strip():
            _fail(row, code, f"rules[{i}]", "规则的 value 须为数字，并写明可向居民朗读的 label。")
    return {**raw, "code": code, "name": name, "days": days}


def catalog_import_data(*, actor, data: dict) -> dict[str, int]:
    """Create or update categories, life events and items (by code) from parsed YAML data.

    Preconditions: every row valid (else ValidationFailed naming row and field, nothing changed).
    Result: counts. Audit: catalog.import. Items not in the data are left as they are.
    """
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValidationFailed("文件须包含 items（事项列表）。")
    categories = {c["code"]: c for c in data.get("categories") or [] if isinstance(c, dict) and c.get("code")}
    categories_known = set(categories) | set(Category.objects.values_list("code", flat=True))
    events = {e["code"]: e for e in data.get("life_events") or [] if isinstance(e, dict) and e.get("code")}
    events_known = set(events) | set(LifeEvent.objects.values_list("code", flat=True))
    rows = [_check_item(i, raw if isinstance(raw, dict) else {}, categories_known, events_known)
            for i, raw in enumerate(data["items"], start=1)]
    codes = [r["code"] for r in rows]
    if len(codes) != len(set(codes)):
        duplicate = next(c for c in codes if codes.count(c) > 1)
        raise ValidationFailed(f"事项编码 {duplicate} 重复出现。", field="code")
    known_items = set(codes) | set(ServiceItem.objects.values_list("code", flat=True))
    bundles = [_check_bundle(i, raw if isinstance(raw, dict) else {}, known_items)
               for i, raw in enumerate(data.get("bundles") or [], start=1)]
    with transaction.atomic():
        for order, (code, c) in enumerate(categories.items()):
            Category.objects.update_or_create(code=code, defaults={"name": c.get("name", code), "order": order})
        for order, (code, e) in enumerate(events.items()):
            LifeEvent.objects.update_or_create(code=code, defaults={"name": e.get("name", code), "order": order})
        cats = {c.code: c for c in Category.objects.all()}
        evs = {e.code: e for e in LifeEvent.objects.all()}
        for r in rows:
            full, initials = name_pinyin(r["name"])
            item, _ = ServiceItem.objects.update_or_create(code=r["code"], defaults={
                "name": r["name"], "name_pinyin": full, "name_initials": initials, "category": cats[r["category"]],
                "approval_level": r["level"], "kind": r["kind"], "promised_days": r["days"],
                "fee": r.get("fee") or "不收费", "legal_basis": r.get("legal_basis") or "",
                "conditions": r.get("conditions") or "", "eligibility_rules": r.get("rules") or [],
                "form_fields": r.get("form_fields") or [], "certificate": r.get("certificate") or "",
                "district_wide": r.get("district_wide", True), "proxy_allowed": r.get("proxy", True),
                "online_allowed": bool(r.get("online", False)), "is_active": True,
            })
            item.life_events.set([evs[e] for e in r.get("events") or []])
            item.materials.all().delete()
            MaterialRequirement.objects.bulk_create([
                MaterialRequirement(item=item, order=i, name=m["name"], form=m.get("form") or "原件",
                                    shared_data=m.get("shared") or "", note=m.get("note") or "")
                for i, m in enumerate(r["materials"], start=1)])
        for b in bundles:
            bundle, _ = ItemBundle.objects.update_or_create(code=b["code"], defaults={
                "name": b["name"], "description": b.get("description") or "", "is_active": True})
            bundle.items.set(ServiceItem.objects.filter(code__in=b["items"]))
        audit_record(actor=actor, action="catalog.import", target_type="catalog.serviceitem",
                     summary={"items": len(rows), "bundles": len(bundles)})
        transaction.on_commit(catalog_changed)
    return {"categories": len(categories), "life_events": len(events), "items": len(rows), "bundles": len(bundles)}


def _check_bundle(row: int, raw: dict, items: set[str]) -> dict:
    code = str(raw.get("code") or "").strip()
    where = f"{raw.get('_where') or f'一件事第{row}项'}（{code or '无编码'}）"
    if not code or len(code) > 20:
        raise ValidationFailed(f"{where}字段 code：编码必填，且不超过20个字符。", field="code")
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed(f"{where}字段 name：名称必填，且不超过60字。", field="name")
    members = raw.get("items")
    if not isinstance(members, list) or len(members) < 2:
        raise ValidationFailed(f"{where}字段 items：一件事至少包含两个事项。", field="items")
    unknown = [str(m) for m in members if m not in items]
    if unknown:
        raise ValidationFailed(f"{where}字段 items：事项 {'、'.join(unknown)} 不在清单中。", field="items")
    return {**raw, "code": code, "name": name}


def catalog_import_yaml(*, actor, text: str) -> dict[str, int]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValidationFailed("文件不是有效的 YAML。") from None
    return catalog_import_data(actor=actor, data=data)


def catalog_import_starter(*, actor=None) -> dict[str, int]:
    return catalog_import_yaml(actor=actor, text=STARTER.read_text(encoding="utf-8"))


def catalog_import_xlsx(*, actor, content: bytes) -> dict[str, int]:
    """Import an Excel workbook (sheets 事项, 材料, 一件事, 类别, 人生事件; see catalog/excel.py). As
    catalog_import_data: all rows valid or nothing changes; errors name the sheet row and the column."""
    from doorstep.catalog.excel import catalog_from_xlsx

    return catalog_import_data(actor=actor, data=catalog_from_xlsx(content))


def catalog_export_xlsx() -> bytes:
    from doorstep.catalog.excel import catalog_to_xlsx

    return catalog_to_xlsx(catalog_export_data())


def catalog_export_data() -> dict:
    """The whole catalog in the import format (round-trips through catalog_import_data)."""
    items = ServiceItem.objects.select_related("category").prefetch_related("life_events", "materials")
    return {
        "categories": [{"code": c.code, "name": c.name} for c in Category.objects.all()],
        "life_events": [{"code": e.code, "name": e.name} for e in LifeEvent.objects.all()],
        "items": [
            {"code": i.code, "name": i.name, "category": i.category.code,
             "events": [e.code for e in i.life_events.all()], "level": i.approval_level, "kind": i.kind,
             "days": i.promised_days, "fee": i.fee, "legal_basis": i.legal_basis, "conditions": i.conditions,
             "rules": i.eligibility_rules, "form_fields": i.form_fields, "certificate": i.certificate,
             "district_wide": i.district_wide, "proxy": i.proxy_allowed, "online": i.online_allowed,
             "materials": [{"name": m.name, "form": m.form, "shared": m.shared_data, "note": m.note}
                           for m in i.materials.all()]}
            for i in items
        ],
        "bundles": [
            {"code": b.code, "name": b.name, "description": b.description,
             "items": sorted(i.code for i in b.items.all())}
            for b in ItemBundle.objects.filter(is_active=True).prefetch_related("items")
        ],
    }
