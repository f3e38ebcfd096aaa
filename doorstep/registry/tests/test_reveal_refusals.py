"""A refused reveal leaves an audit event too (denied): a role without the capability, and a reason too short."""

import pytest

from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.registry.models import Resident
from doorstep.registry.services import resident_reveal

pytestmark = pytest.mark.django_db


def _xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


@pytest.mark.parametrize("reason", ["", " ", "看看", "查 看"])
def test_a_reveal_with_too_short_a_reason_is_refused_and_audited(reason):
    xie, actor = _xie(), user("admin")
    with pytest.raises(ValidationFailed, match="事由"):
        resident_reveal(actor=actor, resident_id=xie.pk, field="phone", reason=reason)
    event = AuditEvent.objects.filter(action="registry.reveal", target_id=str(xie.pk)).latest("id")
    assert event.result == "denied" and event.actor_id == actor.pk
    assert event.summary == {"field": "phone", "refused": "reason_too_short"}


def test_a_reveal_by_a_role_without_the_capability_is_refused_and_audited():
    xie, actor = _xie(), user("leader")
    with pytest.raises(PermissionDenied):
        resident_reveal(actor=actor, resident_id=xie.pk, field="id_number", reason="核对低保申请人身份")
    event = AuditEvent.objects.filter(action="registry.reveal", target_id=str(xie.pk)).latest("id")
    assert event.result == "denied" and event.actor_id == actor.pk and event.reason == "核对低保申请人身份"


def test_a_reveal_reason_longer_than_the_form_allows_is_refused_by_the_service_and_audited():
    """Review finding: only the browser limited the reason to 300 characters; the service took 10,000."""
    from doorstep.registry.services import REASON_MAX_LENGTH

    xie, actor = _xie(), user("admin")
    with pytest.raises(ValidationFailed, match="不能超过300个字"):
        resident_reveal(actor=actor, resident_id=xie.pk, field="phone", reason="核对" * 5000)
    event = AuditEvent.objects.filter(action="registry.reveal", target_id=str(xie.pk)).latest("id")
    assert event.result == "denied" and event.summary == {"field": "phone", "refused": "reason_too_long"}
    assert resident_reveal(actor=actor, resident_id=xie.pk, field="phone", reason="核" * REASON_MAX_LENGTH)
