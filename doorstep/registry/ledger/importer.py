"""Running a ledger through the registry: check every row (a dry run, the default) or import it (commit).

One pass over the sheets in dependency order (组织机构, 楼栋, 户, 居民), residents in batches: each batch is read
with the product's rules (checking.py), matched against the file's earlier rows and against the database in bulk
(one query per kind and batch, never one per row), and classified new / updated / unchanged / in error. With
`commit`, everything runs in one transaction and each batch is written as soon as it is checked — unless a problem
has been found anywhere before: then nothing more is written, every later row is still checked (so the report
lists all problems), and the transaction is rolled back at the end. All or nothing.

Matching: org nodes by code, buildings by code, households by 户号, residents by the blind index of their document
(core.crypto.blind_index("id", Document.index_value)). A row equal to what is stored writes nothing, so an
unchanged file changes nothing. The import never deletes: people the district has that the file lacks are counted
("absent") and left alone (moves out and deaths are changes, registry.changes).

Personal data is written exactly as registry.services.personal_fields writes it (encrypted, indexed, masked); name
keys as registry.namekeys does (name_keys with the readings staff entered for rare characters).

This module holds the run (problems, the transaction, the audit); each sheet's step is its own module: org_sheet.py,
place_sheets.py (楼栋, 户), resident_sheet.py; what they report is report.py.
"""

import datetime
import re
import time
from collections.abc import Callable
from dataclasses import asdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from doorstep.core.errors import ValidationFailed
from doorstep.core.masking import mask_personal_numbers
from doorstep.org.models import Level, OrgNode
from doorstep.registry.ledger import bulk
from doorstep.registry.ledger.batches import BATCH, chunks
from doorstep.registry.ledger.checking import text
from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, KINDS, ORG, RESIDENTS
from doorstep.registry.ledger.org_sheet import OrgSheet
from doorstep.registry.ledger.place_sheets import PlaceSheets
from doorstep.registry.ledger.reading import Formula, Ledger, SheetReader
from doorstep.registry.ledger.report import ERROR, Problem, Report, mask_value
from doorstep.registry.ledger.resident_sheet import DEFER_INDEXES_FROM, ResidentSheet
from doorstep.registry.models import Building, Household, Resident, ResidentNameKey, ResidentStatus

# Sheets a ledger may carry besides the four it imports: the template's own notes page.
UNREAD_SHEETS = {"说明", "填写说明", "Instructions"}  # zh: sheet names compared with the file's
UNREAD_SUFFIXES = (".txt", ".md", ".pdf")


# Columns that hold the ledger's own codes: a value shaped as a code there is shown as typed (a grid's 15 digits
# look like an old ID number, a household's 9 like nothing personal); an 18-character number or a mobile is masked.
CODE_COLUMNS = {"code", "parent", "grid", "number", "building", "household", "latitude", "longitude"}
_PERSONAL_SHAPE = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


class _Rollback(Exception):
    pass


