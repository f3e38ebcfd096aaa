"""Races the database must settle, on SQLite (serialized writers) and PostgreSQL (row locks, unique indexes): two
dispatchers dispatching one report, twenty replays of one submission sent at once, two supervision sweeps at once."""

import datetime

import pytest

from doorstep.core.errors import Conflict
from doorstep.core.idempotency import new_key
from doorstep.core.tests.races import at_once
from doorstep.incidents.models import DispatchOrder, Escalation, Incident
from doorstep.incidents.services.center import incident_dispatch, incident_register
from doorstep.incidents.services.supervision import supervision_sweep
from doorstep.incidents.tests.helpers import first_grid, grid_worker, report, staff, street_dispatcher


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_dispatching_one_report_one_wins(world):
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    district, street = staff("dispatcher"), street_dispatcher(grid)
    incident_register(actor=street, incident_id=incident.pk)
    results, errors = at_once(lambda: incident_dispatch(actor=district, incident_id=incident.pk, department="城管"),
                              lambda: incident_dispatch(actor=street, incident_id=incident.pk, department="公安"))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert DispatchOrder.objects.filter(incident=incident).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_replays_sent_at_once_make_one_incident(world):
    grid = first_grid()
    worker = grid_worker(grid)
    key = new_key()
    results, errors = at_once(*[lambda: report(worker, grid=grid, key=key, text="两栋之间的路灯不亮了好几天")
                                for _ in range(20)])
    assert not errors, errors
    assert len({r.pk for r in results}) == 1
    assert Incident.objects.filter(description="两栋之间的路灯不亮了好几天").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_level_once(world):
    import time_machine

    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    later = DispatchOrder.objects.get(incident=incident).due_at + datetime.timedelta(days=14)
    with time_machine.travel(later, tick=False):
        _results, errors = at_once(supervision_sweep, supervision_sweep)
    assert not errors, errors
    order = DispatchOrder.objects.get(incident=incident)
    assert sorted(Escalation.objects.filter(order=order).values_list("level", flat=True)) == [1, 2]
