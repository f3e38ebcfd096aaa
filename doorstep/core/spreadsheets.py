"""Writing cells of an Excel export safely: every export (the case ledger, the catalog, grid moves) appends its rows
through `safe_row`, so text is always text.

openpyxl stores a string that starts with `=` as a formula: a catalog item named `=HYPERLINK("http://x","y")` became
a live link in every ledger export (issue #10, item 9). Text starting with `=`, `+`, `-`, `@` (or a tab or CR, which
spreadsheet programs also treat as the start of a formula) is written as a string cell with Excel's quote prefix, so
neither opening nor editing the file turns it into a formula. Characters XML cannot hold (control characters) are
dropped rather than failing the whole export.
"""

from collections.abc import Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_value(sheet, value):
    """`value` as it should be appended to `sheet`: non-text unchanged, text cleaned, formula-like text as a string
    cell with the quote prefix."""
    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_STARTS):
        return value
    cell = Cell(sheet, row=1, column=1, value=value)  # placed by append()
    cell.data_type = "s"  # openpyxl guessed "f" (formula) from the leading "="
    cell.quotePrefix = True
    return cell


def safe_row(sheet, values: Iterable) -> list:
    """A row for `sheet.append(...)` (normal or write-only sheets) with every text cell written as text."""
    return [safe_value(sheet, v) for v in values]