class LedgerRun(OrgSheet, PlaceSheets, ResidentSheet):
    """One run of a ledger; `execute` returns the Report. `progress(stage, done, total)` is called per batch."""

    def __init__(self, ledger: Ledger, *, district: OrgNode | None, commit: bool, actor=None,
                 progress: Callable[[str, int, int], None] | None = None, today: datetime.date | None = None,
                 sha256: str = "", file_name: str = "", expected: dict | None = None, job=None):
        self.ledger = ledger
        self.job = job  # the page's LedgerImport, which the history of updated residents names
        self.expected = expected  # the counts the confirmed check reported: an import that would differ is refused
        self.district = district
        self.commit = commit
        self.actor = actor
        self.progress = progress
        self.today = today or timezone.localdate()
        self.max_problems = settings.DOORSTEP_LEDGER_MAX_PROBLEMS
        self.report = Report(format=ledger.format, district=district.code if district else "", sha256=sha256,
                             file_name=file_name, unknown_sheets=list(ledger.unknown))
        self.done = 0
        self.total = ledger.estimate
        # what the file and the database hold, by code / number
        self.nodes: dict[str, tuple[int | None, str]] = {}  # org code → (id or None when new, level)
        self.buildings: dict[str, tuple[int | None, str]] = {}  # building code → (id or None, grid code)
        self.households: dict[str, tuple[int | None, str, int | None]] = {}  # 户号 → (id, path, building id)
        self.file_households: set[str] = set()
        self.moved_buildings: dict[int, str] = {}  # building id → its new grid code
        self.touched_buildings: set[int] = set()
        self.seen_documents: dict[str, int] = {}  # blind index → row
        self.heads: dict[tuple[str, str], int] = {}  # (户号, 户主 or 配偶) → its row
        # the registry's heads this file makes non-heads or moves (blind index); rows naming a new head of a
        # household whose registry head is not (yet) listed: that head's blind index → the rows (resident_sheet.py)
        self.heads_leaving: set[str] = set()
        self.pending_heads: dict[str, list] = {}
        self.matched_residents = 0  # residents of the registry this file lists (and leaves in the district)
        self.inserted_residents = 0  # residents this run has written new (in the ledger: not absent)
        self.version_inserter = None
        # keys of rows in error (a grid code, building code, 户号): rows that refer to them are not blamed again
        self.broken: dict[str, set[str]] = {ORG: set(), BUILDINGS: set(), HOUSEHOLDS: set()}
        self.writing = commit
        self.problem_order: list[tuple[int, int, int]] = []  # (sheet, row, column) of each listed problem
        self.column_positions: dict[str, dict[str, int]] = {}  # sheet kind → column key → position in the file

    # --- problems ----------------------------------------------------------------------------------------------

    def problem(self, reader: SheetReader, row: int, key: str, value, message: str, level: str = ERROR,
                column_name: str = "") -> None:
        if level == ERROR:
            self.report.error_count += 1
            self.writing = False
        else:
            self.report.warning_count += 1
        if len(self.report.problems) >= self.max_problems:
            return
        column = next((c for c in reader.sheet.columns if c.key == key), None)
        shown = ("=" + value.formula if isinstance(value, Formula) else text(value))[:100]
        if column is not None and column.personal and shown:
            shown = mask_value(column.personal, shown)
        elif key not in CODE_COLUMNS or _PERSONAL_SHAPE.search(shown):
            # a number in the wrong column (shifted cells, an ID typed under 姓名 or 户号) is masked all the same
            shown = mask_personal_numbers(shown)
        self.report.problems.append(Problem(
            sheet=reader.shown_name, row=row,
            column=column_name or reader.headers.get(key) or (column.header if column else key),
            value=shown, message=message, level=level))
        self.problem_order.append((KINDS.index(reader.sheet.kind), row, self._column_order(reader, key)))

    def _column_order(self, reader: SheetReader, key: str) -> int:
        """Where a problem's column stands in the sheet: the file's position of the column; a missing column after
        those (in the template's order); a problem of the whole sheet or file ("-") first."""
        positions = self.column_positions.get(reader.sheet.kind)
        if positions is None:
            positions = self.column_positions[reader.sheet.kind] = {k: p for p, k in reader.columns.items()}
        if key in positions:
            return positions[key]
        keys = [c.key for c in reader.sheet.columns]
        return 10_000 + keys.index(key) if key in keys else -1

    def _sort_problems(self) -> None:
        """The listed problems in the order a person corrects the file: sheet by sheet as the template orders them,
        row by row, column by column (they are found sheet by sheet, but a batch's rows twice over and the org tree
        by level). The order of problems of one cell is kept."""
        ordered = sorted(zip(self.problem_order, range(len(self.problem_order)), self.report.problems, strict=True),
                         key=lambda item: item[:2])
        self.report.problems = [problem for _order, _index, problem in ordered]

    def _row_problems(self, reader: SheetReader, row: int, cells: dict, problems) -> bool:
        """Report a row's problems; True when it has any (the row then counts as in error). A formula without a
        saved value (reading.Formula) is the problem of its cell, not the blank it reads as."""
        formulas = [key for key, value in cells.items() if isinstance(value, Formula)]
        if formulas:
            problems = [(key, _("单元格是公式，请粘贴为数值（复制后“选择性粘贴 → 数值”）。")) for key in formulas] + [
                (key, message) for key, message in problems if key not in formulas]
        for key, message in problems:
            self.problem(reader, row, key, cells.get(key), message)
        if problems:
            kind = reader.sheet.kind
            self.report.counts[kind].errors += 1
            if kind in self.broken:
                own = {ORG: "code", BUILDINGS: "code", HOUSEHOLDS: "number"}[kind]
                self.broken[kind].add(" ".join(text(cells.get(own)).split()))
        return bool(problems)

    def _tick(self, reader: SheetReader, count: int = 1) -> None:
        self.done += count
        if self.progress and (self.done % BATCH == 0 or count > 1):
            self.progress(reader.sheet.name, self.done, max(self.total, self.done))

    # --- the run -----------------------------------------------------------------------------------------------

    def execute(self) -> Report:
        started = time.perf_counter()
        for kind, reader in self.ledger.sheets.items():
            self.report.sheets[kind] = reader.shown_name
            if reader.ignored:
                self.report.ignored_columns[reader.shown_name] = reader.ignored
        try:
            if self.commit:
                with transaction.atomic():
                    self._sheets()
                    self._check_expected()
                    if not self.report.ok:
                        raise _Rollback
                    self.report.committed = True
                    self._audit()
            else:
                self._sheets()
        except _Rollback:
            self.report.committed = False
        self.report.seconds = round(time.perf_counter() - started, 2)
        self._sort_problems()
        if not self.report.committed:
            self._audit()
        return self.report

    def _check_expected(self) -> None:
        """Refuse an import whose outcome is not what the confirmed check reported (the registry changed since:
        another import, a change request): the person confirmed the report, not whatever the file now does."""
        if self.expected is None or not self.ledger.sheets:
            return
        now = {kind: asdict(c) for kind, c in self.report.counts.items()}
        if now != self.expected:
            first = next(iter(self.ledger.sheets.values()))
            self.problem(first, first.header_row or 1, "", "", _("自检查以来系统中的人口数据已有变化，导入结果会与检查报告不同："
                                                              "请重新上传台账检查后再确认。"), column_name="-")

    def _sheets(self) -> None:
        self._resolve_district()
        if self.ledger.format != "csv":
            for name in self.ledger.unknown:
                if name.strip() not in UNREAD_SHEETS and not name.lower().endswith(tuple(UNREAD_SUFFIXES)):
                    first = next(iter(self.ledger.sheets.values()))
                    self.problem(first, 1, "", name, _("无法识别工作表“{name}”：工作表名应为 组织机构、楼栋、户、居民（说明页可保留）。"
                                                       "未导入任何数据。").format(name=name[:40]), column_name="-")
        for reader in self.ledger.sheets.values():
            for header in reader.missing:
                self.problem(reader, reader.header_row or 1, "", "", _("缺少必填列“{column}”。").format(column=header),
                             column_name=header)
        if not self.report.district and ORG not in self.ledger.sheets:
            first = next(iter(self.ledger.sheets.values()))
            self.problem(first, first.header_row or 1, "", "", _("无法确定导入到哪个区：请指定区划代码，或在组织机构表中写明层级为“区”的一行。"),
                         column_name="-")
        steps = {ORG: self._org, BUILDINGS: self._buildings, HOUSEHOLDS: self._households, RESIDENTS: self._residents}
        for kind, reader in self.ledger.sheets.items():
            if not reader.missing:
                if self.progress:  # the page names the sheet at work from its first row on
                    self.progress(reader.sheet.name, self.done, max(self.total, self.done))
                steps[kind](reader)
        self._refuse_empty()
        if self.writing:
            self._finish()
        if self.district is not None or self.report.district:
            code = self.report.district
            in_district = Resident.objects.filter(path__gte=code, path__lt=code + "~",
                                                  status=ResidentStatus.ACTIVE).count() if code else 0
            # counted after the writes when importing: the residents just added are in the ledger, not absent, so
            # the import says the same number as its check
            self.report.absent = max(0, in_district - self.matched_residents - self.inserted_residents)

    def _refuse_empty(self) -> None:
        """A file whose sheets have their headers and not one row below them would import nothing: an error, not a
        check that passes and offers to import 0 rows. (A sheet left empty beside others with rows is fine: the
        template has all four.)"""
        readers = list(self.ledger.sheets.values())
        if any(r.missing for r in readers) or any(self.report.counts[k].rows for k in self.ledger.sheets):
            return
        names = pgettext("list separator", "、").join(f"“{r.shown_name}”" for r in readers)
        first = readers[0]
        self.problem(first, first.header_row or 1, "", "", ngettext(
            "文件中没有数据行：工作表{sheets}只有列名，下面没有要导入的行。",
            "文件中没有数据行：工作表{sheets}都只有列名，下面没有要导入的行。", len(readers)).format(sheets=names),
            column_name="-")

    def _resolve_district(self) -> None:
        """The district the file is for: the actor's (the page), the one given (the command line), or else the
        database's only district, or the 区 row of the 组织机构 sheet (a fresh installation)."""
        if self.district is not None:
            self.nodes[self.district.code] = (self.district.pk, Level.DISTRICT)
            return
        districts = list(OrgNode.objects.filter(level=Level.DISTRICT).order_by("code")[:2])
        if len(districts) == 1:
            self.district = districts[0]
            self.report.district = self.district.code
            self.nodes[self.district.code] = (self.district.pk, Level.DISTRICT)

    def _in_district(self, code: str) -> bool:
        return bool(self.report.district) and code.startswith(self.report.district)

    # --- the end -----------------------------------------------------------------------------------------------

    def _finish(self) -> None:
        """What follows from the rows written: members of buildings that moved grid move with them; each touched
        building's household count is the registry's."""
        for building_id, grid_code in self.moved_buildings.items():
            Household.objects.filter(building_id=building_id).exclude(path=grid_code).update(path=grid_code)
            Resident.objects.filter(household__building_id=building_id).exclude(path=grid_code).update(path=grid_code)
            ResidentNameKey.objects.filter(resident__household__building_id=building_id).exclude(
                path=grid_code).update(path=grid_code)
        touched = sorted(self.touched_buildings | {pk for pk, _g in self.buildings.values() if pk})
        for chunk in chunks(touched):
            counted = dict(Household.objects.filter(building_id__in=chunk).values_list("building_id")
                           .annotate(n=Count("id")))
            stale = [(counted.get(pk, 0), pk) for pk, n in Building.objects.filter(pk__in=chunk)
                     .values_list("pk", "household_count") if n != counted.get(pk, 0)]
            bulk.update_rows(Building, ["household_count"], stale)
        if connection.vendor == "sqlite" and self.report.counts[RESIDENTS].new >= DEFER_INDEXES_FROM:
            with connection.cursor() as cur:
                cur.execute("ANALYZE registry_resident")
                cur.execute("ANALYZE registry_residentnamekey")

    def _audit(self) -> None:
        from doorstep.audit.models import AuditEvent
        from doorstep.audit.services import audit_record

        report = self.report
        summary = {
            "file": report.file_name[:100], "sha256": report.sha256, "format": report.format,
            "district": report.district, "committed": report.committed, "dry_run": not self.commit,
            "counts": {k: {"new": c.new, "updated": c.updated, "unchanged": c.unchanged, "errors": c.errors}
                       for k, c in report.counts.items() if k in self.ledger.sheets},
            "problems": report.error_count, "warnings": report.warning_count, "absent": report.absent,
            "changed_fields": report.changed_fields,
        }
        result = AuditEvent.Result.OK if report.committed or not self.commit else AuditEvent.Result.FAILED
        audit_record(actor=self.actor, actor_label="" if self.actor else "doorstep registry import",
                     action="registry.import" if self.commit else "registry.import_check",
                     target_type="org.orgnode", target_id=report.district, target_label=report.district,
                     summary=summary, result=result)


def run_ledger(ledger: Ledger, *, district: OrgNode | None, commit: bool, actor=None, progress=None,
               sha256: str = "", file_name: str = "", expected: dict | None = None, job=None) -> Report:
    """Check (commit=False) or import (commit=True) a ledger opened by reading.open_ledger. See the module.
    `expected`: the per-sheet counts a confirmed check reported; an import that would count otherwise is refused.
    `job`: the LedgerImport being imported (the page's), recorded on the residents' history."""
    if not ledger.sheets:
        raise ValidationFailed(_("文件里没有可导入的工作表。"), field="file")
    return LedgerRun(ledger, district=district, commit=commit, actor=actor, progress=progress, sha256=sha256,
                     file_name=file_name, expected=expected, job=job).execute()


