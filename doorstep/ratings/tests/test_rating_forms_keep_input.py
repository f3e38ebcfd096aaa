"""A refused rating keeps what the person entered (issue #11 item 2: "Any validation error keeps every tick, field
and upload the person entered"): on the case page, on the SMS rating page and on the counter's rating pad, the form
comes back with the error, every level ticked as it was and the words typed, and nothing is recorded."""

import pytest
from django.test import Client

from doorstep.conftest import user
from doorstep.core.idempotency import new_key
from doorstep.ratings.models import Rating
from doorstep.ratings.selectors import pad_token_for, rating_link_token

from .test_ratings_that_count import XIE, logged_in, refused_case

pytestmark = pytest.mark.django_db
ALL_VERY_BAD = {"overall": 1, "efficiency": 1, "service": 1, "attitude": 1}


def ticked(page: str, prefix: str, levels: dict) -> bool:
    """Every dimension's radio for the given level is checked, and no other radio is."""
    marked = all(f'value="{v}" required checked data-testid="{prefix}-{k}-{v}"' in page for k, v in levels.items())
    return marked and page.count("required checked") == len(levels)


def test_the_case_page_keeps_the_ticks_and_the_comment_of_a_refused_rating():
    case = refused_case()
    xie = logged_in(XIE)
    shown = xie.post(f"/cases/{case.pk}/rate/", {**ALL_VERY_BAD, "comment": "", "idempotency_key": new_key()},
                     follow=True)
    page = shown.content.decode()
    assert shown.redirect_chain[-1][0] == f"/cases/{case.pk}/" and "哪里不满意" in page
    assert ticked(page, "rate", ALL_VERY_BAD)
    # a comment too short to count is kept too, with a different choice per row
    mixed = {"overall": 2, "efficiency": 3, "service": 1, "attitude": 4}
    page = xie.post(f"/cases/{case.pk}/rate/", {**mixed, "comment": "慢", "idempotency_key": new_key()},
                    follow=True).content.decode()
    assert ticked(page, "rate", mixed) and ">慢</textarea>" in page
    assert not Rating.objects.filter(case=case).exists()
    again = xie.get(f"/cases/{case.pk}/").content.decode()  # kept for the next showing only
    assert "required checked" not in again and ">慢</textarea>" not in again


def test_a_rating_kept_for_one_case_is_not_shown_on_another():
    case, other = refused_case(), refused_case()
    xie = logged_in(XIE)
    xie.post(f"/cases/{case.pk}/rate/", {**ALL_VERY_BAD, "comment": "x", "idempotency_key": new_key()})
    assert "required checked" not in xie.get(f"/cases/{other.pk}/").content.decode()
    assert ticked(xie.get(f"/cases/{case.pk}/").content.decode(), "rate", ALL_VERY_BAD)


def test_the_sms_page_keeps_the_ticks_and_the_comment_of_a_refused_rating():
    case = refused_case()
    path = f"/r/{rating_link_token(case.pk)}/"
    anyone = Client()
    empty = anyone.post(path, {**ALL_VERY_BAD, "comment": "", "idempotency_key": new_key()})
    assert empty.status_code == 400 and "哪里不满意" in empty.content.decode()
    assert ticked(empty.content.decode(), "sms", ALL_VERY_BAD)
    short = anyone.post(path, {**ALL_VERY_BAD, "comment": "慢", "idempotency_key": new_key()})
    assert ticked(short.content.decode(), "sms", ALL_VERY_BAD) and ">慢</textarea>" in short.content.decode()
    assert not Rating.objects.filter(case=case).exists()


def test_the_pad_asks_again_for_a_reason_keeping_the_face_and_what_was_typed():
    case = refused_case()
    pad = f"/ratings/pad/{pad_token_for(user('clerk_c001001'))}/"
    tablet = Client()
    face = tablet.post(f"{pad}rate/", {"case": case.pk, "overall": 1, "idempotency_key": new_key()})
    assert face.status_code == 302 and "level=1" in face["Location"]  # a bad face: the reasons screen, no error yet
    assert 'data-testid="pad-error"' not in tablet.get(face["Location"]).content.decode()
    short = tablet.post(f"{pad}rate/", {"case": case.pk, "overall": 1, "comment": "慢", "idempotency_key": new_key()})
    page = short.content.decode()
    assert short.status_code == 400 and 'data-testid="pad-error"' in page and "不满意的原因" in page
    assert 'name="overall" value="1"' in page and 'data-testid="pad-reason"' in page and ">慢</textarea>" in page
    assert not Rating.objects.filter(case=case).exists()
    tablet.post(f"{pad}rate/", {"case": case.pk, "overall": 1, "comment": ["没有办成", "慢"],
                                "idempotency_key": new_key()})
    assert Rating.objects.get(case=case).comment == "没有办成；慢"
