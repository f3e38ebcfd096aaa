"""Importing a district's population ledger: the command line's run (ledger_run) and the page's job (upload, the
background check, confirm, the background import, the sweep of old files).

A run is checked first and writes nothing (the default); with commit it is one transaction, all or nothing
(importer.py). Each run is one audit event — registry.import_check for a check, registry.import for an import —
with the counts and the file's SHA-256, never personal data. Uploading is an idempotent create: the same key
returns the first job (core.idempotency), and a job is imported at most once (its state, workflow.py).
"""

import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.org.models import OrgNode
from doorstep.registry.ledger import files
from doorstep.registry.ledger.authority import Action, permitted
from doorstep.registry.ledger.importer import Report, run_ledger
from doorstep.registry.ledger.reading import open_ledger, refuse, refuse_renamed_text
from doorstep.registry.ledger.workbook import errors_xlsx
from doorstep.registry.ledger.workflow import State, Step, advance
from doorstep.registry.models import LedgerImport

log = logging.getLogger(__name__)
# stored on the job in Chinese (the worker has no reader); its page translates it where it shows it
BROKE = gettext_noop("处理失败，请稍后重试；仍失败请联系管理员。")
FIRST_PROBLEMS = 50  # problems a job keeps for its page (the error workbook has them all)


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def ledger_run(*, actor, content: bytes, file_name: str = "", district: OrgNode | None = None, commit: bool = False,
               progress=None) -> Report:
    """Check (commit=False, the default) or import a ledger file (the command line's path; the page runs jobs).

    `actor` None is the system (the command line). A person must be permitted (authority.py) and imports into
    their own district. Errors: ValidationFailed (field "file") for a file that cannot be read at all; every
    problem of a row is in the Report, not raised. Result: the Report (report.committed says whether anything was
    written). Audit: one registry.import_check or registry.import event."""
    if actor is not None:
        if not permitted(actor, Action.UPLOAD):
            raise PermissionDenied(_("只有区级管理员可以导入人口台账。"))
        district = actor.org_node
    ledger = open_ledger(content, file_name)
    return run_ledger(ledger, district=district, commit=commit, actor=actor, progress=progress,
                      sha256=file_digest(content), file_name=file_name)


