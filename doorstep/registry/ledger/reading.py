"""Opening a ledger file and reading its sheets as rows: an Excel workbook (.xlsx, or .xls from older offices) read
with python-calamine, a .zip of CSV files named like the sheets (组织机构.csv …), or one .csv file (the 居民 sheet,
unless its name says another sheet).

The format is told by the content, not the name. CSV text is decoded as UTF-8 (with or without the BOM Excel
writes) when its first 64 KB are UTF-8, else as GB18030 (the superset of GBK and GB2312 that Chinese Excel saves
"CSV" in). Names inside a zip made on Chinese Windows are GBK without the UTF-8 flag: they are decoded so.

The name may only rule out: a file named .xlsx whose content is neither a workbook nor an .xls (a text file renamed)
is refused, never read as CSV. (A text file named .xls is still read as text: Chinese government systems export
tab-separated text under that name.)

A formula cell Excel saved without its value (a file written by a program, not by Excel) reads as an empty cell in
calamine, which gives no formulas: such cells are found in the sheet's XML (parsed only when it holds one) and
handed on as Formula, which the import reports as a problem instead of a blank. Cached values are read as values.

Before calamine opens a workbook, the sizes its archive declares are checked (a zip bomb or one huge cell is refused
unread). Every refusal of the whole file is a ValidationFailed on "file" saying what is wrong; problems of single
rows are the checker's (checking.py).
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

from doorstep.core.errors import ValidationFailed
from doorstep.registry.ledger.columns import (
    KINDS,
    RESIDENTS,
    SHEETS,
    Sheet,
    fold,
    header_keys,
    sheet_for_name,
)

EXCEL_ONLY_SUFFIXES = (".xlsx", ".xlsm")  # names no text file has a reason to carry (see the module)
HEADER_SCAN_ROWS = 10  # a title row or two above the header is common in offices' ledgers
_SNIFF_BYTES = 64 * 1024


def refuse(message: str) -> None:
    raise ValidationFailed(message, field="file")


class Formula(str):
    """A cell that holds a formula with no value saved: empty as text (so the row's readers see a blank), the
    formula kept in `formula` for the problem report."""

    formula: str

    def __new__(cls, formula: str):
        cell = super().__new__(cls, "")
        cell.formula = formula
        return cell


def _with_formulas(cells: list, formulas: dict[int, str]) -> list:
    cells = list(cells)
    for position, formula in formulas.items():
        if position >= len(cells):
            cells.extend([""] * (position + 1 - len(cells)))
        cells[position] = Formula(formula)
    return cells


@dataclass
class SheetReader:
    """One sheet of the file: where its header is, which column holds what, and its data rows."""

    sheet: Sheet
    shown_name: str  # as the file names it (the sheet's tab, or the CSV file's name)
    header_row: int = 0  # the header's row number as Excel shows it (1-based); 0 when none was found
    columns: dict[int, str] = field(default_factory=dict)  # position → column key
    headers: dict[str, str] = field(default_factory=dict)  # column key → header as the file spells it
    ignored: list[str] = field(default_factory=list)  # headers nobody reads
    missing: list[str] = field(default_factory=list)  # required headers not found
    estimate: int = 0  # data rows, or an estimate for CSV (newlines)
    _rows: object = None  # a callable giving the rows after the header: iterator of (row number, list of cells)
    # formulas without a saved value (xlsx): row number → {position in the row: formula}
    formulas: dict[int, dict[int, str]] = field(default_factory=dict)

    def rows(self) -> Iterator[tuple[int, dict]]:
        """(row number as Excel shows it, {column key: raw cell}) of every non-empty row after the header; a formula
        cell without a saved value is a Formula."""
        if self._rows is None:
            return
        positions = sorted(self.columns.items())
        formulas = self.formulas
        last = self.header_row
        for number, cells in self._rows():
            last = number
            if formulas and number in formulas:
                cells = _with_formulas(cells, formulas[number])
            if not any(c not in ("", None) or isinstance(c, Formula) for c in cells):
                continue
            yield number, {key: cells[i] if i < len(cells) else "" for i, key in positions}
        # calamine ends a sheet at its last cell with a value: rows below it holding only such formulas
        for number in sorted(n for n in formulas if n > last):
            cells = _with_formulas([], formulas[number])
            if any(i in self.columns for i in formulas[number]):
                yield number, {key: cells[i] if i < len(cells) else "" for i, key in positions}


@dataclass
class Ledger:
    """The sheets found (by kind), the file's format, and the names of sheets or files nobody reads."""

    format: str  # "xlsx", "xls", "zip", "csv"
    sheets: dict[str, SheetReader]
    unknown: list[str] = field(default_factory=list)

    @property
    def estimate(self) -> int:
        return sum(r.estimate for r in self.sheets.values())


def _locate_header(reader: SheetReader, rows: list[list]) -> int:
    """Find the header among the first rows and map its columns; return its index in `rows` (-1 if none)."""
    known = header_keys(reader.sheet)
    required = {c.key for c in reader.sheet.columns if c.required}
    best, best_index = -1, -1
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = {known[fold(str(c))] for c in cells if isinstance(c, str) and fold(c) in known}
        score = len(found & required) * 100 + len(found)
        if found and score > best:
            best, best_index = score, index
    if best_index < 0:
        reader.missing = [c.header for c in reader.sheet.columns if c.required]
        return -1
    for position, cell in enumerate(rows[best_index]):
        text = str(cell).strip() if cell not in (None, "") else ""
        key = known.get(fold(text)) if text else None
        if key and key not in reader.headers:
            reader.columns[position] = key
            reader.headers[key] = text
        elif text:
            reader.ignored.append(text)
    reader.missing = [c.header for c in reader.sheet.columns if c.required and c.key not in reader.headers]
    return best_index


def _check_width(cells: list, name: str) -> None:
    if len(cells) > settings.DOORSTEP_LEDGER_MAX_COLUMNS:
        refuse(_("工作表“{sheet}”的列数超过{count}列，不像人口台账。").format(
            sheet=name, count=settings.DOORSTEP_LEDGER_MAX_COLUMNS))


# --- Excel ---------------------------------------------------------------------------------------------------------

def _check_archive(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        refuse(_("文件已损坏，或不是 Excel 工作簿、CSV 文件或 CSV 压缩包。"))
    if len(parts) > settings.DOORSTEP_LEDGER_MAX_PARTS:
        refuse(_("压缩包内文件过多（超过{count}个）。").format(count=settings.DOORSTEP_LEDGER_MAX_PARTS))
    limit = settings.DOORSTEP_LEDGER_MAX_UNCOMPRESSED_BYTES
    if sum(p.file_size for p in parts) > limit:
        refuse(_("文件解压后超过 {size} MB，请拆分后分批导入。").format(size=limit // (1024 * 1024)))


_PREFIX = r"(?:[A-Za-z_][\w.-]*:)?"  # a namespace prefix some writers give every element (x:c, x:f)
# a formula (<f>…</f>, or a shared one's <f …/>) followed by no saved value: the cell ends, or its <v> is empty
_UNSAVED_FORMULA = re.compile((r"(?:</" + _PREFIX + r"f>|<" + _PREFIX + r"f(?:\s[^>]*)?/>)\s*(?:</" + _PREFIX
                               + r"c>|<" + _PREFIX + r"v\s*/>|<" + _PREFIX + r"v>\s*</)").encode())
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The archive member holding the worksheet `sheet_name` (xl/workbook.xml and its relationships)."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    rid = None
    for element in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet_name:
            rid = element.get(_RELATIONSHIP)
            break
    if rid is None:
        return None
    for element in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter():
        if _local(element.tag) == "Relationship" and element.get("Id") == rid:
            target = element.get("Target") or ""
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return part if part in names else None
    return None


def _holds_unsaved_formula(stream) -> bool:
    """Whether the sheet's XML has a formula without a saved value anywhere: one pass of a regular expression (under
    a second for a 300,000-row sheet), so that only such sheets are parsed cell by cell, not every workbook whose
    columns Excel computes."""
    tail = b""
    while chunk := stream.read(1 << 20):
        if _UNSAVED_FORMULA.search(tail + chunk):
            return True
        tail = chunk[-1024:]
    return False


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _unsaved_formulas(stream) -> dict[int, dict[int, str]]:
    """{row number: {column index from A (0): formula}} of the cells with a formula and no saved value. The XML
    is read as a stream (expat refuses entity-expansion bombs; ElementTree resolves no external entities)."""
    found: dict[int, dict[int, str]] = {}
    row, column = 0, -1
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name == "row":
                row = int(element.get("r") or row + 1)
                column = -1
            continue
        if name == "c":
            match = _CELL_REF.match(element.get("r") or "")
            column = _column_index(match.group(1)) if match else column + 1
            formula = value = None
            for child in element:
                if _local(child.tag) == "f":
                    formula = child
                elif _local(child.tag) == "v":
                    value = child
            if formula is not None and (value is None or not (value.text or "")):
                found.setdefault(row, {})[column] = (formula.text or "")[:200]
            element.clear()
        elif name == "row":
            element.clear()
    return found


def _formula_cells(content: bytes, sheet_name: str) -> dict[int, dict[int, str]]:
    """The formulas of an xlsx sheet that Excel saved no value for (see the module); {} when there are none or
    the parts cannot be found (calamine read the sheet: nothing more to say of it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None:
                return {}
            with archive.open(part) as stream:
                if not _holds_unsaved_formula(stream):
                    return {}
            with archive.open(part) as stream:
                return _unsaved_formulas(stream)
    # zipfile raises NotImplementedError for a compression it lacks and RuntimeError for an encrypted member: such a
    # sheet is left to calamine, which refuses it with its own message
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError, OSError, EOFError,
            NotImplementedError, RuntimeError):
        return {}


def _open_workbook(content: bytes, kind: str) -> Ledger:
    from python_calamine import CalamineWorkbook

    if kind == "xlsx":
        _check_archive(content)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = list(book.sheet_names)
    except Exception:  # calamine raises its own errors (and panics as exceptions) for any malformed workbook
        refuse(_("Excel 工作簿无法读取：文件可能已损坏或加密。"))
    ledger = Ledger(format=kind, sheets={})
    unmatched = []
    for name in names:
        sheet = sheet_for_name(name)
        if sheet is None or sheet.kind in ledger.sheets:
            unmatched.append(name)
            continue
        ledger.sheets[sheet.kind] = _workbook_sheet(book, name, sheet, content if kind == "xlsx" else None)
    if not ledger.sheets:  # a workbook of one unnamed sheet (Sheet1): the residents, if its header says so
        for name in unmatched[:3]:
            reader = _workbook_sheet(book, name, SHEETS[RESIDENTS], content if kind == "xlsx" else None)
            if not reader.missing:
                ledger.sheets[RESIDENTS] = reader
                unmatched.remove(name)
                break
    ledger.unknown = unmatched
    return ledger


def _workbook_sheet(book, name: str, sheet: Sheet, content: bytes | None = None) -> SheetReader:
    reader = SheetReader(sheet=sheet, shown_name=name)
    try:
        data = book.get_sheet_by_name(name)
        height = data.height
        first_column = data.start[1] if data.start else 0  # calamine's rows start at row 1, columns at the data's
        rows = data.iter_rows()
        head = [next(rows, []) for _ in range(HEADER_SCAN_ROWS)]
    except Exception:
        refuse(_("工作表“{sheet}”无法读取：文件可能已损坏。").format(sheet=name))
    if height > settings.DOORSTEP_LEDGER_MAX_ROWS:
        refuse(_("工作表“{sheet}”超过{count}行，请拆分后分批导入。").format(
            sheet=name, count=f"{settings.DOORSTEP_LEDGER_MAX_ROWS:,}"))
    for cells in head:
        _check_width(cells, name)
    index = _locate_header(reader, head)
    if index < 0:
        return reader
    reader.header_row = index + 1  # calamine's rows start at the sheet's first row (A1), used or not
    reader.estimate = max(0, height - reader.header_row)
    if content is not None:
        for number, cells in _formula_cells(content, name).items():
            shifted = {column - first_column: f for column, f in cells.items() if column >= first_column}
            if number > reader.header_row and shifted:
                reader.formulas[number] = shifted
    rest = head[index + 1:]
    start = index + 2

    def produce():
        number = start
        for cells in rest:
            yield number, cells
            number += 1
        for cells in rows:
            yield number, cells
            number += 1

    reader._rows = produce
    return reader


# --- CSV -----------------------------------------------------------------------------------------------------------

def _encoding(content: bytes) -> str:
    head = content[:_SNIFF_BYTES]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut in two at the end of the sample
            return "gb18030"
    return "utf-8-sig"


def _allow_long_cells() -> None:
    """Let one CSV cell be as long as an upload may be (the csv module stops at 128 KB by default and raises for the
    whole file): an over-long cell is then the problem of its row and column (checking.py: "不能超过…个字符"), as in a
    workbook, and the rows after it are still read. The limit is the process's; raising it only widens it."""
    limit = settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def _csv_sheet(content: bytes, name: str, sheet: Sheet) -> SheetReader:
    _allow_long_cells()
    if b"\x00" in content[:_SNIFF_BYTES]:
        refuse(_("“{file}”不是文本文件（CSV），无法读取。").format(file=name))
    encoding = _encoding(content)
    reader = SheetReader(sheet=sheet, shown_name=name)

    def records():
        text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
        first = text.readline()
        text.seek(0)
        delimiter = "\t" if "\t" in first and "," not in first else ","
        try:
            yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
        except UnicodeDecodeError:
            refuse(_("“{file}”的文字编码无法识别：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV。").format(file=name))
        except csv.Error:
            refuse(_("“{file}”不是有效的 CSV 文件。").format(file=name))

    head = []
    stream = records()
    for _number, cells in stream:
        _check_width(cells, name)
        head.append(cells)
        if len(head) == HEADER_SCAN_ROWS:
            break
    index = _locate_header(reader, head)
    if index < 0:
        return reader
    reader.header_row = index + 1
    reader.estimate = max(0, content.count(b"\n") - reader.header_row)
    if reader.estimate > settings.DOORSTEP_LEDGER_MAX_ROWS:
        refuse(_("工作表“{sheet}”超过{count}行，请拆分后分批导入。").format(
            sheet=name, count=f"{settings.DOORSTEP_LEDGER_MAX_ROWS:,}"))

    def produce():
        yield from enumerate(head[index + 1:], start=index + 2)
        yield from records_after(len(head))

    def records_after(skip: int):
        for number, cells in records():
            if number > skip:
                yield number, cells

    reader._rows = produce
    return reader


def _member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its maker meant it: zip tools on Chinese Windows write GBK names without the UTF-8
    flag, which zipfile reads as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                name = raw.decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _open_zip(content: bytes) -> Ledger:
    _check_archive(content)
    ledger = Ledger(format="zip", sheets={})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = _member_name(info)
            sheet = sheet_for_name(name) if name.lower().endswith(".csv") else None
            if sheet is None or sheet.kind in ledger.sheets:
                if not name.startswith(("__MACOSX", "._", ".")):
                    ledger.unknown.append(name)
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
                refuse(_("压缩包中的“{file}”无法解压。").format(file=name))
            ledger.sheets[sheet.kind] = _csv_sheet(data, name, sheet)
    return ledger


def refuse_renamed_text(content: bytes, file_name: str) -> None:
    """ValidationFailed when the name says Excel workbook (.xlsx) and the content is neither a zip (xlsx) nor an
    OLE2 file (xls): a text file renamed, never to be read as CSV."""
    if (file_name or "").lower().endswith(EXCEL_ONLY_SUFFIXES) and content[:4] != b"PK\x03\x04" \
            and content[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        refuse(_("文件不是有效的 Excel 工作簿：文件名是 .xlsx，内容却不是（可能是改了扩展名的文本文件）。"
                 "请在 Excel 中打开后另存为工作簿，或另存为 CSV 文件后上传。"))


def open_ledger(content: bytes, file_name: str = "") -> Ledger:
    """The ledger in `content`, or ValidationFailed (field "file") saying why the file cannot be read at all:
    empty, too large, not a workbook, CSV or zip of CSV files, damaged, or with none of the four sheets."""
    if not content:
        refuse(_("文件是空的。"))
    if len(content) > settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES:
        refuse(_("文件超过 {size} MB，请拆分后分批导入。").format(
            size=settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES // (1024 * 1024)))
    if content[:4] == b"PK\x03\x04":
        with_names = _zip_names(content)
        ledger = _open_workbook(content, "xlsx") if "[Content_Types].xml" in with_names else _open_zip(content)
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: an Excel 97-2003 .xls
        ledger = _open_workbook(content, "xls")
    else:
        refuse_renamed_text(content, file_name)
        stem = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
        sheet = sheet_for_name(stem) if stem.lower().endswith(".csv") else None
        sheet = sheet or SHEETS[RESIDENTS]
        ledger = Ledger(format="csv", sheets={sheet.kind: _csv_sheet(content, stem or sheet.name + ".csv", sheet)})
    if not ledger.sheets:
        refuse(_("文件里没有可导入的工作表：应有“组织机构”“楼栋”“户”“居民”中的至少一个（CSV 压缩包中为同名的 .csv 文件）。"))
    ledger.sheets = {kind: ledger.sheets[kind] for kind in KINDS if kind in ledger.sheets}
    return ledger


def _zip_names(content: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        refuse(_("文件已损坏，或不是 Excel 工作簿、CSV 文件或 CSV 压缩包。"))
