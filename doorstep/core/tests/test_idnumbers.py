"""Identity documents on real input (issue #12 item 1): every type a resident may hold is read, normalised and
checked; a valid number of each type is accepted and every single-character corruption of it refused where the
number can tell (the 18-character types carry a MOD 11-2 check character; the others carry none, so only a
corruption that breaks their format can be refused — a wrong digit in a passport number is caught by no one)."""

import datetime
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import (
    DocumentType,
    check_id_matches_person,
    complete_id_number,
    document_candidates,
    looks_like_document,
    mask_document,
    parse_document,
    validate_id_number,
)

TODAY = datetime.date(2026, 12, 1)
# 430302 (雨湖区) dates from 1984; 110101 and 430321 from before the tables; 440305 (南山区) from 1990.
ID_REGIONS = ["430302", "110101", "430321", "440305", "652801", "540102"]
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def _id_card(region: str, birth: datetime.date, seq: int) -> str:
    return complete_id_number(f"{region}{birth:%Y%m%d}{seq:03d}")


id_cards = st.builds(_id_card, st.sampled_from(ID_REGIONS), births, sequences)
hmt_residence = st.builds(_id_card, st.sampled_from(["810000", "820000", "830000"]), births, sequences)
foreign_permanent = st.builds(
    lambda province, nationality, birth, seq: complete_id_number(f"9{province}{nationality}{birth:%Y%m%d}{seq:03d}"),
    st.sampled_from(["11", "31", "43", "44"]), st.sampled_from(["840", "392", "410", "276", "250"]), births, sequences)
passports = st.one_of(
    st.from_regex(r"E[0-9]{8}", fullmatch=True),
    st.from_regex(r"E[A-HJ-NP-Z][0-9]{7}", fullmatch=True),
    st.from_regex(r"[A-DF-Z][0-9A-Z]{3,7}[0-9]", fullmatch=True),
)
hk_macao = st.from_regex(r"[HM][0-9]{8}([0-9]{2})?", fullmatch=True)
taiwan = st.from_regex(r"[0-9]{8}([0-9]{2})?", fullmatch=True)

CHECKED = [(DocumentType.ID_CARD, id_cards), (DocumentType.HMT_RESIDENCE, hmt_residence),
           (DocumentType.FOREIGN_PERMANENT, foreign_permanent)]
UNCHECKED = [(DocumentType.PASSPORT, passports), (DocumentType.HK_MACAO_PERMIT, hk_macao),
             (DocumentType.TAIWAN_PERMIT, taiwan)]


@pytest.mark.parametrize(("kind", "numbers"), CHECKED + UNCHECKED, ids=lambda v: str(v)[:20])
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_every_valid_number_of_every_type_is_accepted_as_its_own_type(kind, numbers, data):
    number = data.draw(numbers)
    document = parse_document(number, kind, today=TODAY)
    assert (document.type, document.number) == (kind, number)
    if kind in (DocumentType.ID_CARD, DocumentType.HMT_RESIDENCE, DocumentType.FOREIGN_PERMANENT):
        assert parse_document(number, "auto", today=TODAY).type == kind  # the 18-character types say their type
        assert document.birth_date == datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert document.gender == ("M" if int(number[16]) % 2 else "F")


@pytest.mark.parametrize(("kind", "numbers"), CHECKED, ids=lambda v: str(v)[:20])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_single_character_corruption_of_a_checked_number_is_refused(kind, numbers, data):
    number = data.draw(numbers)
    position = data.draw(st.integers(min_value=0, max_value=17))
    replacement = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]]))
    corrupted = number[:position] + replacement + number[position + 1:]
    with pytest.raises(ValidationFailed) as refused:
        parse_document(corrupted, kind, today=TODAY)
    assert refused.value.message and refused.value.field == "id_number"


@pytest.mark.parametrize(("kind", "numbers"), UNCHECKED, ids=lambda v: str(v)[:20])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_corruption_that_breaks_the_format_of_an_unchecked_number_is_refused(kind, numbers, data):
    number = data.draw(numbers)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    replacement = data.draw(st.sampled_from(["#", "中", "?", "*", "/", "é"]))
    with pytest.raises(ValidationFailed):
        parse_document(number[:position] + replacement + number[position + 1:], kind, today=TODAY)
    with pytest.raises(ValidationFailed):
        parse_document(number + "1" * (19 - len(number)), kind, today=TODAY)  # too long for any type


def test_a_local_born_before_the_district_code_existed_is_accepted():
    # 430302 (雨湖区) dates from 1984: stdnum's ric.validate refuses this woman born in 1950.
    document = parse_document("430302195006010026", today=TODAY)
    assert document.type == DocumentType.ID_CARD
    assert document.birth_date == datetime.date(1950, 6, 1) and document.gender == "F"
    assert validate_id_number("430302195006010026") == "430302195006010026"


def test_residence_permits_and_the_2023_permanent_residence_card_are_their_own_types():
    assert parse_document("810000199003150015", today=TODAY).type == DocumentType.HMT_RESIDENCE
    foreign = complete_id_number("94384019850704001")
    document = parse_document(foreign, today=TODAY)
    assert document.type == DocumentType.FOREIGN_PERMANENT and document.gender == "M"
    with pytest.raises(ValidationFailed, match="居住证"):
        parse_document("810000199003150015", DocumentType.ID_CARD, today=TODAY)
    with pytest.raises(ValidationFailed, match="省级代码"):
        parse_document(complete_id_number("90084019850704001"), today=TODAY)


