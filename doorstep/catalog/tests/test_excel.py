"""The catalog as an Excel workbook: export, round trip, and import errors that name the sheet, the row and the
column, changing nothing; the admin page and the command."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from doorstep.audit.models import AuditEvent
from doorstep.cases.tests.test_pages import logged_in
from doorstep.catalog.excel import SHEETS
from doorstep.catalog.models import ServiceItem
from doorstep.catalog.services import catalog_export_data, catalog_export_xlsx, catalog_import_xlsx
from doorstep.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def workbook():
    return load_workbook(io.BytesIO(catalog_export_xlsx()))


def saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell(sheet, row: int, header: str):
    headers = [c.value for c in sheet[1]]
    return sheet.cell(row=row, column=headers.index(header) + 1)


def test_export_has_every_item_material_and_bundle_and_round_trips():
    book = workbook()
    assert book.sheetnames == list(SHEETS.values())
    assert book["事项"].max_row - 1 == ServiceItem.objects.count() == 49
    data = catalog_export_data()
    assert book["材料"].max_row - 1 == sum(len(i["materials"]) for i in data["items"])
    assert book["一件事"].max_row - 1 == len(data["bundles"]) == 3
    before = catalog_export_data()
    catalog_import_xlsx(actor=None, content=catalog_export_xlsx())
    assert catalog_export_data() == before


def test_an_edited_workbook_updates_the_items():
    book = workbook()
    sheet = book["事项"]
    cell(sheet, 2, "事项名称").value = "老年人优待证办理（新）"
    cell(sheet, 2, "可网上申请").value = "否"
    catalog_import_xlsx(actor=None, content=saved(book))
    item = ServiceItem.objects.get(code=cell(sheet, 2, "事项编码").value)
    assert item.name == "老年人优待证办理（新）" and not item.online_allowed


@pytest.mark.parametrize("edit, message", [
    (lambda b: setattr(cell(b["事项"], 7, "承诺时限（工作日）"), "value", "十天"), "事项表第7行 字段 承诺时限（工作日）"),
    (lambda b: setattr(cell(b["事项"], 5, "办件类型"), "value", "有时"), "事项表第5行 字段 办件类型：只能填“即办件”“承诺件”"),
    (lambda b: setattr(cell(b["事项"], 6, "审批层级"), "value", "市级"), "事项表第6行 字段 审批层级：只能填“社区”“街道”“区级”"),
    (lambda b: setattr(cell(b["事项"], 3, "可代办"), "value", "也许"), "事项表第3行 字段 可代办"),
    (lambda b: setattr(legacy_rules_cell(b, 4), "value", "{年龄"), "事项表第4行 字段 资格规则（JSON）"),
    (lambda b: setattr(cell(b["规则"], 2, "核查数据"), "value", "身高"), "规则表第2行 字段 核查数据：只能填“年龄”“家庭年人均收入”"),
    (lambda b: setattr(cell(b["规则"], 3, "比较"), "value", "差不多"), "规则表第3行 字段 比较"),
    (lambda b: setattr(cell(b["规则"], 2, "标准值"), "value", "六十"), "规则表第2行 字段 标准值：应为数字"),
    (lambda b: setattr(cell(b["规则"], 2, "标准值"), "value", 1e13), "规则表第2行 字段 标准值：数字超出范围"),
    (lambda b: setattr(cell(b["规则"], 4, "规则说明（朗读）"), "value", None), "规则表第4行 字段 规则说明（朗读）：必填"),
    (lambda b: setattr(cell(b["规则"], 2, "事项编码"), "value", "NOPE"), "规则表第2行 字段 事项编码：“NOPE”不在事项表中"),
    (lambda b: b.remove(b["规则"]), "缺少“规则”工作表"),
    (lambda b: setattr(cell(b["材料"], 9, "可共享核验"), "value", "dna"), "材料表第9行"),
    (lambda b: setattr(cell(b["材料"], 6, "事项编码"), "value", "NOPE"), "材料表第6行 字段 事项编码"),
    (lambda b: setattr(cell(b["一件事"], 2, "包含事项编码"), "value", "MZ-C01、NOPE"), "一件事表第2行"),
    (lambda b: b["事项"].delete_cols(2), "缺少“事项名称”列"),
    (lambda b: b.remove(b["材料"]), "缺少“材料”工作表"),
])
def test_import_errors_name_sheet_row_and_column_and_change_nothing(edit, message):
    book = workbook()
    cell(book["事项"], 2, "事项名称").value = "改过的名字"
    edit(book)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        catalog_import_xlsx(actor=None, content=saved(book))
    assert ServiceItem.objects.get(code="MZ-C01").name == "老年人优待证办理"
    assert AuditEvent.objects.count() == events


def legacy_rules_cell(book, row: int):
    """The cell of an older workbook's 资格规则（JSON） column (added at the end of the 事项 sheet) in `row`."""
    sheet = book["事项"]
    headers = [c.value for c in sheet[1]]
    if "资格规则（JSON）" not in headers:
        sheet.cell(row=1, column=len(headers) + 1).value = "资格规则（JSON）"
    return cell(sheet, row, "资格规则（JSON）")


