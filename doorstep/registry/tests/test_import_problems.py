"""Every kind of bad row is named by sheet, row (as Excel shows it) and column, with a message in the reader's
language, personal numbers masked — and an import with any of them writes nothing (issue #12 item 4)."""

import pytest
from django.utils import translation

from doorstep.org.models import OrgNode
from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, ORG, RESIDENTS
from doorstep.registry.ledger.services import ledger_run
from doorstep.registry.models import Building, Household, Resident, ResidentNameKey
from doorstep.registry.tests.ledger_fixtures import as_csv_zip, as_xlsx, awkward_ledger

pytestmark = pytest.mark.django_db


def _set(kind, index, **values):
    def change(ledger):
        ledger[kind][index].update(values)
    return change


def _drop_column(kind, header):
    def change(ledger):  # a file whose sheet lacks the column altogether
        return _zip_without(ledger, kind, header)
    return change


def _zip_without(ledger, kind, header):
    import io
    import zipfile

    from doorstep.registry.ledger.columns import SHEETS
    from doorstep.registry.tests.ledger_fixtures import csv_text

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for k in (ORG, BUILDINGS, HOUSEHOLDS, RESIDENTS):
            text = csv_text(ledger, k)
            if k == kind:
                at = text.splitlines()[0].split(",").index(header)
                text = "\r\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != at)
                                    for line in text.splitlines())
            archive.writestr(SHEETS[k].name + ".csv", text)
    return out.getvalue()


def _float_number(ledger):  # Excel kept an 18-digit number as a number: its last digits are gone
    ledger[RESIDENTS][0]["证件号码"] = 4.30321195501010011e17


def _copy_row(kind, source, target):
    def change(ledger):
        key = {RESIDENTS: ("证件号码", "证件类型"), HOUSEHOLDS: ("户号",), BUILDINGS: ("楼栋编码",)}[kind]
        ledger[kind][target].update({k: ledger[kind][source].get(k, "") for k in key})
    return change


def _other_district(ledger):  # the test world's 岳塘区 resident 谢小波
    from doorstep.core.idnumbers import complete_id_number

    ledger[RESIDENTS][3].update({"证件类型": "", "证件号码": complete_id_number("43030419900307001")})


CASES = {
    # id: (change, sheet, Excel row, column, words in the message, value shown)
    "missing_column": (_drop_column(RESIDENTS, "户号"), "居民.csv", 1, "户号", "缺少必填列", ""),
    "name_with_digits": (_set(RESIDENTS, 2, 姓名="张3"), "居民", 4, "姓名*", "不能有“3”", "张3"),
    "name_too_long": (_set(RESIDENTS, 2, 姓名="阿" * 51), "居民", 4, "姓名*", "不能超过50个字", "阿" * 51),
    "check_digit": (_set(RESIDENTS, 0, 证件号码="430321195501010012"), "居民", 2, "证件号码*", "校验位",
                    "4303**********0012"),
    "id_number_as_excel_number": (_float_number, "居民", 2, "证件号码*", "文本格式", None),
    "document_type_word": (_set(RESIDENTS, 8, 证件类型="驾驶证"), "居民", 10, "证件类型", "无法识别“驾驶证”", "驾驶证"),
    "birth_date_disagrees": (_set(RESIDENTS, 0, 出生日期="1960-01-01"), "居民", 2, "证件号码*", "出生日期", None),
    "gender_disagrees": (_set(RESIDENTS, 0, 性别="女"), "居民", 2, "证件号码*", "性别", None),
    "passport_without_gender": (_set(RESIDENTS, 8, 性别=""), "居民", 10, "性别", "请填写性别", ""),
    "birth_date_unreadable": (_set(RESIDENTS, 8, 出生日期="去年"), "居民", 10, "出生日期", "日期无法识别", "去年"),
    "birth_date_ahead": (_set(RESIDENTS, 8, 出生日期="2999-01-01"), "居民", 10, "出生日期", "合理范围", "2999-01-01"),
    "phone": (_set(RESIDENTS, 1, 联系电话="12345"), "居民", 3, "联系电话", "11位手机号", "*****"),
    "flag_word": (_set(RESIDENTS, 1, 党员="也许"), "居民", 3, "党员", "是”或“否", "也许"),
    "relation_word": (_set(RESIDENTS, 1, 与户主关系="邻居"), "居民", 3, "与户主关系*", "无法识别“邻居”", "邻居"),
    "unknown_household": (_set(RESIDENTS, 1, 户号="NOPE1"), "居民", 3, "户号*", "户号NOPE1不在", "NOPE1"),
    "same_document_twice": (_copy_row(RESIDENTS, 0, 6), "居民", 8, "证件号码*", "与第2行重复", None),
    "two_heads": (_set(RESIDENTS, 1, 与户主关系="户主"), "居民", 3, "与户主关系*", "已有户主（第2行）", "户主"),
    "registered_in_another_district": (_other_district, "居民", 5, "证件号码*", "本区以外", "4303**********0016"),
    "same_household_twice": (_copy_row(HOUSEHOLDS, 0, 2), "户", 4, "户号*", "与第2行重复", None),
    "household_building_missing": (_set(HOUSEHOLDS, 1, 楼栋编码="NOPE"), "户", 3, "楼栋编码*", "楼栋NOPE不在", "NOPE"),
    "household_kind": (_set(HOUSEHOLDS, 1, 户别="集体"), "户", 3, "户别", "无法识别“集体”", "集体"),
    "building_grid_missing": (_set(BUILDINGS, 0, 网格编码="430302091001009"), "楼栋", 2, "网格编码*", "网格430302091001009",
                              "430302091001009"),
    "building_grid_not_digits": (_set(BUILDINGS, 0, 网格编码="第三网格"), "楼栋", 2, "网格编码*", "15位数字", "第三网格"),
    "coordinates_swapped": (_set(BUILDINGS, 0, 纬度="112.9", 经度="27.8"), "楼栋", 2, "纬度", "填反", "112.9"),
    "one_coordinate": (_set(BUILDINGS, 0, 经度=""), "楼栋", 2, "经度", "都填", ""),
    "org_code_length": (_set(ORG, 1, 编码="43030209100"), "组织机构", 3, "编码*", "12位", "43030209100"),
    "org_outside_district": (_set(ORG, 0, 编码="430304091"), "组织机构", 2, "编码*", "本区", "430304091"),
    "org_parent_disagrees": (_set(ORG, 1, 上级编码="430302001"), "组织机构", 3, "上级编码", "前9位", "430302001"),
    "org_level_word": (_set(ORG, 0, 层级="大队"), "组织机构", 2, "层级*", "无法识别“大队”", "大队"),
}


