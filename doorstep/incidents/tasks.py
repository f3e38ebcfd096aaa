"""Periodic work on incidents (huey): the supervision sweep (due-soon and overdue marks, escalation)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def incidents_supervision_sweep():
    """Every ten minutes: mark and escalate running orders (incidents.services.supervision.supervision_sweep). Two
    workers running it at once escalate each order and level once (a unique constraint)."""
    from doorstep.incidents.services.supervision import supervision_sweep

    return supervision_sweep()
