"""Idempotent creates: a doubled, retried or replayed submission makes one thing and gets the first result back.

Every create service takes an `idempotency_key` keyword — the hidden field each create form renders with
`{% idempotency_field %}` (a fresh uuid4 per page), or the API client's `Idempotency-Key` header (Stripe's
convention) — and runs its writes through idempotent_create. The key is claimed as the first write of the create's
transaction, under a unique (actor, key) constraint:

- PostgreSQL: a second claim of a key still in flight waits on the unique index until the first transaction
  commits, then finds it taken; the loser reads the winner's row and returns its object. If the first rolls back (a refused
  attempt), the claim goes with it and the second goes ahead.
- SQLite: transactions begin IMMEDIATE (settings DATABASES OPTIONS transaction_mode), so writers are serialized and
  the second claim simply finds the first, committed.

A refused attempt (any domain error inside the transaction) rolls the claim back with everything else, so the same
key may be sent again once the input is put right. A replay with the same key but different content is refused
with Conflict. Keys are purged after DOORSTEP_IDEMPOTENCY_KEEP_DAYS (core.tasks, daily).
"""

import datetime
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.models import IdempotencyKey

T = TypeVar("T")

FIELD = "idempotency_key"  # the form field
HEADER = "Idempotency-Key"  # the API request header
REPLAYED_HEADER = "Idempotent-Replayed"  # set to "true" on an API response that replays the first result
# A UUID, or up to 64 characters a client can generate safely: letters, digits and . _ : - (8 at least, so a
# counter or a constant is not mistaken for a key).
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
_DERIVED = uuid.UUID("5c3c4f5e-0f6b-4c1e-9a55-6b1d0d00d0e1")  # namespace of keys derived from a client's key


def new_key() -> str:
    """A fresh key, for a form being rendered or a caller without a client (the demo, the command line)."""
    return str(uuid.uuid4())


def derived_key(key: str, part: str) -> str:
    """The key of one part of a composite create (a bundle's member case), stable for the same client key."""
    return str(uuid.uuid5(_DERIVED, f"{key}/{part}"))


def clean_key(key) -> str:
    """The key as sent, checked. Raises ValidationFailed (400) when it is missing or malformed."""
    if key is None or (isinstance(key, str) and not key.strip()):
        raise ValidationFailed(_("缺少提交编号（idempotency_key / Idempotency-Key），请刷新页面后重新提交。"),
                               field=FIELD)
    key = str(key).strip()
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationFailed(_("提交编号无效：应为UUID，或8–64位字母、数字及 . _ : -。"), field=FIELD)
    return key


def fingerprint(inputs: dict) -> str:
    """SHA-256 of the meaningful inputs as canonical JSON; callers normalize them first (ids as ints, sets sorted,
    uploads by their content digest), so the same submission always gives the same digest."""
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent_create(*, actor, key: str, kind: str, inputs: dict, create: Callable[[], T]) -> tuple[T, bool]:
    """Run `create` once per (actor, key), in one transaction with the claim.

    `kind` names the use case ("case.accept"); `inputs` are what the submission means (see fingerprint); `create`
    does every write of the use case (the object, its history, audit, notifications on commit) and returns the
    model instance made. Result: (object, replayed). A replay returns the first object as it is now, with no
    writes, audit or notification, and marks it so that was_replayed(obj) is True. Errors: ValidationFailed for a
    missing or malformed key; Conflict when the key was used for a different kind or different inputs, or its
    first object is gone. Without an actor (the demo, the command line) nobody can resubmit: the key is checked
    and `create` simply runs.
    """
    key = clean_key(key)
    digest = fingerprint(inputs)
    with transaction.atomic():
        if actor is None:
            return create(), False
        claim_id = _claim(actor_id=actor.pk, key=key, kind=kind, digest=digest)
        if claim_id is None:
            return _replay(actor_id=actor.pk, key=key, kind=kind, digest=digest), True
        obj = create()
        IdempotencyKey.objects.filter(pk=claim_id).update(target_type=obj._meta.label_lower, target_id=str(obj.pk))
    return obj, False


def already_claimed(actor, key) -> bool:
    """Whether (actor, key) has been used: a create whose cheap refusals run before idempotent_create (a full slot
    in a booking rush) asks this first, so a replay of a success is answered with its first result, not refused
    because of what the first submission did."""
    if actor is None or not isinstance(key, str) or not KEY_PATTERN.fullmatch(key.strip()):
        return False
    return IdempotencyKey.objects.filter(actor_id=actor.pk, key=key.strip()).exists()


def _claim(*, actor_id: int, key: str, kind: str, digest: str) -> int | None:
    """Claim (actor, key) in one statement: the new claim's id, or None when the key is already claimed. INSERT …
    ON CONFLICT DO NOTHING (PostgreSQL 9.5+, SQLite 3.24+) waits on the unique index for a claim still in flight
    exactly as a plain INSERT would, and needs no savepoint around it (two round trips fewer on every create)."""
    quote = connection.ops.quote_name
    table = quote(IdempotencyKey._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('actor_id')}, {quote('key')}, {quote('kind')}, {quote('fingerprint')}, "
            f"{quote('target_type')}, {quote('target_id')}, {quote('created_at')}) VALUES (%s, %s, %s, %s, '', '', %s) "
            f"ON CONFLICT ({quote('actor_id')}, {quote('key')}) DO NOTHING RETURNING {quote('id')}",
            [actor_id, key, kind, digest, now])
        row = cursor.fetchone()
    return row[0] if row else None


def _replay(*, actor_id: int, key: str, kind: str, digest: str):
    claim = IdempotencyKey.objects.filter(actor_id=actor_id, key=key).first()
    if claim is None:  # not expected: the unique index made us wait for the first to commit
        raise Conflict(_("该提交正在处理中，请稍后刷新页面查看结果。"), field=FIELD)
    if claim.kind != kind or claim.fingerprint != digest:
        raise Conflict(_("同一提交编号对应了不同的内容：这张表单已经提交过，请刷新页面后重新填写。"), field=FIELD)
    obj = apps.get_model(claim.target_type)._default_manager.filter(pk=claim.target_id).first() \
        if claim.target_type else None
    if obj is None:
        raise Conflict(_("该提交编号对应的记录已不存在，请刷新页面后重新提交。"), field=FIELD)
    obj._idempotency_replayed = True
    return obj


def was_replayed(obj) -> bool:
    """True when a create service returned the first result of an earlier submission with the same key."""
    return getattr(obj, "_idempotency_replayed", False)


def idempotency_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget keys older than DOORSTEP_IDEMPOTENCY_KEEP_DAYS (huey, daily). A client retrying later than that makes
    a new object. Result: how many keys were deleted. No audit: keys are housekeeping, the objects they made are
    audited on creation."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.DOORSTEP_IDEMPOTENCY_KEEP_DAYS)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
