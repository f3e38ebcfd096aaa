"""The catalog (事项清单) as an Excel workbook: what a district office keeps its list in.

Sheets: 事项 (one row per item), 材料 (one row per material, by item code), 规则 (one row per eligibility rule, by
item code), 一件事 (bundles), 类别, 人生事件. Values are what an office types: 社区/街道/区级, 即办件/承诺件, 是/否,
身份信息 …, 不低于/低于 …; reading also takes Excel's own TRUE/FALSE cells and the English codes of older workbooks
(community, instant, identity, >=), and an older workbook's 资格规则（JSON） column (issue #11, item 11).
Reading turns the workbook into the same data as the YAML import, remembering for every item, material and rule the
sheet row it came from, so a validation error says 「事项表第7行 字段 承诺时限」 rather than an index. Pure conversion:
the import service validates and writes. Before openpyxl opens a workbook, its unpacked size is checked (a zip bomb or
one huge cell is refused unread); rows, columns and each cell's length are bounded while reading (catalog/limits.py).
"""

import io
import json
import math
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from doorstep.catalog.eligibility import FACT_LABELS, OPS
from doorstep.catalog.limits import check_workbook_archive, has_control_characters, parse_json_list
from doorstep.catalog.models import ApprovalLevel, ItemKind, SharedData
from doorstep.core.errors import ValidationFailed
from doorstep.core.spreadsheets import safe_row

# The workbook is a file format that is exported and read back: its sheet names, column headers and cell values stay
# Chinese whatever the page's language (hence the `# zh:` markers); only the import's error messages are translated.
ITEM_COLUMNS = [  # (data key, header)  # zh: workbook format (column headers)
    ("code", "事项编码"), ("name", "事项名称"), ("keywords", "别名/关键词"), ("category", "类别编码"),
    ("events", "人生事件编码"),
    ("level", "审批层级"), ("kind", "办件类型"), ("days", "承诺时限（工作日）"), ("fee", "收费标准"),
    ("legal_basis", "设定依据"), ("conditions", "办理条件"), ("result", "办理结果"),
    ("form_fields", "申请表字段（JSON）"), ("certificate", "办理结果（证照）"), ("district_wide", "全区通办"),
    ("proxy", "可代办"), ("online", "可网上申请"),
]
MATERIAL_COLUMNS = [  # zh: workbook format (column headers)
    ("item", "事项编码"), ("code", "材料编码"), ("name", "材料名称"), ("form", "形式"), ("shared", "可共享核验"),
    ("note", "说明")]
# rules as JSON in a cell, in workbooks exported before the 规则 sheet
LEGACY_RULES = ("rules", "资格规则（JSON）")  # zh: workbook format (column header)
# Workbooks exported before these columns existed still import; the legacy rules column is read when present.
OPTIONAL_COLUMNS = {"材料编码", "别名/关键词", "办理结果", LEGACY_RULES[1]}  # zh: workbook format (column headers)
RULE_COLUMNS = [  # zh: workbook format (column headers)
    ("item", "事项编码"), ("fact", "核查数据"), ("op", "比较"), ("value", "标准值"), ("label", "规则说明（朗读）")]
BUNDLE_COLUMNS = [  # zh: workbook format (column headers)
    ("code", "一件事编码"), ("name", "名称"), ("description", "说明"), ("items", "包含事项编码")]
CODE_NAME_COLUMNS = [("code", "编码"), ("name", "名称")]  # zh: workbook format (column headers)
SHEETS = {  # zh: workbook format (sheet names)
    "items": "事项", "materials": "材料", "rules": "规则", "bundles": "一件事", "categories": "类别",
    "life_events": "人生事件"}
YES, NO = "是", "否"  # zh: workbook format (cell values)
# The values a workbook shows (the first) and every spelling it accepts, per data value. Matching ignores case.
LEVEL_VALUES = {  # zh: workbook format (cell values)
    ApprovalLevel.COMMUNITY: ("社区", "社区办结"), ApprovalLevel.STREET: ("街道", "街道审批"),
    ApprovalLevel.DISTRICT: ("区级", "区", "区级审批")}
KIND_VALUES = {ItemKind.INSTANT: ("即办件", "即办"), ItemKind.PROMISED: ("承诺件", "承诺")}  # zh: workbook format
# the workbook's own words, in Chinese whatever the page's language (SharedData's labels are translated for pages)
SHARED_VALUES = {  # zh: workbook format (cell values)
    SharedData.IDENTITY: ("身份信息",), SharedData.HOUSEHOLD: ("户籍与家庭成员",), SharedData.MARRIAGE: ("婚姻状况",),
    SharedData.AGE: ("年龄",), SharedData.INCOME: ("家庭收入",)}
