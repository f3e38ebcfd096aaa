"""Catalog writes: importing a district's list of items (事项清单) from YAML data, and exporting it again.

Every validation error names the row and the field; an import with any error changes nothing. Sizes are bounded
(catalog/limits.py) before anything is built from the data. An import upserts by code (issue #10, item 12): items,
categories, life events and bundles by their codes, materials by (item code, material code) — or by name when the
file gives no material code. Rows whose values are unchanged are not written at all, so re-importing an unchanged
catalog keeps every id and every upload's material; a changed one is updated in place. A material left out of an
item's list is deleted when nothing refers to it and retired (is_active off: no longer on the notice or asked for at
intake) when an upload still does. Items and bundles left out of the file stay as they are.
"""

import math
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from doorstep.audit.services import audit_record
from doorstep.catalog.limits import check_document_size, check_json_value, has_control_characters
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
RULE_FACTS = {"age", "household_income_per_head_year"}
RULE_OPS = {">=", ">", "<", "<=", "=="}
RULE_VALUE_LIMIT = 1e12  # beyond any age or income; larger numbers cannot be read aloud (eligibility.py)
MAX_RULES = 20
# A field's name in an error message is the column header the workbook shows (catalog/excel.py), whatever the page's
# language: that is the word the office finds in its file.
FIELD_LABELS = {  # zh: workbook format (column headers, named in error messages as the file shows them)
    "code": "事项编码", "name": "事项名称", "keywords": "别名/关键词", "category": "类别编码", "events": "人生事件编码",
    "level": "审批层级", "kind": "办件类型", "days": "承诺时限（工作日）", "materials": "材料", "rules": "资格规则",
    "fee": "收费标准", "legal_basis": "设定依据", "conditions": "办理条件", "result": "办理结果",
    "certificate": "办理结果（证照）", "form_fields": "申请表字段", "district_wide": "全区通办", "proxy": "可代办",
    "online": "可网上申请"}
MATERIAL_CODE_PREFIX = "M"
# libyaml's safe loader when present: it refuses deep nesting in milliseconds where the pure-Python one takes seconds
# to reach a RecursionError.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _fail(where: str, code: str, field: str, message: str):
    base = field.split("[")[0]
    label = _("“{label}”（{field}）").format(label=FIELD_LABELS[base], field=field) if base in FIELD_LABELS else field
    raise ValidationFailed(_("{where}（{code}）字段 {field}：{message}").format(
        where=where, code=code or _("无编码"), field=label, message=message), field=base)


def _text(raw: dict, key: str, *, max_length: int, fail, default: str = "", multiline: bool = False) -> str:
    """A text field: a scalar (text or number) of at most max_length characters without control characters."""
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        fail(key, _("应为文字。"))
    text = str(value).strip()
    if len(text) > max_length:
        fail(key, _("不超过{max_length}个字符。").format(max_length=f"{max_length:,}"))
    if has_control_characters(text) or not multiline and any(c in text for c in "\r\n\t"):
        fail(key, _("含有不允许的控制字符。"))
    return text


def _flag(raw: dict, key: str, *, default: bool, fail) -> bool:
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        fail(key, _("只能是 true 或 false（是或否）。"))
    return value


def _check_rule(rule, fail, field: str) -> dict:
    if not isinstance(rule, dict) or rule.get("fact") not in RULE_FACTS or rule.get("op") not in RULE_OPS:
        fail(field, _("规则须写明 fact（age 或 household_income_per_head_year）、op 和 value。"))
    value, label = rule.get("value"), rule.get("label")
    if (isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > RULE_VALUE_LIMIT
            or not math.isfinite(value) or not isinstance(label, str) or not label.strip()):
        fail(field, _("规则的 value 须为数字，并写明可向居民朗读的 label。"))
    if len(label) > 100 or has_control_characters(label):
        fail(field, _("规则的 label 不超过100个字符，且不含控制字符。"))
    return {"fact": rule["fact"], "op": rule["op"], "value": value, "label": label.strip()}


