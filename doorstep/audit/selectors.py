"""Browsing the audit trail (auditors only), with filters."""

import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.roles import Capability
from doorstep.audit.models import AuditEvent
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.core.paging import Page, paginate
from doorstep.core.paths import subtree_q


def _parse_date(raw: str, field: str) -> datetime.date | None:
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("日期格式应为 YYYY-MM-DD。"), field=field) from None


def audit_events_for_user(
    user, *, action: str = "", actor: str = "", target: str = "", result: str = "", date_from: str = "",
    date_to: str = "", page: int = 1, cursor: str = "",
) -> Page:
    """Events the auditor may browse: those of staff under the auditor's org node, plus anonymous events
    (failed logins) when the auditor sits at the district level."""
    if not user.can(Capability.VIEW_AUDIT):
        raise PermissionDenied(_("您没有查看审计日志的权限。"))
    qs: QuerySet = AuditEvent.objects.all()
    if not user.is_superuser:
        code = user.org_node.code
        scope = subtree_q("org_path", code)
        if len(code) == 6:
            scope |= Q(org_path="")
        qs = qs.filter(scope)
    if action:
        qs = qs.filter(action__startswith=action.strip()[:60])
    if actor:
        qs = qs.filter(actor_label=actor.strip()[:120])
    if target:
        qs = qs.filter(target_id=target.strip()[:40])
    if result:
        if result not in AuditEvent.Result.values:
            raise ValidationFailed(_("结果筛选无效。"), field="result")
        qs = qs.filter(result=result)
    start, end = _parse_date(date_from, "date_from"), _parse_date(date_to, "date_to")
    if start:
        qs = qs.filter(created_at__date__gte=start)
    if end:
        qs = qs.filter(created_at__date__lte=end)
    return paginate(qs.order_by("-id"), page=page, cursor=cursor)


def audit_trail_predates_signing() -> bool:
    """True when the trail holds events written before events carried their own MAC (audit migration 0003): verify
    names them as unsigned. Used to warn when an old demo database is reused."""
    return AuditEvent.objects.filter(Q(mac__isnull=True) | Q(mac="")).exists()
