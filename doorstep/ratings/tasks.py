"""Daily rating invitations (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from doorstep.ratings.services import rating_invitations


@db_periodic_task(crontab(hour="10", minute="0"))
def invite_ratings() -> int:
    return rating_invitations()