def sheet_rows(sheet) -> list[dict]:
    headers = [c.value for c in sheet[1]]
    return [dict(zip(headers, row, strict=False)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_workbook_speaks_chinese_and_keeps_rules_as_rows():
    book = workbook()
    items = {r["事项编码"]: r for r in sheet_rows(book["事项"])}
    assert "资格规则（JSON）" not in items["MZ-C01"]
    assert {r["审批层级"] for r in items.values()} == {"社区", "街道", "区级"}
    assert {r["办件类型"] for r in items.values()} == {"即办件", "承诺件"}
    assert {r[h] for r in items.values() for h in ("全区通办", "可代办", "可网上申请")} == {"是", "否"}
    assert {r["可共享核验"] for r in sheet_rows(book["材料"])} <= {"", None, "身份信息", "户籍与家庭成员", "婚姻状况",
                                                                   "年龄", "家庭收入"}
    rules = sheet_rows(book["规则"])
    data = catalog_export_data()
    assert len(rules) == sum(len(i["rules"]) for i in data["items"])
    dibao = next(r for r in rules if r["事项编码"] == "MZ-D01")
    assert dibao["核查数据"] == "家庭年人均收入" and dibao["比较"] == "低于" and dibao["标准值"] == 9000
    assert dibao["规则说明（朗读）"].startswith("家庭年人均收入低于")


def test_excel_booleans_and_the_old_english_codes_still_import_unchanged():
    before = catalog_export_data()
    book = workbook()
    sheet = book["事项"]
    for row in range(2, sheet.max_row + 1):
        for header in ("全区通办", "可代办", "可网上申请"):  # Excel's own TRUE/FALSE cells
            cell(sheet, row, header).value = cell(sheet, row, header).value == "是"
        level = cell(sheet, row, "审批层级")
        level.value = {"社区": "community", "街道": "Street", "区级": "DISTRICT"}[level.value]
        kind = cell(sheet, row, "办件类型")
        kind.value = {"即办件": "instant", "承诺件": "promised"}[kind.value]
    for row in range(2, book["规则"].max_row + 1):
        op = cell(book["规则"], row, "比较")
        op.value = {"不低于": ">=", "低于": "<"}.get(op.value, op.value)
    content = saved(book)
    assert load_workbook(io.BytesIO(content))["事项"]["A1"].value == "事项编码"
    counts = catalog_import_xlsx(actor=None, content=content)
    assert counts["unchanged"] == 49
    assert catalog_export_data() == before


def test_an_older_workbook_with_rules_as_json_still_imports():
    book = workbook()
    book.remove(book["规则"])
    legacy_rules_cell(book, 2)
    sheet = book["事项"]
    for row in range(2, sheet.max_row + 1):
        code = cell(sheet, row, "事项编码").value
        rules = next(i["rules"] for i in catalog_export_data()["items"] if i["code"] == code)
        cell(sheet, row, "资格规则（JSON）").value = json.dumps(rules, ensure_ascii=False) if rules else None
    cell(sheet, 2, "资格规则（JSON）").value = json.dumps(
        [{"fact": "age", "op": ">=", "value": 65, "label": "年满65周岁"}], ensure_ascii=False)
    catalog_import_xlsx(actor=None, content=saved(book))
    item = ServiceItem.objects.get(code=cell(sheet, 2, "事项编码").value)
    assert item.eligibility_rules == [{"fact": "age", "op": ">=", "value": 65, "label": "年满65周岁"}]


def test_rules_are_edited_as_rows_of_the_rules_sheet():
    book = workbook()
    rules = book["规则"]
    row = next(r for r in range(2, rules.max_row + 1) if cell(rules, r, "事项编码").value == "MZ-C01")
    cell(rules, row, "标准值").value = "65"
    cell(rules, row, "规则说明（朗读）").value = "年满65周岁"
    rules.append(["MZ-C01", "家庭年人均收入", "≤", "12,000", "家庭年人均收入不高于12000元"])
    dibao = next(r for r in range(2, rules.max_row + 1) if cell(rules, r, "事项编码").value == "MZ-D01")
    rules.delete_rows(dibao)
    catalog_import_xlsx(actor=None, content=saved(book))
    assert ServiceItem.objects.get(code="MZ-C01").eligibility_rules == [
        {"fact": "age", "op": ">=", "value": 65, "label": "年满65周岁"},
        {"fact": "household_income_per_head_year", "op": "<=", "value": 12000, "label": "家庭年人均收入不高于12000元"}]
    assert ServiceItem.objects.get(code="MZ-D01").eligibility_rules == []


def test_rules_in_both_the_sheet_and_an_old_json_column_are_refused():
    book = workbook()
    legacy_rules_cell(book, 2).value = '[{"fact": "age", "op": ">=", "value": 70, "label": "年满70周岁"}]'
    code = cell(book["事项"], 2, "事项编码").value
    assert any(cell(book["规则"], r, "事项编码").value == code for r in range(2, book["规则"].max_row + 1))
    with pytest.raises(ValidationFailed, match=r"规则表第\d+行：事项“MZ-C01”的规则同时写在事项表第2行"):
        catalog_import_xlsx(actor=None, content=saved(book))


def test_not_a_workbook():
    for content in (b"", b"PK\x03\x04 not really", "事项清单".encode()):
        with pytest.raises(ValidationFailed, match="不是有效的 Excel"):
            catalog_import_xlsx(actor=None, content=content)


def test_admin_page_downloads_and_uploads_and_others_may_not(tmp_path):
    admin = logged_in("admin")
    page = admin.get("/catalog-admin/")
    assert page.status_code == 200 and "导入" in page.content.decode()
    xlsx = admin.get("/catalog-admin/export.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    yml = admin.get("/catalog-admin/export.yaml")
    assert "MZ-C01" in yml.content.decode()
    book = load_workbook(io.BytesIO(xlsx.content))
    cell(book["事项"], 2, "事项名称").value = "老年人优待证办理（页面导入）"
    upload = io.BytesIO(saved(book))
    upload.name = "事项清单.xlsx"
    done = admin.post("/catalog-admin/", {"file": upload}, follow=True).content.decode()
    assert "已导入" in done and ServiceItem.objects.get(code="MZ-C01").name.endswith("（页面导入）")
    bad = io.BytesIO(b"nonsense")
    bad.name = "x.xlsx"
    response = admin.post("/catalog-admin/", {"file": bad})
    assert response.status_code == 400 and "不是有效的 Excel" in response.content.decode()
    assert admin.post("/catalog-admin/", {}).status_code == 400
    for username in ("clerk_s01a", "leader"):
        assert logged_in(username).get("/catalog-admin/").status_code == 403
        assert logged_in(username).get("/catalog-admin/export.xlsx").status_code == 403
    street_admin = logged_in("admin_s01")
    assert street_admin.get("/catalog-admin/export.xlsx").status_code == 200
    assert 'type="file"' not in street_admin.get("/catalog-admin/").content.decode()
    upload.seek(0)
    assert street_admin.post("/catalog-admin/", {"file": upload}).status_code == 403
    assert admin.get("/catalog-admin/export.pdf").status_code == 404


def test_command_exports_and_imports_excel(tmp_path):
    path = tmp_path / "catalog.xlsx"
    call_command("catalog", "export", str(path))
    book = load_workbook(path)
    cell(book["事项"], 2, "事项名称").value = "命令行改名"
    book.save(path)
    call_command("catalog", "import", str(path))
    assert ServiceItem.objects.filter(name="命令行改名").exists()
    cell(book["事项"], 2, "办件类型").value = "坏"
    book.save(path)
    with pytest.raises(CommandError, match="事项表第2行"):
        call_command("catalog", "import", str(path))


def test_a_workbook_without_the_keywords_column_still_imports():
    book = workbook()
    sheet = book[SHEETS["items"]]
    header = [c.value for c in sheet[1]]
    sheet.delete_cols(header.index("别名/关键词") + 1)
    catalog_import_xlsx(actor=None, content=saved(book))
    # an older workbook says nothing about keywords: the items keep theirs
    assert ServiceItem.objects.count() == 49
    assert ServiceItem.objects.get(code="MZ-D01").keywords == "低保申请、低保"
