"""Periodic forgetting of login failure counts that have decayed to nothing (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from doorstep.accounts.services import login_throttle_purge


@db_periodic_task(crontab(minute="17"))
def purge_login_throttles() -> int:
    return login_throttle_purge()
