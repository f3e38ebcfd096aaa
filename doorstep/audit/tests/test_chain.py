"""The audit chain against someone with full SQL write access but not the keys: every event MAC'd when written,
every seal field under the chain MAC, the tip anchored outside the database; verify names the first problem."""

import datetime
import json

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone, translation

from doorstep.audit.anchor import anchor_read
from doorstep.audit.models import AuditChainHead, AuditEvent, AuditSeal
from doorstep.audit.services import audit_record, audit_seal_pending, audit_verify

pytestmark = pytest.mark.django_db

TRIGGERED = ("audit_auditevent", "audit_auditseal")


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _tamper(*statements: tuple[str, list]) -> None:
    """What an attacker with database access would do. On PostgreSQL they are a superuser or the tables' owner and
    first switch the append-only triggers off (ALTER TABLE … DISABLE TRIGGER), then on again."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in TRIGGERED:
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for sql, params in statements:
            cur.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in TRIGGERED:
                cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _forge_event(*, created_at: datetime.datetime, mac: str | None = None) -> int:
    """A raw INSERT, as an attacker writes it: plausible content, no key, so no valid MAC (or a made-up one)."""
    row = {"created_at": created_at, "actor_id": None, "actor_label": "攻击者", "role": "", "org_path": "",
           "action": "case.approve", "target_type": "cases.case", "target_id": "1", "target_label": "伪造",
           "summary": json.dumps({"note": "伪造"}), "reason": "", "ip": "10.0.0.66", "result": "ok",
           "nonce": "0123456789abcdef", "mac": mac}
    cols = ", ".join(connection.ops.quote_name(c) for c in row)
    marks = ", ".join(["%s"] * len(row))
    _tamper((f"INSERT INTO {_q(AuditEvent)} ({cols}) VALUES ({marks})", list(row.values())))
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


def _seal_now() -> int:
    """The sealer as the huey task runs it; its anchors go to this test's own anchor file (conftest)."""
    return audit_seal_pending()


def _first(findings):
    assert findings, "verify found nothing"
    return findings[0]


@pytest.fixture
def sealed_events():
    events = [audit_record(actor=None, actor_label="测试", action="test.event", summary={"n": i, "x": 1.0})
              for i in range(5)]
    _seal_now()
    assert audit_verify() == []
    return events


def test_clean_chain_verifies_and_its_tip_is_anchored(sealed_events):
    assert AuditSeal.objects.filter(event_id__in=[e.pk for e in sealed_events]).count() == 5
    tip = AuditSeal.objects.order_by("-seq").first()
    assert anchor_read().last[:2] == (tip.seq, tip.hash)
    assert all(e.mac and len(e.mac) == 64 for e in AuditEvent.objects.filter(pk__in=[e.pk for e in sealed_events]))


# --- the five scenarios of issue 10, item 5 -------------------------------------------------------------------


def test_event_inserted_with_the_current_time_is_named_before_and_after_sealing(sealed_events):
    forged = _forge_event(created_at=timezone.now())
    finding = _first(audit_verify())
    assert (finding.kind, finding.event_id, finding.label) == ("inserted", forged, "插入")
    assert f"#{forged}" in finding.message
    _seal_now()  # the sealer seals what it finds; that does not launder it
    finding = _first(audit_verify())
    assert (finding.kind, finding.event_id) == ("inserted", forged)
    assert finding.seq == AuditSeal.objects.get(event_id=forged).seq


def test_event_inserted_with_a_made_up_mac_is_named(sealed_events):
    forged = _forge_event(created_at=timezone.now(), mac="ab" * 32)
    _seal_now()
    finding = _first(audit_verify())
    assert (finding.kind, finding.event_id) == ("inserted", forged)


