"""The idempotent-create piece on its own: keys checked, a replay returns the first object without running the
create again, a different submission under a used key is a Conflict, a refused attempt leaves the key free, keys
are per person, old keys are purged, and forms get a fresh key on every render."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.template import Context, Template
from django.utils import timezone

from doorstep.conftest import user
from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.idempotency import (
    clean_key,
    derived_key,
    fingerprint,
    idempotency_purge,
    idempotent_create,
    new_key,
    was_replayed,
)
from doorstep.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def make_group(name, calls):
    def create():
        calls.append(name)
        return Group.objects.create(name=name)
    return create


def test_a_replay_returns_the_first_object_and_does_not_create_again():
    clerk, key, calls = user("clerk_c001001"), new_key(), []
    first, replayed = idempotent_create(actor=clerk, key=key, kind="test.group", inputs={"name": "甲"},
                                        create=make_group("甲", calls))
    assert not replayed and not was_replayed(first)
    again, replayed = idempotent_create(actor=clerk, key=key, kind="test.group", inputs={"name": "甲"},
                                        create=make_group("甲", calls))
    assert replayed and was_replayed(again) and again.pk == first.pk
    assert calls == ["甲"] and Group.objects.filter(name="甲").count() == 1
    claim = IdempotencyKey.objects.get(actor_id=clerk.pk, key=key)
    assert (claim.kind, claim.target_type, claim.target_id) == ("test.group", "auth.group", str(first.pk))


def test_the_same_key_with_other_content_or_for_another_kind_is_a_conflict():
    clerk, key = user("clerk_c001001"), new_key()
    idempotent_create(actor=clerk, key=key, kind="test.group", inputs={"name": "乙"}, create=make_group("乙", []))
    with pytest.raises(Conflict, match="同一提交编号对应了不同的内容") as err:
        idempotent_create(actor=clerk, key=key, kind="test.group", inputs={"name": "丙"},
                          create=make_group("丙", []))
    assert err.value.status == 409 and err.value.field == "idempotency_key"
    with pytest.raises(Conflict, match="同一提交编号"):
        idempotent_create(actor=clerk, key=key, kind="test.other", inputs={"name": "乙"},
                          create=make_group("乙", []))
    assert not Group.objects.filter(name="丙").exists()


def test_a_refused_attempt_rolls_its_claim_back_and_the_key_can_be_sent_again():
    clerk, key = user("clerk_c001001"), new_key()

    def refuse():
        Group.objects.create(name="丁")
        raise ValidationFailed("材料不齐。")

    with pytest.raises(ValidationFailed):
        idempotent_create(actor=clerk, key=key, kind="test.group", inputs={"name": "丁"}, create=refuse)
    assert not IdempotencyKey.objects.filter(actor_id=clerk.pk, key=key).exists()
    assert not Group.objects.filter(name="丁").exists()
    # put right (other content, same key): made, not refused as a conflict
    made, replayed = idempotent_create(actor=clerk, key=key, kind="test.group", inputs={"name": "丁2"},
                                       create=make_group("丁2", []))
    assert not replayed and made.name == "丁2"


def test_keys_belong_to_one_person():
    key = new_key()
    a, _ = idempotent_create(actor=user("clerk_c001001"), key=key, kind="test.group", inputs={},
                             create=make_group("戊", []))
    b, replayed = idempotent_create(actor=user("clerk_c001002"), key=key, kind="test.group", inputs={},
                                    create=make_group("己", []))
    assert not replayed and a.pk != b.pk


@pytest.mark.parametrize("bad", [None, "", "   ", "short", "x" * 65, "有中文的提交编号123", "a b c d e f g h",
                                 "-leading-dash", "key\x00with-nul"])
def test_a_missing_or_malformed_key_is_a_400_in_chinese_and_creates_nothing(bad):
    calls = []
    with pytest.raises(ValidationFailed, match="提交编号") as err:
        idempotent_create(actor=user("clerk_c001001"), key=bad, kind="test.group", inputs={},
                          create=make_group("庚", calls))
    assert err.value.status == 400 and err.value.field == "idempotency_key" and calls == []


def test_uuids_and_safe_client_keys_are_accepted():
    assert clean_key(" 3f2c1e0a-8d7b-4c2e-9f1a-0b9e8d7c6a5b ") == "3f2c1e0a-8d7b-4c2e-9f1a-0b9e8d7c6a5b"
    assert clean_key("order:2026.05.01_0001") == "order:2026.05.01_0001"
    assert clean_key("k" * 64) == "k" * 64
    assert derived_key("abc12345", "WJ-C02") == derived_key("abc12345", "WJ-C02") != derived_key("abc12345", "X")
    assert clean_key(derived_key("k" * 64, "MZ-D01"))


def test_the_fingerprint_ignores_key_order_but_not_content():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint({"名": "谢小波"}))


def test_the_database_holds_one_claim_per_person_and_key():
    IdempotencyKey.objects.create(actor_id=1, key="same-key-123", kind="a", fingerprint="0" * 64)
    with pytest.raises(IntegrityError):
        IdempotencyKey.objects.create(actor_id=1, key="same-key-123", kind="a", fingerprint="0" * 64)


def test_old_keys_are_purged_and_recent_ones_kept(settings):
    settings.DOORSTEP_IDEMPOTENCY_KEEP_DAYS = 7
    now = timezone.now()
    old = IdempotencyKey.objects.create(actor_id=1, key="old-key-123", kind="a", fingerprint="0" * 64,
                                        created_at=now - datetime.timedelta(days=8))
    recent = IdempotencyKey.objects.create(actor_id=1, key="recent-key-1", kind="a", fingerprint="0" * 64,
                                           created_at=now - datetime.timedelta(days=6))
    assert idempotency_purge(now=now) == 1
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists() and IdempotencyKey.objects.filter(pk=recent.pk).exists()


def test_the_purge_runs_daily_from_huey():
    from doorstep.core.tasks import purge_idempotency_keys

    schedule = purge_idempotency_keys.task_class()
    day = datetime.datetime(2026, 5, 1)
    assert schedule.validate_datetime(day.replace(hour=3, minute=20))
    assert not schedule.validate_datetime(day.replace(hour=4, minute=20))
    IdempotencyKey.objects.create(actor_id=1, key="older-key-1", kind="a", fingerprint="0" * 64,
                                  created_at=timezone.now() - datetime.timedelta(days=30))
    assert purge_idempotency_keys.call_local() >= 1


def test_the_form_field_carries_a_fresh_uuid_each_render():
    template = Template("{% load idempotency %}{% idempotency_field %}")
    first, second = template.render(Context()), template.render(Context())
    pattern = r'<input type="hidden" name="idempotency_key" value="([0-9a-f-]{36})">'
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second) and first != second
