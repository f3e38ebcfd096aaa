"""My exports: the list, one job's progress (htmx polls the fragment while it runs) and the download."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from doorstep.exports.selectors import export_job_for_user, export_jobs_for_user
from doorstep.exports.services import export_download_record, export_folder


@login_required
def export_list(request):
    return render(request, "exports/list.html", {"jobs": export_jobs_for_user(request.user)})


@login_required
def export_status(request, token: str):
    job = export_job_for_user(request.user, token)
    template = "exports/_status.html" if request.headers.get("HX-Request") else "exports/status.html"
    return render(request, template, {"job": job})


@login_required
def export_download(request, token: str):
    job = export_job_for_user(request.user, token)
    path = export_folder() / job.file_name if job.file_name else None
    if job.state != job.State.DONE or path is None or not path.is_file():
        raise Http404
    export_download_record(actor=request.user, job=job)
    stamp = job.finished_at.strftime("%Y%m%d-%H%M") if job.finished_at else ""
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{job.description[:40]}-{stamp}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