def test_newest_fifty_deleted_with_the_chain_head_rewritten_is_truncation(sealed_events):
    # The attacker keeps a copy of the head row as it was (its MAC is valid), lets 50 more events be sealed, then
    # deletes them and their seals and puts the old head row back: nothing inside the database disagrees any more.
    old_head = AuditChainHead.objects.values_list("seq", "hash", "sealed_at", "mac").get(id=1)
    newest = [audit_record(actor=None, actor_label="测试", action="test.later", summary={"n": i}).pk
              for i in range(50)]
    _seal_now()
    top = AuditSeal.objects.order_by("-seq").first().seq
    marks = ", ".join(["%s"] * 50)
    _tamper(
        (f"DELETE FROM {_q(AuditSeal)} WHERE event_id IN ({marks})", newest),
        (f"DELETE FROM {_q(AuditEvent)} WHERE id IN ({marks})", newest),
        (f"UPDATE {_q(AuditChainHead)} SET seq = %s, hash = %s, sealed_at = %s, mac = %s WHERE id = 1", list(old_head)),
    )
    findings = audit_verify()
    finding = _first(findings)
    assert (finding.kind, finding.label, finding.seq) == ("truncated", "截断", top)
    assert f"第{top}号" in finding.message and f"第{old_head[0]}号" in finding.message
    assert [f for f in findings if f.kind != "truncated"] == []  # the database alone shows nothing


def test_backdated_insert_sealed_late_with_the_late_flag_flipped_is_named(sealed_events):
    forged = _forge_event(created_at=timezone.now() - datetime.timedelta(days=3))
    _seal_now()
    seal = AuditSeal.objects.get(event_id=forged)
    assert seal.late
    _tamper((f"UPDATE {_q(AuditSeal)} SET late = %s WHERE seq = %s", [False, seal.seq]))
    finding = _first(audit_verify())
    assert (finding.event_id, finding.seq) == (forged, seal.seq)
    assert finding.kind in {"inserted", "modified"}


def test_a_seals_time_or_late_flag_changed_is_tampering(sealed_events):
    """Every field of a seal that verify reads is under its MAC (a genuine event, only its seal edited)."""
    seal = AuditSeal.objects.get(event_id=sealed_events[2].pk)
    for sql, params in ((f"UPDATE {_q(AuditSeal)} SET late = %s WHERE seq = %s", [True, seal.seq]),
                        (f"UPDATE {_q(AuditSeal)} SET sealed_at = %s WHERE seq = %s",
                         [seal.sealed_at - datetime.timedelta(days=1), seal.seq])):
        with transaction.atomic():
            _tamper((sql, params))
            finding = _first(audit_verify())
            assert (finding.kind, finding.seq, finding.label) == ("modified", seal.seq, "篡改")
            assert "封存字段" in finding.message
            transaction.set_rollback(True)


def test_head_sealed_at_nulled_then_backdated_insert_is_named(sealed_events):
    _tamper((f"UPDATE {_q(AuditChainHead)} SET sealed_at = NULL WHERE id = 1", []))
    forged = _forge_event(created_at=timezone.now() - datetime.timedelta(days=3))
    _seal_now()
    finding = _first(audit_verify())
    assert (finding.kind, finding.event_id) == ("inserted", forged)


def test_all_three_audit_tables_emptied_is_truncation(sealed_events):
    top = AuditSeal.objects.order_by("-seq").first().seq
    _tamper(*[(f"DELETE FROM {_q(m)}", []) for m in (AuditSeal, AuditEvent, AuditChainHead)])
    finding = _first(audit_verify())
    assert (finding.kind, finding.seq) == ("truncated", top)
    assert "清空" in finding.message


def test_tables_emptied_and_the_chain_restarted_is_truncation(sealed_events):
    """After emptying, new events are sealed from seq 1 with valid MACs, as many as there were: the anchor still
    knows the old tip's hash."""
    top = AuditSeal.objects.order_by("-seq").first().seq
    _tamper(*[(f"DELETE FROM {_q(m)}", []) for m in (AuditSeal, AuditEvent, AuditChainHead)])
    for i in range(top):
        audit_record(actor=None, actor_label="测试", action="test.after", summary={"n": i})
    _seal_now()
    assert AuditSeal.objects.order_by("-seq").first().seq == top
    finding = _first(audit_verify())
    assert (finding.kind, finding.seq) == ("truncated", top)
    assert "重新封存" in finding.message


# --- other changes an attacker could make -------------------------------------------------------------------


def test_modified_event_is_named(sealed_events):
    target = sealed_events[2]
    _tamper((f"UPDATE {_q(AuditEvent)} SET summary = %s WHERE id = %s", ['{"n": 99}', target.pk]))
    finding = _first(audit_verify())
    assert finding.kind == "modified" and finding.event_id == target.pk
    assert f"#{target.pk}" in finding.message


