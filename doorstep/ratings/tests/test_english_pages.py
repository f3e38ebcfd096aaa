"""The rating pages in English (issue #11 item 13): follow-ups and appeals, the pad and its pairing page, the SMS
rating page show no Chinese but data; the Chinese pages keep their words."""

import pytest
from django.test import Client

from doorstep.accounts.models import User
from doorstep.cases.models import Case
from doorstep.catalog.tests.english_check import english_client, untranslated
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.ratings.models import Level
from doorstep.ratings.selectors import pad_token_for, rating_link_token

pytestmark = pytest.mark.django_db


def _rateable_case():
    return Case.objects.filter(state__in=["concluded", "delivered"], rating__isnull=True).order_by("id").first()


def test_rating_pages_in_english_show_no_chinese_but_data():
    pad = pad_token_for(User.objects.get(username="clerk_s01a"))
    pages = [(who, f"/ratings/follow-ups/?status={status}") for who in ("leader", "leader_s01")
             for status in ("open", "answered", "appeals", "decided")]
    pages += [("clerk_s01a", "/ratings/pad/"), (None, f"/ratings/pad/{pad}/"),
              (None, f"/r/{rating_link_token(_rateable_case().pk)}/")]
    left = {}
    for username, url in pages:
        response = english_client(username).get(url)
        assert response.status_code == 200, url
        if runs := untranslated(response):
            left[url] = runs
    assert not left, left


def test_the_sms_page_in_english_names_the_levels_and_its_errors_in_english():
    client = english_client(None)
    url = f"/r/{rating_link_token(_rateable_case().pk)}/"
    response = client.post(url, {"overall": "1", "efficiency": "1", "service": "1", "attitude": "1",
                                "idempotency_key": "english-sms-1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Very dissatisfied" in page and "please write what was wrong" in page
    assert not untranslated(response)


def test_rating_pages_in_chinese_keep_their_words():
    leader = Client()
    leader.post("/accounts/login/", {"username": "leader", "password": DEMO_PASSWORD})
    page = leader.get("/ratings/follow-ups/?status=open").content.decode()
    assert "差评整改" in page and "待答复" in page
    sms = Client().get(f"/r/{rating_link_token(_rateable_case().pk)}/").content.decode()
    assert "服务评价" in sms and str(Level.VERY_DISSATISFIED.label) == "非常不满意" and "非常不满意" in sms
