"""Every write of registry.changes: proposing and withdrawing (propose.py), reviewing (review.py), and applying an
approved request to the registry (apply.py, called only from review)."""

from doorstep.registry.changes.services.propose import change_propose, change_withdraw
from doorstep.registry.changes.services.review import change_approve, change_reject

__all__ = ["change_approve", "change_propose", "change_reject", "change_withdraw"]
