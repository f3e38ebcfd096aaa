"""Reading export jobs: each person sees only their own."""

from django.utils.translation import gettext as _

from doorstep.core.errors import NotFound
from doorstep.exports.models import ExportJob


def export_jobs_for_user(user, *, limit: int = 20) -> list[ExportJob]:
    return list(ExportJob.objects.filter(owner=user).order_by("-id")[:limit])


def export_job_for_user(user, token: str) -> ExportJob:
    """The user's own job by its token; NotFound for another's or none (the same answer)."""
    job = ExportJob.objects.filter(owner=user, token=str(token)[:32]).first()
    if job is None:
        raise NotFound(_("没有这项导出，或已过期删除。"))
    return job