def counts():
    return (OrgNode.objects.count(), Building.objects.count(), Household.objects.count(), Resident.objects.count(),
            ResidentNameKey.objects.count())


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_row_is_named_by_sheet_row_and_column_and_nothing_is_written(case):
    change, sheet, row, column, words, value = CASES[case]
    ledger = awkward_ledger(12)
    content = change(ledger) or as_xlsx(ledger)
    before = counts()
    report = ledger_run(actor=None, content=content, file_name="bad.xlsx",
                        district=OrgNode.objects.get(code="430302"), commit=True)
    assert not report.committed and counts() == before
    errors = [p for p in report.problems if p.level == "error"]
    assert any((p.sheet, p.row, p.column) == (sheet, row, column) and words in p.message for p in errors), errors
    if value is not None:
        (problem,) = [p for p in errors if (p.sheet, p.row, p.column) == (sheet, row, column)]
        assert problem.value == value


def test_every_problem_of_a_file_is_reported_not_only_the_first():
    ledger = awkward_ledger(12)
    for index in (0, 4, 11):
        ledger[RESIDENTS][index]["联系电话"] = "999"
    ledger[HOUSEHOLDS][0]["门牌"] = ""
    report = ledger_run(actor=None, content=as_csv_zip(ledger), file_name="bad.zip",
                        district=OrgNode.objects.get(code="430302"))
    rows = sorted((p.sheet, p.row, p.column) for p in report.problems if p.level == "error")
    assert rows == [("居民.csv", 2, "联系电话"), ("居民.csv", 6, "联系电话"), ("居民.csv", 13, "联系电话"),
                    ("户.csv", 2, "门牌")]
    # rows 3 and 4 live in the household in error: they cannot be imported, and are not blamed a second time
    assert report.counts[RESIDENTS].errors == 5 and report.counts[HOUSEHOLDS].errors == 1


def test_problems_are_worded_in_the_readers_language_and_the_columns_stay_the_files_own():
    ledger = awkward_ledger(12)
    ledger[RESIDENTS][1]["联系电话"] = "999"
    with translation.override("en"):
        report = ledger_run(actor=None, content=as_xlsx(ledger), file_name="bad.xlsx",
                            district=OrgNode.objects.get(code="430302"))
    (problem,) = [p for p in report.problems if p.level == "error"]
    assert problem.column == "联系电话" and problem.message.isascii() and "mobile" in problem.message


