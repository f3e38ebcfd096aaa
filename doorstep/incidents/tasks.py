"""Periodic work on incidents (huey): the supervision sweep (due-soon and overdue marks, escalation)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def incidents_supervision_sweep():
    """Every ten minutes: mark and escalate running orders (incidents.services.supervision.supervision_sweep). Two
    workers running it at once escalate each order and level once (a unique constraint)."""
    from doorstep.incidents.services.supervision import supervision_sweep

    return supervision_sweep()


@db_periodic_task(crontab(hour="3", minute="10"))
def incidents_suggestion_retrain():
    """Nightly: retrain the dispatch suggestion on every decision so far, the day's accepted and overridden
    suggestions included (incidents.suggest.service.suggester_train)."""
    from doorstep.incidents.suggest.service import suggester_train

    return suggester_train()