def test_modified_unsealed_event_is_named(sealed_events):
    event = audit_record(actor=None, actor_label="测试", action="test.unsealed")
    _tamper((f"UPDATE {_q(AuditEvent)} SET actor_label = %s WHERE id = %s", ["别人", event.pk]))
    finding = _first(audit_verify())
    assert (finding.kind, finding.event_id, finding.seq) == ("inserted", event.pk, None)


def test_copied_event_is_refused_by_the_database(sealed_events):
    """A replay of a genuine row (same content, same MAC) under a new id breaks the unique MAC."""
    source = sealed_events[1]
    cols = [f.column for f in AuditEvent._meta.concrete_fields if f.column != "id"]
    quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
    with pytest.raises(IntegrityError), transaction.atomic():
        _tamper((f"INSERT INTO {_q(AuditEvent)} ({quoted}) SELECT {quoted} FROM {_q(AuditEvent)} WHERE id = %s",
                 [source.pk]))


def test_deleted_event_is_named(sealed_events):
    target = sealed_events[1]
    _tamper((f"DELETE FROM {_q(AuditEvent)} WHERE id = %s", [target.pk]))
    finding = _first(audit_verify())
    assert finding.kind == "deleted" and finding.event_id == target.pk


def test_deleted_event_and_its_seal_are_caught(sealed_events):
    seal = AuditSeal.objects.get(event_id=sealed_events[3].pk)
    _tamper((f"DELETE FROM {_q(AuditSeal)} WHERE seq = %s", [seal.seq]),
            (f"DELETE FROM {_q(AuditEvent)} WHERE id = %s", [sealed_events[3].pk]))
    finding = _first(audit_verify())
    assert finding.kind == "deleted" and finding.seq == seal.seq


def test_forged_seal_in_the_middle_is_caught(sealed_events):
    seal = AuditSeal.objects.get(event_id=sealed_events[2].pk)
    _tamper((f"UPDATE {_q(AuditSeal)} SET hash = %s WHERE seq = %s", ["f" * 64, seal.seq]))
    finding = _first(audit_verify())
    assert finding.seq == seal.seq and finding.kind == "modified"


def test_missing_anchor_file_is_reported_for_a_sealed_chain(sealed_events):
    settings.DOORSTEP_AUDIT_ANCHOR.unlink()
    finding = _first(audit_verify())
    assert (finding.kind, finding.label) == ("anchor", "锚点缺失")
    assert "不存在" in finding.message
    _seal_now()  # nothing pending: the sealer anchors the tip as it stands
    assert audit_verify() == []


def test_verify_names_its_findings_in_the_readers_language(sealed_events):
    path = settings.DOORSTEP_AUDIT_ANCHOR
    seq, digest, at, mac = path.read_text().splitlines()[-1].split("\t")
    path.write_text(f"{int(seq) + 100}\t{digest}\t{at}\t{mac}\n")
    with translation.override("en"):
        finding = _first(audit_verify())
        assert (finding.kind, finding.label) == ("anchor", "Anchor missing")
    assert finding.message.startswith(f"Line 1 of the anchor file {path} is invalid")


def test_edited_anchor_line_is_reported(sealed_events):
    path = settings.DOORSTEP_AUDIT_ANCHOR
    seq, digest, at, mac = path.read_text().splitlines()[-1].split("\t")
    path.write_text(f"{int(seq) + 100}\t{digest}\t{at}\t{mac}\n")
    finding = _first(audit_verify())
    assert finding.kind == "anchor" and "第1行" in finding.message


def test_verify_command_names_the_first_problem_in_chinese_and_fails(sealed_events, capsys):
    call_command("audit", "verify")
    assert "审计链完整" in capsys.readouterr().out
    _tamper(*[(f"DELETE FROM {_q(m)}", []) for m in (AuditSeal, AuditEvent, AuditChainHead)])
    with pytest.raises(CommandError, match=r"首个问题（截断）.*清空"):
        call_command("audit", "verify", "--no-seal")


def test_verify_command_checks_a_copy_of_the_anchor_shipped_elsewhere(sealed_events, tmp_path):
    copy = tmp_path / "anchor-copy.log"
    copy.write_bytes(settings.DOORSTEP_AUDIT_ANCHOR.read_bytes())
    settings.DOORSTEP_AUDIT_ANCHOR.unlink()  # the local file is gone; the shipped copy still pins the tip
    _tamper(*[(f"DELETE FROM {_q(m)}", []) for m in (AuditSeal, AuditEvent, AuditChainHead)])
    with pytest.raises(CommandError, match="截断"):
        call_command("audit", "verify", "--no-seal", "--anchor", str(copy))


