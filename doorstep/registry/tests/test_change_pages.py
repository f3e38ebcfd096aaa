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
    propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number, f"relation_{r.pk}": "other",
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
    from doorstep.conftest import found

    gw = worker()
    r = resident_of(gw, relation="child")
    propose_and_approve(gw, "correction", {"name": "王\U0002a6d6", "note": "户口本上的名字有生僻字"}, resident_id=r.pk)
    clerk = community_clerk(r.path)
    found(clerk, r.pk)
    c = _client(clerk)
    page = c.get(reverse("registry:detail", args=[r.pk])).content.decode()
    assert 'data-testid="unread-characters"' in page and 'data-testid="reading-1"' in page
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
    propose_and_approve(gw, "move_within", {"members": [str(r.pk)], "target_number": target.number, f"relation_{r.pk}": "other",
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


@pytest.mark.parametrize("username", ["clerk_c001002", "admin", "resident"])
def test_a_reject_post_by_someone_without_authority_is_404_for_a_short_reason_as_for_a_good_one(username):
    """Review finding: a short reason gave 302 "请填写驳回理由" and a valid one 404: the difference told outsiders
    the request exists."""
    gw = worker()
    r = resident_of(gw)
    change = propose(gw, "flags", {"flags": ["is_veteran"]}, resident_id=r.pk)
    account = (User.objects.filter(role="resident").exclude(resident__household_id=r.household_id).first()
               if username == "resident" else user(username))
    c = _client(account)
    reject = reverse("registry:change-act", args=[change.pk, "reject"])
    missing = reverse("registry:change-act", args=[999999999, "reject"])
    answers = {c.post(url, {"reason": reason}).status_code for url in (reject, missing)
               for reason in ("x", "不符合条件，请核实")}
    assert answers == {404}
    change.refresh_from_db()
    assert change.state == "proposed"


def _rows(client, change) -> dict[str, str]:
    page = client.get(reverse("registry:change", args=[change.pk])).content.decode()
    block = re.search(r'data-testid="change-rows">(.*?)</dl>', page, re.S).group(1)
    return {re.sub(r"<[^>]+>", "", dt).strip(): re.sub(r"<[^>]+>", "", dd).strip()
            for dt, dd in re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", block, re.S)}


def test_the_change_page_says_nothing_of_a_missing_phone_and_calls_the_phone_row_contact_phone():
    from doorstep.registry.models import Building
    from doorstep.registry.tests.changes_helpers import id_number

    gw = worker()
    c = _client(gw)
    building = Building.objects.filter(path=gw.org_node.code).first()
    born = datetime.date(1979, 8, 9)
    move_in = propose(gw, "move_in", {"building": str(building.pk), "room": "3单元302室", "name": "甘露",
                                      "gender": "F", "birth_date": str(born), "relation": "head",
                                      "id_number": id_number(born, "F", region="110105", seq=52),
                                      "effective_date": str(TODAY)})
    rows = _rows(c, move_in)
    assert "联系电话" not in rows and "手机号" not in rows and "（删除电话）" not in str(rows)
    landline = propose(gw, "phone", {"phone": "0731-5888 6677"}, resident_id=resident_of(gw, relation="child").pk)
    assert "联系电话" in _rows(c, landline) and "手机号" not in _rows(c, landline)
    holder = Resident.objects.filter(path=gw.org_node.code, status="active").exclude(phone_index="").first()
    removal = propose(gw, "phone", {"phone": ""}, resident_id=holder.pk)
    assert _rows(c, removal)["联系电话"] == "（删除电话）"
    form = c.get(reverse("registry:change-new", args=["phone"]) + f"?resident={holder.pk}").content.decode()
    assert "新联系电话" in form and "新手机号" not in form


def test_a_fifteen_digit_number_typed_in_a_form_is_converted_and_the_proposer_and_reviewer_are_told():
    from doorstep.core.idnumbers import convert_15_to_18
    from doorstep.registry.models import Building

    gw = worker()
    c = _client(gw)
    building = Building.objects.filter(path=gw.org_node.code).first()
    old = "110105700601053"  # issued before 1999: born 1970-06-01, male
    url = reverse("registry:change-new", args=["move_in"])
    done = c.post(url, {"building": str(building.pk), "room": "5单元501室", "name": "乔建国", "gender": "M",
                        "birth_date": "1970-06-01", "relation": "head", "id_number": old,
                        "effective_date": str(TODAY), "idempotency_key": "key-fifteen-1"}, follow=True)
    page = done.content.decode()
    masked = convert_15_to_18(old)[:4] + "*" * 10 + convert_15_to_18(old)[-4:]
    note = f"15位身份证号已按国家标准（GB 11643-1999）转换为18位：{masked}。"
    assert page.count(note) == 2  # the message after submitting, and the request's row the reviewer reads
    change = ChangeRequest.objects.get(kind="move_in", payload__name="乔建国")
    assert note in _rows(_client(community_clerk(change.path)), change)["证件号码"]


def test_the_move_and_merge_forms_ask_each_members_relation_and_a_heads_forms_the_new_head():
    gw = worker()
    c = _client(gw)
    head = resident_of(gw, relation="head")
    members = Resident.objects.filter(household_id=head.household_id, status="active").exclude(pk=head.pk)
    for kind in ("move_within", "merge"):
        page = c.get(reverse("registry:change-new", args=[kind]) + f"?resident={head.pk}").content.decode()
        for m in [head, *members]:
            assert f'name="relation_{m.pk}"' in page, kind
        assert "其他人保留原关系）" not in page
    for kind in ("death", "move_out", "move_within", "marriage", "split"):
        page = c.get(reverse("registry:change-new", args=[kind]) + f"?resident={head.pk}").content.decode()
        assert ('name="new_head"' in page) == members.exists(), kind
    if members.exists():
        page = c.get(reverse("registry:change-new", args=["death"]) + f"?resident={members[0].pk}").content.decode()
        assert 'name="new_head"' not in page  # not the head: their death leaves the head in place


def test_only_the_community_clerk_and_above_enter_a_reading_and_only_a_district_admin_overwrites_it():
    """Review finding: a grid worker overwrote a clerk's reading by a direct POST although the page showed them no
    form. A reading decides whom a pinyin search finds, district-wide."""
    from doorstep.conftest import found
    from doorstep.registry.models import CharacterReading

    gw = worker()
    r = resident_of(gw, relation="child")
    propose_and_approve(gw, "correction", {"name": "王\U0002a6d6", "note": "户口本上的名字有生僻字"}, resident_id=r.pk)
    url, detail = reverse("registry:reading", args=[r.pk]), reverse("registry:detail", args=[r.pk])
    page = _client(gw).get(detail).content.decode()
    assert 'data-testid="unread-characters"' in page and 'data-testid="reading-1"' not in page
    assert _client(gw).post(url, {"character": "\U0002a6d6", "readings": "biang"}).status_code == 403
    assert not CharacterReading.objects.filter(character="\U0002a6d6").exists()
    clerk = community_clerk(r.path)
    found(clerk, r.pk)
    c = _client(clerk)
    c.post(url, {"character": "\U0002a6d6", "readings": "ji ge ha ma"})  # four readings: refused
    assert not CharacterReading.objects.filter(character="\U0002a6d6").exists()
    c.post(url, {"character": "\U0002a6d6", "readings": "biang"})
    assert CharacterReading.objects.get(character="\U0002a6d6").readings == "biang"
    for account in (gw, clerk, user("admin_s01")):  # entering again is overwriting
        found(account, r.pk)
        assert _client(account).post(url, {"character": "\U0002a6d6", "readings": "bing"}).status_code == 403
    assert CharacterReading.objects.get(character="\U0002a6d6").readings == "biang"
    _client(user("admin")).post(url, {"character": "\U0002a6d6", "readings": "biang bing"})
    assert CharacterReading.objects.get(character="\U0002a6d6").readings == "biang bing"
