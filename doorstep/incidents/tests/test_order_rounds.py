"""Orders across rounds: what a department answered stays answered (superseded, never "withdrawn") when the incident
is reopened or the lead returns the round; a co-department's returned part is sent on by the command center (加派协办)
and is not the incident's 退单; a rework gives the redo its own handling time on the order while the incident keeps
its deadline; free text loses direction overrides."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from doorstep.core.errors import Conflict, PermissionDenied, ValidationFailed
from doorstep.core.plaintext import strip_invisible
from doorstep.incidents.models import DispatchOrder, Incident, IncidentHistory
from doorstep.incidents.services.center import (
    incident_close,
    incident_dispatch,
    incident_register,
    incident_reopen,
)
from doorstep.incidents.services.handling import (
    incident_handle,
    incident_verify,
    order_accept,
    order_part,
    order_return,
)
from doorstep.incidents.services.whistle import incident_co_add
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_worker,
    phone_jpeg,
    report,
    staff,
    street_dispatcher,
    supervisor_of,
)

pytestmark = pytest.mark.django_db


def _whistle(grid, *, co="公安"):
    incident = report(grid_worker(grid), grid=grid, category="SJ0101", text="楼顶有人违规加盖两层铁皮房")
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管", co=[(co, "维持现场秩序")])
    return incident, center


def _order(incident, short_name):
    return DispatchOrder.objects.filter(incident=incident, department__short_name=short_name).latest("id")


def test_reopening_keeps_the_closed_rounds_answers_as_superseded_not_withdrawn():
    grid = first_grid()
    incident, center = _whistle(grid)
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    order_part(actor=staff("dept_ga"), incident_id=incident.pk, step="done", note="现场秩序良好")
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已拆除",
                    photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    incident_reopen(actor=center, incident_id=incident.pk, reason="又搭起来了")
    lead, co = _order(incident, "城管"), _order(incident, "公安")
    assert (lead.state, co.state) == ("superseded", "superseded")
    assert lead.done_at is not None and co.done_at is not None and co.note == "现场秩序良好"
    assert lead.get_state_display() == "已反馈（已重新办理）"
    # a new round to the same departments (the unique index on active orders holds only the new ones)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管", co=[("公安", "维持现场秩序")])
    assert _order(incident, "城管").round == 2 and _order(incident, "城管").state == "sent"


def test_a_lead_return_supersedes_a_co_part_already_answered_and_withdraws_the_rest():
    grid = first_grid()
    incident, _center = _whistle(grid)
    order_part(actor=staff("dept_ga"), incident_id=incident.pk, step="done", note="已到场")
    order_return(actor=staff("dept_cg"), incident_id=incident.pk, reason="属街道职责")
    assert _order(incident, "公安").state == "superseded"
    assert _order(incident, "城管").state == "returned"
    incident, _center = _whistle(grid, co="应急")
    order_return(actor=staff("dept_cg"), incident_id=incident.pk, reason="属街道职责")
    assert _order(incident, "应急").state == "cancelled"


def test_a_returned_part_is_not_the_incidents_return_and_the_center_sends_it_on():
    grid = first_grid()
    incident, center = _whistle(grid)
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    order_part(actor=staff("dept_ga"), incident_id=incident.pk, step="return", note="不属公安职责")
    incident.refresh_from_db()
    assert incident.return_count == 0 and incident.state == "handling"
    assert _order(incident, "公安").state == "returned"
    key = "add-part-000001"
    first = incident_co_add(actor=center, incident_id=incident.pk, department="应急", part="排查消防隐患",
                            idempotency_key=key)
    again = incident_co_add(actor=center, incident_id=incident.pk, department="应急", part="排查消防隐患",
                            idempotency_key=key)
    assert first.pk == again.pk and DispatchOrder.objects.filter(incident=incident, state="sent").count() == 1
    assert (first.role, first.round, first.part) == ("co", 1, "排查消防隐患")
    assert first.due_at >= _order(incident, "城管").due_at
    assert IncidentHistory.objects.filter(incident=incident, action="add_part").count() == 1
    with pytest.raises(Conflict, match="协办"):  # the lead waits for the part sent on
        incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已拆除",
                        photos=[phone_jpeg()])
    order_part(actor=staff("dept_yj"), incident_id=incident.pk, step="done", note="无隐患")
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已拆除",
                    photos=[phone_jpeg()])
    assert Incident.objects.get(pk=incident.pk).state == "handled"


def test_sending_a_part_on_is_the_centers_and_only_while_it_is_handled():
    grid = first_grid()
    incident, center = _whistle(grid)
    with pytest.raises(ValidationFailed, match="已在办理"):  # the lead holds it already
        incident_co_add(actor=center, incident_id=incident.pk, department="城管", part="协助", idempotency_key="k-000001")
    with pytest.raises(ValidationFailed):
        incident_co_add(actor=center, incident_id=incident.pk, department="应急", part="", idempotency_key="k-000002")
    with pytest.raises(PermissionDenied):
        incident_co_add(actor=staff("dept_cg"), incident_id=incident.pk, department="应急", part="协助",
                        idempotency_key="k-000003")
    registered = report(grid_worker(grid), grid=grid, category="SJ0101", text="另一处楼顶违规加盖铁皮房")
    incident_register(actor=center, incident_id=registered.pk)
    with pytest.raises(Conflict):
        incident_co_add(actor=center, incident_id=registered.pk, department="应急", part="协助",
                        idempotency_key="k-000004")
    assert not DispatchOrder.objects.filter(department__short_name="应急", incident__in=[incident, registered]).exists()


def test_a_rework_gives_the_redo_its_handling_time_but_the_incident_keeps_its_deadline():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid)
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="城管")
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已清运",
                    photos=[phone_jpeg()])
    incident.refresh_from_db()
    first_due, promised = _order(incident, "城管").due_at, incident.handling_due
    with time_machine.travel(first_due + datetime.timedelta(days=3)):
        incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=False, note="还有垃圾",
                        photos=[phone_jpeg()])
        lead = _order(incident, "城管")
        assert lead.state == "accepted" and lead.due_at > timezone.now() and lead.sla_mark == ""
    incident.refresh_from_db()
    assert incident.handling_due == promised and incident.rework_count == 1


def test_direction_overrides_and_invisible_characters_are_not_stored():
    assert strip_invisible("a\u202eb\u2066c\u200bd\ufeff\x07e\n\tf\u200d") == "abcde\n\tf\u200d"
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, text="路灯\u202e坏了\u202c三天了")
    assert Incident.objects.get(pk=incident.pk).description == "路灯坏了三天了"


def test_the_page_offers_sending_a_returned_part_on_to_the_center_only_and_makes_it_once(client):
    from doorstep.core.idempotency import new_key

    grid = first_grid()
    incident, center = _whistle(grid)
    order_part(actor=staff("dept_ga"), incident_id=incident.pk, step="return", note="不属公安职责")
    url = f"/incidents/{incident.pk}/"
    client.force_login(staff("dept_cg"))
    assert 'data-testid="form-add_part"' not in client.get(url).content.decode()
    client.force_login(center)
    page = client.get(url).content.decode()
    assert 'data-testid="form-add_part"' in page and "公安 退回了协办任务：不属公安职责" in page
    from doorstep.org.models import Department

    emergency = Department.objects.get(short_name="应急")
    form = {"department": str(emergency.pk), "part": "维持现场秩序", "idempotency_key": new_key()}
    first = client.post(url + "add_part/", form)
    again = client.post(url + "add_part/", form)
    assert first.status_code == again.status_code == 303
    assert DispatchOrder.objects.filter(incident=incident, department=emergency, state="sent").count() == 1
    refused = client.post(url + "add_part/", {**form, "idempotency_key": new_key()})
    assert refused.status_code == 400 and "该部门已在办理此事件" in refused.content.decode()
    client.force_login(staff("dept_cg"))
    assert client.post(url + "add_part/", {**form, "idempotency_key": new_key()}).status_code in (403, 404)


def test_the_department_list_shows_its_orders_own_state_and_the_page_says_whom_the_lead_waits_for(client):
    grid = first_grid()
    incident, center = _whistle(grid)
    order_accept(actor=staff("dept_cg"), incident_id=incident.pk)
    client.force_login(staff("dept_cg"))
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="waiting-parts"' in page and "公安" in page.split('data-testid="waiting-parts"')[1][:200]
    order_part(actor=staff("dept_ga"), incident_id=incident.pk, step="done", note="现场秩序良好")
    incident_handle(actor=staff("dept_cg"), incident_id=incident.pk, resolution="solved", note="已拆除",
                    photos=[phone_jpeg()])
    incident_verify(actor=supervisor_of(grid), incident_id=incident.pk, passed=True, photos=[phone_jpeg()])
    incident_close(actor=center, incident_id=incident.pk)
    incident_reopen(actor=center, incident_id=incident.pk, reason="又搭起来了")
    client.force_login(staff("dept_ga"))
    listing = client.get("/incidents/orders/?tab=done").content.decode()
    row = listing.split(incident.number)[1].split('data-testid="order-row"')[0]
    assert "已反馈（已重新办理）" in row and "派单" in row


def test_a_refusal_names_the_step_asked_for_and_the_authority_comes_before_the_form(client):
    from doorstep.core.errors import PermissionDenied as Denied
    from doorstep.incidents.selectors_detail import step_label

    grid = first_grid()
    incident, _center = _whistle(grid)
    assert step_label("add_part") == "加派协办"
    with pytest.raises(Denied):  # no part, no key: still the refusal, not the form's complaints
        incident_co_add(actor=staff("dept_cg"), incident_id=incident.pk, department="", part="", idempotency_key="")
    with pytest.raises(Denied, match="“结案”"):
        incident_close(actor=staff("dept_cg"), incident_id=incident.pk)
