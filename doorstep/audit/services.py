"""Writing, sealing and verifying the audit trail.

Three keyed MACs, all from sub-keys of DOORSTEP_DATA_KEY, so that someone with write access to the database but not
the key can neither add, change nor remove anything unseen: each event's MAC over its content (written with the
event, in the writer's own INSERT), each seal's MAC over the previous seal, its own fields and its event, and the
anchor file's MAC over each line (audit/anchor.py), which pins the chain's tip outside the database.
"""

import datetime
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from doorstep.audit.anchor import GENESIS, anchor_append, anchor_last_seq, anchor_path, anchor_read
from doorstep.audit.context import current_ip
from doorstep.audit.models import AuditChainHead, AuditEvent, AuditSeal
from doorstep.core.crypto import derive_key
from doorstep.core.masking import mask_in, mask_personal_numbers

# The columns an event's MAC covers, in this order (everything but the id, which the INSERT has not chosen yet; the
# seal binds the id). A new column of AuditEvent must be added here.
EVENT_FIELDS = ("nonce", "created_at", "actor_id", "actor_label", "role", "org_path", "action", "target_type",
                "target_id", "target_label", "summary", "reason", "ip", "result")
_ROW = ("id", *EVENT_FIELDS, "mac")  # as read back with values_list
_CREATED = _ROW.index("created_at")


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
    Result: the new AuditEvent, carrying the MAC of its content, unsealed; the sealer chains it later.
    Side effects: one INSERT, no locks, no read.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        if not target_label:
            # The trail is kept in one language: a model's name for itself (str) may be translated for its reader.
            with translation.override(settings.LANGUAGE_CODE):
                target_label = str(target)[:120]
    user = actor if getattr(actor, "is_authenticated", False) else None
    values = {
        "nonce": secrets.token_hex(8),
        "created_at": timezone.now(),
        "actor_id": user.pk if user else None,
        # Texts are masked (ID and phone numbers, as the pages show them): a search query, a phone-shaped login name
        # or a number typed into a reason is never kept whole (doorstep.core.masking, issue #10 item 9).
        "actor_label": mask_personal_numbers((actor_label or (user.full_name or user.username if user else ""))[:120]),
        "role": getattr(user, "role", "") if user else "",
        "org_path": (user.org_node.code if user and user.org_node_id else ""),
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id)[:40],
        "target_label": mask_personal_numbers(target_label[:120]),
        # As the database will give it back (string keys, lists), so that the MAC computed now checks out later.
        "summary": json.loads(json.dumps(mask_in(summary or {}))),
        "reason": mask_personal_numbers(reason[:300]),
        "ip": current_ip.get(),
        "result": result,
    }
    mac = event_mac(event_content([values[name] for name in EVENT_FIELDS]))
    return AuditEvent.objects.create(**values, mac=mac)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _plain_numbers(value: Any) -> Any:
    """1.0 and 1 are one number to PostgreSQL's jsonb (it may give back either): the MAC sees them as the same."""
    kind = type(value)  # exact types: the values come from json.loads
    if kind is dict:
        return {k: _plain_numbers(v) for k, v in value.items()}
    if kind is list:
        return [_plain_numbers(v) for v in value]
    if kind is float and value.is_integer():
        return int(value)
    return value


def event_content(values: Sequence) -> bytes:
    """The bytes an event's MAC covers: the EVENT_FIELDS values, in that order, as canonical JSON."""
    fields = list(values)
    created = EVENT_FIELDS.index("created_at")
    fields[created] = _utc(fields[created])
    summary = EVENT_FIELDS.index("summary")
    fields[summary] = _plain_numbers(fields[summary])
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> "hmac.HMAC":
    return hmac.new(key, digestmod=hashlib.sha256)


def _mac(purpose: str, data: bytes) -> str:
    """HMAC-SHA256 under the sub-key for `purpose`, from a prepared copy (verify computes two per event)."""
    h = _keyed(derive_key(purpose)).copy()
    h.update(data)
    return h.hexdigest()


def event_mac(content: bytes) -> str:
    return _mac("audit-event", content)