def _check_item(row: int, raw: dict, categories: set[str], events: set[str]) -> dict:
    row = raw.get("_where") or _("第{row}项").format(row=row)  # an Excel import names the sheet row
    code = raw.get("code")
    code = str(code).strip() if isinstance(code, str | int) and not isinstance(code, bool) else ""

    def fail(field, message, where=row):
        _fail(where, code, field, message)

    if not code or len(code) > 20 or has_control_characters(code) or any(c.isspace() for c in code):
        fail("code", _("事项编码必填，不超过20个字符，且不含空白。"))
    name = _text(raw, "name", max_length=100, fail=fail)
    if not name:
        fail("name", _("事项名称必填，且不超过100字。"))
    if not isinstance(raw.get("category"), str) or raw["category"] not in categories:
        fail("category", _("类别“{category}”不在类别表中。").format(category=str(raw.get("category"))[:100]))
    item_events = raw.get("events") or []
    if not isinstance(item_events, list) or not all(isinstance(e, str) for e in item_events):
        fail("events", _("人生事件应为编码列表。"))
    unknown = [e for e in item_events if e not in events]
    if unknown:
        fail("events", _("人生事件 {codes} 不在事件表中。").format(codes="、".join(map(str, unknown))[:250]))
    if raw.get("level") not in ApprovalLevel.values:
        fail("level", _("审批层级只能是 community、street 或 district。"))
    if raw.get("kind") not in ItemKind.values:
        fail("kind", _("办件类型只能是 instant（即办件）或 promised（承诺件）。"))
    days = raw.get("days") or 0
    try:
        if isinstance(days, bool) or isinstance(days, float) and not days.is_integer():
            raise ValueError
        days = int(days)
    except (TypeError, ValueError, OverflowError):
        fail("days", _("承诺时限应为整数（工作日）。"))
    if raw["kind"] == ItemKind.PROMISED and not 1 <= days <= 365:
        fail("days", _("承诺件须填写1–365个工作日的承诺时限。"))
    if raw["kind"] == ItemKind.INSTANT and days:
        fail("days", _("即办件不设承诺时限。"))
    long_text = settings.DOORSTEP_CATALOG_TEXT_MAX_CHARS
    texts = {
        "fee": _text(raw, "fee", max_length=100, fail=fail, default="不收费"),  # zh: stored default (catalog data)
        "legal_basis": _text(raw, "legal_basis", max_length=long_text, fail=fail, multiline=True),
        "conditions": _text(raw, "conditions", max_length=long_text, fail=fail, multiline=True),
        "certificate": _text(raw, "certificate", max_length=60, fail=fail),
        # absent (a workbook or YAML from before the 办理结果 column): the item keeps what it has
        "result": (_text(raw, "result", max_length=long_text, fail=fail, multiline=True)
                   if "result" in raw else None),
        # absent (a workbook from before keywords, a YAML item without them): the item keeps what it has
        "keywords": ("、".join(split_keywords(_text(raw, "keywords", max_length=200, fail=fail)))
                     if "keywords" in raw else None),
    }
    flags = {"district_wide": _flag(raw, "district_wide", default=True, fail=fail),
             "proxy": _flag(raw, "proxy", default=True, fail=fail),
             "online": _flag(raw, "online", default=False, fail=fail)}
    materials = _check_materials(raw.get("materials"), row, fail)
    rules = raw.get("rules") or []
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        fail("rules", _("资格规则应为列表，最多{count}条。").format(count=MAX_RULES))
    rules = [_check_rule(rule, fail, f"rules[{i}]") for i, rule in enumerate(rules, start=1)]
    form_fields = raw.get("form_fields") or []
    if not isinstance(form_fields, list):
        fail("form_fields", _("申请表字段应为列表。"))
    check_json_value(form_fields, where=_("{where}（{code}）").format(where=row, code=code),
                     field=FIELD_LABELS["form_fields"])
    return {"code": code, "name": name, "category": raw["category"], "events": item_events, "level": raw["level"],
            "kind": raw["kind"], "days": days, **texts, **flags, "materials": materials, "rules": rules,
            "form_fields": form_fields}


def _check_materials(materials, row: str, fail) -> list[dict]:
    if not isinstance(materials, list) or not materials:
        fail("materials", _("至少列出一项申请材料。"))
    checked, codes, names = [], set(), set()
    for i, m in enumerate(materials, start=1):
        where = m.get("_where") if isinstance(m, dict) and m.get("_where") else row
        field = f"materials[{i}]"

        def fail_here(key, message, where=where, field=field):
            fail(f"{field}.{key}" if key != "name" else field, message, where)

        if not isinstance(m, dict) or not isinstance(m.get("name"), str | int) or not str(m["name"]).strip():
            fail(field, _("材料须有名称。"), where)
        name = _text(m, "name", max_length=100, fail=fail_here)
        code = _text(m, "code", max_length=20, fail=fail_here)
        if m.get("shared") and m["shared"] not in SharedData.values:
            fail(f"{field}.shared", _("“{value}”不是可共享核验的数据（可填 {allowed}）。").format(
                value=str(m["shared"])[:100], allowed="、".join(SharedData.values)),
                 where)
        if code and code in codes or name in names:
            fail(field, _("材料“{material}”在本事项中重复。").format(material=code if code in codes else name), where)
        codes.add(code)
        names.add(name)
        checked.append({"code": code, "name": name, "form": _text(m, "form", max_length=40, fail=fail_here,
                                                                   default="原件"),  # zh: stored default
                        "shared": m.get("shared") or "", "note": _text(m, "note", max_length=200, fail=fail_here)})
    return checked


