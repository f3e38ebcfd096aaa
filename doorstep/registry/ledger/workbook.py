"""Workbooks the ledger import writes (openpyxl, write-only): the empty template with its 说明 sheet, the filled
example, and the error workbook of a run (every problem by sheet, row and column, personal numbers masked — it
travels by USB stick and e-mail).

The template and the example are the ledger format (columns.py), so their sheets, headers and cells are Chinese
whatever the reader's language; the error workbook is the product's report, in the reader's language.
"""

import csv
import io
import zipfile

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from doorstep.core.spreadsheets import safe_row
from doorstep.registry.ledger.columns import (
    BUILDINGS,
    DOCUMENT_TYPE_WORDS,
    HOUSEHOLD_KIND_WORDS,
    HOUSEHOLDS,
    KINDS,
    LEVEL_WORDS,
    ORG,
    RELATION_WORDS,
    RESIDENTS,
    SHEETS,
)

ABOUT_SHEET = "说明"  # zh: workbook format (sheet name)
ABOUT_HEADERS = ("工作表", "列", "必填", "说明", "示例")  # zh: workbook format (column headers)
YES, NO = "是", "否"  # zh: workbook format (cell values)
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="C0392B")
_GENERAL = [  # zh: workbook format (the template's own instructions)
    "一个工作簿，每类数据一个工作表：组织机构、楼栋、户、居民（也可只含其中几个；按此顺序导入，与工作表顺序无关）。",  # zh: words
    "第一行为列名（上方可有标题行）；列的顺序不限，多余的列被忽略。带*的列必填。",  # zh: workbook format
    "也可用 CSV：把各表另存为同名的 .csv（组织机构.csv 等）打成 .zip；单个 .csv 视为居民表。UTF-8 或 GBK 编码均可。",  # zh: words
    "证件号码、户号、电话列请设为文本格式，以免 Excel 把长数字改写。",  # zh: workbook format
    "先检查（不写入），无错误后再导入；导入要么全部成功，要么一条也不写入。重复导入同一文件不会产生任何改动。",  # zh: words
]


def _styled_header(sheet, headers) -> None:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        cells.append(cell)
    sheet.append(cells)


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _headers(kind: str) -> list[str]:
    return [c.header + ("*" if c.required else "") for c in SHEETS[kind].columns]


def _accepted(kind: str, key: str) -> str:
    tables = {("org", "level"): LEVEL_WORDS, ("households", "kind"): HOUSEHOLD_KIND_WORDS,
              ("residents", "relation"): RELATION_WORDS, ("residents", "document_type"): DOCUMENT_TYPE_WORDS}
    table = tables.get((kind, key))
    return "、".join(words[0] for words in table.values()) if table else ""


def template_xlsx(*, example: dict | None = None) -> bytes:
    """The ledger template: 说明 first, then the four sheets with their headers (and `example`'s rows:
    {kind: [{header: value}]})."""
    book = Workbook(write_only=True)
    about = book.create_sheet(ABOUT_SHEET)
    for line in _GENERAL:
        about.append([line])
    about.append([])
    _styled_header(about, ABOUT_HEADERS)
    for kind in KINDS:
        sheet = SHEETS[kind]
        for column in sheet.columns:
            words = _accepted(kind, column.key)
            note = column.note + (f"（{words}）" if words and words not in column.note else "")  # zh: format text
            about.append(safe_row(about, [sheet.name, "、".join((column.header, *column.synonyms)),
                                          YES if column.required else NO, note, column.example]))
    for kind in KINDS:
        sheet = book.create_sheet(SHEETS[kind].name)
        sheet.column_dimensions["A"].width = 20
        _styled_header(sheet, _headers(kind))
        for row in (example or {}).get(kind, []):
            sheet.append(safe_row(sheet, [row.get(c.header, "") for c in SHEETS[kind].columns]))
    return _save(book)


