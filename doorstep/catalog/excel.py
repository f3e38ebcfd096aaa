"""The catalog (事项清单) as an Excel workbook: what a district office keeps its list in.

Sheets: 事项 (one row per item), 材料 (one row per material, by item code), 一件事 (bundles), 类别, 人生事件.
Reading turns the workbook into the same data as the YAML import, remembering for every item and material the sheet
row it came from, so a validation error says 「事项表第7行 字段 承诺时限」 rather than an index. Pure conversion: the
import service validates and writes. Before openpyxl opens a workbook, its unpacked size is checked (a zip bomb or one
huge cell is refused unread); rows, columns and each cell's length are bounded while reading (catalog/limits.py).
"""

import io
import json
import zipfile

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from doorstep.catalog.limits import check_workbook_archive, has_control_characters, parse_json_list
from doorstep.core.errors import ValidationFailed
from doorstep.core.spreadsheets import safe_row

ITEM_COLUMNS = [  # (data key, header)
    ("code", "事项编码"), ("name", "事项名称"), ("keywords", "别名/关键词"), ("category", "类别编码"),
    ("events", "人生事件编码"),
    ("level", "审批层级"), ("kind", "办件类型"), ("days", "承诺时限（工作日）"), ("fee", "收费标准"),
    ("legal_basis", "设定依据"), ("conditions", "办理条件"), ("rules", "资格规则（JSON）"),
    ("form_fields", "申请表字段（JSON）"), ("certificate", "办理结果（证照）"), ("district_wide", "全区通办"),
    ("proxy", "可代办"), ("online", "可网上申请"),
]
MATERIAL_COLUMNS = [("item", "事项编码"), ("code", "材料编码"), ("name", "材料名称"), ("form", "形式"),
                    ("shared", "可共享核验"), ("note", "说明")]
OPTIONAL_COLUMNS = {"材料编码", "别名/关键词"}  # workbooks exported before these columns existed still import
BUNDLE_COLUMNS = [("code", "一件事编码"), ("name", "名称"), ("description", "说明"), ("items", "包含事项编码")]
CODE_NAME_COLUMNS = [("code", "编码"), ("name", "名称")]
SHEETS = {"items": "事项", "materials": "材料", "bundles": "一件事", "categories": "类别", "life_events": "人生事件"}
YES, NO = "是", "否"
LIST_SEPARATOR = "、"


