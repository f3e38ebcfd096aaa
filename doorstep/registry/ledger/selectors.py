"""Reading ledger import jobs: each is its uploader's alone (authority.py), and anyone else gets the same NotFound
as for a job that does not exist."""

from django.utils.translation import gettext as _

from doorstep.core.errors import NotFound
from doorstep.registry.ledger.authority import Action, permitted
from doorstep.registry.models import LedgerImport


def ledger_jobs_for_user(user, *, limit: int = 10) -> list[LedgerImport]:
    return list(LedgerImport.objects.filter(owner_id=user.pk).select_related("district").order_by("-id")[:limit])


def ledger_job_for_user(user, token: str) -> LedgerImport:
    job = LedgerImport.objects.select_related("district").filter(token=str(token)[:32]).first()
    if job is None or not permitted(user, Action.VIEW, job):
        raise NotFound(_("没有这次导入，或已过期删除。"))
    return job
