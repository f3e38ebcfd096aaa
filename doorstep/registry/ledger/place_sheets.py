"""The ledger import's 楼栋 and 户 sheets: buildings by code in their grids, households by 户号 in their buildings
(steps of importer.LedgerRun)."""

from django.utils.translation import gettext as _

from doorstep.org.models import Level, OrgNode
from doorstep.registry.ledger import bulk
from doorstep.registry.ledger.batches import BATCH, chunks
from doorstep.registry.ledger.checking import read_building, read_household
from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, ORG
from doorstep.registry.ledger.reading import SheetReader
from doorstep.registry.models import Building, Household


class PlaceSheets:
    """LedgerRun's steps for the 楼栋 and 户 sheets."""

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
        for chunk in chunks(sorted(grid_codes)):
            for pk, code, level in OrgNode.objects.filter(code__in=chunk).values_list("pk", "code", "level"):
                self.nodes[code] = (pk, level)
        existing = {}
        for chunk in chunks([r.code for _n, _c, r in rows]):
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
        for chunk in chunks(wanted):
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
        for chunk in chunks(rows):
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