def _check_code_names(rows, what: str, max_name: int) -> dict[str, dict]:
    """Categories or life events: {code: {"name": ...}} in file order."""
    if rows is None:
        return {}
    if not isinstance(rows, list):
        raise ValidationFailed(_("{what}应为列表。").format(what=what), field="file")
    checked = {}
    for i, raw in enumerate(rows, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        if not code:
            continue
        name = raw.get("name", code)
        if (not isinstance(code, str) or len(code) > 20 or has_control_characters(code)
                or not isinstance(name, str) or not name.strip() or len(name) > max_name
                or has_control_characters(name)):
            raise ValidationFailed(_("{what}第{row}行：编码不超过20个字符，名称必填且不超过{max_name}字。").format(
                what=what, row=i, max_name=max_name), field="file")
        checked[code] = {"name": name.strip()}
    return checked


def catalog_import_data(*, actor, data: dict) -> dict[str, int]:
    """Create or update categories, life events, items, their materials and bundles (by code) from parsed data.

    Preconditions: every row valid (else ValidationFailed naming row and field, nothing changed); the document
    within DOORSTEP_CATALOG_MAX_NODES / _MAX_DEPTH. Result: counts — categories, life_events, items, bundles (rows
    in the file) and created, updated, unchanged (items), materials_retired, materials_deleted. Rows whose values
    did not change are not written. Audit: catalog.import with the counts. Side effect: the intake cache is reset
    after commit when anything changed.
    """
    check_document_size(data)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValidationFailed(_("文件须包含 items（事项列表）。"))
    categories = _check_code_names(data.get("categories"), _("类别"), 40)
    categories_known = set(categories) | set(Category.objects.values_list("code", flat=True))
    events = _check_code_names(data.get("life_events"), _("人生事件"), 40)
    events_known = set(events) | set(LifeEvent.objects.values_list("code", flat=True))
    rows = [_check_item(i, raw if isinstance(raw, dict) else {}, categories_known, events_known)
            for i, raw in enumerate(data["items"], start=1)]
    codes = [r["code"] for r in rows]
    if len(codes) != len(set(codes)):
        duplicate = next(c for c in codes if codes.count(c) > 1)
        raise ValidationFailed(_("事项编码 {code} 重复出现。").format(code=duplicate), field="code")
    known_items = set(codes) | set(ServiceItem.objects.values_list("code", flat=True))
    bundle_rows = data.get("bundles") or []
    if not isinstance(bundle_rows, list):
        raise ValidationFailed(_("bundles（一件事）应为列表。"), field="bundles")
    bundles = [_check_bundle(i, raw if isinstance(raw, dict) else {}, known_items)
               for i, raw in enumerate(bundle_rows, start=1)]
    counts = {"categories": len(categories), "life_events": len(events), "items": len(rows),
              "bundles": len(bundles), "created": 0, "updated": 0, "unchanged": 0,
              "materials_retired": 0, "materials_deleted": 0}
    with transaction.atomic():
        changed = _upsert_code_names(Category, categories) | _upsert_code_names(LifeEvent, events)
        cats = {c.code: c.pk for c in Category.objects.all()}
        evs = {e.code: e for e in LifeEvent.objects.all()}
        existing = {i.code: i for i in ServiceItem.objects.filter(code__in=codes).prefetch_related(
            "life_events", Prefetch("materials", queryset=MaterialRequirement.all_objects.order_by("order", "id"),
                                    to_attr="every_material"))}
        for r in rows:
            outcome = _upsert_item(r, existing.get(r["code"]), cats, evs, counts)
            counts[outcome] += 1
        changed |= counts["created"] + counts["updated"] > 0
        for b in bundles:
            changed |= _upsert_bundle(b)
        audit_record(actor=actor, action="catalog.import", target_type="catalog.serviceitem", summary=counts)
        if changed:
            transaction.on_commit(catalog_changed)
    return counts


def _differences(obj, values: dict) -> list[str]:
    """Set on obj the values that differ from what it holds; the names of the fields set."""
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    for field in changed:
        setattr(obj, field, values[field])
    return changed


def _upsert_code_names(model, rows: dict[str, dict]) -> bool:
    existing = {row.code: row for row in model.objects.filter(code__in=list(rows))}
    changed = False
    for order, (code, row) in enumerate(rows.items()):
        values = {"name": row["name"], "order": order}
        current = existing.get(code)
        if current is None:
            model.objects.create(code=code, **values)
            changed = True
        elif fields := _differences(current, values):
            current.save(update_fields=fields)
            changed = True
    return changed


def split_keywords(text: str) -> list[str]:
    """Keywords as typed ("低保申请，低保 dibao") → a list without blanks or repeats, in their order."""
    parts = re.split(r"[、,，;；/\s]+", text or "")
    return list(dict.fromkeys(p for p in parts if p))


def _upsert_item(r: dict, item: ServiceItem | None, cats: dict, evs: dict, counts: dict) -> str:
    full, initials = name_pinyin(r["name"])
    values = {
        "name": r["name"], "name_pinyin": full, "name_initials": initials, "category_id": cats[r["category"]],
        "approval_level": r["level"], "kind": r["kind"], "promised_days": r["days"], "fee": r["fee"],
        "legal_basis": r["legal_basis"], "conditions": r["conditions"], "eligibility_rules": r["rules"],
        "form_fields": r["form_fields"], "certificate": r["certificate"], "district_wide": r["district_wide"],
        "proxy_allowed": r["proxy"], "online_allowed": r["online"], "is_active": True,
    }
    if r.get("result") is not None:
        values["result"] = r["result"]
    if r.get("keywords") is not None:
        keywords = split_keywords(r["keywords"])
        readings = [name_pinyin(k) for k in keywords]
        values.update(keywords="、".join(keywords), keywords_pinyin="|".join(f for f, _ in readings),
                      keywords_initials="|".join(i for _, i in readings))
    if item is None:
        item = ServiceItem.objects.create(code=r["code"], **values)
        item.life_events.set([evs[e] for e in r["events"]])
        _upsert_materials(item, r["materials"], [], counts)
        return "created"
    fields = _differences(item, values)
    events_changed = {e.code for e in item.life_events.all()} != set(r["events"])
    if events_changed:
        item.life_events.set([evs[e] for e in r["events"]])
    materials_changed = _upsert_materials(item, r["materials"], item.every_material, counts)
    if not (fields or events_changed or materials_changed):
        return "unchanged"
    item.save()  # also when only its materials or events changed: updated_at is the intake cache's change stamp
    return "updated"


def _upsert_materials(item: ServiceItem, wanted: list[dict], current: list[MaterialRequirement],
                      counts: dict) -> bool:
    """Match each wanted material to a current row — by code when the file gives one, else by name — and update it in
    place; create the rest; delete or retire the rows no longer wanted. Whether anything was written."""
    by_code = {m.code: m for m in current}
    taken = set(by_code) | {w["code"] for w in wanted if w["code"]}
    matched: dict[int, MaterialRequirement] = {}
    used: set[int] = set()
    for i, w in enumerate(wanted):  # explicit codes first, so a name match never takes a row a code names
        if w["code"] and w["code"] in by_code:
            matched[i] = by_code[w["code"]]
            used.add(matched[i].pk)
    by_name: dict[str, MaterialRequirement] = {}
    for m in sorted(current, key=lambda m: (not m.is_active, m.order, m.pk)):
        if m.pk not in used:
            by_name.setdefault(m.name, m)
    for i, w in enumerate(wanted):
        if i not in matched and not w["code"] and w["name"] in by_name and by_name[w["name"]].pk not in used:
            matched[i] = by_name[w["name"]]
            used.add(matched[i].pk)
    changed, new = False, []
    for i, w in enumerate(wanted):
        values = {"order": i + 1, "name": w["name"], "form": w["form"], "shared_data": w["shared"],
                  "note": w["note"], "is_active": True}
        row = matched.get(i)
        if row is None:
            code = w["code"] or _free_code(taken)
            taken.add(code)
            new.append(MaterialRequirement(item=item, code=code, **values))
        elif fields := _differences(row, values):
            row.save(update_fields=fields)
            changed = True
    if new:
        MaterialRequirement.objects.bulk_create(new)
        changed = True
    dropped = [m for m in current if m.pk not in used]
    if dropped:
        referenced = _referenced_materials([m.pk for m in dropped])
        retire = [m.pk for m in dropped if m.pk in referenced and m.is_active]
        delete = [m.pk for m in dropped if m.pk not in referenced]
        if retire:
            MaterialRequirement.all_objects.filter(pk__in=retire).update(is_active=False)
        if delete:
            MaterialRequirement.all_objects.filter(pk__in=delete).delete()
        counts["materials_retired"] += len(retire)
        counts["materials_deleted"] += len(delete)
        changed |= bool(retire or delete)
    return changed


def _free_code(taken: set[str]) -> str:
    n = len(taken) + 1
    while f"{MATERIAL_CODE_PREFIX}{n:02d}" in taken:
        n += 1
    return f"{MATERIAL_CODE_PREFIX}{n:02d}"


def _referenced_materials(ids: list[int]) -> set[int]:
    """Which of these materials a row of any model points at (an online application's upload, and whatever later
    apps add): found through the relations Django knows, so the catalog imports nothing from the apps above it."""
    found: set[int] = set()
    for relation in MaterialRequirement._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one):
            column = relation.field.name
            found |= set(relation.related_model._base_manager.filter(**{f"{column}__in": ids})
                         .values_list(column, flat=True))
    return found