def seal_hash(*, prev_hash: str, seq: int, event_id: int, sealed_at: datetime.datetime, late: bool,
              mac: str | None, content: bytes) -> str:
    """The seal's MAC: over the previous seal's, every field of the seal verify reads, and the whole event (its
    id, content and stored MAC)."""
    fields = f"{prev_hash}|{seq}|{event_id}|{_utc(sealed_at)}|{int(late)}|{mac or ''}|".encode()
    return _mac("audit-chain", fields + content)  # = core.crypto.chain_mac


def head_mac(seq: int, digest: str, sealed_at: datetime.datetime | None) -> str:
    return _mac("audit-chain", f"head|{seq}|{digest}|{_utc(sealed_at) if sealed_at else ''}".encode())


def _pending_rows(*, since: datetime.datetime | None = None, limit: int | None = None):
    """Unsealed events, oldest id first: NOT EXISTS on the seals' unique event_id (an anti-join; NOT IN over a large
    subquery stops being hashed on PostgreSQL and turns quadratic), from `since` on when given (an index range)."""
    rows = AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    rows = rows.order_by("id").values_list(*_ROW)
    return rows[:limit] if limit else rows


def audit_seal_pending(*, batch: int | None = None, everything: bool = True) -> int:
    """Chain every unsealed event, oldest id first, in batches, and anchor the tip outside the database after each
    batch commits. Returns how many were sealed. `everything=False` (the periodic task) looks only at events dated
    from DOORSTEP_AUDIT_SEAL_LOOKBACK_HOURS before the tip on, so that it stays an index range at any size; an event
    whose transaction stayed open longer than that is sealed by the next `doorstep audit seal|verify`.

    Call it outside a transaction (the huey task and the command do): an anchor names seals that must be committed.
    Only sealers lock the chain head; writers never wait for this. The chain continues from its last seal row (the
    head row is the lock and a MAC'd copy). An event dated more than the grace period before the previous batch's
    sealing time is sealed with `late=True` (a long transaction); the mark is under the seal's MAC. When nothing is
    pending and the anchor file lags the chain (first run, or a lost write), the tip is anchored as it stands.
    """
    batch = batch or settings.DOORSTEP_AUDIT_SEAL_BATCH
    grace = timezone.timedelta(seconds=settings.DOORSTEP_AUDIT_SEAL_GRACE_SECONDS)
    lookback = timezone.timedelta(hours=settings.DOORSTEP_AUDIT_SEAL_LOOKBACK_HOURS)
    total = 0
    while True:
        with transaction.atomic():
            AuditChainHead.objects.get_or_create(id=1)
            head = AuditChainHead.objects.select_for_update().get(id=1)
            tip = AuditSeal.objects.order_by("-seq").values_list("seq", "hash", "sealed_at").first()
            seq, prev, tip_at = tip or (0, GENESIS, None)
            since = tip_at - lookback if tip_at is not None and not everything else None
            pending = list(_pending_rows(since=since, limit=batch))
            if not pending:
                break
            now = timezone.now()
            seals = []
            for row in pending:
                seq += 1
                late = tip_at is not None and row[_CREATED] < tip_at - grace
                digest = seal_hash(prev_hash=prev, seq=seq, event_id=row[0], sealed_at=now, late=late, mac=row[-1],
                                   content=event_content(row[1:-1]))
                seals.append(AuditSeal(seq=seq, event_id=row[0], prev_hash=prev, hash=digest, sealed_at=now,
                                       late=late))
                prev = digest
            AuditSeal.objects.bulk_create(seals)
            head.seq, head.hash, head.sealed_at, head.mac = seq, prev, now, head_mac(seq, prev, now)
            head.save(update_fields=["seq", "hash", "sealed_at", "mac"])
        anchor_append(seq=seq, digest=prev, at=now)
        total += len(seals)
    if seq and anchor_last_seq() < seq:
        anchor_append(seq=seq, digest=prev, at=tip_at)
    return total


# What an administrator reads at `doorstep audit verify` (the command prints them; nothing stores them).
KINDS = {"inserted": pgettext_lazy("audit finding", "插入"), "deleted": pgettext_lazy("audit finding", "删除"),
         "modified": pgettext_lazy("audit finding", "篡改"), "truncated": pgettext_lazy("audit finding", "截断"),
         "anchor": pgettext_lazy("audit finding", "锚点缺失")}


@dataclass
class Finding:
    kind: str  # a key of KINDS
    event_id: int | None
    seq: int | None
    message: str  # in the language active when verify ran

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])  # in the language active when it is read


