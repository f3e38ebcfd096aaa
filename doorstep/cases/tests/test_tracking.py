"""Tracking by number (issue #11, item 4): the receipt's case number with its query code, or with the last four of the
applicant's ID number, opens the public tracking page without logging in; one message for every miss; attempts are
limited per address and, for misses, per case number; the query code is easy to type (any case, spaces, dashes)."""

import pytest
from django.test import Client

from doorstep.cases.models import (
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    Case,
    new_query_code,
    normalize_query_code,
)
from doorstep.cases.selectors import TRACK_NOT_FOUND, case_for_tracking
from doorstep.conftest import accept, user
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    return accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)


def test_query_codes_are_ten_symbols_without_look_alikes():
    codes = {new_query_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == QUERY_CODE_LENGTH and set(c) <= set(QUERY_CODE_ALPHABET) for c in codes)
    assert not set("01IO") & set(QUERY_CODE_ALPHABET)
    assert normalize_query_code(" 7kq2m－xh9ta ") == "7KQ2MXH9TA"  # lower case, a full-width dash, spaces


def test_a_new_case_gets_a_query_code_printed_in_two_groups(case):
    assert len(case.public_code) == QUERY_CODE_LENGTH and set(case.public_code) <= set(QUERY_CODE_ALPHABET)
    client = Client()
    client.force_login(user("clerk_s01a"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"{case.public_code[:5]}-{case.public_code[5:]}" in page
    assert "/t/</span>" in page  # the form's address is printed on the receipt


def test_the_number_and_the_query_code_as_typed_find_the_case(case):
    typed = f"{case.public_code[:5].lower()} - {case.public_code[5:]}"
    assert case_for_tracking(case.number, typed) == case
    assert case_for_tracking(f" {case.number} ", case.public_code) == case


def test_the_number_and_the_id_tail_find_the_case(case):
    tail = case.applicant.id_number_masked[-4:]
    assert case_for_tracking(case.number, tail.lower()) == case


@pytest.mark.parametrize("secret", ["WRONGCODE1", "0000", "ABC", "x" * 40])
def test_a_wrong_second_field_and_an_unknown_number_say_the_same(case, secret):
    with pytest.raises(NotFound) as wrong:
        case_for_tracking(case.number, secret)
    other_number = str(int(case.number) + 1)
    with pytest.raises(NotFound) as unknown:
        case_for_tracking(other_number, case.public_code)
    assert wrong.value.message == unknown.value.message == TRACK_NOT_FOUND


@pytest.mark.parametrize(("number", "secret", "field"), [
    ("", "ABCDE", "number"), ("12345", "ABCDE", "number"), ("4303０２", "ABCDE", "number"),
    ("<script>", "ABCDE", "number"), ("4303022026111602726", "", "secret"), ("4303022026111602726", " -- ", "secret"),
])
def test_malformed_input_is_a_400_naming_the_field(number, secret, field):
    with pytest.raises(ValidationFailed) as error:
        case_for_tracking(number, secret)
    assert error.value.field == field


def test_the_form_goes_on_to_the_tracking_page_without_login(case):
    client = Client()
    form = client.get("/t/")
    assert form.status_code == 200 and 'name="number"' in form.content.decode()
    response = client.post("/t/", {"number": case.number, "secret": case.public_code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/t/{case.public_code}/"
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and case.applicant.name not in page  # the name is masked
    assert "谢*波" in page or "谢*" in page


def test_a_miss_keeps_the_number_and_says_what_to_check(case):
    response = Client().post("/t/", {"number": case.number, "secret": "NOPE2"})
    body = response.content.decode()
    assert response.status_code == 404 and TRACK_NOT_FOUND in body and f'value="{case.number}"' in body
    bad = Client().post("/t/", {"number": "12", "secret": "NOPE2"})
    assert bad.status_code == 400 and "19位数字" in bad.content.decode()


def test_misses_on_one_number_lock_that_number_not_others(case, settings):
    settings.DOORSTEP_RATE_TRACK_MISS = "3/h"
    client = Client()
    for _ in range(3):
        assert client.post("/t/", {"number": case.number, "secret": "9999"}).status_code == 404
    locked = client.post("/t/", {"number": case.number, "secret": case.applicant.id_number_masked[-4:]})
    assert locked.status_code == 429 and "输错次数过多" in locked.content.decode() and locked["Retry-After"]
    # the query code is not locked: a stranger typing wrong tails cannot shut the applicant out (review finding)
    assert client.post("/t/", {"number": case.number, "secret": case.public_code}).status_code == 302
    for _ in range(5):  # wrong query codes are limited per address only, never lock the number
        assert client.post("/t/", {"number": case.number, "secret": "WRONG-CODES"}).status_code == 404
    assert Client().post("/t/", {"number": case.number, "secret": case.public_code}).status_code == 302
    other = accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=case.applicant_id)
    assert client.post("/t/", {"number": other.number, "secret": other.public_code}).status_code == 302


def test_lookups_are_limited_per_address(case, settings):
    settings.DOORSTEP_RATE_TRACK = "2/10m"
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        assert client.post("/t/", {"number": case.number, "secret": case.public_code}).status_code == 302
    refused = client.post("/t/", {"number": case.number, "secret": case.public_code})
    assert refused.status_code == 429 and "每个网络地址" in refused.content.decode()
    assert Client(REMOTE_ADDR="203.0.113.10").post(
        "/t/", {"number": case.number, "secret": case.public_code}).status_code == 302


def test_a_code_of_the_earlier_format_still_opens_its_page(case):
    Case.objects.filter(pk=case.pk).update(public_code="Ab3d-E_x9kLm")
    assert Client().get("/t/Ab3d-E_x9kLm/").status_code == 200
    assert case_for_tracking(case.number, "Ab3d-E_x9kLm").pk == case.pk
    assert case_for_tracking(case.number, "ab3de x9klm").pk == case.pk  # typed in any case, without - and _


def test_misses_count_against_the_number_however_its_digits_are_typed(case, settings):
    settings.DOORSTEP_RATE_TRACK_MISS = "2/h"
    client = Client()
    full_width = case.number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    bold = case.number.translate(str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"))
    assert client.post("/t/", {"number": case.number, "secret": "9999"}).status_code == 404
    assert client.post("/t/", {"number": full_width, "secret": "9998"}).status_code == 404
    assert client.post("/t/", {"number": bold, "secret": "9997"}).status_code == 429
