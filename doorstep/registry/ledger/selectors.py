"""Reading ledger import jobs: each is its uploader's alone (authority.py), and anyone else gets the same NotFound
as for a job that does not exist."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import NotFound
from doorstep.registry.ledger.authority import Action, permitted
from doorstep.registry.models import LedgerImport


def ledger_jobs_for_user(user, *, limit: int = 10) -> list[LedgerImport]:
    return list(LedgerImport.objects.filter(owner_id=user.pk).select_related("district").order_by("-id")[:limit])


def ledger_job_for_user(user, token: str) -> LedgerImport:
    """The job whose token is exactly `token` (an address with anything added or cut is another, unknown job)."""
    job = LedgerImport.objects.select_related("district").filter(token=str(token)).first() if token else None
    if job is None or not permitted(user, Action.VIEW, job):
        raise NotFound(_("没有这次导入，或已过期删除。"))
    return job


def ledger_job_waiting_since(job: LedgerImport, *, now=None):
    """When a job began waiting for the background worker (huey), if it has waited longer than
    DOORSTEP_LEDGER_STALL_SECONDS without the worker taking it up: queued since its upload, or confirmed and not
    started. None otherwise (running, finished, or not waiting that long yet). A job that waits so long means no
    consumer is running (runserver without run_huey): the page says so."""
    if job.state == LedgerImport.State.QUEUED:
        since = job.created_at
    elif job.state == LedgerImport.State.IMPORTING and job.started_at is None:
        since = job.confirmed_at
    else:
        return None
    if since is None:
        return None
    waited = ((now or timezone.now()) - since).total_seconds()
    return since if waited >= settings.DOORSTEP_LEDGER_STALL_SECONDS else None
