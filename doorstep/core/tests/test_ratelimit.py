"""Per-user rate limits on expensive reads (issue #10, item 8): past the limit the ledger, searches and API lists
answer 429 in Chinese with Retry-After; the limit is each user's own; everyday paging is not limited; the counters
(a database table, shared by every app server) count atomically."""

import pytest
from django.core.cache import caches
from django.test import Client

from doorstep.accounts.services import api_token_create
from doorstep.conftest import user

pytestmark = pytest.mark.django_db


def staff(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def test_the_ledger_answers_429_in_chinese_after_the_limit(settings):
    settings.DOORSTEP_RATE_LIST = "3/m"
    client = staff("leader")
    assert [client.get("/cases/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/cases/", {"page": 2})
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode() and "每分钟最多 3 次" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 65


def test_the_api_answers_429_with_a_chinese_json_body(settings):
    settings.DOORSTEP_RATE_LIST = "2/m"
    token = api_token_create(actor=None, user=user("leader"), name="测试")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get("/api/v1/residents/", {"q": "谢"}).status_code == 200  # one limit for every expensive list
    refused = client.get("/api/v1/cases/")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "请求过于频繁" in refused.json()["detail"]


def test_the_limit_is_each_users_own(settings):
    settings.DOORSTEP_RATE_LIST = "2/m"
    busy, other = staff("leader"), staff("admin")
    for _ in range(2):
        busy.get("/cases/")
    assert busy.get("/cases/").status_code == 429
    assert other.get("/cases/").status_code == 200
    assert other.get("/residents/", {"q": "谢"}).status_code == 200


def test_everyday_paging_is_not_limited():
    client = staff("leader")
    url, params = "/cases/", {"sort": "due_date"}
    for _ in range(40):  # forty pages in a row, following 下一页 as a person would
        response = client.get(url, params)
        assert response.status_code == 200
        params = {"sort": "due_date", "cursor": response.context["page"].next_cursor}


def test_exports_have_their_own_lower_limit(settings):
    settings.DOORSTEP_RATE_EXPORT = "1/10m"
    client = staff("clerk_s01a")
    assert client.get("/cases/export.xlsx", {"state": "withdrawn"}).status_code == 200
    refused = client.get("/cases/export.xlsx", {"state": "withdrawn"})
    assert refused.status_code == 429 and "每 10 分钟最多 1 次" in refused.content.decode()
    assert client.get("/cases/").status_code == 200  # the ledger still opens


def test_counters_add_once_and_increment_in_the_database():
    cache = caches["ratelimit"]
    assert cache.add("rl:test", 1, 60) is True
    assert cache.add("rl:test", 1, 60) is False  # a live counter is not reset
    assert [cache.incr("rl:test") for _ in range(3)] == [2, 3, 4]
    assert cache.get("rl:test") == 4
    cache.set("rl:old", 7, -1)  # expired: a new window starts from the increment
    assert cache.incr("rl:old") == 1
    assert cache.add("rl:old", 5, 60) is False and cache.get("rl:old") == 1


@pytest.mark.django_db
def test_shared_slots_hold_at_most_n_at_once_and_free_on_exit():
    from doorstep.core.ratelimit import shared_slot

    with shared_slot("t", slots=2, hold_seconds=60) as a, shared_slot("t", slots=2, hold_seconds=60) as b:
        with shared_slot("t", slots=2, hold_seconds=60) as c:
            assert (a, b, c) == (True, True, False)
    with shared_slot("t", slots=2, hold_seconds=60) as again:
        assert again


@pytest.mark.django_db
def test_an_export_while_another_runs_is_told_to_wait_and_the_site_keeps_its_workers(settings):
    from django.test import Client

    from doorstep.core.ratelimit import shared_slot
    from doorstep.demo.build import DEMO_PASSWORD

    client = Client()
    client.post("/accounts/login/", {"username": "clerk_c001001", "password": DEMO_PASSWORD})
    with shared_slot("export", slots=settings.DOORSTEP_EXPORT_CONCURRENCY, hold_seconds=60):
        busy = client.get("/cases/export.xlsx", follow=True)
    assert "正在为其他人导出" in busy.content.decode()
    done = client.get("/cases/export.xlsx")
    assert done.status_code == 200 and done["Content-Type"].startswith("application/vnd.openxmlformats")