def test_a_title_row_above_the_header_and_unknown_columns_are_taken_in_stride():
    from openpyxl import Workbook

    from doorstep.registry.ledger.columns import SHEETS

    ledger = awkward_ledger(12)
    book = Workbook()
    book.remove(book.active)
    for kind in (RESIDENTS, HOUSEHOLDS, BUILDINGS, ORG):  # any sheet order
        sheet = book.create_sheet(SHEETS[kind].name)
        headers = [c.header for c in SHEETS[kind].columns]
        if kind == RESIDENTS:
            sheet.append(["测试社区实有人口台账（2026年）"])
            headers = ["序号", *["身份证号" if h == "证件号码" else "手机号" if h == "联系电话" else h for h in headers]]
        sheet.append(headers)
        for i, row in enumerate(ledger[kind]):
            values = [row.get(c.header, "") for c in SHEETS[kind].columns]
            sheet.append([i + 1, *values] if kind == RESIDENTS else values)
    import io

    out = io.BytesIO()
    book.save(out)
    report = ledger_run(actor=None, content=out.getvalue(), file_name="title.xlsx",
                        district=OrgNode.objects.get(code="430302"))
    assert report.ok and report.counts[RESIDENTS].new == 12, report.problems[:3]
    assert report.ignored_columns == {"居民": ["序号"]}


def _reordered_zip(ledger, kind, headers_first_to_last):
    """The ledger as a CSV zip whose `kind` sheet has its columns in another order than the template's."""
    import csv
    import io
    import zipfile

    from doorstep.registry.ledger.columns import SHEETS
    from doorstep.registry.tests.ledger_fixtures import csv_text

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for k in (ORG, BUILDINGS, HOUSEHOLDS, RESIDENTS):
            if k == kind:
                text = io.StringIO()
                writer = csv.writer(text, lineterminator="\r\n")
                writer.writerow(headers_first_to_last)
                for row in ledger[k]:
                    writer.writerow([row.get(h, "") for h in headers_first_to_last])
                archive.writestr(SHEETS[k].name + ".csv", text.getvalue())
            else:
                archive.writestr(SHEETS[k].name + ".csv", csv_text(ledger, k))
    return out.getvalue()


def test_problems_are_sorted_by_sheet_then_row_then_column_in_the_report_and_the_error_workbook():
    import io

    from openpyxl import load_workbook

    from doorstep.registry.ledger.columns import SHEETS
    from doorstep.registry.ledger.workbook import errors_xlsx

    ledger = awkward_ledger(12)
    ledger[RESIDENTS][10]["联系电话"] = "999"  # row 12: found while reading the batch
    ledger[RESIDENTS][6].update({k: ledger[RESIDENTS][0].get(k, "") for k in ("证件号码", "证件类型")})  # row 8:
    # a duplicate, found after the whole batch was read
    ledger[RESIDENTS][2].update({"联系电话": "12", "党员": "也许", "姓名": "张3"})  # row 4: three columns
    ledger[HOUSEHOLDS][1]["户别"] = "集体"
    ledger[ORG][3]["名称"] = ""  # row 5: its grid's buildings, households and residents are not blamed again
    headers = [c.header for c in SHEETS[RESIDENTS].columns][::-1]  # the file's own column order: 工作单位 … 姓名
    report = ledger_run(actor=None, content=_reordered_zip(ledger, RESIDENTS, headers), file_name="bad.zip",
                        district=OrgNode.objects.get(code="430302"))
    listed = [(p.sheet, p.row, p.column) for p in report.problems if p.level == "error"]  # warnings between them
    assert listed == [("组织机构.csv", 5, "名称"), ("户.csv", 3, "户别"),
                      ("居民.csv", 4, "党员"), ("居民.csv", 4, "联系电话"), ("居民.csv", 4, "姓名"),
                      ("居民.csv", 8, "证件号码"), ("居民.csv", 12, "联系电话")]
    book = load_workbook(io.BytesIO(errors_xlsx(report)), read_only=True)
    rows = list(book["问题清单"].iter_rows(values_only=True))[1:]
    assert [r[:3] for r in rows if r[5] == "错误"] == listed
    assert [r[:3] for r in rows] == [(p.sheet, p.row, p.column) for p in report.problems]


def test_the_error_workbook_explains_its_columns_and_says_to_correct_the_original_and_upload_it_again():
    import io

    from openpyxl import load_workbook

    from doorstep.registry.ledger.workbook import errors_xlsx

    ledger = awkward_ledger(12)
    ledger[RESIDENTS][1]["联系电话"] = "999"
    report = ledger_run(actor=None, content=as_xlsx(ledger), file_name="测试台账.xlsx",
                        district=OrgNode.objects.get(code="430302"))
    book = load_workbook(io.BytesIO(errors_xlsx(report)), read_only=True)
    assert book.sheetnames == ["问题清单", "汇总", "说明"]
    about = [r for r in book["说明"].iter_rows(values_only=True) if any(r)]
    text = "\n".join(str(c) for r in about for c in r if c)
    assert "测试台账.xlsx" in text and "请在原台账文件中逐条改正" in text and "重新上传" in text
    explained = {r[0] for r in about if len(r) > 1 and r[1]}
    assert {"工作表", "行号", "列", "填写的值", "问题", "类别"} <= explained
    with translation.override("en"):
        english = load_workbook(io.BytesIO(errors_xlsx(report)), read_only=True)
    assert english.sheetnames[-1] == "Instructions"


