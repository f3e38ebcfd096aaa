"""The case ledger (办件台账) as an Excel workbook, from the same scoped selector as the list page: every row, streamed
through openpyxl's write-only mode (memory stays flat), with a 说明 sheet saying what the file holds. Small ledgers
are written in the request; larger ones by a background job (doorstep.exports), which calls `LedgerExport`."""

import base64
from collections.abc import Callable
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook

from doorstep.core.paging import iterate
from doorstep.core.spreadsheets import safe_row

HEADERS = ["办件编号", "事项", "申请人", "状态", "当前层级", "受理时间", "承诺办结", "监察", "首问责任人"]
# Excel's sheet holds 1,048,576 rows: a ledger past this many rows goes on into 办件台账(2), (3) …
ROWS_PER_SHEET = 1_000_000
FILTER_LABELS = {"state": "状态", "mark": "监察", "channel": "渠道", "sort": "排序"}
SORT_LABELS = {"-id": "编号从新到旧", "id": "编号从旧到新", "due_date": "承诺办结日从早到晚",
               "-due_date": "承诺办结日从晚到早", "item": "事项", "-item": "事项（倒序）", "state": "状态",
               "-state": "状态（倒序）"}


def _value_label(key: str, value: str) -> str:
    from doorstep.cases.models import Channel
    from doorstep.cases.supervision import MARK_LABELS
    from doorstep.cases.workflow import STATE_LABELS, State

    if key == "state" and value in {s.value for s in State}:
        return STATE_LABELS[State(value)]
    if key == "mark":
        return MARK_LABELS.get(value, value)
    if key == "channel" and value in Channel.values:
        return Channel(value).label
    if key == "sort":
        return SORT_LABELS.get(value, value)
    return value


class LedgerExport:
    """The exporter doorstep.exports runs for kind "cases.ledger" (settings.DOORSTEP_EXPORTERS).

    params: {"state", "mark", "channel", "sort"} as the list page's query, and "q_enc": the search text encrypted
    (it may be an ID number: personal data is never stored in clear, core.crypto). The owner's scope is applied when
    the job runs, by the same selector as the list page."""

    title = "办件台账"

    @staticmethod
    def params_from(filters: dict) -> dict:
        from doorstep.core.crypto import encrypt

        params = {k: str(filters.get(k) or "")[:40] for k in FILTER_LABELS}
        q = str(filters.get("q") or "")[:60]
        if q:
            params["q_enc"] = base64.b64encode(encrypt(q)).decode()
        return params

    @staticmethod
    def _filters(params: dict) -> dict:
        from doorstep.core.crypto import decrypt

        filters = {k: str(params.get(k) or "") for k in FILTER_LABELS}
        filters["sort"] = filters["sort"] or "-id"
        filters["q"] = decrypt(base64.b64decode(params["q_enc"])) if params.get("q_enc") else ""
        return filters

    @classmethod
    def queryset(cls, owner, params: dict):
        from doorstep.cases.selectors import case_ledger_for_user

        return case_ledger_for_user(owner, **cls._filters(params))

    @classmethod
    def describe(cls, params: dict) -> str:
        """"办件台账（状态：已受理；排序：编号从新到旧；含搜索条件）" — never the search text itself."""
        parts = [f"{label}：{_value_label(key, params[key])}" for key, label in FILTER_LABELS.items()
                 if params.get(key) and not (key == "sort" and params[key] == "-id")]
        if params.get("q_enc"):
            parts.append("含搜索条件")
        return f"{cls.title}（{'；'.join(parts) or '全部'}）"

    @classmethod
    def count(cls, owner, params: dict) -> int:
        return cls.queryset(owner, params).count()

    @classmethod
    def write(cls, owner, params: dict, out: BinaryIO, *, total: int,
              progress: Callable[[int], None] | None = None) -> int:
        """Write the workbook to `out`: a 说明 sheet (what, whose scope, when, how many rows) and every row of the
        ledger in 2,000-row keyset chunks. Calls progress(rows written) every chunk. Returns the rows written."""
        from doorstep.cases.selectors import supervision_limits
        from doorstep.cases.supervision import MARK_LABELS, sla_mark

        today, limit = supervision_limits()
        wb = Workbook(write_only=True)
        about = wb.create_sheet("说明")
        node = owner.org_node.name if owner.org_node_id else ""
        for row in (("内容", cls.describe(params)), ("范围", f"{owner.full_name or owner.username}可查看的办件"
                                                            f"{f'（{node}）' if node else ''}"),
                    ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")), ("行数", total),
                    ("说明", "每行一件办件；超过一百万行时接续在下一张工作表。")):
            about.append(safe_row(about, row))
        sheet, written, in_sheet = None, 0, ROWS_PER_SHEET
        for case in iterate(cls.queryset(owner, params), chunk=2000):
            if in_sheet >= ROWS_PER_SHEET:
                sheet = wb.create_sheet(cls.title if sheet is None else f"{cls.title}({written // ROWS_PER_SHEET + 1})")
                sheet.append(HEADERS)
                in_sheet = 0
            sheet.append(safe_row(sheet, [
                case.number, case.item.name, case.applicant.name, case.get_state_display(), case.review_node.name,
                timezone.localtime(case.accepted_at).strftime("%Y-%m-%d %H:%M") if case.accepted_at else "",
                case.due_date.isoformat() if case.due_date else "",
                MARK_LABELS[sla_mark(case.state, case.due_date, today=today, yellow_limit=limit)],
                case.first_contact.full_name if case.first_contact_id else "",
            ]))
            written += 1
            in_sheet += 1
            if progress is not None and written % 2000 == 0:
                progress(written)
        if sheet is None:
            sheet = wb.create_sheet(cls.title)
            sheet.append(HEADERS)
        wb.save(out)
        return written