def _upsert_bundle(b: dict) -> bool:
    values = {"name": b["name"], "description": b["description"], "is_active": True}
    bundle = ItemBundle.objects.filter(code=b["code"]).prefetch_related("items").first()
    changed = False
    if bundle is None:
        bundle = ItemBundle.objects.create(code=b["code"], **values)
        changed = True
    elif fields := _differences(bundle, values):
        bundle.save(update_fields=fields)
        changed = True
    if bundle.pk and {i.code for i in bundle.items.all()} != set(b["items"]):
        bundle.items.set(ServiceItem.objects.filter(code__in=b["items"]))
        changed = True
    return changed


def _check_bundle(row: int, raw: dict, items: set[str]) -> dict:
    code = raw.get("code")
    code = str(code).strip() if isinstance(code, str | int) and not isinstance(code, bool) else ""
    where = _("{where}（{code}）").format(where=raw.get("_where") or _("一件事第{row}项").format(row=row),
                                        code=code[:20] or _("无编码"))
    if not code or len(code) > 20 or has_control_characters(code):
        raise ValidationFailed(_("{where}字段 code：编码必填，且不超过20个字符。").format(where=where), field="code")

    def fail(field, message):
        raise ValidationFailed(_("{where}字段 {field}：{message}").format(where=where, field=field, message=message),
                               field=field)

    name = _text(raw, "name", max_length=60, fail=fail)
    if not name:
        fail("name", _("名称必填，且不超过60字。"))
    description = _text(raw, "description", max_length=200, fail=fail)
    members = raw.get("items")
    if not isinstance(members, list) or len(members) < 2 or not all(isinstance(m, str) for m in members):
        fail("items", _("一件事至少包含两个事项（编码列表）。"))
    unknown = [m for m in members if m not in items]
    if unknown:
        fail("items", _("事项 {codes} 不在清单中。").format(codes="、".join(unknown)[:250]))
    return {"code": code, "name": name, "description": description, "items": members}


