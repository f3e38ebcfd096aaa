"""The ledger import's 组织机构 sheet: streets, communities and grids by code (a step of importer.LedgerRun)."""

from django.utils.translation import gettext as _

from doorstep.org.models import Level, OrgNode
from doorstep.registry.ledger.checking import PARENT_LEVEL, read_org
from doorstep.registry.ledger.columns import ORG
from doorstep.registry.ledger.reading import SheetReader


class OrgSheet:
    """LedgerRun's steps for the 组织机构 sheet."""

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
