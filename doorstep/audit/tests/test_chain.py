"""The audit chain: sealing in order, and verify naming the first modified, deleted or inserted event."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from doorstep.audit.models import AuditEvent, AuditSeal
from doorstep.audit.services import audit_record, audit_seal_pending, audit_verify

pytestmark = pytest.mark.django_db


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _tamper(sql: str, params=()) -> None:
    """What an attacker with database access would do; on PostgreSQL they first switch the triggers off."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = origin")


@pytest.fixture
def sealed_events():
    events = [audit_record(actor=None, actor_label="测试", action="test.event", summary={"n": i}) for i in range(5)]
    audit_seal_pending()
    assert audit_verify() == []
    return events


def test_intact_chain_verifies(sealed_events):
    assert AuditSeal.objects.filter(event_id__in=[e.pk for e in sealed_events]).count() == 5


def test_modified_event_is_named(sealed_events):
    target = sealed_events[2]
    _tamper(f"UPDATE {_table(AuditEvent)} SET summary = %s WHERE id = %s", ['{"n": 99}', target.pk])
    findings = audit_verify()
    assert findings and findings[0].kind == "modified" and findings[0].event_id == target.pk
    assert f"#{target.pk}" in findings[0].message


def test_deleted_event_is_named(sealed_events):
    target = sealed_events[1]
    _tamper(f"DELETE FROM {_table(AuditEvent)} WHERE id = %s", [target.pk])
    findings = audit_verify()
    assert findings[0].kind == "deleted" and findings[0].event_id == target.pk


def test_deleted_event_and_its_seal_are_caught(sealed_events):
    target = sealed_events[3]
    seal = AuditSeal.objects.get(event_id=target.pk)
    _tamper(f"DELETE FROM {_table(AuditSeal)} WHERE seq = %s", [seal.seq])
    _tamper(f"DELETE FROM {_table(AuditEvent)} WHERE id = %s", [target.pk])
    findings = audit_verify()
    assert findings[0].kind == "deleted" and findings[0].seq == seal.seq


def test_inserted_backdated_event_is_caught(sealed_events):
    AuditSeal.objects.filter(event_id=sealed_events[-1].pk)  # chain tip exists
    forged = AuditEvent.objects.create(action="test.forged", actor_label="攻击者",
                                       created_at=timezone.now() - timezone.timedelta(days=3))
    findings = audit_verify()
    assert findings and findings[0].kind == "inserted" and findings[0].event_id == forged.pk
    # sealing it does not launder it
    audit_seal_pending()
    assert any(f.kind == "inserted" and f.event_id == forged.pk for f in audit_verify())


def test_forged_seal_in_the_middle_is_caught(sealed_events):
    seal = AuditSeal.objects.get(event_id=sealed_events[2].pk)
    _tamper(f"UPDATE {_table(AuditSeal)} SET hash = %s WHERE seq = %s", ["f" * 64, seal.seq])
    findings = audit_verify()
    assert findings[0].seq == seal.seq and findings[0].kind in {"modified", "broken"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_postgres_trigger_forbids_update_and_delete(sealed_events):
    for sql in (f"UPDATE {_table(AuditEvent)} SET action = 'x' WHERE id = %s",
                f"DELETE FROM {_table(AuditEvent)} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [sealed_events[0].pk])


def test_writers_do_not_touch_the_chain_head():
    """Writing an event is one INSERT: no lock on the chain head, so concurrent writers never queue on it."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        audit_record(actor=None, actor_label="测试", action="test.one")
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    assert statements == ["INSERT"]


def test_periodic_task_seals_pending_events():
    from doorstep.audit.tasks import seal_audit_chain

    event = audit_record(actor=None, actor_label="测试", action="test.periodic")
    assert seal_audit_chain.call_local() >= 1
    assert AuditSeal.objects.filter(event_id=event.pk).exists()
