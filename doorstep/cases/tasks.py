"""Periodic case work (huey): the electronic-supervision sweep, the nightly eligibility re-check and the removal of
online applications' staged files."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from doorstep.cases.services import eligibility_recheck, supervision_sweep


@db_periodic_task(crontab(minute="*/30"))
def sweep_supervision() -> dict:
    return supervision_sweep()


@db_periodic_task(crontab(hour="2", minute="30"))
def recheck_eligibility() -> dict:
    """Nightly 资格复核: flags, never cuts off."""
    return eligibility_recheck()


@db_periodic_task(crontab(minute="15"))
def sweep_staged_files() -> int:
    """Hourly: staged files of online applications older than a day (cases/staging.py)."""
    from doorstep.cases.staging import sweep_staged_uploads

    return sweep_staged_uploads()
