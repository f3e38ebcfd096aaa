"""The registry's background work (huey): checking and importing uploaded ledgers, removing their old files."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from doorstep.registry.ledger.services import ledger_check_run, ledger_import_run, ledger_sweep


@db_task()
def ledger_check(job_id: int) -> None:
    ledger_check_run(job_id)


@db_task()
def ledger_import(job_id: int) -> None:
    ledger_import_run(job_id)


@db_periodic_task(crontab(minute="50"))
def sweep_ledger_files() -> int:
    return ledger_sweep()
