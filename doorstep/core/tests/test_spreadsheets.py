"""Excel exports write text as text (issue #10, item 9: a catalog item named `=HYPERLINK(…)` became a live formula
in every ledger export). Every writer appends through doorstep.core.spreadsheets.safe_row."""

import io
import zipfile

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from doorstep.catalog.services import catalog_export_data, catalog_export_xlsx, catalog_import_data
from doorstep.conftest import accept, resident_in, user
from doorstep.core.spreadsheets import safe_row

HYPERLINK = '=HYPERLINK("http://x","y")'


def formulas(content: bytes) -> list[str]:
    """Every formula element in every sheet of the workbook."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
    return [name for name in sheets if b"<f>" in archive.read(name) or b"<f " in archive.read(name)]


@pytest.mark.parametrize("write_only", [True, False])
def test_formula_like_text_is_written_as_text_and_control_characters_are_dropped(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("表") if write_only else book.active
    values = [HYPERLINK, "+86 138", "-1+2", "@SUM(A1)", "\t=1", "普通", 42, None, "乱\x01码"]
    sheet.append(safe_row(sheet, values))
    out = io.BytesIO()
    book.save(out)
    assert formulas(out.getvalue()) == []
    row = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows())
    assert [c.value for c in row[:6]] == [HYPERLINK, "+86 138", "-1+2", "@SUM(A1)", "\t=1", "普通"]
    assert all(c.data_type == "s" and c.quotePrefix for c in row[:5])
    assert row[6].value == 42 and row[8].value == "乱码"


@pytest.mark.django_db
def test_a_catalog_item_named_like_a_formula_stays_text_in_the_ledger_and_catalog_exports():
    data = catalog_export_data()
    next(i for i in data["items"] if i["code"] == "WJ-S01")["name"] = HYPERLINK
    catalog_import_data(actor=None, data=data)
    case = accept(actor=user("clerk_c001001"), item_code="WJ-S01", applicant_id=resident_in("430302001001").pk)
    clerk = Client()
    clerk.force_login(user("clerk_c001001"))
    response = clerk.get("/cases/export.xlsx", {"q": case.number})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert formulas(content) == []
    rows = list(load_workbook(io.BytesIO(content))["办件台账"].iter_rows(values_only=False))
    item_cell = next(r for r in rows if r[0].value == case.number)[1]
    assert item_cell.value == HYPERLINK and item_cell.data_type == "s"

    catalog = catalog_export_xlsx()
    assert formulas(catalog) == []
    names = [c.value for c in load_workbook(io.BytesIO(catalog))["事项"]["B"]]
    assert HYPERLINK in names
