"""The wish endpoints (/api/v1/wishes): the wall with masked beneficiaries, a claim with an Idempotency-Key (a retry
claims once), one's claims and giving a place back; refusals in words (4xx), never a 500."""

import json

import pytest
from django.test import Client

from doorstep.accounts.services import api_token_create
from doorstep.core.idempotency import new_key
from doorstep.wishes.models import WishClaim
from doorstep.wishes.tests.helpers import clerk, published, volunteer

pytestmark = pytest.mark.django_db


def api(account) -> Client:
    token = api_token_create(actor=None, user=account, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_wall_shows_the_beneficiary_masked_and_nothing_of_the_household():
    wish = published()
    rows = api(volunteer()).get("/api/v1/wishes", {"limit": 50}).json()
    card = next(r for r in rows if r["id"] == wish.pk)
    assert card["beneficiary"] == wish.beneficiary_masked and wish.beneficiary.name not in json.dumps(rows)
    assert "household" not in card and "path" not in card


def test_a_retried_claim_claims_once_and_can_be_given_back():
    wish = published()
    me = volunteer()
    client = api(me)
    assert any(r["id"] == wish.pk for r in client.get("/api/v1/wishes/claimable", {"limit": 50}).json())
    key = new_key()
    first = client.post(f"/api/v1/wishes/{wish.pk}/claims", "{}", content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(f"/api/v1/wishes/{wish.pk}/claims", "{}", content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201 and again.status_code == 201, first.content
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert WishClaim.objects.filter(wish=wish, state="active").count() == 1
    assert [c["wish"]["id"] for c in client.get("/api/v1/wishes/claims").json()] == [wish.pk]
    taken = api(volunteer()).post(f"/api/v1/wishes/{wish.pk}/claims", "{}", content_type="application/json",
                                  HTTP_IDEMPOTENCY_KEY=new_key())
    assert taken.status_code == 409 and "已被认领" in taken.json()["detail"]
    released = client.post(f"/api/v1/wishes/{wish.pk}/release", "{}", content_type="application/json")
    assert released.status_code == 200 and released.json()["state"] == "published"


@pytest.mark.parametrize("path", ["/api/v1/wishes/abc/claims", "/api/v1/wishes/99999999999999999999/claims",
                                  "/api/v1/wishes/0/claims"])
def test_bad_ids_are_answered_in_words(path):
    response = api(volunteer()).post(path, "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY=new_key())
    assert 400 <= response.status_code < 500


def test_only_confirmed_volunteers_claim_and_a_missing_key_is_refused():
    wish = published()
    staff = api(clerk()).post(f"/api/v1/wishes/{wish.pk}/claims", "{}", content_type="application/json",
                              HTTP_IDEMPOTENCY_KEY=new_key())
    assert staff.status_code == 403
    keyless = api(volunteer()).post(f"/api/v1/wishes/{wish.pk}/claims", "{}", content_type="application/json")
    assert keyless.status_code == 400
    assert api(volunteer(active=False)).get("/api/v1/wishes/claimable").status_code == 403
    assert WishClaim.objects.filter(wish=wish).count() == 0
