"""The workbooks the community's pages export (roster, wishes, hours) share their first sheet: 说明 — what the file
holds, whose scope, when it was written, how many rows (README: every workbook starts with one)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def about_sheet(wb):
    """The 说明 sheet every export starts with (as the case ledger and the figures do): create it first, before the
    data sheet; fill it with `fill_about` once the rows are counted (a write-only workbook keeps each sheet apart)."""
    return wb.create_sheet(pgettext("wishes export", "说明"))


def fill_about(about, *, what: str, scope: str, rows: int, note: str) -> None:
    """What the file holds, whose scope, when it was written, how many rows, and how to read them."""
    from doorstep.core.spreadsheets import safe_row

    for line in ((_("内容"), what), (pgettext("wishes export", "范围"), scope),
                 (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")), (_("行数"), rows),
                 (pgettext("wishes export", "说明"), note)):
        about.append(safe_row(about, [str(line[0]), line[1] if isinstance(line[1], int) else str(line[1])]))
