"""Phones on real input (issue #12 item 3): one normalisation for storage, search and login."""

import pytest
from django.test import override_settings

from doorstep.core.errors import ValidationFailed
from doorstep.core.phones import mask_phone, normalize_phone, parse_phone, validate_phone


@pytest.mark.parametrize("typed", [
    "13800000001", "138 0000 0001", "138-0000-0001", "+86 138 0000 0001", "+8613800000001", "0086 138 0000 0001",
    "008613800000001", "86-13800000001", "86 138 0000 0001", "１３８００００００01", "１３８ ００００ ０００１",
    "+８６ 138 0000 0001", "(+86) 138-0000-0001", " 13800000001 ",
])
def test_every_way_of_writing_a_mobile_is_one_number(typed):
    assert validate_phone(typed) == "13800000001"


@pytest.mark.parametrize("typed", ["0731-58888888", "0731 5888 8888", "(0731)58888888", "073158888888",
                                   "+86 731 5888 8888", "0086-731-58888888", "０７３１－５８８８８８８８"])
def test_a_landline_with_its_area_code_is_one_number(typed):
    assert validate_phone(typed) == "073158888888"


def test_a_landline_without_area_code_takes_the_districts():
    assert validate_phone("58888888") == "073158888888"
    assert validate_phone("010-12345678") == "01012345678"
    with override_settings(DOORSTEP_PHONE_AREA_CODE=""):
        with pytest.raises(ValidationFailed):
            validate_phone("58888888")


@pytest.mark.parametrize("typed", ["123", "1380000000", "138000000012", "13800000001234567890123", "abc",
                                   "+1 650 253 0000", "12345678901", "138\x000000001", "", "0000-00000000"])
def test_what_is_no_chinese_phone_is_refused_with_a_clear_message(typed):
    assert parse_phone(typed) is None
    with pytest.raises(ValidationFailed, match="手机号"):
        validate_phone(typed)


def test_masks_keep_the_ends_and_the_area_code():
    assert mask_phone("13800000001") == "138****0001"
    assert mask_phone("073158888888") == "0731-****8888"
    assert mask_phone("01012345678") == "010-****5678"


def test_what_is_no_phone_is_searched_as_typed_and_finds_nothing():
    assert normalize_phone("12 3") == "123"


def test_the_cached_path_for_plain_mobiles_agrees_with_libphonenumber():
    import random

    from doorstep.core.phones import _parse_slow

    rng = random.Random(12)
    for _ in range(3000):
        number = f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}"
        assert parse_phone(number) == _parse_slow(number), number
    for number in ("17400000001", "17406000001", "16100000001", "16200000001", "19400000001"):
        assert parse_phone(number) == _parse_slow(number), number
