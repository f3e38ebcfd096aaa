"""The export worker (huey): runs queued exports and removes old ones."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from doorstep.exports.services import export_run, export_sweep


@db_task()
def export_job(job_id: int) -> None:
    export_run(job_id)


@db_periodic_task(crontab(minute="40"))
def sweep_exports() -> int:
    return export_sweep()
