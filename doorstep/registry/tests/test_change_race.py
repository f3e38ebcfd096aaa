"""Two reviewers approving the same request at the same moment: one applies it, the other is refused (Conflict)
with who decided; the registry changes once. Runs on SQLite (serialized writers) and on PostgreSQL (row lock)."""


import pytest

from doorstep.core.errors import Conflict
from doorstep.core.tests.races import at_once
from doorstep.registry.changes.services import change_approve, change_reject
from doorstep.registry.models import ResidentVersion
from doorstep.registry.tests.changes_helpers import community_clerk, propose, resident_of, worker


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_apply_the_change_exactly_once(world):
    gw = worker()
    r = resident_of(gw)
    change = propose(gw, "flags", {"flags": ["is_veteran", "is_elderly_alone"]}, resident_id=r.pk)
    clerk = community_clerk(r.path)
    results, errors = at_once(lambda: change_approve(actor=clerk, change_id=change.pk),
                              lambda: change_approve(actor=clerk, change_id=change.pk))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert "已通过" in errors[0].message
    assert ResidentVersion.objects.filter(change=change).count() == 1
    r.refresh_from_db()
    assert r.is_veteran and r.is_elderly_alone


@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_rejection_at_once_leave_one_decision(world):
    gw = worker()
    r = resident_of(gw)
    change = propose(gw, "phone", {"phone": "13807310077"}, resident_id=r.pk)
    clerk = community_clerk(r.path)
    results, errors = at_once(lambda: change_approve(actor=clerk, change_id=change.pk),
                              lambda: change_reject(actor=clerk, change_id=change.pk, reason="号码有误，请核实"))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    change.refresh_from_db()
    r.refresh_from_db()
    assert (change.state == "approved") == (r.phone_masked == "138****0077")