def _with_formulas(content: bytes, cells: dict[str, str], *, cached: dict[str, str] | None = None) -> bytes:
    """The workbook with formulas put in the 居民 sheet's cells (as a program writes them: no saved value), and
    `cached` cells given a saved value as Excel would."""
    import io
    import re
    import zipfile

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    for ref, formula in cells.items():
        book["居民"][ref] = formula
    out = io.BytesIO()
    book.save(out)
    if not cached:
        return out.getvalue()
    source, result = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                for ref, value in cached.items():
                    data = re.sub(rb'<c r="' + ref.encode() + rb'"([^>]*)><f>(.*?)</f><v\s*/>',
                                  lambda m, ref=ref, value=value: b'<c r="' + ref.encode() + b'" t="str"><f>'
                                  + m.group(2) + b"</f><v>" + value.encode() + b"</v>", data)
            target.writestr(info, data)
    return result.getvalue()


def test_a_formula_cell_without_a_saved_value_is_reported_as_a_formula_not_as_a_blank():
    ledger = awkward_ledger(12)
    content = _with_formulas(as_xlsx(ledger), {
        "E4": '="4303"&"21"',  # 证件号码 of row 4
        "O5": '=A1&"x"',  # 工作单位 (optional) of row 5
        "O40": "=O5",  # a row below the data holding only a formula
        "O6": '=A1&"y"',  # Excel saved its value: read as that value
    }, cached={"O6": "湘潭大学"})
    report = ledger_run(actor=None, content=content, file_name="formulas.xlsx",
                        district=OrgNode.objects.get(code="430302"))
    formulas = {(p.sheet, p.row, p.column): p for p in report.problems if "单元格是公式，请粘贴为数值" in p.message}
    assert set(formulas) == {("居民", 4, "证件号码*"), ("居民", 5, "工作单位"), ("居民", 40, "工作单位")}
    assert formulas[("居民", 5, "工作单位")].value == '=A1&"x"'
    # the formula is the cell's problem, not a blank: rows 4 and 5 have no other; row 40 lacks the rest of a person
    assert [(p.row, p.column) for p in report.problems if p.row in (4, 5, 6) and p.level == "error"] == [
        (4, "证件号码*"), (5, "工作单位")]
    assert report.counts[RESIDENTS].errors == 3


def test_a_ledger_of_headers_only_is_an_error_naming_its_sheets_not_an_import_of_nothing():
    from doorstep.registry.ledger.workbook import template_xlsx

    report = ledger_run(actor=None, content=template_xlsx(), file_name="empty.xlsx",
                        district=OrgNode.objects.get(code="430302"))
    assert not report.ok
    (problem,) = report.problems
    assert problem.message.startswith("文件中没有数据行：工作表“组织机构”、“楼栋”、“户”、“居民”都只有列名")


def test_a_number_in_the_wrong_column_is_masked_in_the_report_and_the_error_workbook():
    """Shifted cells put an ID number under 姓名: the report (and the workbook e-mailed around) masks it there too."""
    import io

    from openpyxl import load_workbook

    from doorstep.registry.ledger.workbook import errors_xlsx

    ledger = awkward_ledger(6)
    number = "430302199309090375"
    ledger[RESIDENTS][1]["姓名"] = number
    report = ledger_run(actor=None, content=as_xlsx(ledger), file_name="shifted.xlsx",
                        district=OrgNode.objects.get(code="430302"), commit=False)
    shown = [p.value for p in report.problems if p.column.startswith("姓名")]  # the template writes 姓名*
    assert shown and all(number not in v for v in shown) and "4303**********0375" in shown
    book = load_workbook(io.BytesIO(errors_xlsx(report)), read_only=True)
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert cells and not any(number in c for c in cells)


def test_a_grid_code_is_shown_as_typed_but_an_id_number_under_a_code_column_is_masked():
    ledger = awkward_ledger(6)
    ledger[BUILDINGS][0]["网格编码"] = "430302091001009"  # a grid that does not exist: shown as typed
    ledger[RESIDENTS][2]["户号"] = "430302199309090375"  # an ID number in the household column: masked
    report = ledger_run(actor=None, content=as_xlsx(ledger), file_name="codes.xlsx",
                        district=OrgNode.objects.get(code="430302"), commit=False)
    values = {p.column.rstrip("*"): p.value for p in report.problems}
    assert values["网格编码"] == "430302091001009"
    assert values["户号"] == "4303**********0375"
