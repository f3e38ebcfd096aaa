"""The district administrator's ledger import (issue #12 items 4 and 6): upload, the background check with its
progress (htmx polls the status fragment), the report with the first problems and the error workbook, the confirm
button (drawn only where authority.py allows it), and the import's result. Thin: services and selectors do the
work; a job is its uploader's alone (others get the same 404 as for none)."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, NotFound, ValidationFailed
from doorstep.core.idempotency import FIELD
from doorstep.registry.ledger import files
from doorstep.registry.ledger.authority import Action, permitted
from doorstep.registry.ledger.columns import KINDS, SHEETS
from doorstep.registry.ledger.selectors import (
    ledger_job_for_user,
    ledger_job_waiting_since,
    ledger_jobs_for_user,
)
from doorstep.registry.ledger.services import ledger_confirm, ledger_errors_download_record, ledger_upload
from doorstep.registry.ledger.workbook import EXAMPLE, template_xlsx
from doorstep.registry.ledger.workflow import RUNNING

PAGE = "registry:import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@workspace_page(PAGE)
def import_index(request):
    context = {"jobs": ledger_jobs_for_user(request.user),
               "max_mb": settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(_("请选择台账文件（.xlsx、.xls、.csv 或 CSV 的 .zip）。"), field="file")
            if upload.size > settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES:
                raise ValidationFailed(_("文件超过 {size} MB，请拆分后分批导入。").format(size=context["max_mb"]),
                                       field="file")
            job = ledger_upload(actor=request.user, content=upload.read(), file_name=upload.name,
                                idempotency_key=request.POST.get(FIELD))
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "registry/import/index.html", context, status=exc.status)
        return redirect("registry:import-job", job.token, permanent=False)
    return render(request, "registry/import/index.html", context)


@workspace_page(PAGE)
def import_job(request, token: str):
    job = ledger_job_for_user(request.user, token)
    report = job.report or {}
    counts = report.get("counts", {})
    context = {
        "job": job, "running": job.state in RUNNING, "report": report, "waiting_since": ledger_job_waiting_since(job),
        "rows": [(report.get("sheets", {}).get(k, SHEETS[k].name), counts[k]) for k in KINDS
                 if k in report.get("sheets", {}) and k in counts],
        "can_confirm": job.state == "checked" and permitted(request.user, Action.CONFIRM, job),
        "more_problems": max(0, report.get("error_count", 0) + report.get("warning_count", 0)
                             - len(report.get("problems", []))),
        "other_language": _checked_in_other_language(job, report),
        "changed_fields": _changed_fields(report),
    }
    template = "registry/import/_status.html" if request.headers.get("HX-Request") else "registry/import/job.html"
    return render(request, template, context)


def _changed_fields(report: dict) -> list[tuple[str, int]]:
    """[(the field's label, residents updated in it)] of an import's updates, most first: what "更新 N" changes."""
    from django.core.exceptions import FieldDoesNotExist

    from doorstep.registry.models import Resident

    labels = {"phone": _("联系电话"), "household_id": _("户"), "path": _("网格"), "id_number_masked": _("证件号码")}
    out = []
    for name, count in report.get("changed_fields", {}).items():
        try:
            label = labels.get(name) or Resident._meta.get_field(name).verbose_name
        except FieldDoesNotExist:  # a field of an older report that no longer exists
            label = name
        out.append((str(label), count))
    return sorted(out, key=lambda item: -item[1])


def _checked_in_other_language(job, report: dict) -> str:
    """The name of the language a job's problems are worded in (its run's: the person's who uploaded or confirmed
    it) when the reader's is another; "" otherwise."""
    language = job.language or settings.LANGUAGE_CODE
    if not (report.get("problems") or report.get("refused")) or language == translation.get_language():
        return ""
    return dict(settings.LANGUAGES).get(language, language)


@workspace_page(PAGE)
@require_POST
def import_confirm(request, token: str):
    ledger_confirm(actor=request.user, token=token)
    return redirect("registry:import-job", token)


@workspace_page(PAGE)
def import_errors(request, token: str):
    job = ledger_job_for_user(request.user, token)
    path = files.errors_path(job.token)
    if not job.errors_file or not path.is_file():
        raise NotFound(_("问题清单已过期删除，或这次没有问题。"))
    ledger_errors_download_record(actor=request.user, job=job)
    response = HttpResponse(files.unseal(path), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-problems-{job.token[:8]}.xlsx"'
    return response


@workspace_page(PAGE)
def import_template(request):
    example = request.GET.get("example") == "1"
    response = HttpResponse(template_xlsx(example=EXAMPLE if example else None), content_type=XLSX)
    name = "ledger-example.xlsx" if example else "ledger-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
