"""The activity pages over HTTP (issue #15 item 4): a volunteer's list (own community first) with 报名, 我的报名 with
取消报名, the staff's list and form, one activity with its check-in QR code and the buttons each role may press, the
page the QR code opens; bad input answered in Chinese with nothing changed; a doubled submission making one activity
or one sign-up; query counts that do not grow with the list. The clock is set with time_machine."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.test import Client

from doorstep.conftest import user
from doorstep.wishes.models import Activity, HoursEntry, Signup
from doorstep.wishes.services.activities import signup_check_in
from doorstep.wishes.tests.helpers import OTHER_COMMUNITY, clerk, community, volunteer
from doorstep.wishes.tests.test_activities import AFTER, BEFORE, END, START, post_activity, sign_up

pytestmark = pytest.mark.django_db


def client_for(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def html(response) -> str:
    return response.content.decode()


def count(page: str, testid: str) -> int:
    return len(re.findall(rf'data-testid="{testid}"', page))


def form(**changes) -> dict:
    local = START.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    data = {"community": str(community().pk), "kind": "activity", "title": "垃圾分类宣传", "place": "小区广场",
            "starts_at": f"{local:%Y-%m-%dT%H:%M}", "ends_at": f"{local + datetime.timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "places": "6", "description": "", "idempotency_key": str(uuid.uuid4())}
    data.update(changes)
    return data


@pytest.fixture
def at_before():
    with time_machine.travel(BEFORE, tick=False):
        yield


# ---- volunteers --------------------------------------------------------------------------------------------------------

def test_a_volunteer_sees_their_communitys_activities_first_then_the_districts_and_signs_up(at_before):
    me = volunteer()
    own = post_activity(title="本社区活动")
    other = post_activity(code=OTHER_COMMUNITY, title="邻社区活动")
    client = client_for(me)
    page = html(client.get("/activities/"))
    assert page.index("本社区活动") < page.index("邻社区活动") and count(page, "sign-up") == 2
    assert "余 5 / 5 个名额" in page
    key = str(uuid.uuid4())
    first = client.post(f"/activities/{own.pk}/sign-up/", {"idempotency_key": key})
    again = client.post(f"/activities/{own.pk}/sign-up/", {"idempotency_key": key})
    assert first.status_code == again.status_code == 303 and first["Location"] == "/activities/mine/"
    assert Signup.objects.filter(activity=own, volunteer__user=me).count() == 1
    assert Activity.objects.get(pk=own.pk).signed_up == 1
    page = html(client.get("/activities/"))
    assert count(page, "signed-up") == 1 and count(page, "sign-up") == 1
    mine = html(client.get("/activities/mine/"))
    assert "本社区活动" in mine and count(mine, "cancel-signup") == 1 and "已报名" in mine
    assert other.pk


def test_a_full_activity_shows_no_button_and_a_late_sign_up_is_told_in_chinese(at_before):
    a = post_activity(places=1)
    sign_up(volunteer(), a)
    client = client_for(volunteer())
    page = html(client.get("/activities/"))
    assert count(page, "full") == 1 and count(page, "sign-up") == 0
    refused = client.post(f"/activities/{a.pk}/sign-up/", {"idempotency_key": str(uuid.uuid4())})
    assert refused.status_code == 409 and "名额已满" in html(refused)
    assert client.post("/activities/99999999999/sign-up/", {"idempotency_key": str(uuid.uuid4())}).status_code == 404
    missing_key = client.post(f"/activities/{post_activity().pk}/sign-up/", {})
    assert missing_key.status_code == 400 and "提交编号" in html(missing_key)


def test_cancelling_a_sign_up_from_my_sign_ups(at_before):
    me = volunteer()
    s = sign_up(me, post_activity())
    client = client_for(me)
    assert client.post(f"/activities/signups/{s.pk}/cancel/").status_code == 303
    assert Signup.objects.get(pk=s.pk).state == "cancelled"
    again = client.post(f"/activities/signups/{s.pk}/cancel/")
    assert again.status_code == 409 and "activity-error" in html(again)
    assert client_for(volunteer()).post(f"/activities/signups/{s.pk}/cancel/").status_code == 403
    assert client.post("/activities/signups/abc/cancel/").status_code == 404


def test_who_opens_which_page(at_before):
    assert client_for(user("13800000001")).get("/activities/").status_code == 403
    assert client_for(clerk()).get("/activities/").status_code == 403  # staff keep theirs at /activities/manage/
    assert client_for(volunteer()).get("/activities/manage/").status_code == 403
    assert client_for(user("13800000001")).get("/activities/mine/").status_code == 403
    waiting = html(client_for(volunteer(active=False)).get("/activities/"))
    assert 'data-testid="not-volunteer"' in waiting and "等待社区确认" in waiting
    assert Client().get("/activities/").status_code == 302


# ---- staff ---------------------------------------------------------------------------------------------------------------

def test_a_clerk_posts_from_the_form_once_however_often_it_is_sent(at_before):
    client = client_for(clerk())
    page = html(client.get("/activities/manage/"))
    assert count(page, "post-form") == 1 and 'name="idempotency_key"' in page
    data = form()
    first = client.post("/activities/manage/", data)
    again = client.post("/activities/manage/", data)
    made = Activity.objects.get(title="垃圾分类宣传")
    assert first.status_code == again.status_code == 303 and first["Location"] == f"/activities/{made.pk}/"
    assert made.starts_at == START and made.ends_at == END and made.places == 6 and made.coordinator == clerk()
    listed = html(client.get("/activities/manage/"))
    assert "垃圾分类宣传" in listed and count(listed, "activity-row") >= 1


@pytest.mark.parametrize(("changes", "words"), [
    ({"places": "0"}, "名额"), ({"places": "100000"}, "名额"), ({"places": ""}, "名额"),
    ({"ends_at": f"{START.astimezone(datetime.timezone(datetime.timedelta(hours=8))) - datetime.timedelta(hours=1):%Y-%m-%dT%H:%M}"},
     "结束时间须晚于开始时间"),
    ({"starts_at": "2026-02-30T09:00"}, "时间无效"), ({"ends_at": "x" * 5000}, "时间无效"),
    ({"title": ""}, "名称"), ({"kind": "<script>"}, "类型"), ({"community": "abc"}, "社区"),
    ({"community": "99999999"}, "社区"),
    ({"starts_at": "2099-05-01T09:00", "ends_at": "2099-05-01T11:00"}, "活动开始时间不能晚于一年后。"),
])
def test_bad_input_on_the_form_is_answered_in_chinese_and_kept(at_before, changes, words):
    client = client_for(clerk())
    before = Activity.objects.count()
    response = client.post("/activities/manage/", form(**changes))
    assert response.status_code == 400 and words in html(response)
    assert Activity.objects.count() == before
    assert 'value="小区广场"' in html(response)


def test_another_communitys_clerk_cannot_post_for_this_one(at_before):
    response = client_for(clerk(OTHER_COMMUNITY)).post("/activities/manage/", form())
    assert response.status_code == 403 and not Activity.objects.filter(title="垃圾分类宣传").exists()


def test_the_activity_page_prints_the_check_in_qr_code_with_its_address_for_its_staff_only(at_before):
    a = post_activity()
    page = html(client_for(clerk()).get(f"/activities/{a.pk}/"))
    assert "<svg" in page and f"/activities/checkin/{a.checkin_token}/" in page and count(page, "checkin-url") == 1
    assert re.search(r'data-testid="checkin-url">https?://', page)
    assert count(page, "cancel-activity") == 1 and count(page, "confirm-all") == 0
    for who in (clerk(OTHER_COMMUNITY), volunteer(), user("13800000001")):
        assert client_for(who).get(f"/activities/{a.pk}/").status_code == 404
    for bad in ("99999999999", "999999999999999999999999", "0"):
        assert client_for(clerk()).get(f"/activities/{bad}/").status_code == 404
    assert client_for(user("leader_s01")).get(f"/activities/{a.pk}/").status_code == 200


def test_the_buttons_each_role_sees_after_the_check_ins():
    with time_machine.travel(BEFORE, tick=False):
        a = post_activity()
        people = [volunteer() for _ in range(3)]
        for v in people:
            sign_up(v, a)
    for v in people[:2]:
        signup_check_in(actor=v, token=a.checkin_token, now=START)
    with time_machine.travel(AFTER, tick=False):
        expected = {clerk(): (2, 3, 1), user("admin_s01"): (0, 0, 0), user("leader_s01"): (0, 0, 0)}
        for who, (confirm, absent, confirm_all) in expected.items():
            page = html(client_for(who).get(f"/activities/{a.pk}/"))
            assert (count(page, "confirm"), count(page, "absent"), count(page, "confirm-all")) == \
                (confirm, absent, confirm_all), who.username
            assert count(page, "cancel-activity") == 0
        client = client_for(clerk())
        one = Signup.objects.filter(activity=a, state="checked_in").order_by("pk").first()
        bad = client.post(f"/activities/signups/{one.pk}/confirm/", {"minutes": "500"})
        assert bad.status_code == 400 and "时长须为1到120分钟" in html(bad)
        assert client.post(f"/activities/signups/{one.pk}/confirm/", {"minutes": "90"}).status_code == 303
        assert Signup.objects.get(pk=one.pk).minutes == 90
        assert client.post(f"/activities/{a.pk}/confirm-all/").status_code == 303
        assert Signup.objects.filter(activity=a, state="confirmed").count() == 2
        absent = Signup.objects.get(activity=a, state="signed_up")
        assert client_for(user("admin_s01")).post(f"/activities/signups/{absent.pk}/absent/").status_code == 403
        assert client.post(f"/activities/signups/{absent.pk}/absent/").status_code == 303
        assert client_for(clerk(OTHER_COMMUNITY)).post(f"/activities/{a.pk}/confirm-all/").status_code == 404


def test_during_the_activity_the_page_offers_absent_but_no_confirmation_and_a_forced_one_is_refused():
    with time_machine.travel(BEFORE, tick=False):
        a = post_activity()
        people = [volunteer() for _ in range(2)]
        for v in people:
            sign_up(v, a)
    one = signup_check_in(actor=people[0], token=a.checkin_token, now=START)
    for moment in (START, START + datetime.timedelta(minutes=30), END - datetime.timedelta(minutes=1)):
        with time_machine.travel(moment, tick=False):
            client = client_for(clerk())
            page = html(client.get(f"/activities/{a.pk}/"))
            assert (count(page, "confirm"), count(page, "absent"), count(page, "confirm-all")) == (0, 2, 0)
            assert count(page, "confirm-after-end") == 1
            for url in (f"/activities/signups/{one.pk}/confirm/", f"/activities/{a.pk}/confirm-all/"):
                refused = client.post(url, {"minutes": "30"})
                assert refused.status_code == 409 and "活动结束后才能确认时长。" in html(refused)
    assert not HoursEntry.objects.filter(activity=a).exists()
    assert Signup.objects.get(pk=one.pk).state == "checked_in"
    with time_machine.travel(END, tick=False):
        page = html(client_for(clerk()).get(f"/activities/{a.pk}/"))
        assert (count(page, "confirm"), count(page, "confirm-all"), count(page, "confirm-after-end")) == (1, 1, 0)


def test_cancelling_an_activity_from_its_page(at_before):
    a = post_activity()
    client = client_for(clerk())
    assert client.post(f"/activities/{a.pk}/cancel/", {"reason": ""}).status_code == 400
    assert client.post(f"/activities/{a.pk}/cancel/", {"reason": "下雨"}).status_code == 303
    assert Activity.objects.get(pk=a.pk).state == "cancelled"


# ---- the QR code ------------------------------------------------------------------------------------------------------

def test_the_qr_code_page_logs_in_first_then_checks_in_once():
    with time_machine.travel(BEFORE, tick=False):
        a = post_activity()
        me = volunteer()
        sign_up(me, a)
    url = f"/activities/checkin/{a.checkin_token}/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "next=" in anonymous["Location"] and a.checkin_token in anonymous["Location"]
    with time_machine.travel(START - datetime.timedelta(minutes=40), tick=False):
        client = client_for(me)  # a session made at this time (a login made weeks before would have expired)
        early = client.post(url)
        assert early.status_code == 409 and "还未到签到时间" in html(early)
    with time_machine.travel(START - datetime.timedelta(minutes=5), tick=False):
        client = client_for(me)
        page = html(client.get(url))
        assert count(page, "checkin") == 1 and a.title in page
        done = client.post(url)
        assert done.status_code == 303 and done["Location"] == url
        assert "签到成功" in html(client.get(url, follow=True))
        again = client.post(url, follow=True)
        assert "无需重复签到" in html(again) and count(html(again), "checked-in") == 1
        assert client.get("/activities/checkin/nonsense/").status_code == 404
        assert client_for(clerk()).post(url).status_code == 403
    assert Signup.objects.get(activity=a, volunteer__user=me).state == "checked_in"


# ---- query counts ---------------------------------------------------------------------------------------------------

def test_list_pages_ask_a_bounded_number_of_queries(at_before, django_assert_max_num_queries):
    me = volunteer()
    activities = [post_activity(title=f"活动{k}", code=OTHER_COMMUNITY if k % 2 else community().code)
                  for k in range(16)]
    for a in activities[:8]:
        sign_up(me, a)
    big = activities[0]
    for _ in range(4):
        sign_up(volunteer(), big)
    pages = [(client_for(me), "/activities/"), (client_for(me), "/activities/mine/"),
             (client_for(clerk()), "/activities/manage/"), (client_for(clerk()), f"/activities/{big.pk}/"),
             (client_for(user("admin")), "/activities/manage/?tab=past")]
    for client, url in pages:
        client.get(url)  # warm: sessions, the user
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url
