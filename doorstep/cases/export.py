"""The case ledger (办件台账) as an Excel workbook, from the same scoped selector as the list page: every row, streamed
through openpyxl's write-only mode (memory stays flat), with a 说明 sheet saying what the file holds. Small ledgers
are written in the request; larger ones by a background job (doorstep.exports), which calls `LedgerExport`.

The file is written in the language active when it is written (the request's, or the one the export job runs under):
the headers and labels below are lazy, so nothing is fixed at import time. The description kept with a job and in
the audit log is Chinese (a record), see `LedgerExport.describe`."""

import base64
from collections.abc import Callable
from typing import BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from doorstep.core.paging import iterate
from doorstep.core.spreadsheets import safe_row

HEADERS = [_("办件编号"), _("事项"), _("申请人"), _("状态"), _("当前层级"), _("受理时间"), _("承诺办结"), _("监察"),
           _("首问责任人")]
# Excel's sheet holds 1,048,576 rows: a ledger past this many rows goes on into 办件台账(2), (3) …
ROWS_PER_SHEET = 1_000_000
FILTER_LABELS = {"state": _("状态"), "mark": _("监察"), "channel": _("渠道"), "sort": _("排序")}
SORT_LABELS = {"-id": _("编号从新到旧"), "id": _("编号从旧到新"), "due_date": _("承诺办结日从早到晚"),
               "-due_date": _("承诺办结日从晚到早"), "item": _("事项"), "-item": _("事项（倒序）"), "state": _("状态"),
               "-state": _("状态（倒序）")}


def _value_label(key: str, value: str) -> str:
    from doorstep.cases.models import Channel
    from doorstep.cases.supervision import MARK_LABELS
    from doorstep.cases.workflow import STATE_CONTEXT, STATE_LABELS, State

    if key == "state" and value in {s.value for s in State}:
        return pgettext(STATE_CONTEXT, STATE_LABELS[State(value)])
    if key == "mark" and MARK_LABELS.get(value):
        return gettext(MARK_LABELS[value])
    if key == "channel" and value in Channel.values:
        return str(Channel(value).label)
    if key == "sort" and value in SORT_LABELS:
        return str(SORT_LABELS[value])
    return value


class LedgerExport:
    """The exporter doorstep.exports runs for kind "cases.ledger" (settings.DOORSTEP_EXPORTERS).

    params: {"state", "mark", "channel", "sort"} as the list page's query, and "q_enc": the search text encrypted
    (it may be an ID number: personal data is never stored in clear, core.crypto). The owner's scope is applied when
    the job runs, by the same selector as the list page."""

    title = _("办件台账")

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
    def describe(cls, params: dict, *, language: str | None = "zh-hans") -> str:
        """"办件台账（状态：已受理；排序：编号从新到旧；含搜索条件）" — never the search text itself.

        In Chinese by default: the job's description and the audit summary keep it as a record. language=None says
        it in the active language, for a page or the file's 说明 sheet."""
        if language is not None:
            with translation.override(language):
                return cls.describe(params, language=None)
        parts = [gettext("{label}：{value}").format(label=label, value=_value_label(key, params[key]))
                 for key, label in FILTER_LABELS.items()
                 if params.get(key) and not (key == "sort" and params[key] == "-id")]
        if params.get("q_enc"):
            parts.append(gettext("含搜索条件"))
        return gettext("{title}（{filters}）").format(
            title=cls.title, filters=pgettext("list separator", "；").join(parts) or pgettext("ledger export", "全部"))

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
        marks = {key: gettext(label) if label else "" for key, label in MARK_LABELS.items()}
        wb = Workbook(write_only=True)
        about = wb.create_sheet(pgettext("ledger export", "说明"))
        person = owner.full_name or owner.username
        if owner.org_node_id:
            scope = gettext("{person}可查看的办件（{node}）").format(person=person, node=owner.org_node.name)
        else:
            scope = gettext("{person}可查看的办件").format(person=person)
        for row in ((gettext("内容"), cls.describe(params, language=None)), (pgettext("ledger export", "范围"), scope),
                    (gettext("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")), (gettext("行数"), total),
                    (pgettext("ledger export", "说明"), gettext("每行一件办件；超过一百万行时接续在下一张工作表。"))):
            about.append(safe_row(about, row))
        title, headers = str(cls.title), [str(header) for header in HEADERS]
        sheet, written, in_sheet = None, 0, ROWS_PER_SHEET
        for case in iterate(cls.queryset(owner, params), chunk=2000):
            if in_sheet >= ROWS_PER_SHEET:
                sheet = wb.create_sheet(title if sheet is None else f"{title}({written // ROWS_PER_SHEET + 1})")
                sheet.append(headers)
                in_sheet = 0
            sheet.append(safe_row(sheet, [
                case.number, case.item.name, case.applicant.name, case.get_state_display(), case.review_node.name,
                timezone.localtime(case.accepted_at).strftime("%Y-%m-%d %H:%M") if case.accepted_at else "",
                case.due_date.isoformat() if case.due_date else "",
                marks[sla_mark(case.state, case.due_date, today=today, yellow_limit=limit)],
                case.first_contact.full_name if case.first_contact_id else "",
            ]))
            written += 1
            in_sheet += 1
            if progress is not None and written % 2000 == 0:
                progress(written)
        if sheet is None:
            sheet = wb.create_sheet(title)
            sheet.append(headers)
        wb.save(out)
        return written
