"""The ledger import's 居民 sheet: residents matched by the blind index of their document, checked and written in
batches with their name keys and history (a step of importer.LedgerRun).

One 户主 and one 配偶 per household (SINGLE_RELATIONS), against the database too: a row that makes someone the head
(or the spouse) of a household whose active head (spouse) in the registry is another person is an error — unless
this file lists that person elsewhere (another relation or another household: the file changes the head). The file
may list them after the new one, so such rows wait (`pending_heads`) until the end of the sheet; the registry's
heads and spouses are read once per batch, for the households the batch names one for. (A new 户主 with the old
head as 配偶 therefore needs the old head's spouse listed too: change requests keep the same rule.)

History: an updated resident gets a version naming the import (registry.history); a resident a page's import
created gets one open version valid from their birth date, as the registry holds them (as-of reads are what they
would be without it), naming the import's job — one more bulk insert per batch. A command-line import has no job to
name and writes none (the history would only say "原登记信息").
"""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.bulk import deferred_indexes
from doorstep.core.crypto import blind_index
from doorstep.core.names import name_keys, plain_name_keys
from doorstep.registry.history import VERSIONED_FIELDS, history_record_many, version_snapshot
from doorstep.registry.ledger import bulk
from doorstep.registry.ledger.batches import BATCH, chunks, nothing
from doorstep.registry.ledger.checking import FLAG_KEYS, read_resident
from doorstep.registry.ledger.columns import HOUSEHOLDS, RESIDENTS
from doorstep.registry.ledger.reading import SheetReader
from doorstep.registry.ledger.report import WARNING
from doorstep.registry.models import (
    Household,
    Relation,
    Resident,
    ResidentNameKey,
    ResidentStatus,
    ResidentVersion,
)
from doorstep.registry.namekeys import namekeys_follow, staff_readings
from doorstep.registry.services import personal_fields

SINGLE_RELATIONS = (Relation.HEAD, Relation.SPOUSE)  # at most one of each per household
DEFER_INDEXES_FROM = 20_000  # residents to insert at least, and more than the table has, to rebuild indexes once
# The fields a resident row compares and writes (besides the personal ones, which personal_fields gives).
RESIDENT_FIELDS = ("household_id", "path", "name", "gender", "birth_date", "relation", *FLAG_KEYS, "employer")
# What an update writes: those, the name's reading, and the personal columns.
UPDATE_FIELDS = (*RESIDENT_FIELDS, "name_pinyin", "name_initials", "document_type", "id_number_enc",
                 "id_number_masked", "phone_enc", "phone_index", "phone_masked")
# positions in the rows of `existing` (_resident_batch): the blind index, pk, status, … then RESIDENT_FIELDS
_HOUSEHOLD, _PATH, _NAME, _RELATION = 6, 7, 8, 6 + RESIDENT_FIELDS.index("relation")


