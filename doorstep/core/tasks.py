"""Daily housekeeping of core records (huey): old submission keys are forgotten."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from doorstep.core.idempotency import idempotency_purge


@db_periodic_task(crontab(hour="3", minute="20"))
def purge_idempotency_keys() -> int:
    return idempotency_purge()
