"""Periodic case work (huey): the electronic-supervision sweep."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from doorstep.cases.services import supervision_sweep


@db_periodic_task(crontab(minute="*/30"))
def sweep_supervision() -> dict:
    return supervision_sweep()
