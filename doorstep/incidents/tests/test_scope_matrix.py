"""Every role against every scope (issue #13 item 10): who sees which incident, by the browse scope
(incidents_in_scope) and by opening it (incident_get_for_user) — the two must agree — and who sees a hidden reporter.

Incidents: one in grid A dispatched to 城管, one in grid A dispatched to 公安 with 城管 as co-department, one in a
grid of another community reported by a resident who hid their identity, and one the 城管 returned."""

import pytest

from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.core.idempotency import new_key
from doorstep.incidents.selectors import incident_get_for_user, incidents_in_scope, reporter_visible
from doorstep.incidents.services.center import incident_dispatch, incident_register
from doorstep.incidents.services.handling import order_return
from doorstep.incidents.services.intake import ReportIn, incident_report
from doorstep.incidents.tests.helpers import grid_point, grid_worker, report, staff, supervisor_of
from doorstep.org.models import OrgNode

pytestmark = pytest.mark.django_db


def _grids():
    grids = list(OrgNode.objects.filter(level="grid", geometry__isnull=False).order_by("code"))
    a = grids[0]
    b = next(g for g in grids if g.code[:12] != a.code[:12])
    return a, b


def _world():
    a, b = _grids()
    center = staff("dispatcher")
    to_cg = report(grid_worker(a), grid=a)
    incident_register(actor=center, incident_id=to_cg.pk)
    incident_dispatch(actor=center, incident_id=to_cg.pk, department="城管")
    whistle = report(grid_worker(a), grid=a, category="SJ0101", text="楼顶违规加盖铁皮房")
    incident_register(actor=center, incident_id=whistle.pk)
    incident_dispatch(actor=center, incident_id=whistle.pk, department="公安", co=[("城管", "拆除")])
    resident = User.objects.filter(role="resident", resident__path__startswith=b.code[:12]).first()
    lat, lon = grid_point(b)
    if resident is None:
        resident = User.objects.filter(role="resident").first()
    hidden = incident_report(actor=resident, data=ReportIn(description="楼下烧烤摊油烟很大", latitude=lat,
                                                           longitude=lon, hide_identity=True),
                             idempotency_key=new_key())
    incident_register(actor=center, incident_id=hidden.pk, category="SJ0116")
    incident_dispatch(actor=center, incident_id=hidden.pk, department="市场监管")
    returned = report(grid_worker(b), grid=b)
    incident_register(actor=center, incident_id=returned.pk)
    incident_dispatch(actor=center, incident_id=returned.pk, department="城管")
    order_return(actor=staff("dept_cg"), incident_id=returned.pk, reason="属物业管理范围")
    return a, b, {"to_cg": to_cg, "whistle": whistle, "hidden": hidden, "returned": returned}, resident


def test_every_role_sees_exactly_its_scope_and_opening_agrees_with_browsing():
    a, b, incidents, resident = _world()
    street_a = User.objects.get(username=f"dispatcher_s{a.code[7:9]}")
    people = {
        "district dispatcher": (staff("dispatcher"), {"to_cg", "whistle", "hidden", "returned"}),
        "street dispatcher": (street_a, {k for k, i in incidents.items() if i.path.startswith(street_a.org_node.code)}),
        "城管": (staff("dept_cg"), {"to_cg", "whistle", "returned"}),  # lead, co, and the one it returned
        "公安": (staff("dept_ga"), {"whistle"}),
        "市场监管": (staff("dept_sj"), {"hidden"}),
        "教育": (staff("dept_jy"), set()),
        "grid worker of A": (grid_worker(a), {"to_cg", "whistle"}),
        "grid worker of B": (grid_worker(b), {"hidden", "returned"}),
        "supervisor of A's community": (supervisor_of(a), {"to_cg", "whistle"}),
        "supervisor of B's community": (supervisor_of(b), {"hidden", "returned"}),
        "the resident who reported": (resident, {"hidden"}),
        "another resident": (User.objects.filter(role="resident").exclude(pk=resident.pk).first(), set()),
        "leader": (staff("leader"), {"to_cg", "whistle", "hidden", "returned"}),
        "admin": (staff("admin"), {"to_cg", "whistle", "hidden", "returned"}),
        "clerk": (staff("clerk_s01a"), set()),
        "approver": (staff("approver"), set()),
        "volunteer": (User.objects.get(username="volunteer1"), set()),
    }
    for who, (user, expected) in people.items():
        browsed = set(incidents_in_scope(user).filter(pk__in=[i.pk for i in incidents.values()])
                      .values_list("pk", flat=True))
        assert browsed == {incidents[k].pk for k in expected}, who
        for key, incident in incidents.items():
            if key in expected:
                assert incident_get_for_user(user, incident.pk).pk == incident.pk, (who, key)
            else:
                with pytest.raises(NotFound):
                    incident_get_for_user(user, incident.pk)


def test_a_hidden_reporter_is_hidden_from_departments_only():
    _a, _b, incidents, _resident = _world()
    hidden = incidents["hidden"]
    assert not reporter_visible(staff("dept_sj"), hidden)
    for username in ("dispatcher", "leader", "admin"):
        assert reporter_visible(staff(username), hidden)