def test_recent_verify_checks_the_newest_seals_and_the_whole_anchor(sealed_events):
    newest = [audit_record(actor=None, actor_label="测试", action="test.recent", summary={"n": i}) for i in range(5)]
    _seal_now()
    assert audit_verify(recent=5) == []
    _tamper((f"UPDATE {_q(AuditEvent)} SET reason = %s WHERE id = %s", ["改过", sealed_events[0].pk]))
    assert audit_verify(recent=5) == []  # older than the newest five: left to the full run
    assert _first(audit_verify()).event_id == sealed_events[0].pk
    _tamper((f"UPDATE {_q(AuditEvent)} SET reason = %s WHERE id = %s", ["改过", newest[3].pk]))
    assert _first(audit_verify(recent=5)).event_id == newest[3].pk
    _tamper(*[(f"DELETE FROM {_q(m)}", []) for m in (AuditSeal, AuditEvent, AuditChainHead)])
    assert _first(audit_verify(recent=5)).kind == "truncated"


def test_genuine_event_committed_late_is_sealed_late_and_verifies(sealed_events):
    """A long transaction's event, written days before it commits: the periodic sealer's index range does not reach
    it, the command's full pass does; the late mark is under the seal's MAC and is no finding (its own MAC holds)."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        late = audit_record(actor=None, actor_label="测试", action="test.long_transaction")
    assert audit_seal_pending(everything=False) == 0
    assert audit_seal_pending() == 1
    assert AuditSeal.objects.get(event_id=late.pk).late
    assert audit_verify() == []


def test_a_new_database_retires_the_old_anchor_file(sealed_events):
    from doorstep.audit.services import audit_anchor_retire_for_new_database

    assert audit_anchor_retire_for_new_database() is None  # the chain it anchors is here
    old = settings.DOORSTEP_AUDIT_ANCHOR.read_text()
    _tamper(*[(f"DELETE FROM {_q(m)}", []) for m in (AuditSeal, AuditEvent, AuditChainHead)])
    retired = audit_anchor_retire_for_new_database()
    assert retired.read_text() == old and not settings.DOORSTEP_AUDIT_ANCHOR.exists()
    retired.unlink()


def test_unsigned_events_are_recognised_as_older_than_signing(sealed_events):
    from doorstep.audit.selectors import audit_trail_predates_signing

    assert not audit_trail_predates_signing()
    _forge_event(created_at=timezone.now())
    assert audit_trail_predates_signing()


def test_tip_command_prints_the_tip_and_its_anchor_for_a_paper_record(sealed_events, capsys):
    call_command("audit", "tip")
    out = capsys.readouterr().out
    tip = AuditSeal.objects.order_by("-seq").first()
    assert f"数据库链尾：第{tip.seq}号封存  {tip.hash}" in out and f"最后一条：第{tip.seq}号  {tip.hash}" in out


# --- the writers' side ----------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_postgres_trigger_forbids_update_and_delete(sealed_events):
    for sql in (f"UPDATE {_q(AuditEvent)} SET action = 'x' WHERE id = %s",
                f"DELETE FROM {_q(AuditEvent)} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [sealed_events[0].pk])


def test_writers_do_not_touch_the_chain_head():
    """Writing an event is one INSERT, its MAC computed in the process: no read, no lock on the chain head."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        audit_record(actor=None, actor_label="测试", action="test.one")
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    assert statements == ["INSERT"]


def test_summaries_with_any_json_verify_after_the_database_round_trip():
    """What PostgreSQL's jsonb gives back (reordered keys, 1.0 as 1, int keys as strings) still checks out."""
    audit_record(actor=None, actor_label="测试", action="test.json",
                 summary={"b": [1.0, 2.5, 1e16, None, True], "a": {"z": "中文", 3: "int key"}, "t": ("x", "y")})
    _seal_now()
    assert audit_verify() == []


def test_periodic_task_seals_pending_events():
    from doorstep.audit.tasks import seal_audit_chain

    event = audit_record(actor=None, actor_label="测试", action="test.periodic")
    assert seal_audit_chain.call_local() >= 1
    assert AuditSeal.objects.filter(event_id=event.pk).exists()
