"""Periodic work of the community's volunteer service (huey): expiring wishes nobody claimed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="7"))
def wishes_housekeeping():
    """Hourly: published wishes past their date with no claim expire (services.wishes.wishes_expire_due); the
    community then re-publishes or closes them. Safe to run twice at once (each wish is locked and re-read)."""
    from doorstep.wishes.services.wishes import wishes_expire_due

    return {"expired": wishes_expire_due()}