FACT_VALUES = {fact: (name,) for fact, (name, _unit) in FACT_LABELS.items()}
_OP_EXTRA = {  # zh: workbook format (other spellings of the comparisons)
    ">=": ("≥", "大于等于"), ">": ("＞", "大于"), "<": ("＜", "小于"), "<=": ("≤", "小于等于"), "==": ("=", "＝")}
OP_VALUES = {op: (word, *_OP_EXTRA[op]) for op, (_f, word) in OPS.items()}  # 不低于 …, as eligibility reads them aloud
TRUE_VALUES = {YES, "y", "yes", "1", "true", "√", "✓"}
FALSE_VALUES = {NO, "n", "no", "0", "false", "×", "✗"}
LIST_SEPARATOR = "、"
RULE_VALUE_LIMIT = 1e12  # as the import's validator (catalog/services.py): beyond any age or income
RULE_LABEL_MAX = 100


def _write_sheet(sheet, columns, rows) -> None:
    sheet.append([header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C0392B")
    for row in rows:
        sheet.append(safe_row(sheet, [row.get(key, "") for key, _header in columns]))
    for i, (_key, header) in enumerate(columns):
        sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "A2"


def catalog_to_xlsx(data: dict) -> bytes:
    """The export data (catalog_export_data) as a workbook."""
    book = Workbook()
    items = book.active
    items.title = SHEETS["items"]
    _write_sheet(items, ITEM_COLUMNS, [{
        **i, "events": LIST_SEPARATOR.join(i["events"]), "days": i["days"] or "",
        "level": _shown(LEVEL_VALUES, i["level"]), "kind": _shown(KIND_VALUES, i["kind"]),
        "form_fields": json.dumps(i["form_fields"], ensure_ascii=False) if i["form_fields"] else "",
        "district_wide": YES if i["district_wide"] else NO, "proxy": YES if i["proxy"] else NO,
        "online": YES if i["online"] else NO} for i in data["items"]])
    _write_sheet(book.create_sheet(SHEETS["materials"]), MATERIAL_COLUMNS,
                 [{**m, "item": i["code"], "shared": _shown(SHARED_VALUES, m["shared"])}
                  for i in data["items"] for m in i["materials"]])
    _write_sheet(book.create_sheet(SHEETS["rules"]), RULE_COLUMNS,
                 [{"item": i["code"], "fact": _shown(FACT_VALUES, r.get("fact")), "op": _shown(OP_VALUES, r.get("op")),
                   "value": r.get("value"), "label": r.get("label", "")}
                  for i in data["items"] for r in (i["rules"] or []) if isinstance(r, dict)])
    _write_sheet(book.create_sheet(SHEETS["bundles"]), BUNDLE_COLUMNS,
                 [{**b, "items": LIST_SEPARATOR.join(b["items"])} for b in data["bundles"]])
    _write_sheet(book.create_sheet(SHEETS["categories"]), CODE_NAME_COLUMNS, data["categories"])
    _write_sheet(book.create_sheet(SHEETS["life_events"]), CODE_NAME_COLUMNS, data["life_events"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown(table: dict, value) -> str:
    """The workbook's word for a data value (社区 for community); a value the table does not know is written as is."""
    return table[value][0] if value in table else ("" if value is None else str(value))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # a cell Excel itself holds as a boolean
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(book, key: str, columns, *, required: bool) -> list[tuple[int, dict]]:
    """(sheet row number, {data key: cell text}) for each non-empty row; the headers are matched by name. At most
    DOORSTEP_XLSX_MAX_ROWS rows and DOORSTEP_XLSX_MAX_COLUMNS columns are read, and no cell longer than
    DOORSTEP_XLSX_MAX_CELL_CHARS is accepted."""
    title = SHEETS[key]
    if title not in book.sheetnames:
        if required:
            raise ValidationFailed(_("工作簿缺少“{sheet}”工作表。").format(sheet=title), field=key)
        return []
    sheet = book[title]
    max_rows, max_cols = settings.DOORSTEP_XLSX_MAX_ROWS, settings.DOORSTEP_XLSX_MAX_COLUMNS
    max_chars = settings.DOORSTEP_XLSX_MAX_CELL_CHARS
    if (sheet.max_column or 0) > max_cols:
        raise ValidationFailed(_("“{sheet}”工作表超过{count}列。").format(sheet=title, count=max_cols), field=key)
    header = [_text(h) for h in next(sheet.iter_rows(min_row=1, max_row=1, max_col=max_cols, values_only=True), ())]
    positions = {}
    for data_key, name in columns:
        if name not in header:
            if name in OPTIONAL_COLUMNS:
                continue
            raise ValidationFailed(_("“{sheet}”工作表缺少“{column}”列。").format(sheet=title, column=name),
                                   field=data_key)
        positions[data_key] = header.index(name)
    width = max(positions.values()) + 1
    names = dict(columns)
    result = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if number - 1 > max_rows:
            raise ValidationFailed(_("“{sheet}”工作表超过{count}行。").format(sheet=title, count=max_rows), field=key)
        cells = {k: _text(values[p]) if p < len(values) else "" for k, p in positions.items()}
        for k, text in cells.items():
            if len(text) > max_chars:
                raise ValidationFailed(_("{sheet}表第{row}行 字段 {column}：内容过长（最多{max_chars}个字符）。").format(
                    sheet=title, row=number, column=names[k], max_chars=f"{max_chars:,}"), field=k)
            if has_control_characters(text):
                raise ValidationFailed(_("{sheet}表第{row}行 字段 {column}：含有不允许的控制字符。").format(
                    sheet=title, row=number, column=names[k]), field=k)
        if any(cells.values()):
            cells.setdefault("code", "")
            result.append((number, cells))
    return result


def _yes_no(value: str, where: str, header: str, *, default: bool) -> bool:
    """是/否, Excel's TRUE/FALSE, and the Y/N, 1/0 of older workbooks; empty gives the default."""
    if value == "":
        return default
    if value.lower() in TRUE_VALUES:
        return True
    if value.lower() in FALSE_VALUES:
        return False
    raise ValidationFailed(_("{where} 字段 {column}：只能填“是”或“否”，收到“{value}”。").format(
        where=where, column=header, value=value[:20]), field=header)


def _choice(table: dict, value: str, where: str, header: str, field: str, *, allow_empty: bool = False) -> str:
    """The data value for a cell: any spelling in `table` or the data value itself (older workbooks), any case."""
    if value == "" and allow_empty:
        return ""
    wanted = value.lower()
    for data_value, spellings in table.items():
        if wanted == str(data_value).lower() or wanted in (s.lower() for s in spellings):
            return str(data_value)
    shown = pgettext("quoted list separator", "”“").join(spellings[0] for spellings in table.values())
    raise ValidationFailed(_("{where} 字段 {column}：只能填“{allowed}”，收到“{value}”。").format(
        where=where, column=header, allowed=shown, value=value[:20]), field=field)


def _number(value: str, where: str, header: str, field: str) -> int | float:
    text = value.replace(",", "").replace("，", "")
    try:
        number = float(text)
    except (ValueError, OverflowError):
        raise ValidationFailed(_("{where} 字段 {column}：应为数字，收到“{value}”。").format(
            where=where, column=header, value=value[:20]), field=field) from None
    if not math.isfinite(number) or abs(number) > RULE_VALUE_LIMIT:
        raise ValidationFailed(_("{where} 字段 {column}：数字超出范围。").format(where=where, column=header), field=field)
    return int(number) if number.is_integer() and "." not in text else number


def _json_list(value: str, where: str, header: str) -> list:
    return parse_json_list(value, where=where, field=header)


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.replace(",", LIST_SEPARATOR).replace("，", LIST_SEPARATOR)
            .split(LIST_SEPARATOR) if p.strip()]


def catalog_from_xlsx(content: bytes) -> dict:
    """A workbook's bytes → import data with `_where` on every item and material; ValidationFailed (naming the sheet,
    the row and the column) for anything that cannot be read."""
    limit = settings.DOORSTEP_CATALOG_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationFailed(_("文件超过 {size} MB。").format(size=limit // (1024 * 1024)), field="file")
    check_workbook_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError):
        raise ValidationFailed(_("文件不是有效的 Excel 工作簿（.xlsx）。"), field="file") from None
    try:
        return _catalog_from_book(book)
    finally:
        book.close()


def _catalog_from_book(book) -> dict:
    headers = dict(ITEM_COLUMNS + [LEGACY_RULES])
    items, by_code = [], {}
    legacy_rules = False
    for number, cells in _rows(book, "items", ITEM_COLUMNS + [LEGACY_RULES], required=True):
        where = _("{sheet}表第{row}行").format(sheet=SHEETS["items"], row=number)
        try:
            days = int(float(cells["days"])) if cells["days"] else 0
        except (ValueError, OverflowError):
            raise ValidationFailed(_("{where} 字段 {column}：应为整数（工作日），收到“{value}”。").format(
                where=where, column=headers["days"], value=cells["days"]), field="days") from None
        item = {
            "_where": where, "code": cells["code"], "name": cells["name"], "category": cells["category"],
            "events": _split(cells["events"]),
            "level": _choice(LEVEL_VALUES, cells["level"], where, headers["level"], "level"),
            "kind": _choice(KIND_VALUES, cells["kind"], where, headers["kind"], "kind"), "days": days,
            "fee": cells["fee"], "legal_basis": cells["legal_basis"], "conditions": cells["conditions"],
            "rules": [],
            "form_fields": _json_list(cells["form_fields"], where, headers["form_fields"]),
            "certificate": cells["certificate"],
            "district_wide": _yes_no(cells["district_wide"], where, headers["district_wide"], default=True),
            "proxy": _yes_no(cells["proxy"], where, headers["proxy"], default=True),
            "online": _yes_no(cells["online"], where, headers["online"], default=False),
            "materials": [],
        }
        if "rules" in cells:  # an older workbook: the rules as JSON in a cell
            legacy_rules = True
            item["rules"] = _json_list(cells["rules"], where, headers["rules"])
            item["_legacy_rules"] = bool(item["rules"])
        if "keywords" in cells:  # a workbook from before the column: the items keep their keywords
            item["keywords"] = cells["keywords"]
        if "result" in cells:  # likewise 办理结果
            item["result"] = cells["result"]
        items.append(item)
        by_code.setdefault(item["code"], item)
    material_headers = dict(MATERIAL_COLUMNS)
    for number, cells in _rows(book, "materials", MATERIAL_COLUMNS, required=True):
        where = _("{sheet}表第{row}行").format(sheet=SHEETS["materials"], row=number)
        owner = by_code.get(cells["item"])
        if owner is None:
            raise ValidationFailed(_("{where} 字段 {column}：“{code}”不在事项表中。").format(
                where=where, column=material_headers["item"], code=cells["item"]), field="item")
        shared = _choice(SHARED_VALUES, cells["shared"], where, material_headers["shared"], "shared", allow_empty=True)
        owner["materials"].append({"_where": where, "code": cells["code"], "name": cells["name"],
                                   "form": cells["form"] or "原件",  # zh: stored default (a material's form)
                                   "shared": shared, "note": cells["note"]})
    if SHEETS["rules"] not in book.sheetnames and not legacy_rules:
        raise ValidationFailed(_("工作簿缺少“{sheet}”工作表。").format(sheet=SHEETS["rules"]), field="rules")
    _read_rules(book, by_code)
    bundles = [{"_where": _("{sheet}表第{row}行").format(sheet=SHEETS["bundles"], row=number), "code": c["code"],
                "name": c["name"], "description": c["description"], "items": _split(c["items"])}
               for number, c in _rows(book, "bundles", BUNDLE_COLUMNS, required=False)]
    categories = [c for _, c in _rows(book, "categories", CODE_NAME_COLUMNS, required=False)]
    events = [c for _, c in _rows(book, "life_events", CODE_NAME_COLUMNS, required=False)]
    for item in items:
        item.pop("_legacy_rules", None)
    return {"categories": categories, "life_events": events, "items": items, "bundles": bundles}


def _read_rules(book, by_code: dict[str, dict]) -> None:
    """The 规则 sheet's rows onto their items, in sheet order. An item whose rules an older workbook's JSON column
    also gives is refused: the two would disagree, and nobody could tell which one the office meant."""
    headers = dict(RULE_COLUMNS)
    sheet_rules: dict[str, list[dict]] = {}
    for number, cells in _rows(book, "rules", RULE_COLUMNS, required=False):
        where = _("{sheet}表第{row}行").format(sheet=SHEETS["rules"], row=number)
        owner = by_code.get(cells["item"])
        if owner is None:
            raise ValidationFailed(_("{where} 字段 {column}：“{code}”不在事项表中。").format(
                where=where, column=headers["item"], code=cells["item"][:20]), field="item")
        if owner.get("_legacy_rules"):
            raise ValidationFailed(
                _("{where}：事项“{code}”的规则同时写在{item_row}的“{column}”列，请只保留规则表中的行，并清空该列。").format(
                    where=where, code=cells["item"], item_row=owner["_where"], column=LEGACY_RULES[1]), field="rules")
        label = cells["label"]
        if not label:
            raise ValidationFailed(_("{where} 字段 {column}：必填，写明可向居民朗读的条件。").format(
                where=where, column=headers["label"]), field="label")
        if len(label) > RULE_LABEL_MAX:
            raise ValidationFailed(_("{where} 字段 {column}：不超过{count}个字符。").format(
                where=where, column=headers["label"], count=RULE_LABEL_MAX), field="label")
        sheet_rules.setdefault(owner["code"], []).append({
            "fact": _choice(FACT_VALUES, cells["fact"], where, headers["fact"], "fact"),
            "op": _choice(OP_VALUES, cells["op"], where, headers["op"], "op"),
            "value": _number(cells["value"], where, headers["value"], "value"),
            "label": label,
        })
    for code, rules in sheet_rules.items():
        by_code[code]["rules"] = rules
