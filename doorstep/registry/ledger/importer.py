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
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from doorstep.core.bulk import deferred_indexes
from doorstep.core.crypto import blind_index
from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import clean_document_text, mask_document
from doorstep.core.names import name_keys, plain_name_keys
from doorstep.org.models import Level, OrgNode
from doorstep.registry.history import VERSIONED_FIELDS, history_record_many, version_snapshot
from doorstep.registry.ledger import bulk
from doorstep.registry.ledger.checking import (
    FLAG_KEYS,
    PARENT_LEVEL,
    read_building,
    read_household,
    read_org,
    read_resident,
    text,
)
from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, KINDS, ORG, RESIDENTS
from doorstep.registry.ledger.reading import Formula, Ledger, SheetReader
from doorstep.registry.models import Building, Household, Resident, ResidentNameKey, ResidentStatus
from doorstep.registry.namekeys import namekeys_follow, staff_readings
from doorstep.registry.services import personal_fields

BATCH = 5000  # rows checked, looked up and written together
CHUNK = 5000  # values in one IN (…) list
DEFER_INDEXES_FROM = 20_000  # residents to insert at least, and more than the table has, to rebuild indexes once

ERROR, WARNING = "error", "warning"
# The fields a resident row compares and writes (besides the personal ones, which personal_fields gives).
RESIDENT_FIELDS = ("household_id", "path", "name", "gender", "birth_date", "relation", *FLAG_KEYS, "employer")
# What an update writes: those, the name's reading, and the personal columns.
UPDATE_FIELDS = (*RESIDENT_FIELDS, "name_pinyin", "name_initials", "document_type", "id_number_enc",
                 "id_number_masked", "phone_enc", "phone_index", "phone_masked")


@dataclass
class Problem:
    sheet: str  # as the file names it
    row: int  # as Excel shows it (the header's row for a missing column)
    column: str  # the header as the file spells it (the template's for a missing one)
    value: str  # personal numbers masked
    message: str  # in the reader's language (the one active while checking)
    level: str = ERROR


@dataclass
class Counts:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0  # rows with at least one error


@dataclass
class Report:
    format: str
    district: str
    sha256: str = ""
    file_name: str = ""
    committed: bool = False
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    sheets: dict[str, str] = field(default_factory=dict)  # kind → the sheet's name in the file
    # the first DOORSTEP_LEDGER_MAX_PROBLEMS found, sorted by sheet (the template's order), row and column
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    absent: int = 0  # residents of the district the file does not list (left alone)
    changed_fields: dict[str, int] = field(default_factory=dict)  # resident field → residents updated in it
    unknown_sheets: list[str] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_json(self, *, first: int = 100) -> dict:
        """What a job keeps: everything but the problems past the first `first`."""
        data = asdict(self)
        data["problems"] = data["problems"][:first]
        return data


# Sheets a ledger may carry besides the four it imports: the template's own notes page.
UNREAD_SHEETS = {"说明", "填写说明", "Instructions"}  # zh: sheet names compared with the file's
UNREAD_SUFFIXES = (".txt", ".md", ".pdf")


class _Rollback(Exception):
    pass


def mask_value(kind: str, value: str) -> str:
    """A personal number as a problem report may show it (reports travel by USB stick and e-mail): the masks the
    pages use for valid numbers (core.idnumbers.mask_document), the same shape for anything else typed there."""
    cleaned = clean_document_text(value)
    if kind == "phone":
        cleaned = "".join(c for c in cleaned if c.isdigit()) or cleaned
        if len(cleaned) >= 11:
            return cleaned[:3] + "*" * (len(cleaned) - 7) + cleaned[-4:]
    return mask_document(cleaned)


