"""Background exports: asking for one, running it (the huey task calls `export_run`), and removing old files.

An exporter is a class named in settings.DOORSTEP_EXPORTERS ({kind: dotted path}) with `params_from(filters)`,
`describe(params)`, `count(owner, params)` and `write(owner, params, out, total=, progress=)`; the case ledger's is
cases.export.LedgerExport. Files live under VAR_DIR/exports/<token>.xlsx for DOORSTEP_EXPORT_KEEP_HOURS."""

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import NotFound
from doorstep.core.idempotency import idempotent_create
from doorstep.exports.models import ExportJob

log = logging.getLogger(__name__)
# stored on the job in Chinese (the worker has no reader); its page translates it where it shows it
FAILED = gettext_noop("生成失败，请稍后重试；仍失败请联系管理员。")


def exporter_for(kind: str):
    """The exporter class for `kind`; NotFound for a kind nobody registered."""
    path = settings.DOORSTEP_EXPORTERS.get(kind)
    if path is None:
        raise NotFound(_("没有这种导出。"))
    return import_string(path)


def export_folder() -> Path:
    folder = Path(settings.VAR_DIR) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_request(*, actor, kind: str, filters: dict, idempotency_key: str) -> ExportJob:
    """Queue a background export of what `actor` may see under `filters` (the list page's query).

    Result: a queued ExportJob with a description in Chinese and the language of the request (the active one), in
    which the huey task export_job writes the file after commit (and counts the rows there: a district's count is not
    the request's to wait for). Audit: export.request (the description; never the search text). Idempotent: a replay
    of the key returns the first job (core.idempotency), so a double click queues one export."""
    exporter = exporter_for(kind)
    params = exporter.params_from(filters)

    def create() -> ExportJob:
        job = ExportJob.objects.create(owner=actor, kind=kind, params=params,
                                       description=exporter.describe(params)[:300],
                                       language=translation.get_language() or "")
        audit_record(actor=actor, action="export.request", target=job,
                     summary={"kind": kind, "description": job.description})
        from doorstep.exports.tasks import export_job

        transaction.on_commit(lambda: export_job(job.pk))
        return job

    inputs = {"kind": kind, **{k: v for k, v in params.items() if k != "q_enc"}, "q": bool(params.get("q_enc"))}
    job, _ = idempotent_create(actor=actor, key=idempotency_key, kind="export.request", inputs=inputs, create=create)
    return job


def export_run(job_id: int) -> ExportJob | None:
    """Write the job's file (the huey worker's side) in the language it was asked in (job.language; the worker has no
    reader of its own). Marks it running, reports progress every 2,000 rows, and ends done (with the file's size) or
    failed (with a message for the person; the exception goes to the log without the parameters). Tells the owner
    when it is done. A job already running or finished is left alone (None)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id, state=ExportJob.State.QUEUED).first()
        if job is None:
            return None
        job.state, job.started_at = ExportJob.State.RUNNING, timezone.now()
        job.save(update_fields=["state", "started_at"])
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _export_write(job)


def _export_write(job: ExportJob) -> ExportJob:
    """export_run's work once the job is marked running; called in the job's language."""
    from doorstep.notifications.services import notify
    from doorstep.notifications.words import said

    exporter = exporter_for(job.kind)
    path = export_folder() / f"{job.token}.xlsx"
    job.total = exporter.count(job.owner, job.params)
    ExportJob.objects.filter(pk=job.pk).update(total=job.total)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    try:
        with open(path, "wb") as out:
            written = exporter.write(job.owner, job.params, out, total=job.total, progress=progress)
    except Exception:  # a failed export must say so on its page, whatever went wrong in the writer
        log.exception("export %s (%s) failed", job.pk, job.kind)
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.FAILED, finished_at=timezone.now(),
                                                   error=FAILED)
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.DONE, finished_at=timezone.now(), done=written,
                                               total=written, size=path.stat().st_size,
                                               file_name=f"{job.token}.xlsx")
    job.refresh_from_db()
    notify([job.owner], kind="export.done", title=said(gettext_noop("导出已完成：{what}"), what=job.description[:60]),
           body=said(gettext_noop("共 {rows} 行，可在 {hours} 小时内下载。"), rows=f"{written:,}",
                     hours=settings.DOORSTEP_EXPORT_KEEP_HOURS),
           link=f"/exports/{job.token}/")
    return job


def export_download_record(*, actor, job: ExportJob) -> None:
    """A download of an export is a look at personal data in bulk: audit export.download."""
    audit_record(actor=actor, action="export.download", target=job, summary={"rows": job.total})


def export_sweep(*, now=None) -> int:
    """Remove jobs and files older than DOORSTEP_EXPORT_KEEP_HOURS; returns how many jobs went."""
    cutoff = (now or timezone.now()) - timezone.timedelta(hours=settings.DOORSTEP_EXPORT_KEEP_HOURS)
    old = list(ExportJob.objects.filter(created_at__lt=cutoff).values_list("pk", "file_name"))
    for _pk, name in old:
        if name:
            (export_folder() / name).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[pk for pk, _ in old]).delete()
    return len(old)
