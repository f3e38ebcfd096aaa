"""ID number validation with python-stdnum: valid numbers pass, every single-digit corruption fails."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import (
    check_id_matches_person,
    complete_id_number,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_phone,
)

# region codes valid for every birth year in stdnum's table
REGIONS = ["430321", "110101", "430100"]
valid_numbers = st.builds(
    lambda region, birth, seq: complete_id_number(f"{region}{birth:%Y%m%d}{seq:03d}"),
    st.sampled_from(REGIONS),
    st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(valid_numbers)
def test_valid_id_numbers_are_accepted(number):
    assert validate_id_number(number) == number
    assert validate_id_number(number.lower()) == number


@settings(max_examples=60)
@given(valid_numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_every_single_digit_corruption_is_rejected(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[position]:
        replacement = alphabet[(current + 1) % len(alphabet)]
    corrupted = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationFailed) as err:
        validate_id_number(corrupted)
    assert err.value.message  # a Chinese sentence, not a code
    assert "身份证号" in err.value.message


def test_wrong_length_and_letters_have_clear_messages():
    with pytest.raises(ValidationFailed, match="18位"):
        validate_id_number("4303021990")
    number = complete_id_number("43030219900101001")
    with pytest.raises(ValidationFailed, match="校验位"):
        validate_id_number(number[:17] + ("0" if number[17] != "0" else "1"))


def test_id_number_must_agree_with_birth_date_and_gender():
    number = complete_id_number("43032119800215003")  # odd sequence digit: male
    check_id_matches_person(number, birth_date=datetime.date(1980, 2, 15), gender="M")
    with pytest.raises(ValidationFailed, match="出生日期"):
        check_id_matches_person(number, birth_date=datetime.date(1980, 2, 16), gender="M")
    with pytest.raises(ValidationFailed, match="性别"):
        check_id_matches_person(number, birth_date=datetime.date(1980, 2, 15), gender="F")


def test_masking_shows_only_the_ends():
    assert mask_id_number("43032119800215003X") == "4303**********003X"
    assert mask_phone("13812345678") == "138****5678"


def test_phone_validation():
    assert validate_phone("138-1234-5678") == "13812345678"
    assert validate_phone("+8613812345678") == "13812345678"
    with pytest.raises(ValidationFailed, match="11位"):
        validate_phone("1234")