def catalog_import_yaml(*, actor, text: str) -> dict[str, int]:
    """As catalog_import_data, from YAML text. Text larger than DOORSTEP_CATALOG_UPLOAD_MAX_BYTES, YAML that is not
    valid or nests too deeply is refused with a Chinese message."""
    limit = settings.DOORSTEP_CATALOG_UPLOAD_MAX_BYTES
    if len(text) > limit:
        raise ValidationFailed(_("文件超过 {size} MB。").format(size=limit // (1024 * 1024)), field="file")
    if has_control_characters(text.replace("\ufeff", "")):
        raise ValidationFailed(_("文件含有不允许的控制字符。"), field="file")
    try:
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader: no Python objects
    except yaml.YAMLError:
        raise ValidationFailed(_("文件不是有效的 YAML。")) from None
    except RecursionError:
        raise ValidationFailed(_("文件嵌套层数过多。"), field="file") from None
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
            {"code": i.code, "name": i.name, "keywords": i.keywords, "category": i.category.code,
             "events": [e.code for e in i.life_events.all()], "level": i.approval_level, "kind": i.kind,
             "days": i.promised_days, "fee": i.fee, "legal_basis": i.legal_basis, "conditions": i.conditions,
             "result": i.result, "rules": i.eligibility_rules, "form_fields": i.form_fields,
             "certificate": i.certificate, "district_wide": i.district_wide, "proxy": i.proxy_allowed,
             "online": i.online_allowed,
             "materials": [{"code": m.code, "name": m.name, "form": m.form, "shared": m.shared_data,
                            "note": m.note} for m in i.materials.all()]}
            for i in items
        ],
        "bundles": [
            {"code": b.code, "name": b.name, "description": b.description,
             "items": sorted(i.code for i in b.items.all())}
            for b in ItemBundle.objects.filter(is_active=True).prefetch_related("items")
        ],
    }