def _sniff(content: bytes, file_name: str) -> None:
    """What the upload form can refuse at once, before a job is made: empty, too large, a damaged archive, binary
    data that is neither a workbook nor text, text named as a workbook. Sheets and columns are the background
    check's."""
    if not content:
        refuse(_("文件是空的。"))
    if len(content) > settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES:
        refuse(_("文件超过 {size} MB，请拆分后分批导入。").format(
            size=settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES // (1024 * 1024)))
    if content[:4] == b"PK\x03\x04":
        from doorstep.registry.ledger.reading import _check_archive

        _check_archive(content)
    elif content[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and b"\x00" in content[:65536]:
        refuse(_("文件不是 Excel 工作簿、CSV 文件或 CSV 压缩包。"))
    refuse_renamed_text(content, file_name)


def ledger_upload(*, actor, content: bytes, file_name: str, idempotency_key: str) -> LedgerImport:
    """Take a ledger file for checking: the district administrator's page.

    Preconditions: permitted (authority.py); the file passes the quick checks (_sniff). Result: a queued
    LedgerImport, its file sealed under VAR_DIR/ledger/, checked by the huey task ledger_check after commit (in
    the request's language). Audit: registry.import_upload (file name, size, SHA-256). Idempotent: a replay of the
    key returns the first job (a double click queues one check)."""
    if not permitted(actor, Action.UPLOAD):
        raise PermissionDenied(_("只有区级管理员可以导入人口台账。"))
    _sniff(content, file_name or "")
    file_name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "ledger"
    digest = file_digest(content)

    def create() -> LedgerImport:
        from doorstep.exports.models import new_token

        job = LedgerImport.objects.create(token=new_token(), owner=actor, district=actor.org_node,
                                          file_name=file_name, file_sha256=digest, size=len(content),
                                          language=translation.get_language() or "", created_at=timezone.now())
        files.seal(files.upload_path(job.token), content)
        audit_record(actor=actor, action="registry.import_upload", target=job,
                     summary={"file": file_name[:100], "size": len(content), "sha256": digest})
        from doorstep.registry.tasks import ledger_check

        transaction.on_commit(lambda: ledger_check(job.pk))
        return job

    job, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="registry.import_upload",
                                       inputs={"sha256": digest, "district": actor.org_node_id}, create=create)
    return job


def ledger_confirm(*, actor, token: str) -> LedgerImport:
    """Import a job whose check found no errors: its uploader, at the district (authority.py).

    Result: the job, importing (the huey task ledger_import runs it after commit, in the language of the request
    that confirmed it: its problems, if any, and its error workbook are worded in it). A job already importing or
    imported is returned as it is (a second click imports nothing twice). Errors: NotFound for a job that is not
    the actor's (the same as none); Conflict for a job whose check is not done or found errors. Audit:
    registry.import_confirm."""
    with transaction.atomic():
        job = LedgerImport.objects.select_for_update().filter(token=str(token)).first() if token else None
        if job is None or not permitted(actor, Action.VIEW, job):
            raise NotFound(_("没有这次导入，或已过期删除。"))
        if job.state in (State.IMPORTING, State.DONE):
            return job
        if job.state != State.CHECKED or not files.upload_path(job.token).is_file():
            raise Conflict(_("只有检查通过（没有错误）的台账才能导入；请改正后重新上传。"))
        job.state = advance(job.state, Step.CONFIRM)
        job.done, job.stage, job.confirmed_at = 0, "", timezone.now()
        job.language = translation.get_language() or job.language
        job.save(update_fields=["state", "done", "stage", "confirmed_at", "language"])
        audit_record(actor=actor, action="registry.import_confirm", target=job,
                     summary={"sha256": job.file_sha256})
        from doorstep.registry.tasks import ledger_import

        transaction.on_commit(lambda: ledger_import(job.pk))
    return job


def _progress(job_id: int):
    def report(stage: str, done: int, total: int) -> None:
        LedgerImport.objects.filter(pk=job_id).update(stage=stage[:20], done=done, total=total)

    return report


def _start(job_id: int, state: State, step: Step) -> LedgerImport | None:
    with transaction.atomic():
        job = LedgerImport.objects.select_for_update().filter(pk=job_id, state=state).first()
        if job is None:
            return None
        if step == Step.START_CHECK:
            job.state = advance(job.state, step)
            job.save(update_fields=["state"])
        else:
            job.started_at = timezone.now()
            job.save(update_fields=["started_at"])
    return job


def ledger_check_run(job_id: int) -> LedgerImport | None:
    """The background check of a queued job (huey): a dry run in the job's language (its uploader's: the worker has
    no request to take one from); the job ends checked or rejected (with its report and error workbook, worded in
    that language) or failed. The owner is told. A job not queued is left alone."""
    job = _start(job_id, State.QUEUED, Step.START_CHECK)
    if job is None:
        return None
    return _run(job, commit=False)


def ledger_import_run(job_id: int) -> LedgerImport | None:
    """The background import of a confirmed job (huey): done, rejected (nothing written) or failed."""
    job = LedgerImport.objects.filter(pk=job_id, state=State.IMPORTING, started_at__isnull=True).first()
    job = job and _start(job_id, State.IMPORTING, Step.FINISH)
    if job is None:
        return None
    return _run(job, commit=True)


def _run(job: LedgerImport, *, commit: bool) -> LedgerImport:
    from doorstep.notifications.services import notify
    from doorstep.notifications.words import said

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            content = files.unseal(files.upload_path(job.token))
            try:
                ledger = open_ledger(content, job.file_name)
            except ValidationFailed as exc:
                return _finish(job, State.REJECTED if not commit else State.FAILED, report={"refused": exc.message})
            expected = (job.report or {}).get("counts") if commit else None
            report = run_ledger(ledger, district=job.district, commit=commit, actor=job.owner,
                                progress=_progress(job.pk), sha256=job.file_sha256, file_name=job.file_name,
                                expected=expected, job=job if commit else None)
        except ValidationFailed as exc:  # the file broke off while being read (a damaged part, a bad byte)
            return _finish(job, State.REJECTED, report={"refused": exc.message})
        except Exception:  # a job must end, and say so on its page, whatever went wrong
            log.exception("ledger import %s failed", job.pk)
            return _finish(job, State.FAILED, error=BROKE)
        if report.problems:
            files.seal(files.errors_path(job.token), errors_xlsx(report))
        data = report.as_json(first=FIRST_PROBLEMS)
        if commit:
            state = State.DONE if report.committed else State.REJECTED
        else:
            state = State.CHECKED if report.ok else State.REJECTED
        job = _finish(job, state, report=data, errors_file=bool(report.problems))
        title = gettext_noop("人口台账已导入：{file}") if job.state == State.DONE else (
            gettext_noop("人口台账检查通过：{file}") if job.state == State.CHECKED
            else gettext_noop("人口台账有错误：{file}"))
        notify([job.owner], kind="registry.import", title=said(title, file=job.file_name[:60]),
               link=reverse("registry:import-job", args=[job.token]))
        return job


def _finish(job: LedgerImport, state: State, *, report: dict | None = None, error: str = "",
            errors_file: bool = False) -> LedgerImport:
    now = timezone.now()
    step = {State.CHECKED: Step.PASS, State.REJECTED: Step.FIND_ERRORS, State.FAILED: Step.BREAK,
            State.DONE: Step.FINISH}[state]
    fields = {"state": advance(job.state, step), "error": error, "done": job.total}
    if report is not None:
        fields["report"] = report
    if errors_file:
        fields["errors_file"] = files.errors_path(job.token).name
    if job.state == State.CHECKING:
        fields["checked_at"] = now
    else:
        fields["finished_at"] = now
    LedgerImport.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def ledger_errors_download_record(*, actor, job: LedgerImport) -> None:
    """A download of an error workbook is a look at personal data (names, masked numbers): audit it."""
    audit_record(actor=actor, action="registry.import_errors_download", target=job,
                 summary={"problems": job.report.get("error_count", 0)})


def ledger_sweep(*, now=None) -> int:
    """Remove the files of jobs older than DOORSTEP_LEDGER_KEEP_HOURS (the jobs stay, as the record of the run);
    returns how many jobs lost their files."""
    cutoff = (now or timezone.now()) - timezone.timedelta(hours=settings.DOORSTEP_LEDGER_KEEP_HOURS)
    old = list(LedgerImport.objects.filter(created_at__lt=cutoff).exclude(state=State.IMPORTING)
               .values_list("pk", "token"))
    swept = 0
    for _pk, token in old:
        for path in (files.upload_path(token), files.errors_path(token)):
            if path.is_file():
                path.unlink(missing_ok=True)
                swept += 1
    LedgerImport.objects.filter(pk__in=[pk for pk, _t in old]).exclude(errors_file="").update(errors_file="")
    return swept