def example_csv_zip(example: dict) -> bytes:
    """The example as a .zip of UTF-8 CSV files (组织机构.csv …), the other form the import reads."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind, text in example_csv_texts(example).items():
            archive.writestr(SHEETS[kind].name + ".csv", text.encode("utf-8-sig"))
    return out.getvalue()


def example_csv_texts(example: dict) -> dict[str, str]:
    texts = {}
    for kind in KINDS:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.header for c in SHEETS[kind].columns])
        for row in example.get(kind, []):
            writer.writerow([row.get(c.header, "") for c in SHEETS[kind].columns])
        texts[kind] = out.getvalue()
    return texts


def _errors_about(book, report) -> None:
    """The error workbook's 说明 sheet: what the file is, what each column of 问题清单 says, and what to do with it
    (correct the original ledger and upload it again: this list is not imported)."""
    about = book.create_sheet(pgettext("workbook sheet", "说明"))
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 90
    about.append(safe_row(about, [_("人口台账检查发现的问题：{file}").format(file=report.file_name or "—")]))
    about.append(safe_row(about, [_("请在原台账文件中逐条改正下列问题，保存后重新上传检查；本清单只是问题列表，不能导入，"
                                    "在这里修改不会改正台账。")]))
    about.append(safe_row(about, [_("问题按工作表（组织机构、楼栋、户、居民的顺序）、行号、列排序。有错误的台账一行也不会导入；"
                                    "改正全部错误后，检查通过才能确认导入。")]))
    about.append(safe_row(about, [_("本清单含居民姓名（证件号码和电话已隐去中间位），请妥善保管，用完删除。")]))
    about.append([])
    _styled_header(about, [_("列"), pgettext("workbook column", "说明")])
    for column, meaning in (
            (_("工作表"), _("问题所在的工作表（CSV 压缩包中为 CSV 文件名）。")),
            (_("行号"), _("Excel 左侧显示的行号；缺少某列或整表的问题标在列名所在的行。")),
            (_("列"), _("问题所在的列，按原文件的列名；“-”表示整个工作表或整个文件的问题。")),
            (_("填写的值"), _("原文件中该单元格的内容；证件号码和电话只显示首尾几位。")),
            (_("问题"), _("错在哪里、应当怎样填写。")),
            (_("类别"), _("“错误”必须改正后才能导入；“提示”不妨碍导入，请核对。"))):
        about.append(safe_row(about, [column, meaning]))


def errors_xlsx(report) -> bytes:
    """The error workbook of a run: 问题清单 (sheet, row, column, value, problem, kind, in the report's order: sheet,
    row, column), 汇总 (counts) and 说明 (what the columns say and what to do)."""
    book = Workbook(write_only=True)
    problems = book.create_sheet(_("问题清单"))
    problems.column_dimensions["E"].width = 60
    _styled_header(problems, [_("工作表"), _("行号"), _("列"), _("填写的值"), _("问题"), _("类别")])
    error, warning = _("错误"), _("提示")
    for p in report.problems:
        problems.append(safe_row(problems, [p.sheet, p.row, p.column, p.value, p.message,
                                            error if p.level == "error" else warning]))
    if report.error_count + report.warning_count > len(report.problems):
        problems.append([_("另有 {count} 个问题未列出：请先改正以上问题后重新检查。").format(
            count=report.error_count + report.warning_count - len(report.problems))])
    summary = book.create_sheet(_("汇总"))
    _styled_header(summary, [_("工作表"), _("行数"), _("新增"), _("更新"), _("不变"), _("有错误的行")])
    for kind, counts in report.counts.items():
        if kind in report.sheets:
            summary.append(safe_row(summary, [report.sheets[kind], counts.rows, counts.new, counts.updated,
                                              counts.unchanged, counts.errors]))
    _errors_about(book, report)
    return _save(book)


# --- the example ledger (docs/examples/, `doorstep registry example`) -----------------------------------------------
# A street of the demo district (430302) that the demo does not have, with the awkward but valid rows real ledgers
# hold: a 15-digit number, locals born before their county's code existed, a dotted name typed with a bullet,
# 港澳台居民居住证, a 2023 外国人永久居留身份证, a passport, a 台胞证, a landline, a building not yet located.

EXAMPLE_DISTRICT = "430302"
EXAMPLE = {  # zh: workbook format (the example's cells are data)
    ORG: [
        {"层级": "街道", "编码": "430302090", "名称": "示范街道", "上级编码": "430302"},  # zh: data
        {"层级": "社区", "编码": "430302090001", "名称": "示范社区", "上级编码": "430302090"},  # zh: data
        {"层级": "网格", "编码": "430302090001001", "名称": "示范社区第1网格"},  # zh: data
        {"层级": "网格", "编码": "430302090001002", "名称": "示范社区第2网格"},  # zh: data
    ],
    BUILDINGS: [
        {"楼栋编码": "SF-001", "楼栋名称": "示范花园1栋", "地址": "湘潭市雨湖区示范街道示范花园1栋",  # zh: data
         "网格编码": "430302090001001", "纬度": "27.8601", "经度": "112.9102"},
        {"楼栋编码": "SF-002", "楼栋名称": "示范花园2栋", "地址": "湘潭市雨湖区示范街道示范花园2栋",  # zh: data
         "网格编码": "430302090001002", "纬度": "", "经度": ""},
    ],
    HOUSEHOLDS: [
        {"户号": "900090001", "楼栋编码": "SF-001", "门牌": "1单元101室", "户别": "户籍户"},  # zh: data
        {"户号": "900090002", "楼栋编码": "SF-001", "门牌": "1单元102室", "户别": "居住户"},  # zh: data
        {"户号": "900090003", "楼栋编码": "SF-002", "门牌": "1单元201室", "户别": "居住户"},  # zh: data
        {"户号": "900090004", "楼栋编码": "SF-002", "门牌": "1单元202室", "户别": "户籍户"},  # zh: data
    ],
    RESIDENTS: [
        {"姓名": "王建国", "证件号码": "430302198008080013", "户号": "900090001", "与户主关系": "户主",  # zh: data
         "联系电话": "+86 139 0731 0001", "党员": "是", "工作单位": "湘潭大学"},  # zh: data
        {"姓名": "李秀英", "证件号码": "430302520312004", "户号": "900090001", "与户主关系": "母亲",  # zh: data
         "联系电话": "0731-58880001"},  # zh: data (a 15-digit number and a landline)
        {"姓名": "王 小 雨", "性别": "女", "出生日期": "2015-06-01", "证件号码": "4303 0220 1506 0100 20",  # zh: data
         "户号": "900090001", "与户主关系": "女儿"},  # zh: data
        {"姓名": "买买提•艾力", "证件号码": "65010219880505001x", "户号": "900090002",  # zh: data
         "与户主关系": "户主", "联系电话": "0086-139-0731-0002", "流动人口": "是"},  # zh: data
        {"姓名": "陈美玲", "证件类型": "港澳台居民居住证", "证件号码": "810000199003150015",  # zh: data
         "户号": "900090003", "与户主关系": "户主", "联系电话": "13907310003", "流动人口": "是"},  # zh: data
        {"姓名": "林志明", "证件类型": "台湾居民来往大陆通行证", "性别": "男", "出生日期": "1976/4/12",  # zh: data
         "证件号码": "12345678", "户号": "900090003", "与户主关系": "配偶", "流动人口": "是"},  # zh: data
        {"姓名": "约翰·史密斯", "证件类型": "护照", "性别": "男", "出生日期": "1985年1月1日",  # zh: data
         "证件号码": "P1234567", "户号": "900090003", "与户主关系": "其他", "流动人口": "是"},  # zh: data
        {"姓名": "周桂兰", "证件号码": "430302195006010026", "户号": "900090004", "与户主关系": "户主",  # zh: data
         "联系电话": "58880004", "独居老人": "是", "低保对象": "是"},  # zh: data (born 1950, code from 1984)
    ],
}
