"""Writing, sealing and verifying the audit trail."""

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doorstep.audit.context import current_ip
from doorstep.audit.models import AuditChainHead, AuditEvent, AuditSeal
from doorstep.core.crypto import chain_mac
from doorstep.core.masking import mask_in, mask_personal_numbers

GENESIS = "0" * 64


def audit_record(
    *,
    actor,
    action: str,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    summary: dict | None = None,
    reason: str = "",
    result: str = AuditEvent.Result.OK,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the write it records.

    Preconditions: none (the actor may be None for anonymous attempts such as a failed login).
    Result: the new AuditEvent, unsealed; the sealer chains it later. Side effects: one INSERT, no locks.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)[:120]
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=user.pk if user else None,
        # Texts are masked (ID and phone numbers, as the pages show them): a search query, a phone-shaped login name
        # or a number typed into a reason is never kept whole (doorstep.core.masking, issue #10 item 9).
        actor_label=mask_personal_numbers((actor_label or (user.full_name or user.username if user else ""))[:120]),
        role=getattr(user, "role", "") if user else "",
        org_path=(user.org_node.code if user and user.org_node_id else ""),
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:40],
        target_label=mask_personal_numbers(target_label[:120]),
        summary=mask_in(summary or {}),
        reason=mask_personal_numbers(reason[:300]),
        ip=current_ip.get(),
        result=result,
    )


def event_canonical(event: AuditEvent) -> bytes:
    """The bytes that the chain MAC covers: every column of the event except none."""
    fields = [
        event.pk,
        event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_label,
        event.role,
        event.org_path,
        event.action,
        event.target_type,
        event.target_id,
        event.target_label,
        event.summary,
        event.reason,
        event.ip,
        event.result,
    ]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal_hash(prev_hash: str, seq: int, event: AuditEvent) -> str:
    return chain_mac(prev_hash.encode() + b"|" + str(seq).encode() + b"|" + event_canonical(event))


def audit_seal_pending(*, batch: int | None = None) -> int:
    """Chain every unsealed event, oldest id first, in batches. Returns how many were sealed.

    Only sealers lock the chain head; writers never wait for this. An event dated more than the grace period before
    the chain tip's sealing time is sealed with `late=True`: it was inserted after the fact, and verify reports it.
    """
    batch = batch or settings.DOORSTEP_AUDIT_SEAL_BATCH
    grace = timezone.timedelta(seconds=settings.DOORSTEP_AUDIT_SEAL_GRACE_SECONDS)
    total = 0
    while True:
        with transaction.atomic():
            AuditChainHead.objects.get_or_create(id=1)
            head = AuditChainHead.objects.select_for_update().get(id=1)
            sealed_ids = AuditSeal.objects.values("event_id")
            pending = list(AuditEvent.objects.exclude(id__in=sealed_ids).order_by("id")[:batch])
            if not pending:
                return total
            now = timezone.now()
            seals = []
            seq, prev = head.seq, head.hash
            for event in pending:
                seq += 1
                digest = seal_hash(prev, seq, event)
                late = head.sealed_at is not None and event.created_at < head.sealed_at - grace
                seals.append(AuditSeal(seq=seq, event_id=event.pk, prev_hash=prev, hash=digest, sealed_at=now, late=late))
                prev = digest
            AuditSeal.objects.bulk_create(seals)
            head.seq, head.hash, head.sealed_at = seq, prev, now
            head.save(update_fields=["seq", "hash", "sealed_at"])
            total += len(seals)


@dataclass
class Finding:
    kind: str  # modified | deleted | inserted | broken
    event_id: int | None
    seq: int | None
    message: str


def audit_verify(*, chunk: int = 5000) -> list[Finding]:
    """Walk the sealed chain in order and return what is wrong, first problem first (empty list: intact)."""
    findings: list[Finding] = []
    expected_seq, prev = 1, GENESIS
    last_seal: AuditSeal | None = None
    while True:
        seals = list(AuditSeal.objects.filter(seq__gte=expected_seq).order_by("seq")[:chunk])
        if not seals:
            break
        events = AuditEvent.objects.in_bulk([s.event_id for s in seals])
        for seal in seals:
            if seal.seq != expected_seq:
                findings.append(
                    Finding("deleted", None, expected_seq,
                            f"第{expected_seq}至{seal.seq - 1}号封存记录缺失：其后的事件 #{seal.event_id} 之前有事件被删除。")
                )
            elif seal.prev_hash != prev:
                findings.append(
                    Finding("broken", seal.event_id, seal.seq,
                            f"第{seal.seq}号封存（事件 #{seal.event_id}）与上一条不衔接：链中有记录被插入或删除。")
                )
            event = events.get(seal.event_id)
            if event is None:
                findings.append(
                    Finding("deleted", seal.event_id, seal.seq, f"事件 #{seal.event_id}（第{seal.seq}号）已被删除。")
                )
            elif seal_hash(seal.prev_hash, seal.seq, event) != seal.hash:
                findings.append(
                    Finding("modified", seal.event_id, seal.seq, f"事件 #{seal.event_id}（第{seal.seq}号）内容被篡改。")
                )
            elif seal.late:
                findings.append(
                    Finding("inserted", seal.event_id, seal.seq,
                            f"事件 #{seal.event_id}（第{seal.seq}号）时间早于封存时的链尾：为事后插入。")
                )
            prev, expected_seq, last_seal = seal.hash, seal.seq + 1, seal
    head = AuditChainHead.objects.filter(id=1).first()
    if head and head.seq and (last_seal is None or head.seq != last_seal.seq or head.hash != last_seal.hash):
        findings.append(
            Finding("deleted", None, head.seq, f"链尾应为第{head.seq}号封存，实际止于第{expected_seq - 1}号：末尾记录被删除。")
        )
    if last_seal is not None:
        grace = timezone.timedelta(seconds=settings.DOORSTEP_AUDIT_SEAL_GRACE_SECONDS)
        sealed_ids = AuditSeal.objects.values("event_id")
        backdated = (
            AuditEvent.objects.exclude(id__in=sealed_ids)
            .filter(created_at__lt=last_seal.sealed_at - grace)
            .order_by("id")
            .first()
        )
        if backdated:
            findings.append(
                Finding("inserted", backdated.pk, None,
                        f"事件 #{backdated.pk} 未封存且时间早于链尾：为事后插入。")
            )
    return findings
