"""The pages of registry.changes: the grid worker's forms, the community's queue (scoped, paged, a fixed number of
queries, only the buttons the authority table allows), the resident page's history and as-of view, the reading
form for rare characters, and a resident's correction from 我的家庭."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.conftest import user
from doorstep.registry.changes.kinds import FIELDS
from doorstep.registry.models import ChangeRequest, Household, Resident
from doorstep.registry.tests.changes_helpers import (
    community_clerk,
    other_grid_worker,
    propose,
    propose_and_approve,
    resident_of,
    worker,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
QUEUE = reverse("registry:changes")


def _client(account) -> Client:
    c = Client()
    c.force_login(account)
    return c


def test_every_kinds_form_opens_on_the_grid_workers_phone():
    gw = worker()
    r = resident_of(gw)
    c = _client(gw)
    for kind in FIELDS:
        url = reverse("registry:change-new", args=[kind])
        url += f"?household={r.household_id}" if kind in ("birth", "move_in") else f"?resident={r.pk}"
        page = c.get(url)
        assert page.status_code == 200, kind
        assert 'name="idempotency_key"' in page.content.decode()
    assert c.get(reverse("registry:change-new", args=["birth"])).status_code == 200  # household chosen in the form
    assert c.get(reverse("registry:change-new", args=["explode"])).status_code == 404


def test_a_bad_form_says_what_is_wrong_and_creates_nothing_then_a_good_one_lands_on_the_request():
    gw = worker()
    r = resident_of(gw)
    c = _client(gw)
    url = reverse("registry:change-new", args=["birth"]) + f"?household={r.household_id}"
    before = ChangeRequest.objects.count()
    page = c.post(url, {"name": "小宝2", "gender": "M", "birth_date": "2026-01-01", "relation": "child",
                        "idempotency_key": "key-bad-form-1"})
    assert page.status_code == 400 and "姓名中不能有" in page.content.decode()
    assert ChangeRequest.objects.count() == before
    page = c.post(url, {"name": "李小宝", "gender": "M", "birth_date": str(TODAY), "relation": "child",
                        "idempotency_key": "key-good-form-1"})
    again = c.post(url, {"name": "李小宝", "gender": "M", "birth_date": str(TODAY), "relation": "child",
                         "idempotency_key": "key-good-form-1"})
    assert page.status_code == 302 and again["Location"] == page["Location"]
    assert ChangeRequest.objects.count() == before + 1


def test_others_cannot_open_the_forms_of_a_grid_they_do_not_hold():
    gw = worker()
    r = resident_of(gw)
    death = reverse("registry:change-new", args=["death"]) + f"?resident={r.pk}"
    birth = reverse("registry:change-new", args=["birth"]) + f"?household={r.household_id}"
    assert _client(other_grid_worker(gw)).get(death).status_code == 404
    assert _client(other_grid_worker(gw)).get(birth).status_code == 404
    assert _client(community_clerk(r.path)).get(death).status_code == 403
    assert _client(user("volunteer1")).get(death).status_code == 403


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_queue_costs_the_same_queries_for_three_requests_or_twelve():
    gw = worker()
    clerk = community_clerk(gw.org_node.code)
    c = _client(clerk)
    residents = list(Resident.objects.filter(path=gw.org_node.code, status="active").order_by("id")[:12])
    for r in residents[:3]:
        propose(gw, "flags", {"flags": ["is_veteran"]}, resident_id=r.pk)
    few = _queries(c, QUEUE)
    for r in residents[3:]:
        propose(gw, "flags", {"flags": ["is_veteran"]}, resident_id=r.pk)
    many = _queries(c, QUEUE)
    assert many == few <= 14
    page = c.get(QUEUE).content.decode()
    assert page.count('data-testid="approve-') >= 12 and "12 件待审核" in page or "件待审核" in page


def test_the_queue_filters_sorts_and_refuses_bad_parameters_without_a_500():
    gw = worker()
    clerk = community_clerk(gw.org_node.code)
    c = _client(clerk)
    r = resident_of(gw)
    change = propose(gw, "phone", {"phone": "13807310011"}, resident_id=r.pk)
    assert f"change-{change.pk}" in c.get(QUEUE + "?kind=phone&sort=newest").content.decode()
    assert f"change-{change.pk}" not in c.get(QUEUE + "?kind=death").content.decode()
    assert c.get(QUEUE + "?kind=bogus").status_code == 400
    assert c.get(QUEUE + "?sort=bogus").status_code == 400
    assert c.get(QUEUE + "?page=abc").status_code == 200


@pytest.mark.parametrize("username", ["volunteer1", "clerk_s01a", "dispatcher", "leader", "admin"])
def test_roles_without_the_queue_are_refused(username):
    assert _client(user(username)).get(QUEUE).status_code == 403


def test_buttons_drawn_are_those_the_table_allows_and_a_forged_post_is_refused():
    gw = worker()
    r = resident_of(gw)
    change = propose(gw, "flags", {"flags": ["is_migrant"]}, resident_id=r.pk)
    detail = reverse("registry:change", args=[change.pk])
    worker_page = _client(gw).get(detail).content.decode()
    assert f"withdraw-{change.pk}" in worker_page and f"approve-{change.pk}" not in worker_page
    clerk_page = _client(community_clerk(r.path)).get(detail).content.decode()
    assert f"approve-{change.pk}" in clerk_page and f"withdraw-{change.pk}" not in clerk_page
    act = reverse("registry:change-act", args=[change.pk, "approve"])
    assert _client(gw).post(act).status_code == 403
    assert _client(other_grid_worker(gw)).post(act).status_code == 404
    assert _client(user("clerk_other")).get(detail).status_code == 404
    reject = reverse("registry:change-act", args=[change.pk, "reject"])
    c = _client(community_clerk(r.path))
    assert c.post(reject, {"reason": "短"}).status_code == 302  # said as a message, nothing changed
    change.refresh_from_db()
    assert change.state == "proposed"
    c.post(reject, {"reason": "该居民不是流动人口", "next": QUEUE})
    change.refresh_from_db()
    assert change.state == "rejected" and change.review_note == "该居民不是流动人口"
    assert "该居民不是流动人口" in _client(gw).get(detail).content.decode()


def test_the_resident_page_shows_document_type_history_and_the_record_as_of_a_date():
    gw = worker()
    r = resident_of(gw, birth_date__year__lt=2000)
    old_room = r.household.room
    target = Household.objects.filter(path=r.path).exclude(pk=r.household_id).first()
    moved = TODAY - datetime.timedelta(days=30)
    propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number,
                                            "effective_date": str(moved)}, resident_id=r.pk)
    c = _client(community_clerk(r.path))
    page = c.get(reverse("registry:detail", args=[r.pk])).content.decode()
    assert "居民身份证" in page and 'data-testid="history"' in page and "区内迁移" in page
    assert gw.full_name in page and community_clerk(r.path).full_name in page
    then = c.get(reverse("registry:detail", args=[r.pk]) + f"?as_of={moved - datetime.timedelta(days=1)}")
    assert old_room in re.search(r'data-testid="as-of-record".*?</div></div>', then.content.decode(), re.S).group(0)
    for bad in ("2999-01-01", "yesterday", "2026-02-30"):
        assert c.get(reverse("registry:detail", args=[r.pk]) + f"?as_of={bad}").status_code == 200


def test_staff_enter_the_reading_of_a_character_nobody_reads_and_the_name_is_found_by_it():
    gw = worker()
    r = resident_of(gw, relation="child")
    propose_and_approve(gw, "correction", {"name": "王\U0002a6d6", "note": "户口本上的名字有生僻字"}, resident_id=r.pk)
    c = _client(gw)
    page = c.get(reverse("registry:detail", args=[r.pk])).content.decode()
    assert 'data-testid="unread-characters"' in page
    c.post(reverse("registry:reading", args=[r.pk]), {"character": "\U0002a6d6", "readings": "biang"})
    from doorstep.registry.selectors import resident_search_for_user

    assert r.pk in {x.pk for x in resident_search_for_user(gw, query="wangbiang").page.items}
    assert 'data-testid="unread-characters"' not in c.get(reverse("registry:detail", args=[r.pk])).content.decode()


def test_a_resident_asks_for_a_correction_from_my_household_and_sees_the_outcome(django_capture_on_commit_callbacks):
    account = User.objects.filter(role="resident", resident__isnull=False).select_related("resident").first()
    me = account.resident
    c = _client(account)
    home = c.get(reverse("registry:search")).content.decode()
    assert f'ask-correction-{me.pk}' in home
    url = reverse("registry:change-new", args=["correction"]) + f"?resident={me.pk}"
    assert c.get(url).status_code == 200
    done = c.post(url, {"gender": "F" if me.gender == "M" else "M", "note": "登记的性别有误",
                        "idempotency_key": "key-correct-me-1"})
    assert done.status_code in (302, 400)
    page = c.post(url, {"name": me.name + "明", "note": "名字少了一个字", "idempotency_key": "key-correct-me-2"})
    assert page.status_code == 302
    change = ChangeRequest.objects.filter(proposer=account).latest("id")
    with django_capture_on_commit_callbacks(execute=True):
        _client(community_clerk(me.path)).post(reverse("registry:change-act", args=[change.pk, "reject"]),
                                                {"reason": "请带户口本到社区核对"})
    home = c.get(reverse("registry:search")).content.decode()
    assert "请带户口本到社区核对" in home and 'data-testid="my-requests"' in home
    stranger = Resident.objects.exclude(household_id=me.household_id).first()
    assert c.get(reverse("registry:change-new", args=["correction"]) + f"?resident={stranger.pk}").status_code == 404
    assert c.get(reverse("registry:change-new", args=["death"]) + f"?resident={me.pk}").status_code == 403


def _english(account) -> Client:
    from django.conf import settings

    c = _client(account)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def _resident_with_history():
    gw = worker()
    r = resident_of(gw, birth_date__year__lt=2000)
    target = Household.objects.filter(path=r.path).exclude(pk=r.household_id).first()
    propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number,
                                            "effective_date": str(TODAY - datetime.timedelta(days=30))},
                        resident_id=r.pk)
    propose_and_approve(gw, "phone", {"phone": "0731-5888 1234"}, resident_id=r.pk)
    return r


def test_history_lines_in_english_have_english_punctuation():
    r = _resident_with_history()
    page = _english(community_clerk(r.path)).get(reverse("registry:detail", args=[r.pk])).content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', page, re.S).group(1)
    text = re.sub(r"<[^>]+>", " ", history)
    assert "submitted by" in text and "approved by" in text and "Phone: " in text
    for mark in "，：（）、":
        assert mark not in text, mark
    as_of = _english(community_clerk(r.path)).get(
        reverse("registry:detail", args=[r.pk]) + f"?as_of={TODAY - datetime.timedelta(days=31)}").content.decode()
    record = re.search(r'data-testid="as-of-record"(.*?)</div></div>', as_of, re.S).group(1)
    assert "Household members that day: " in record and not re.search("[，：（）、]", re.sub(r"<[^>]+>", "", record))


def test_the_resident_pages_labels_stay_distinct_in_english():
    r = _resident_with_history()
    clerk = community_clerk(r.path)

    def labels(client) -> list[str]:
        page = client.get(reverse("registry:detail", args=[r.pk])).content.decode()
        found = re.findall(r"<dt[^>]*>([^<]+)</dt>", page)
        history = re.search(r'data-testid="history">(.*?)</ol>', page, re.S).group(1)
        found += [re.split("[:：]", line, maxsplit=1)[0].strip()
                  for line in re.findall(r"<div>([^<]*→[^<]*)</div>", history)]
        return found

    chinese, english = labels(_client(clerk)), labels(_english(clerk))
    assert len(chinese) == len(english) and chinese.count("联系电话") == 2  # the record's and the history's
    pairs = set(zip(chinese, english, strict=True))
    assert len({zh for zh, _en in pairs}) == len({en for _zh, en in pairs}), sorted(pairs)


@pytest.mark.parametrize("bad", ["garbage", "2026-02-30", "20260101", "2024-13-01", "2024-03-01x"])
def test_a_malformed_or_impossible_as_of_date_says_the_format_and_shows_the_current_record(bad):
    gw = worker()
    r = resident_of(gw)
    response = _client(community_clerk(r.path)).get(reverse("registry:detail", args=[r.pk]) + f"?as_of={bad}")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'data-testid="as-of-error">日期格式应为 YYYY-MM-DD', page)
    assert f'data-testid="resident-name">{r.name}' in page and r.household.room in page
    assert "请选择今天或以前的日期" not in page
    future = _client(community_clerk(r.path)).get(reverse("registry:detail", args=[r.pk]) + "?as_of=2999-01-01")
    assert "请选择今天或以前的日期" in future.content.decode() and 'data-testid="as-of-error"' not in \
        future.content.decode()
