"""Resident search paging (issue #10, item 8): numbered pages stop at the cap with a Chinese message, and a long
listing goes on by cursor in name order without repeats."""

import pytest
from django.test import Client

from doorstep.accounts.services import api_token_create
from doorstep.conftest import user
from doorstep.registry.selectors import residents_in_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.DOORSTEP_RATE_LIST = ""


def test_a_listing_goes_on_by_cursor_in_name_order():
    admin = user("admin")
    token = api_token_create(actor=None, user=admin, name="测试")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = client.get("/api/v1/residents/").json()
    assert body["page"] == 1 and body["next_cursor"]
    seen = [r["id"] for r in body["items"]]
    for _ in range(3):
        body = client.get("/api/v1/residents/", {"cursor": body["next_cursor"]}).json()
        assert body["page"] is None
        seen += [r["id"] for r in body["items"]]
    expected = list(residents_in_scope(admin).order_by("name", "id").values_list("id", flat=True)[:len(seen)])
    assert seen == expected and len(set(seen)) == 80


def test_page_numbers_past_the_cap_are_refused_in_chinese():
    token = api_token_create(actor=None, user=user("admin"), name="测试")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/residents/", {"page": 51})
    assert response.status_code == 400 and "页码过大" in response.json()["detail"]
    client = Client()
    client.force_login(user("admin"))
    page = client.get("/residents/", {"page": 60})
    assert page.status_code == 400 and "页码过大" in page.content.decode()
