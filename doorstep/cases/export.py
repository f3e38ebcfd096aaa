"""The case ledger (办件台账) as an Excel workbook, from the same scoped selector as the list page."""

from io import BytesIO

from django.conf import settings
from openpyxl import Workbook

from doorstep.core.paging import iterate
from doorstep.core.spreadsheets import safe_row

HEADERS = ["办件编号", "事项", "申请人", "状态", "当前层级", "受理时间", "承诺办结", "监察", "首问责任人"]


def ledger_workbook(cases) -> bytes:
    from doorstep.cases.selectors import supervision_limits
    from doorstep.cases.supervision import MARK_LABELS, sla_mark

    today, limit = supervision_limits()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("办件台账")
    ws.append(HEADERS)
    # read by keyset in chunks (bounded memory, every chunk as fast as the first); the view refuses more rows
    # than DOORSTEP_EXPORT_MAX_ROWS before it gets here
    for case in iterate(cases, chunk=2000, limit=settings.DOORSTEP_EXPORT_MAX_ROWS):
        ws.append(safe_row(ws, [
            case.number, case.item.name, case.applicant.name, case.get_state_display(), case.review_node.name,
            case.accepted_at.strftime("%Y-%m-%d %H:%M") if case.accepted_at else "",
            case.due_date.isoformat() if case.due_date else "",
            MARK_LABELS[sla_mark(case.state, case.due_date, today=today, yellow_limit=limit)],
            case.first_contact.full_name if case.first_contact_id else "",
        ]))
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