@pytest.mark.parametrize("typed", [
    "４３０３０２１９５００６０１００２６",  # full-width digits
    "430302 19500601 0026", "430302-19500601-0026", " 4303 0219 5006 0100 26 ",
    "４３０３０２１９５００６０１００２６".replace("６", "6", 1),  # mixed widths
])
def test_typing_is_normalised_before_the_checks(typed):
    assert parse_document(typed, today=TODAY).number == "430302195006010026"


def test_a_lowercase_or_full_width_x_is_the_check_character_x():
    number = complete_id_number("43030219800215005")
    assert number.endswith("X")
    assert parse_document(number.lower(), today=TODAY).number == number
    assert parse_document(number[:17] + "Ｘ", today=TODAY).number == number
    assert parse_document(number[:17] + "ｘ", today=TODAY).number == number


def test_a_fifteen_digit_number_is_converted_to_eighteen_and_says_so():
    document = parse_document("430302500601002", today=TODAY)
    assert document.number == "430302195006010026"
    assert document.converted_from == "430302500601002"
    assert "15位" in document.note() and "4303**********0026" in document.note()
    assert looks_like_document("430302500601002")


def test_codes_never_issued_and_impossible_dates_are_refused():
    with pytest.raises(ValidationFailed, match="行政区划代码"):
        parse_document(complete_id_number("79999919900101001"), DocumentType.ID_CARD, today=TODAY)
    with pytest.raises(ValidationFailed, match="行政区划代码"):
        parse_document(complete_id_number("43039919900101001"), today=TODAY)
    with pytest.raises(ValidationFailed, match="出生日期"):
        parse_document(complete_id_number("43030219900230001"), today=TODAY)
    with pytest.raises(ValidationFailed, match="出生日期"):
        parse_document(complete_id_number("43030220301201001"), today=TODAY)  # born in the future
    with pytest.raises(ValidationFailed, match="出生日期"):
        parse_document(complete_id_number("43030218500101001"), today=TODAY)


def test_wrong_lengths_and_letters_have_clear_messages():
    with pytest.raises(ValidationFailed, match="18位"):
        parse_document("4303021990", today=TODAY)
    with pytest.raises(ValidationFailed, match="校验位"):
        number = complete_id_number("43030219900101001")
        parse_document(number[:17] + ("0" if number[17] != "0" else "1"), today=TODAY)
    with pytest.raises(ValidationFailed, match="护照"):
        parse_document("E12", DocumentType.PASSPORT, today=TODAY)
    with pytest.raises(ValidationFailed, match="中国护照"):
        parse_document("EI1234567", DocumentType.PASSPORT, today=TODAY)  # I and O are not used after E
    with pytest.raises(ValidationFailed, match="证件类型"):
        parse_document("E12345678", "driving_licence", today=TODAY)
    with pytest.raises(ValidationFailed, match="请填写"):
        parse_document("   ", today=TODAY)


def test_a_search_query_is_every_document_it_could_be():
    kinds = {d.type for d in document_candidates("H12345678")}
    assert kinds == {DocumentType.HK_MACAO_PERMIT, DocumentType.PASSPORT}
    assert {d.type for d in document_candidates("12345678")} == {DocumentType.TAIWAN_PERMIT, DocumentType.PASSPORT}
    assert [d.type for d in document_candidates("430302195006010026")] == [DocumentType.ID_CARD]
    assert document_candidates("谢小波") == [] and not looks_like_document("xiexiaobo")


def test_the_index_value_keeps_old_id_numbers_and_separates_other_types():
    id_card = parse_document("430302195006010026", today=TODAY)
    assert id_card.index_value == "430302195006010026"
    assert parse_document("12345678", DocumentType.TAIWAN_PERMIT).index_value == "taiwan_permit:12345678"
    assert parse_document("E12345678", DocumentType.PASSPORT).index_value == "passport:E12345678"


def test_id_number_must_agree_with_birth_date_and_gender():
    number = complete_id_number("43032119800215003")  # odd sequence digit: male
    check_id_matches_person(number, birth_date=datetime.date(1980, 2, 15), gender="M")
    with pytest.raises(ValidationFailed, match="出生日期"):
        check_id_matches_person(number, birth_date=datetime.date(1980, 2, 16), gender="M")
    with pytest.raises(ValidationFailed, match="性别"):
        check_id_matches_person(number, birth_date=datetime.date(1980, 2, 15), gender="F")


def test_masking_shows_only_the_ends_of_every_type():
    assert mask_document("43032119800215003X") == "4303**********003X"
    assert mask_document("E12345678") == "E1*****78"
    assert mask_document("H1234567801") == "H1*******01"
    assert mask_document("12345") == "*****"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_document_or_a_clear_refusal(text):
    try:
        document = parse_document(text, "auto", today=TODAY)
    except ValidationFailed as refused:
        assert refused.message
    else:
        assert document.number.isascii() and len(document.number) == 18
        assert unicodedata.normalize("NFKC", document.number) == document.number
