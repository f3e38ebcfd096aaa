"""Periodic case work (huey): the electronic-supervision sweep and the nightly eligibility re-check."""

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
