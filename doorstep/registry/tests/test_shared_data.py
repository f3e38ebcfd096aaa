"""Shared-data checks are stored on the case in the site's language and shown to a reader in theirs: an English
clerk reads why a check failed in English, while the case keeps the Chinese record (records are kept in one language)."""

import pytest
from django.utils import timezone, translation

from doorstep.catalog.models import MaterialRequirement
from doorstep.registry.models import Resident
from doorstep.registry.shared_data import shared_data_checks, shared_data_read

pytestmark = pytest.mark.django_db


def _materials():
    return list(MaterialRequirement.objects.filter(item__code="WJ-C02").exclude(shared_data=""))


def test_shared_data_read_stores_chinese_and_shows_the_readers_language():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    today = timezone.localdate()
    with translation.override("en"):
        checks = {c.record["kind"]: c for c in shared_data_read(xie, _materials(), today=today)}
    household, marriage = checks["household"], checks["marriage"]
    assert "共 3 人" in household.record["data"] and "3 people" in household.shown
    assert "户内登记配偶" in marriage.record["data"] and marriage.shown.startswith("Spouse registered")
    assert household.record["label"] == "户籍与家庭成员" and household.ok
    assert "******" in checks["identity"].record["data"] and "******" in checks["identity"].shown


def test_a_failed_check_is_explained_in_english_and_kept_in_chinese():
    lone = Resident.objects.filter(path__startswith="430302", relation="child").first()
    today = timezone.localdate()
    with translation.override("en"):
        marriage = next(c for c in shared_data_read(lone, _materials(), today=today)
                        if c.record["kind"] == "marriage")
    assert not marriage.ok
    assert "结婚证" in marriage.record["data"] and "marriage certificate" in marriage.shown


def test_shared_data_checks_are_the_records_alone():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    today = timezone.localdate()
    assert shared_data_checks(xie, _materials(), today=today) == [
        c.record for c in shared_data_read(xie, _materials(), today=today)]