class LedgerRun:
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
        self.heads: dict[str, int] = {}  # 户号 → row of its 户主
        self.matched_residents = 0
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
                steps[kind](reader)
        self._refuse_empty()
        if self.writing:
            self._finish()
        if self.district is not None or self.report.district:
            code = self.report.district
            in_district = Resident.objects.filter(path__gte=code, path__lt=code + "~",
                                                  status=ResidentStatus.ACTIVE).count() if code else 0
            self.report.absent = max(0, in_district - self.matched_residents)

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

    # --- 组织机构 ----------------------------------------------------------------------------------------------

    def _org(self, reader: SheetReader) -> None:
        counts = self.report.counts[ORG]
        rows = []
        for number, cells in reader.rows():
            counts.rows += 1
            record, problems = read_org(cells)
            if not self._row_problems(reader, number, cells, problems):
                rows.append((number, cells, record))
        self._tick(reader, counts.rows)
        # the district: the database's, or the file's 区 row for a fresh installation
        for number, cells, record in rows:
            if record.level != Level.DISTRICT:
                continue
            if self.report.district and record.code != self.report.district:
                self.problem(reader, number, "code", cells.get("code"), _("本台账只能导入{district}（{code}）的数据。").format(
                    district=self.district.name if self.district else "", code=self.report.district))
                counts.errors += 1
            elif not self.report.district:
                self.report.district = record.code
                found = self._db_node(record.code)
                if found is not None:
                    self.district = OrgNode.objects.get(pk=found[0])
        if not self.report.district:
            self.problem(reader, reader.header_row or 1, "level", "",
                         _("无法确定导入到哪个区：请指定区划代码，或在组织机构表中写明层级为“区”的一行。"))
            return
        existing = {n.code: n for n in OrgNode.objects.filter(code__in=[r.code for _n, _c, r in rows])}
        seen: dict[str, int] = {}
        new, renamed = [], []
        for number, cells, record in sorted(rows, key=lambda r: len(r[2].code)):
            if record.code in seen:
                self._dup(reader, number, "code", cells, _("编码与第{row}行重复。").format(row=seen[record.code]))
                continue
            seen[record.code] = number
            if not self._in_district(record.code):
                self._dup(reader, number, "code", cells, _("编码不在本区（{code}）之下。").format(
                    code=self.report.district))
                continue
            node = existing.get(record.code)
            if node is not None and node.level != record.level:
                self._dup(reader, number, "level", cells, _("该编码在系统中是{level}，不能改为其他层级。").format(
                    level=node.get_level_display()))
                continue
            if record.level != Level.DISTRICT:
                parent = self.nodes.get(record.parent_code) or self._db_node(record.parent_code)
                if parent is None or parent[1] != PARENT_LEVEL[record.level]:
                    self._dup(reader, number, "parent", cells, _("上级（{code}）不存在，或不是{level}。").format(
                        code=record.parent_code, level=Level(PARENT_LEVEL[record.level]).label))
                    continue
            if node is None:
                counts.new += 1
                new.append(record)
                self.nodes[record.code] = (None, record.level)
            else:
                self.nodes[record.code] = (node.pk, node.level)
                if node.name != record.name:
                    counts.updated += 1
                    node.name = record.name
                    renamed.append(node)
                else:
                    counts.unchanged += 1
        if self.writing:
            self._write_org(new, renamed)

    def _dup(self, reader, number, key, cells, message) -> None:
        self.problem(reader, number, key, cells.get(key), message)
        self.report.counts[reader.sheet.kind].errors += 1

    def _db_node(self, code: str):
        node = OrgNode.objects.filter(code=code).values_list("pk", "level").first()
        if node is not None:
            self.nodes[code] = (node[0], node[1])
        return node

    def _write_org(self, new, renamed) -> None:
        for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID):
            batch = [OrgNode(code=r.code, name=r.name, level=r.level,
                             parent_id=self.nodes[r.parent_code][0] if r.parent_code else None)
                     for r in new if r.level == level]
            for node in OrgNode.objects.bulk_create(batch, batch_size=1000):
                self.nodes[node.code] = (node.pk, node.level)
                if level == Level.DISTRICT:
                    self.district = node
        if renamed:
            OrgNode.objects.bulk_update(renamed, ["name"], batch_size=1000)

    # --- 楼栋 --------------------------------------------------------------------------------------------------

    def _grid(self, code: str) -> tuple[int | None, str] | None:
        found = self.nodes.get(code)
        if found is None:
            found = self._db_node(code)
        return found if found is not None and found[1] == Level.GRID and self._in_district(code) else None

    def _buildings(self, reader: SheetReader) -> None:
        counts = self.report.counts[BUILDINGS]
        rows = []
        for number, cells in reader.rows():
            counts.rows += 1
            record, problems = read_building(cells)
            if not self._row_problems(reader, number, cells, problems):
                rows.append((number, cells, record))
        self._tick(reader, counts.rows)
        grid_codes = {r.grid_code for _n, _c, r in rows} - set(self.nodes)
        for chunk in _chunks(sorted(grid_codes)):
            for pk, code, level in OrgNode.objects.filter(code__in=chunk).values_list("pk", "code", "level"):
                self.nodes[code] = (pk, level)
        existing = {}
        for chunk in _chunks([r.code for _n, _c, r in rows]):
            existing.update({b[1]: b for b in Building.objects.filter(code__in=chunk).values_list(
                "pk", "code", "path", "name", "address", "latitude", "longitude")})
        seen: dict[str, int] = {}
        new, changed = [], []
        for number, cells, record in rows:
            if record.code in seen:
                self._dup(reader, number, "code", cells, _("楼栋编码与第{row}行重复。").format(row=seen[record.code]))
                continue
            seen[record.code] = number
            if self._grid(record.grid_code) is None:
                if record.grid_code in self.broken[ORG]:
                    self.report.counts[BUILDINGS].errors += 1
                    self.broken[BUILDINGS].add(record.code)
                    continue
                self._dup(reader, number, "grid", cells, _("网格{code}不在本文件的组织机构表中，系统中也没有（须是本区的网格）。").format(
                    code=record.grid_code))
                continue
            old = existing.get(record.code)
            if old is not None and not self._in_district(old[2]):
                self._dup(reader, number, "code", cells, _("该楼栋编码已被本区以外的楼栋使用。"))
                continue
            if old is None:
                counts.new += 1
                new.append(record)
                self.buildings[record.code] = (None, record.grid_code)
                continue
            self.buildings[record.code] = (old[0], record.grid_code)
            if old[2:] == (record.grid_code, record.name, record.address, record.latitude, record.longitude):
                counts.unchanged += 1
                continue
            counts.updated += 1
            changed.append((old[0], record))
            if old[2] != record.grid_code:
                self.moved_buildings[old[0]] = record.grid_code
        if self.writing:
            ids = bulk.reserve_ids(Building, len(new))
            bulk.Inserter(Building).write([
                {"id": pk, "grid_id": self.nodes[r.grid_code][0], "path": r.grid_code, "code": r.code, "name": r.name,
                 "address": r.address, "latitude": r.latitude, "longitude": r.longitude, "household_count": 0}
                for pk, r in zip(ids, new, strict=True)])
            for pk, r in zip(ids, new, strict=True):
                self.buildings[r.code] = (pk, r.grid_code)
            bulk.update_rows(Building, ["grid", "path", "name", "address", "latitude", "longitude"], [
                (self.nodes[r.grid_code][0], r.grid_code, r.name, r.address, r.latitude, r.longitude, pk)
                for pk, r in changed])

    # --- 户 ----------------------------------------------------------------------------------------------------

    def _building(self, code: str) -> tuple[int | None, str] | None:
        return self.buildings.get(code)

    def _load_buildings(self, codes) -> None:
        wanted = sorted(set(codes) - set(self.buildings))
        for chunk in _chunks(wanted):
            for pk, code, path in Building.objects.filter(code__in=chunk).values_list("pk", "code", "path"):
                if self._in_district(path):
                    self.buildings[code] = (pk, path)

    def _households(self, reader: SheetReader) -> None:
        counts = self.report.counts[HOUSEHOLDS]
        rows = []
        for number, cells in reader.rows():
            counts.rows += 1
            record, problems = read_household(cells)
            if not self._row_problems(reader, number, cells, problems):
                rows.append((number, cells, record))
            if counts.rows % BATCH == 0:
                self._tick(reader, BATCH)
        self._tick(reader, counts.rows % BATCH)
        self._load_buildings(r.building_code for _n, _c, r in rows)
        seen: dict[str, int] = {}
        new, changed = [], []
        for chunk in _chunks(rows):
            existing = {h[1]: h for h in Household.objects.filter(number__in=[r.number for _n, _c, r in chunk])
                        .values_list("pk", "number", "building_id", "path", "room", "kind")}
            for number, cells, record in chunk:
                if record.number in seen:
                    self._dup(reader, number, "number", cells, _("户号与第{row}行重复。").format(row=seen[record.number]))
                    continue
                seen[record.number] = number
                building = self._building(record.building_code)
                if building is None:
                    if record.building_code in self.broken[BUILDINGS]:
                        counts.errors += 1
                        self.broken[HOUSEHOLDS].add(record.number)
                        continue
                    self._dup(reader, number, "building", cells, _("楼栋{code}不在本文件的楼栋表中，系统中也没有（须是本区的楼栋）。").format(
                        code=record.building_code))
                    continue
                old = existing.get(record.number)
                if old is not None and not self._in_district(old[3]):
                    self._dup(reader, number, "number", cells, _("该户号已被本区以外的户使用。"))
                    continue
                self.file_households.add(record.number)
                path = building[1]
                if old is None:
                    counts.new += 1
                    new.append((record, path))
                    self.households[record.number] = (None, path, building[0])
                    continue
                self.households[record.number] = (old[0], path, building[0])
                if old[2:] == (building[0], path, record.room, record.kind):
                    counts.unchanged += 1
                    continue
                counts.updated += 1
                changed.append((old[0], record, path))
                self.touched_buildings.add(old[2])
        if self.writing:
            ids = bulk.reserve_ids(Household, len(new))
            bulk.Inserter(Household).write([
                {"id": pk, "building_id": self.buildings[r.building_code][0], "path": path, "number": r.number,
                 "room": r.room, "kind": r.kind} for pk, (r, path) in zip(ids, new, strict=True)])
            for pk, (r, path) in zip(ids, new, strict=True):
                self.households[r.number] = (pk, path, self.buildings[r.building_code][0])
            bulk.update_rows(Household, ["building", "path", "room", "kind"], [
                (self.buildings[r.building_code][0], path, r.room, r.kind, pk) for pk, r, path in changed])
            self.touched_buildings.update(self.buildings[r.building_code][0] for r, _p in new)
            self.touched_buildings.update(self.buildings[r.building_code][0] for _pk, r, _p in changed)

    # --- 居民 --------------------------------------------------------------------------------------------------

    def _residents(self, reader: SheetReader) -> None:
        defer = False
        if self.writing and reader.estimate >= DEFER_INDEXES_FROM:
            defer = Resident.objects.count() < reader.estimate
        inserter = bulk.Inserter(Resident)
        keys_sql = _insert_sql(ResidentNameKey, ["resident_id", "key", "path", "name"])  # the database numbers the keys
        batch = []
        with deferred_indexes(Resident, ResidentNameKey) if defer else _nothing():
            for number, cells in reader.rows():
                batch.append((number, cells))
                if len(batch) == BATCH:
                    self._resident_batch(reader, batch, inserter, keys_sql)
                    batch = []
            if batch:
                self._resident_batch(reader, batch, inserter, keys_sql)

    def _resident_batch(self, reader: SheetReader, batch, inserter, keys_sql) -> None:
        counts = self.report.counts[RESIDENTS]
        rows = []
        for number, cells in batch:
            counts.rows += 1
            record, problems = read_resident(cells, today=self.today)
            if not self._row_problems(reader, number, cells, problems):
                record.index = blind_index("id", record.document.index_value)
                rows.append((number, cells, record))
                if record.document.converted_from:
                    self.problem(reader, number, "document", cells.get("document"), record.document.note(), WARNING)
        self._tick(reader, len(batch))
        # households not in the file: from the database (in the district)
        wanted = sorted({r.household_number for _n, _c, r in rows} - set(self.households))
        for chunk in _chunks(wanted):
            for pk, number, path, building_id, building_code in Household.objects.filter(number__in=chunk).values_list(
                    "pk", "number", "path", "building_id", "building__code"):
                if self._in_district(path):
                    moved = self.buildings.get(building_code)
                    self.households[number] = (pk, moved[1] if moved else path, building_id)
        existing = {}
        for row in Resident.objects.filter(id_number_index__in=[r.index for _n, _c, r in rows]).values_list(
                "id_number_index", "pk", "status", "document_type", "id_number_masked", "phone_index",
                *RESIDENT_FIELDS):
            existing[row[0]] = row
        new, changed = [], []
        for number, cells, record in rows:
            problems = []
            first = self.seen_documents.get(record.index)
            if first is not None:
                problems.append(("document", _("证件号码与第{row}行重复（同一人只能登记一次）。").format(row=first)))
            else:
                self.seen_documents[record.index] = number
            household = self.households.get(record.household_number)
            if household is None and record.household_number in self.broken[HOUSEHOLDS]:
                counts.errors += 1  # its household's row is in error already: nothing more to say of this one
                continue
            if household is None:
                problems.append(("household", _("户号{number}不在本文件的户表中，系统中也没有（须是本区的户）。").format(
                    number=record.household_number)))
            if record.relation == "head":
                head = self.heads.get(record.household_number)
                if head is not None:
                    problems.append(("relation", _("该户已有户主（第{row}行），每户只能有一个户主。").format(row=head)))
                else:
                    self.heads[record.household_number] = number
            old = existing.get(record.index)
            if old is not None and not self._in_district(old[7]):  # its path
                problems.append(("document", _("该证件号码已在本区以外登记，不能导入。")))
            elif old is not None and old[2] != ResidentStatus.ACTIVE:
                problems.append(("document", _("该居民已注销或迁出，台账导入不能恢复：请通过人口变更办理。")))
            elif old is not None and old[8] != record.name and (old[9], old[10]) != (record.gender, record.birth_date):
                # the same number for a person of another name, birth date or gender is another person, not an update
                problems.append(("document", _("该证件号码已登记给另一人（姓名、出生日期或性别都不同），台账不能把一个人改成"
                                               "另一个人：请核对证件号码；确需更正请走人口变更。")))
            if self._row_problems(reader, number, cells, problems):
                continue
            values = (household[0], household[1], record.name, record.gender, record.birth_date, record.relation,
                      *(record.flags[k] for k in FLAG_KEYS), record.employer)
            if old is None:
                counts.new += 1
                new.append((record, values))
                continue
            self.matched_residents += 1
            phone_index = blind_index("phone", record.phone) if record.phone else ""
            before = (old[3], old[4], old[5], *old[6:])
            after = (record.document.type, record.document.masked, phone_index, *values)
            if household[0] is not None and before == after:
                counts.unchanged += 1
                continue
            counts.updated += 1
            names = ("document_type", "id_number_masked", "phone", *RESIDENT_FIELDS)
            for name, a, b in zip(names, before, after, strict=True):
                if a != b:
                    self.report.changed_fields[name] = self.report.changed_fields.get(name, 0) + 1
            changed.append((old[1], record, values, old[8] != record.name))
        if self.writing:
            self._write_residents(new, changed, inserter, keys_sql)

    def _write_residents(self, new, changed, inserter, keys_sql) -> None:
        extra = staff_readings(r.name for r, _v in new) if new else {}
        extra.update(staff_readings(r.name for _pk, r, _v, renamed in changed if renamed) if changed else {})
        ids = bulk.reserve_ids(Resident, len(new))
        rows, key_rows = [], []
        for pk, (record, values) in zip(ids, new, strict=True):
            keys = _keys(record.name, extra)
            row = dict(zip(RESIDENT_FIELDS, values, strict=True))
            row.update(id=pk, name_pinyin=keys.pinyin, name_initials=keys.initials,
                       **personal_fields(document=record.document, phone=record.phone))
            rows.append(row)
            key_rows.extend((pk, k, row["path"], row["name"]) for k in keys.keys)
        inserter.write(rows)
        updates, rekey, moved = [], [], []
        for pk, record, values, renamed in changed:
            keys = _keys(record.name, extra)
            personal = personal_fields(document=record.document, phone=record.phone)
            updates.append((*values, keys.pinyin, keys.initials, *(personal[k] for k in UPDATE_FIELDS[-6:]), pk))
            row = dict(zip(RESIDENT_FIELDS, values, strict=True))
            if renamed:
                rekey.append(pk)
                key_rows.extend((pk, k, row["path"], row["name"]) for k in keys.keys)
            else:
                moved.append(pk)
        befores = {}  # the history (registry.history): the record before the update, kept as a version
        for chunk in _chunks([pk for pk, *_rest in changed]):
            befores.update({r.pk: version_snapshot(r)
                            for r in Resident.objects.filter(pk__in=chunk).only("id", *VERSIONED_FIELDS)})
        bulk.update_rows(Resident, UPDATE_FIELDS, updates)
        if befores:
            history_record_many(befores, effective=timezone.localdate(), ledger_import=self.job)
        for chunk in _chunks(rekey):
            ResidentNameKey.objects.filter(resident_id__in=chunk).delete()
        if key_rows:
            _write_keys(keys_sql, key_rows)
        for chunk in _chunks(moved):  # the keys carry path and name: a resident may have moved household
            namekeys_follow(chunk)

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
        for chunk in _chunks(touched):
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


def _keys(name: str, extra):
    return name_keys(name, extra) if extra and any(c in extra for c in name) else plain_name_keys(name)


def _insert_sql(model, attnames):
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [connection.ops.quote_name(model._meta.get_field(a).column) for a in attnames]
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            f"COPY {table} ({', '.join(columns)}) FROM STDIN")


def _write_keys(sql, rows) -> None:
    insert, copy_sql = sql
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(insert, rows)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _chunks(items, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_ledger(ledger: Ledger, *, district: OrgNode | None, commit: bool, actor=None, progress=None,
               sha256: str = "", file_name: str = "", expected: dict | None = None, job=None) -> Report:
    """Check (commit=False) or import (commit=True) a ledger opened by reading.open_ledger. See the module.
    `expected`: the per-sheet counts a confirmed check reported; an import that would count otherwise is refused.
    `job`: the LedgerImport being imported (the page's), recorded on the residents' history."""
    if not ledger.sheets:
        raise ValidationFailed(_("文件里没有可导入的工作表。"), field="file")
    return LedgerRun(ledger, district=district, commit=commit, actor=actor, progress=progress, sha256=sha256,
                     file_name=file_name, expected=expected, job=job).execute()