class ResidentSheet:
    """LedgerRun's steps for the 居民 sheet."""

    # --- 居民 --------------------------------------------------------------------------------------------------

    def _residents(self, reader: SheetReader) -> None:
        defer = False
        if self.writing and reader.estimate >= DEFER_INDEXES_FROM:
            defer = Resident.objects.count() < reader.estimate
        inserter = bulk.Inserter(Resident)
        # optional columns the sheet does not have: an update keeps what the registry holds for them (a ledger
        # of names and numbers only must not erase phones, flags and employers)
        self.kept_columns = {c.key for c in reader.sheet.columns if not c.required} - set(reader.columns.values())
        self.version_inserter = bulk.Inserter(ResidentVersion) if self.job is not None else None
        keys_sql = _insert_sql(ResidentNameKey, ["resident_id", "key", "path", "name"])  # the database numbers the keys
        batch = []
        with deferred_indexes(Resident, ResidentNameKey) if defer else nothing():
            for number, cells in reader.rows():
                batch.append((number, cells))
                if len(batch) == BATCH:
                    self._resident_batch(reader, batch, inserter, keys_sql)
                    batch = []
            if batch:
                self._resident_batch(reader, batch, inserter, keys_sql)
        self._second_heads(reader)

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
        for chunk in chunks(wanted):
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
        registry_heads = self._registry_heads(rows)
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
            if record.relation in SINGLE_RELATIONS:
                first_row = self.heads.get((record.household_number, record.relation))
                if first_row is None:
                    self.heads[(record.household_number, record.relation)] = number
                elif record.relation == Relation.HEAD:
                    problems.append(("relation", _("该户已有户主（第{row}行），每户只能有一个户主。").format(row=first_row)))
                else:
                    problems.append(("relation", _("该户已有配偶（第{row}行），每户只能有一个配偶。").format(row=first_row)))
            old = existing.get(record.index)
            self._note_head_listed(record, old, household)
            if old is not None and not self._in_district(old[_PATH]):
                problems.append(("document", _("该证件号码已在本区以外登记，不能导入。")))
            elif old is not None and old[2] != ResidentStatus.ACTIVE:
                problems.append(("document", _("该居民已注销或迁出，台账导入不能恢复：请通过人口变更办理。")))
            elif old is not None and old[_NAME] != record.name and (old[9], old[10]) != (record.gender,
                                                                           record.birth_date):
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
                self._check_registry_head(reader, number, cells, record, household, None, registry_heads)
                continue
            self.matched_residents += 1
            values = self._keep_absent(values, old)
            phone_index = blind_index("phone", record.phone) if record.phone else ""
            if "phone" in self.kept_columns:
                phone_index = old[5]
            before = (old[3], old[4], old[5], *old[6:])
            after = (record.document.type, record.document.masked, phone_index, *values)
            if household[0] is not None and before == after:
                counts.unchanged += 1
                continue
            counts.updated += 1
            self._check_registry_head(reader, number, cells, record, household, old, registry_heads)
            names = ("document_type", "id_number_masked", "phone", *RESIDENT_FIELDS)
            for name, a, b in zip(names, before, after, strict=True):
                if a != b:
                    self.report.changed_fields[name] = self.report.changed_fields.get(name, 0) + 1
            changed.append((old[1], record, values, old[_NAME] != record.name))
        if self.writing:
            self._write_residents(new, changed, inserter, keys_sql)

    def _keep_absent(self, values: tuple, old: tuple) -> tuple:
        """An update's RESIDENT_FIELDS values with those of optional columns the sheet lacks (flags, employer) taken
        from the registry's row (`old`: index, pk, status, document type, masked number, phone index, then
        RESIDENT_FIELDS)."""
        kept = self.kept_columns & set(RESIDENT_FIELDS)
        if not kept:
            return values
        return tuple(old[6 + i] if field in kept else value
                     for i, (field, value) in enumerate(zip(RESIDENT_FIELDS, values, strict=True)))

    # --- one 户主 per household, with the registry's ------------------------------------------------------------

    def _registry_heads(self, rows) -> dict[tuple[int, str], list[tuple[str, str]]]:
        """{(household id, 户主 or 配偶): [(blind index, name)]} of the registry's active heads and spouses of the
        households that rows of this batch make someone the head or spouse of (households already in the registry):
        one query per batch."""
        wanted = {self.households[r.household_number][0] for _n, _c, r in rows
                  if r.relation in SINGLE_RELATIONS and r.household_number in self.households}
        wanted.discard(None)
        heads: dict[tuple[int, str], list[tuple[str, str]]] = {}
        for chunk in chunks(sorted(wanted)):
            for household_id, relation, index, name in Resident.objects.filter(
                    household_id__in=chunk, relation__in=SINGLE_RELATIONS, status=ResidentStatus.ACTIVE).values_list(
                    "household_id", "relation", "id_number_index", "name"):
                heads.setdefault((household_id, relation), []).append((index or "", name))
        return heads

    def _note_head_listed(self, record, old, household) -> None:
        """A row of someone the registry has as an active head: if it makes them anything else (another relation,
        another household), their household may take a new head from this file. Any row of them settles the rows
        waiting on them: either they leave, or the file names two heads, which the file's own check reports."""
        if old is None or old[_RELATION] not in SINGLE_RELATIONS or old[2] != ResidentStatus.ACTIVE:
            return
        if record.relation != old[_RELATION] or household is None or household[0] != old[_HOUSEHOLD]:
            self.heads_leaving.add(record.index)
        self.pending_heads.pop(record.index, None)

    def _check_registry_head(self, reader, number, cells, record, household, old, registry_heads) -> None:
        """A row (classified new or updated, no problem of its own) that makes its resident the head of a household
        the registry has another active head for, who is not listed in the file so far: it waits for that head's
        row (_note_head_listed) or the end of the sheet (_second_heads)."""
        if record.relation not in SINGLE_RELATIONS or household[0] is None:
            return
        if old is not None and old[_RELATION] == record.relation and old[_HOUSEHOLD] == household[0]:
            return  # already this household's head (spouse): nothing about heads changes
        for index, name in registry_heads.get((household[0], record.relation), ()):
            if index == record.index or index in self.heads_leaving or index in self.seen_documents:
                continue  # the same person; one the file moves; one the file lists as head too (reported there)
            self.pending_heads.setdefault(index, []).append(
                (number, cells, record.household_number, name, "new" if old is None else "updated", record.relation))

    def _second_heads(self, reader: SheetReader) -> None:
        """The rows still waiting at the end of the sheet: their household's head in the registry stays its head,
        so each is a second head — an error (its count moves from new or updated to errors)."""
        counts = self.report.counts[RESIDENTS]
        reported = set()
        for waiting in self.pending_heads.values():
            for number, cells, household_number, name, kind, relation in waiting:
                if number in reported:
                    continue
                reported.add(number)
                if kind == "new":
                    counts.new -= 1
                else:
                    counts.updated -= 1
                    self.matched_residents -= 1
                message = _("户{number}在系统中已有户主（{name}），每户只能有一个户主。如要更换户主，请在本文件中同时列出原户主，"
                            "并把其与户主关系改为其他关系。") if relation == Relation.HEAD else _(
                    "户{number}在系统中已有配偶（{name}），每户只能有一个配偶。如要更换，请在本文件中同时列出{name}，"
                    "并写明其现在的与户主关系。")
                self._row_problems(reader, number, cells, [("relation", message.format(number=household_number,
                                                                                       name=name))])
        self.pending_heads.clear()

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
        self.inserted_residents += len(rows)
        if self.version_inserter is not None and rows:  # the history names the import that registered them
            now = timezone.now()
            version_ids = bulk.reserve_ids(ResidentVersion, len(rows))
            self.version_inserter.write([
                {**{f: row[f] for f in VERSIONED_FIELDS if f in row}, "id": version_id, "resident_id": row["id"],
                 "status": ResidentStatus.ACTIVE, "status_date": None, "valid_from": row["birth_date"],
                 "valid_to": None, "ledger_import_id": self.job.pk, "recorded_at": now}
                for version_id, row in zip(version_ids, rows, strict=True)])
        updates, rekey, moved = [], [], []
        fields = [f for f in UPDATE_FIELDS if not ("phone" in self.kept_columns and f.startswith("phone_"))]
        for pk, record, values, renamed in changed:
            keys = _keys(record.name, extra)
            personal = personal_fields(document=record.document, phone=record.phone)
            updates.append((*values, keys.pinyin, keys.initials,
                            *(personal[k] for k in fields[len(RESIDENT_FIELDS) + 2:]), pk))
            row = dict(zip(RESIDENT_FIELDS, values, strict=True))
            if renamed:
                rekey.append(pk)
                key_rows.extend((pk, k, row["path"], row["name"]) for k in keys.keys)
            else:
                moved.append(pk)
        befores = {}  # the history (registry.history): the record before the update, kept as a version
        for chunk in chunks([pk for pk, *_rest in changed]):
            befores.update({r.pk: version_snapshot(r)
                            for r in Resident.objects.filter(pk__in=chunk).only("id", *VERSIONED_FIELDS)})
        bulk.update_rows(Resident, fields, updates)
        if befores:
            history_record_many(befores, effective=timezone.localdate(), ledger_import=self.job)
        for chunk in chunks(rekey):
            ResidentNameKey.objects.filter(resident_id__in=chunk).delete()
        if key_rows:
            _write_keys(keys_sql, key_rows)
        for chunk in chunks(moved):  # the keys carry path and name: a resident may have moved household
            namekeys_follow(chunk)


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
