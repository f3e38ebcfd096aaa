"""Catalog files are bounded before anything large is built from them (issue #10, item 7): deep JSON in a rule, a
workbook that unpacks to a huge cell (a zip bomb), too many rows or columns, over-long cells, YAML alias bombs, and
values the database would refuse (text longer than its column, NaN, control characters) are each a Chinese error
naming where they are, and change nothing."""

import io
import re
import zipfile

import pytest
import yaml

from doorstep.catalog.models import ServiceItem
from doorstep.catalog.services import (
    STARTER,
    catalog_export_xlsx,
    catalog_import_data,
    catalog_import_xlsx,
    catalog_import_yaml,
)
from doorstep.catalog.tests.test_excel import cell, legacy_rules_cell, saved, workbook
from doorstep.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def starter() -> dict:
    return yaml.safe_load(STARTER.read_text(encoding="utf-8"))


def refused(match: str, call, *args, **kwargs) -> str:
    before = ServiceItem.objects.get(code="MZ-C01").updated_at
    with pytest.raises(ValidationFailed, match=match) as info:
        call(*args, **kwargs)
    assert ServiceItem.objects.get(code="MZ-C01").updated_at == before
    return info.value.message


@pytest.mark.parametrize("rules", ["[" * 100_000 + "]" * 100_000, "[" * 5_000 + "]" * 5_000,
                                   "[[[[[[[[[[1]]]]]]]]]]"])
def test_deep_json_in_a_rule_cell_names_the_row_and_column(rules):
    book = workbook()
    book.remove(book["规则"])  # an older workbook, with its rules as JSON in a cell
    legacy_rules_cell(book, 4).value = rules
    message = refused("事项表第4行 字段 资格规则（JSON）", catalog_import_xlsx, actor=None, content=saved(book))
    assert "嵌套层数过多" in message or "内容过长" in message


def test_deep_or_exploding_yaml_is_refused_quickly():
    refused("YAML|嵌套", catalog_import_yaml, actor=None, text="items: " + "[" * 50_000 + "]" * 50_000)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    bomb += "items: [{code: X, form_fields: *i}]\n"
    refused("内容过多", catalog_import_yaml, actor=None, text=bomb)


def _zip_with_a_huge_part(size: int) -> bytes:
    """A real exported workbook with its shared strings replaced by `size` bytes that compress to almost nothing."""
    source = zipfile.ZipFile(io.BytesIO(catalog_export_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            target.writestr(part, source.read(part.filename))
        target.writestr("xl/huge.xml", b"<x>" + b"A" * size + b"</x>")
    return out.getvalue()


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_opened(settings):
    settings.DOORSTEP_XLSX_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    content = _zip_with_a_huge_part(3 * 1024 * 1024)
    assert len(content) < 100_000
    refused("解压后超过 2 MB", catalog_import_xlsx, actor=None, content=content)
    catalog_import_xlsx(actor=None, content=catalog_export_xlsx())  # an ordinary workbook is well inside


def test_too_many_rows_columns_or_characters_in_a_cell(settings):
    settings.DOORSTEP_XLSX_MAX_ROWS = 20
    refused("“事项”工作表超过20行", catalog_import_xlsx, actor=None, content=catalog_export_xlsx())
    settings.DOORSTEP_XLSX_MAX_ROWS = 5_000

    book = workbook()
    book["材料"].cell(row=1, column=60).value = "多余"
    refused("“材料”工作表超过50列", catalog_import_xlsx, actor=None, content=saved(book))

    settings.DOORSTEP_XLSX_MAX_CELL_CHARS = 300
    book = workbook()
    cell(book["事项"], 3, "设定依据").value = "依" * 301
    refused("事项表第3行 字段 设定依据：内容过长", catalog_import_xlsx, actor=None, content=saved(book))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["items"][0].update(fee="收" * 101), r"第1项（MZ-C01）字段 “收费标准”（fee）：不超过100个字符"),
    (lambda d: d["items"][0].update(certificate="证" * 61), "不超过60个字符"),
    (lambda d: d["items"][0].update(name="老年人\x00优待证"), "控制字符"),
    (lambda d: d["items"][0].update(legal_basis=["a", "list"]), "“设定依据”（legal_basis）：应为文字"),
    (lambda d: d["items"][0].update(online="no"), "只能是 true 或 false"),
    (lambda d: d["items"][1].update(days=float("inf")), "承诺时限应为整数"),
    (lambda d: d["items"][0]["rules"][0].update(value=float("nan")), r"rules\[1\]"),
    (lambda d: d["items"][0]["rules"][0].update(value=10 ** 400), r"rules\[1\]"),
    (lambda d: d["items"][0].update(events=[["elderly"]]), "人生事件应为编码列表"),
    (lambda d: d["items"][0]["materials"][1].update(note="说" * 201), r"materials\[2\]\.note"),
    (lambda d: d["items"][0]["materials"].append({"name": "居民身份证"}), "在本事项中重复"),
    (lambda d: d["items"][0].update(form_fields=[{"a": [[[[[[["deep"]]]]]]]}]), "申请表字段：嵌套层数过多"),
    (lambda d: d["categories"].append({"code": "x", "name": "类" * 41}), "类别第9行"),
])
def test_values_the_database_would_refuse_are_named_and_change_nothing(mutate, message):
    data = starter()
    data["items"][0]["name"] = "改过的名字"
    mutate(data)
    refused(message, catalog_import_data, actor=None, data=data)
    assert ServiceItem.objects.get(code="MZ-C01").name == "老年人优待证办理"


def test_a_workbook_of_an_older_export_without_material_codes_still_imports():
    book = workbook()
    book["材料"].delete_cols([c.value for c in book["材料"][1]].index("材料编码") + 1)
    counts = catalog_import_xlsx(actor=None, content=saved(book))
    assert counts["unchanged"] == 49


def test_a_sheet_declaring_a_huge_size_is_refused_without_reading_it_cell_by_cell():
    source = zipfile.ZipFile(io.BytesIO(catalog_export_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
            target.writestr(part, data)
    refused("“事项”工作表超过50列", catalog_import_xlsx, actor=None, content=out.getvalue())
