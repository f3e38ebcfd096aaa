"""Periodic sealing of the audit chain (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from doorstep.audit.services import audit_seal_pending


@db_periodic_task(crontab(minute="*"))
def seal_audit_chain() -> int:
    return audit_seal_pending(everything=False)  # an index range of recent events, at any size of the trail
