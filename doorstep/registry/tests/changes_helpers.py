"""Helpers for the change-request tests: the people of one grid, and proposing/approving with fresh keys."""

import datetime

from doorstep.conftest import user
from doorstep.core.idempotency import new_key
from doorstep.core.idnumbers import complete_id_number
from doorstep.registry.changes.services import change_approve, change_propose
from doorstep.registry.models import Resident

GW = "gw_001001003"


def worker():
    return user(GW)


def community_clerk(path: str):
    return user(f"clerk_c{path[6:12]}")


def resident_of(worker_user, **filters) -> Resident:
    return (Resident.objects.filter(path=worker_user.org_node.code, status="active", **filters)
            .select_related("household").order_by("id").first())


def id_number(birth: datetime.date, gender: str, region: str = "430302", seq: int = 12) -> str:
    digit = seq * 10 + (1 if gender == "M" else 2)
    return complete_id_number(f"{region}{birth:%Y%m%d}{digit:03d}")


def propose(actor, kind: str, data: dict, **subject):
    return change_propose(actor=actor, kind=kind, data=data, idempotency_key=new_key(), **subject)


def propose_and_approve(actor, kind: str, data: dict, **subject):
    change = propose(actor, kind, data, **subject)
    path = change.path
    return change_approve(actor=community_clerk(path), change_id=change.pk)


def other_grid_worker(worker_user):
    from doorstep.accounts.models import User

    return (User.objects.filter(role="grid_worker", org_node__level="grid").exclude(org_node=worker_user.org_node)
            .select_related("org_node").order_by("id").first())


def family(worker_user, *, relations=("head", "spouse", "child"), besides=()) -> dict[str, list[Resident]]:
    """A household of the worker's grid whose active members include each of `relations`: {relation: members}."""
    from django.db.models import Count, Q

    counts = {f"n_{r}": Count("id", filter=Q(relation=r)) for r in relations}
    household = (Resident.objects.filter(path=worker_user.org_node.code, status="active")
                 .exclude(household_id__in=list(besides)).values("household_id").annotate(**counts)
                 .filter(**{f"n_{r}__gte": 1 for r in relations}, n_head=1).order_by("household_id")
                 .values_list("household_id", flat=True).first())
    assert household is not None, relations
    found: dict[str, list[Resident]] = {}
    for r in Resident.objects.filter(household_id=household, status="active").order_by("id"):
        found.setdefault(r.relation, []).append(r)
    return found