def _unsigned(event_id: int, seq: int | None) -> Finding:
    if seq:
        message = gettext("事件 #{event}（第{seq}号）没有写入签名：不是经系统写入的（插入），"
                          "或是升级到带签名的版本之前写入的旧事件。").format(event=event_id, seq=seq)
    else:
        message = gettext("事件 #{event}（未封存）没有写入签名：不是经系统写入的（插入），"
                          "或是升级到带签名的版本之前写入的旧事件。").format(event=event_id)
    return Finding("inserted", event_id, seq, message)


def audit_verify(*, chunk: int = 5000, anchors: Sequence[Path] | None = None,
                 recent: int | None = None) -> list[Finding]:
    """Check the whole trail; return what is wrong, first problem first (empty list: intact).

    Each seal, in order: no gap in `seq` (删除), linked to the one before and its MAC right (篡改), its event present
    (删除) and carrying a valid MAC of its own (插入: written without the key, sealed as found), and, where the anchor
    file names that seq, the same hash (截断: the chain was cut and rebuilt). Then: the anchors reach no further than
    the chain (截断: its end or all of it deleted), an anchor exists for a non-empty chain and checks out (锚点缺失),
    the head row agrees with the last seal under its MAC, and every unsealed event carries a valid MAC (插入).
    `anchors`: anchor files to check against (default: DOORSTEP_AUDIT_ANCHOR), e.g. a copy shipped off-host.
    `recent`: walk only the newest that many seals (linked to the one before them) and the unsealed events from the
    lookback before them on; the anchor and head checks stay whole. A quick check between full runs.
    Cost: one pass over seals and events in chunks, two HMACs per event.
    """
    logs = [anchor_read(Path(p)) for p in (anchors or [anchor_path()])]
    anchored: dict[int, tuple[str, str]] = {}
    for log in logs:
        for seq, tip in log.tips.items():
            anchored.setdefault(seq, tip)
    findings: list[Finding] = []
    expected_seq, prev, last_hash, rebuilt, since = 1, GENESIS, GENESIS, False, None
    if recent:
        top = AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        if top - recent >= 1:
            expected_seq = top - recent + 1
            before = AuditSeal.objects.filter(seq=top - recent).values_list("hash", "sealed_at").first()
            prev = before[0] if before else None  # None: its link is left to a full run
            lookback = timezone.timedelta(hours=settings.DOORSTEP_AUDIT_SEAL_LOOKBACK_HOURS)
            since = before[1] - lookback if before else None
    while True:
        seals = list(AuditSeal.objects.filter(seq__gte=expected_seq).order_by("seq")
                     .values_list("seq", "event_id", "prev_hash", "hash", "sealed_at", "late")[:chunk])
        if not seals:
            break
        rows = {row[0]: row for row in AuditEvent.objects.filter(id__in=[s[1] for s in seals]).values_list(*_ROW)}
        for seq, event_id, prev_hash, digest, sealed_at, late in seals:
            if seq != expected_seq:
                findings.append(Finding("deleted", None, expected_seq, gettext(
                    "第{first}至{last}号封存记录缺失：其后的事件 #{event} 之前有事件被删除。"
                ).format(first=expected_seq, last=seq - 1, event=event_id)))
            elif prev is not None and prev_hash != prev:
                findings.append(Finding("modified", event_id, seq, gettext(
                    "第{seq}号封存（事件 #{event}）与上一条不衔接：封存记录被改动。").format(seq=seq, event=event_id)))
            row = rows.get(event_id)
            if row is None:
                findings.append(Finding("deleted", event_id, seq, gettext(
                    "事件 #{event}（第{seq}号）已被删除。").format(event=event_id, seq=seq)))
            else:
                content, mac = event_content(row[1:-1]), row[-1]
                content_ok = bool(mac) and hmac.compare_digest(mac, event_mac(content))
                seal_ok = hmac.compare_digest(digest, seal_hash(prev_hash=prev_hash, seq=seq, event_id=event_id,
                                                                sealed_at=sealed_at, late=late, mac=mac,
                                                                content=content))
                if not mac:
                    findings.append(_unsigned(event_id, seq))
                elif not seal_ok and content_ok:
                    findings.append(Finding("modified", event_id, seq, gettext(
                        "第{seq}号封存（事件 #{event}）的封存字段被篡改（序号、封存时间或迟到标记）。"
                    ).format(seq=seq, event=event_id)))
                elif not seal_ok:
                    findings.append(Finding("modified", event_id, seq, gettext(
                        "事件 #{event}（第{seq}号）与其封存不符：事件内容或封存字段被篡改。"
                    ).format(event=event_id, seq=seq)))
                elif not content_ok:
                    findings.append(Finding("inserted", event_id, seq, gettext(
                        "事件 #{event}（第{seq}号）的写入签名无效：不是经系统写入的（插入）。"
                    ).format(event=event_id, seq=seq)))
            tip = anchored.get(seq)
            if tip and tip[0] != digest and not rebuilt:
                rebuilt = True
                findings.append(Finding("truncated", event_id, seq, gettext(
                    "第{seq}号封存与链外锚点（{anchored_at}）记录的不同：链在此处或之前被截断后重新封存。"
                ).format(seq=seq, anchored_at=tip[1])))
            prev, last_hash, expected_seq = digest, digest, seq + 1
    last_seq = expected_seq - 1
    if anchored and max(anchored) > last_seq:
        top = max(anchored)
        if last_seq == 0:
            message = gettext("数据库中没有任何封存记录，而链外锚点记到第{top}号（{anchored_at}）：审计表被清空。").format(
                top=top, anchored_at=anchored[top][1])
        else:
            message = gettext("链外锚点记到第{top}号封存（{anchored_at}），数据库中的链只到第{last}号："
                              "末尾的封存与事件被删除（截断）。").format(top=top, anchored_at=anchored[top][1],
                                                                      last=last_seq)
        findings.append(Finding("truncated", None, top, message))
    for log in logs:
        if log.problem:
            findings.append(Finding("anchor", None, None, log.problem))
    if last_seq and not anchored:
        if logs[0].exists:
            message = gettext("链外锚点文件 {path} 没有有效记录：无法确认链尾没有被截断（检查 DOORSTEP_AUDIT_ANCHOR）。")
        else:
            message = gettext("链外锚点文件 {path} 不存在：无法确认链尾没有被截断（检查 DOORSTEP_AUDIT_ANCHOR）。")
        findings.append(Finding("anchor", None, last_seq, message.format(path=logs[0].path)))
    head = AuditChainHead.objects.filter(id=1).first()
    if last_seq and head is None:
        findings.append(Finding("deleted", None, last_seq, gettext("链尾记录被删除。")))
    elif head is not None and (head.seq or last_seq):
        if not hmac.compare_digest(head.mac, head_mac(head.seq, head.hash, head.sealed_at)):
            findings.append(Finding("modified", None, head.seq, gettext(
                "链尾记录（第{seq}号）被改写：签名不符。").format(seq=head.seq)))
        elif head.seq > last_seq:
            findings.append(Finding("deleted", None, last_seq + 1, gettext(
                "链尾应为第{seq}号封存，实际止于第{last}号：末尾的封存与事件被删除。").format(seq=head.seq, last=last_seq)))
        elif (head.seq, head.hash) != (last_seq, last_hash):
            findings.append(Finding("modified", None, head.seq, gettext(
                "链尾记录（第{seq}号）与最后一条封存（第{last}号）不符：被换成了旧的链尾记录。"
            ).format(seq=head.seq, last=last_seq)))
    for row in _pending_rows(since=since).iterator(chunk_size=chunk):
        mac = row[-1]
        if not mac:
            findings.append(_unsigned(row[0], None))
        elif not hmac.compare_digest(mac, event_mac(event_content(row[1:-1]))):
            findings.append(Finding("inserted", row[0], None, gettext(
                "事件 #{event}（未封存）的写入签名无效：不是经系统写入的（插入），或内容被篡改。").format(event=row[0])))
    return findings


def audit_anchor_retire_for_new_database() -> Path | None:
    """Before building a new database from nothing (the demo): an anchor file left by a previous database would make
    verify report the new chain as truncated. When the database holds no seal and the file has lines, rename it to
    `<name>.<UTC time>.retired` (kept, not deleted) and return the new path; else None. For operators only (it moves a
    file): the web and the sealer never call it."""
    path = anchor_path()
    if AuditSeal.objects.exists() or not path.exists() or path.stat().st_size == 0:
        return None
    retired = path.with_name(f"{path.name}.{timezone.now().astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}.retired")
    path.rename(retired)
    return retired