def _write_sheet(sheet, columns, rows) -> None:
    sheet.append([header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C0392B")
    for row in rows:
        sheet.append(safe_row(sheet, [row.get(key, "") for key, _ in columns]))
    for i, (_, header) in enumerate(columns):
        sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "A2"


def catalog_to_xlsx(data: dict) -> bytes:
    """The export data (catalog_export_data) as a workbook."""
    book = Workbook()
    items = book.active
    items.title = SHEETS["items"]
    _write_sheet(items, ITEM_COLUMNS, [{
        **i, "events": LIST_SEPARATOR.join(i["events"]), "days": i["days"] or "",
        "rules": json.dumps(i["rules"], ensure_ascii=False) if i["rules"] else "",
        "form_fields": json.dumps(i["form_fields"], ensure_ascii=False) if i["form_fields"] else "",
        "district_wide": YES if i["district_wide"] else NO, "proxy": YES if i["proxy"] else NO,
        "online": YES if i["online"] else NO} for i in data["items"]])
    _write_sheet(book.create_sheet(SHEETS["materials"]), MATERIAL_COLUMNS,
                 [{**m, "item": i["code"]} for i in data["items"] for m in i["materials"]])
    _write_sheet(book.create_sheet(SHEETS["bundles"]), BUNDLE_COLUMNS,
                 [{**b, "items": LIST_SEPARATOR.join(b["items"])} for b in data["bundles"]])
    _write_sheet(book.create_sheet(SHEETS["categories"]), CODE_NAME_COLUMNS, data["categories"])
    _write_sheet(book.create_sheet(SHEETS["life_events"]), CODE_NAME_COLUMNS, data["life_events"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
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
            raise ValidationFailed(f"工作簿缺少“{title}”工作表。", field=key)
        return []
    sheet = book[title]
    max_rows, max_cols = settings.DOORSTEP_XLSX_MAX_ROWS, settings.DOORSTEP_XLSX_MAX_COLUMNS
    max_chars = settings.DOORSTEP_XLSX_MAX_CELL_CHARS
    if (sheet.max_column or 0) > max_cols:
        raise ValidationFailed(f"“{title}”工作表超过{max_cols}列。", field=key)
    header = [_text(h) for h in next(sheet.iter_rows(min_row=1, max_row=1, max_col=max_cols, values_only=True), ())]
    positions = {}
    for data_key, name in columns:
        if name not in header:
            if name in OPTIONAL_COLUMNS:
                continue
            raise ValidationFailed(f"“{title}”工作表缺少“{name}”列。", field=data_key)
        positions[data_key] = header.index(name)
    width = max(positions.values()) + 1
    names = dict(columns)
    result = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if number - 1 > max_rows:
            raise ValidationFailed(f"“{title}”工作表超过{max_rows}行。", field=key)
        cells = {k: _text(values[p]) if p < len(values) else "" for k, p in positions.items()}
        for k, text in cells.items():
            if len(text) > max_chars:
                raise ValidationFailed(f"{title}表第{number}行 字段 {names[k]}：内容过长（最多{max_chars:,}个字符）。",
                                       field=k)
            if has_control_characters(text):
                raise ValidationFailed(f"{title}表第{number}行 字段 {names[k]}：含有不允许的控制字符。", field=k)
        if any(cells.values()):
            cells.setdefault("code", "")
            result.append((number, cells))
    return result


def _yes_no(value: str, where: str, header: str, *, default: bool) -> bool:
    if value == "":
        return default
    if value in (YES, "Y", "y", "1", "TRUE", "true"):
        return True
    if value in (NO, "N", "n", "0", "FALSE", "false"):
        return False
    raise ValidationFailed(f"{where} 字段 {header}：只能填“是”或“否”，收到“{value}”。", field=header)


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
        raise ValidationFailed(f"文件超过 {limit // (1024 * 1024)} MB。", field="file")
    check_workbook_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError):
        raise ValidationFailed("文件不是有效的 Excel 工作簿（.xlsx）。", field="file") from None
    try:
        return _catalog_from_book(book)
    finally:
        book.close()


def _catalog_from_book(book) -> dict:
    headers = dict(ITEM_COLUMNS)
    items, by_code = [], {}
    for number, cells in _rows(book, "items", ITEM_COLUMNS, required=True):
        where = f"事项表第{number}行"
        try:
            days = int(float(cells["days"])) if cells["days"] else 0
        except (ValueError, OverflowError):
            raise ValidationFailed(f"{where} 字段 {headers['days']}：应为整数（工作日），收到“{cells['days']}”。",
                                   field="days") from None
        item = {
            "_where": where, "code": cells["code"], "name": cells["name"], "category": cells["category"],
            "events": _split(cells["events"]), "level": cells["level"], "kind": cells["kind"], "days": days,
            "fee": cells["fee"], "legal_basis": cells["legal_basis"], "conditions": cells["conditions"],
            "rules": _json_list(cells["rules"], where, headers["rules"]),
            "form_fields": _json_list(cells["form_fields"], where, headers["form_fields"]),
            "certificate": cells["certificate"],
            "district_wide": _yes_no(cells["district_wide"], where, headers["district_wide"], default=True),
            "proxy": _yes_no(cells["proxy"], where, headers["proxy"], default=True),
            "online": _yes_no(cells["online"], where, headers["online"], default=False),
            "materials": [],
        }
        if "keywords" in cells:  # a workbook from before the column: the items keep their keywords
            item["keywords"] = cells["keywords"]
        items.append(item)
        by_code.setdefault(item["code"], item)
    for number, cells in _rows(book, "materials", MATERIAL_COLUMNS, required=True):
        where = f"材料表第{number}行"
        owner = by_code.get(cells["item"])
        if owner is None:
            raise ValidationFailed(f"{where} 字段 事项编码：“{cells['item']}”不在事项表中。", field="item")
        owner["materials"].append({"_where": where, "code": cells["code"], "name": cells["name"],
                                   "form": cells["form"] or "原件", "shared": cells["shared"], "note": cells["note"]})
    bundles = [{"_where": f"一件事表第{number}行", "code": c["code"], "name": c["name"],
                "description": c["description"], "items": _split(c["items"])}
               for number, c in _rows(book, "bundles", BUNDLE_COLUMNS, required=False)]
    categories = [c for _, c in _rows(book, "categories", CODE_NAME_COLUMNS, required=False)]
    events = [c for _, c in _rows(book, "life_events", CODE_NAME_COLUMNS, required=False)]
    return {"categories": categories, "life_events": events, "items": items, "bundles": bundles}
