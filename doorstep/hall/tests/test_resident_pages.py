"""The residents' hall pages over HTTP (issue #14 items 1, 2 and 6): the booking steps for a resident, a clerk at
their center and a grid worker of the resident's grid; one booking with its code, QR code and the buttons the
authority table and the state machine allow, for every role; bad input answered in Chinese with nothing changed;
a doubled submission booking once; 我的预约 with today's ticket and its place in the queue; the public ticket page;
the notification's link; query counts. The clock stands at MONDAY 09:00 in Beijing (time_machine)."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import resolve

from doorstep.catalog.models import ServiceItem
from doorstep.conftest import user
from doorstep.hall.models import Booking, Slot
from doorstep.hall.selectors.queue import ticket_token
from doorstep.hall.services.windows import ticket_call_next, window_open
from doorstep.hall.tests.helpers import MONDAY, at, book, check_in, clerk, station, windows
from doorstep.hall.workflow import BookingState
from doorstep.notifications.models import Notification
from doorstep.org.models import ServiceCenter

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY.date() + datetime.timedelta(days=1)
ITEM = "WJ-C02"  # 二孩生育登记: journey 1's item; its three materials are all verified from shared data
BOOK = "/hall/book/"


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def xie():
    """谢小波 (13800000001), who lives in the 展览桥 community (grid 430302001002001)."""
    return user("13800000001")


def made():
    """The bookings a test made: the clock stands still at MONDAY, so they were all made then (the demo's own,
    made around the day it was built, never at that instant)."""
    return Booking.objects.filter(created_at=MONDAY)


def client_for(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def page(response) -> str:
    return response.content.decode()


def steps(**params) -> str:
    return BOOK + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def form(*, start: datetime.datetime, item: str = ITEM, center=None, applicant=None, read: str = "1",
         key: str | None = None) -> dict:
    data = {"item": item, "read": read, "center": str((center or station()).pk),
            "day": start.date().isoformat(), "starts_at": start.isoformat(), "idempotency_key": key or str(uuid.uuid4())}
    if applicant is not None:
        data["applicant"] = str(applicant)
    return data


def error_of(response) -> str:
    found = re.search(r'data-testid="book-error">([^<]*)', page(response))
    return found.group(1) if found else ""


def found_ids(html: str, name: str) -> list[str]:
    return re.findall(rf'data-testid="{name}"', html)


# ---- booking, step by step ------------------------------------------------------------------------------------------

def test_a_resident_reads_the_notice_picks_the_station_a_day_and_a_slot_and_books_for_themself():
    me = xie()
    client = client_for(me)
    notice = page(client.get(steps(item=ITEM)))
    assert "二孩生育登记" in notice and len(found_ids(notice, "material-shared")) == 3  # 免提交: shared data
    assert 'name="read"' in notice and "required" in notice and 'data-testid="centers"' not in notice

    centers = page(client.get(steps(item=ITEM, read=1)))
    order = [int(pk) for pk in re.findall(r'data-center="(\d+)"', centers)]
    street = ServiceCenter.objects.get(org_node__code="430302001")
    assert order[:2] == [station().pk, street.pk]  # his community's station, then his street's center
    assert "展览桥社区居委会一楼" in centers and "周一至周五 08:30–12:00、14:00–17:30" in centers

    days = page(client.get(steps(item=ITEM, read=1, center=station().pk)))
    assert re.search(rf'data-testid="day" data-day="{TUESDAY.isoformat()}"[^>]*>\s*<span[^>]*>明天</span>{TUESDAY:%m-%d}\s*'
                     r'<span class="d-block small">余\d+</span>', days)
    sunday = (MONDAY.date() + datetime.timedelta(days=6)).isoformat()
    assert re.search(rf'data-testid="day-closed" data-day="{sunday}"', days)  # no slots on a Sunday

    slots = page(client.get(steps(item=ITEM, read=1, center=station().pk, day=TUESDAY.isoformat())))
    assert 'data-start="14:00"' in slots and "14:00–14:30" in slots and 'name="idempotency_key"' in slots

    response = client.post(BOOK, form(start=at(TUESDAY, 14)))
    booking = made().get(applicant=me.resident, item__code=ITEM)
    assert response.status_code == 303 and response["Location"] == f"/hall/bookings/{booking.pk}/"
    assert booking.channel == "resident" and booking.starts_at == at(TUESDAY, 14) and booking.center == station()
    shown = page(client.get(response["Location"]))
    assert booking.code in shown and "<svg" in shown and 'data-testid="booking-qr"' in shown
    assert "展览桥社区党群服务站" in shown and "14:00–14:30" in shown and "免提交" in shown


def test_the_resident_must_tick_the_notice_and_is_shown_it_again_with_nothing_booked():
    client = client_for(xie())
    response = client.post(BOOK, form(start=at(TUESDAY, 14), read=""))
    assert response.status_code == 400 and "一次性告知" in error_of(response)
    assert 'data-testid="notice-form"' in page(response)
    assert not made().filter(applicant=xie().resident).exists()


def test_a_doubled_submission_makes_one_booking_and_opens_it_twice():
    client = client_for(xie())
    data = form(start=at(TUESDAY, 14))
    client.get(steps(item=ITEM, read=1, center=station().pk))  # releases the days
    places = Slot.objects.get(center=station(), starts_at=at(TUESDAY, 14), pool="").booked
    first, second = client.post(BOOK, data), client.post(BOOK, data)
    assert first.status_code == second.status_code == 303 and first["Location"] == second["Location"]
    assert made().filter(applicant=xie().resident).count() == 1
    assert Slot.objects.get(center=station(), starts_at=at(TUESDAY, 14), pool="").booked == places + 1


def test_a_full_slot_is_drawn_disabled_and_booking_it_says_full_keeping_the_choices():
    client = client_for(xie())
    client.get(steps(item=ITEM, read=1, center=station().pk))  # releases the days
    Slot.objects.filter(center=station(), starts_at=at(TUESDAY, 14)).update(booked=4)
    slots = page(client.get(steps(item=ITEM, read=1, center=station().pk, day=TUESDAY.isoformat())))
    assert re.search(r'value="[^"]*T14:00:00\+08:00" required disabled', slots)
    assert re.search(r'data-testid="slot-full" data-start="14:00">\s*<span[^>]*>14:00–14:30</span>\s*'
                     r'<span class="d-block small">已约满', slots)
    response = client.post(BOOK, form(start=at(TUESDAY, 14)))
    assert response.status_code == 409 and "已约满" in error_of(response)
    kept = page(response)
    assert f'name="day" value="{TUESDAY.isoformat()}"' in kept and f'name="center" value="{station().pk}"' in kept
    assert not made().filter(applicant=xie().resident).exists()


def test_a_long_item_shows_the_end_it_takes_and_slots_it_cannot_finish_in_are_disabled():
    ServiceItem.objects.filter(code=ITEM).update(service_minutes=75)  # three 30-minute slots
    client = client_for(xie())
    slots = page(client.get(steps(item=ITEM, read=1, center=station().pk, day=TUESDAY.isoformat())))
    assert "14:00–15:30" in slots and 'data-testid="long-item"' in slots
    assert re.search(r'data-testid="slot-short" data-start="11:30"', slots)  # the morning ends at 12:00
    assert client.post(BOOK, form(start=at(TUESDAY, 14))).status_code == 303
    booking = made().get(applicant=xie().resident)
    assert booking.ends_at == at(TUESDAY, 15, 30) and booking.slots.count() == 3


def _dated(value):
    """The tables' named days (relative to MONDAY, the frozen clock) as the form would send them."""
    days = {"YESTERDAY": MONDAY.date() - datetime.timedelta(days=1), "MONDAY": MONDAY.date(), "TUESDAY": TUESDAY,
            "FAR": MONDAY.date() + datetime.timedelta(days=13)}
    if not isinstance(value, str) or value.split(" ")[0] not in days:
        return value
    day, _space, clock = value.partition(" ")
    if not clock:
        return days[day].isoformat()
    return f"{days[day].isoformat()}T{clock}:00+08:00"


BAD_STEPS = [
    ({"item": "NO-SUCH"}, 404, "没有这个事项"),
    ({"item": "X" * 5000}, 404, "没有这个事项"),
    ({"item": ITEM, "read": 1, "center": "abc"}, 400, "请从列表中选择服务中心"),
    ({"item": ITEM, "read": 1, "center": "99999"}, 400, "请从列表中选择服务中心"),
    ({"item": ITEM, "read": 1, "center": "STATION", "day": "2026-13-45"}, 400, "日期无效"),
    ({"item": ITEM, "read": 1, "center": "STATION", "day": "yesterday!"}, 400, "日期无效"),
    ({"item": ITEM, "read": 1, "center": "STATION", "day": "FAR"}, 400, "不在可预约的日期内"),
    ({"item": ITEM, "read": 1, "center": "STATION", "day": "YESTERDAY"}, 400, "不在可预约的日期内"),
]


@pytest.mark.parametrize(("params", "status", "message"), BAD_STEPS)
def test_a_bad_step_parameter_is_answered_in_chinese(params, status, message):
    params = {k: (station().pk if v == "STATION" else _dated(v)) for k, v in params.items()}
    response = client_for(xie()).get(steps(**params))
    assert response.status_code == status and message in page(response)


BAD_POSTS = [
    ({"starts_at": "TUESDAY 14:10"}, 400, "没有可预约的时段"),  # not on a slot's start
    ({"starts_at": "garbage"}, 400, "请选择预约时段"),
    ({"starts_at": ""}, 400, "请选择预约时段"),
    ({"starts_at": "MONDAY 08:30"}, 400, "已开始或已过"),
    ({"starts_at": "FAR 14:00"}, 400, "尚未放号"),
    ({"item": "NO-SUCH"}, 404, ""),
    ({"center": "abc"}, 404, ""),
    ({"idempotency_key": ""}, 400, "提交编号"),
    ({"applicant": "1"}, 400, "只能为本人预约"),
]


@pytest.mark.parametrize(("change", "status", "message"), BAD_POSTS)
def test_a_bad_submission_changes_nothing_and_says_why(change, status, message):
    client = client_for(xie())
    before = Booking.objects.count()
    response = client.post(BOOK, {**form(start=at(TUESDAY, 14)), **{k: _dated(v) for k, v in change.items()}})
    assert response.status_code == status and message in page(response)
    assert Booking.objects.count() == before


def test_control_characters_and_huge_input_are_refused_at_the_edge_or_cut():
    client = client_for(xie())
    assert client.get(BOOK + "?item_q=%00%01").status_code == 400
    assert client.post(BOOK, {**form(start=at(TUESDAY, 14)), "starts_at": "2026\x00"}).status_code == 400
    huge = client.get(BOOK + "?item_q=" + "低保" * 5000)
    assert huge.status_code == 200 and 'data-testid="items-empty"' in page(huge)
    assert not made().exists()


def test_the_item_search_reads_pinyin_initials():
    html = page(client_for(xie()).get(BOOK + "?item_q=ehsydj"))
    assert "二孩生育登记" in html and "老年人优待证办理" not in html


# ---- staff booking for a resident -----------------------------------------------------------------------------------

def test_a_clerk_finds_the_resident_by_id_number_and_books_at_their_own_center():
    from doorstep.core.crypto import decrypt

    me, desk = xie(), clerk()
    client = client_for(desk)
    found = page(client.get(BOOK + f"?item={ITEM}&q={decrypt(me.resident.id_number_enc)}"))
    assert f'href="/hall/book/?applicant={me.resident_id}&amp;item={ITEM}"' in found
    centers = page(client.get(steps(applicant=me.resident_id, item=ITEM, read=1)))
    assert re.findall(r'data-center="(\d+)"', centers) == [str(station().pk)]  # only the clerk's own center
    response = client.post(BOOK, form(start=at(TUESDAY, 14), applicant=me.resident_id))
    booking = made().get(applicant=me.resident)
    assert response.status_code == 303 and booking.channel == "staff" and booking.booked_by == desk


def test_a_clerk_cannot_open_a_resident_they_have_not_searched_for():
    response = client_for(clerk()).get(steps(applicant=xie().resident_id, item=ITEM))
    assert response.status_code == 404


def test_a_clerk_elsewhere_is_refused_booking_at_another_center_and_nothing_changes():
    from doorstep.conftest import found

    other = user("clerk_c001001")  # 金地花园's station
    found(other, xie().resident_id)
    client = client_for(other)
    centers = page(client.get(steps(applicant=xie().resident_id, item=ITEM, read=1)))
    assert str(station().pk) not in re.findall(r'data-center="(\d+)"', centers)
    response = client.post(BOOK, form(start=at(TUESDAY, 14), applicant=xie().resident_id))
    assert response.status_code == 403 and "本服务中心工作人员" in error_of(response)
    assert not made().exists()


def test_a_grid_worker_books_for_a_resident_of_their_grid_and_not_outside_it():
    me = xie()
    worker = user("gw_001002001")
    client = client_for(worker)
    listed = page(client.get(BOOK + "?q=谢小波"))
    assert f"applicant={me.resident_id}" in listed
    response = client.post(BOOK, form(start=at(TUESDAY, 14), applicant=me.resident_id, read=""))
    assert response.status_code == 303  # staff tell the notice; the service asks residents only
    assert made().get(applicant=me.resident).channel == "grid"
    outside = client_for(user("gw_001001001"))
    assert outside.get(steps(applicant=me.resident_id, item=ITEM)).status_code == 404
    assert outside.post(BOOK, form(start=at(TUESDAY, 15), applicant=me.resident_id)).status_code == 404
    assert made().count() == 1


@pytest.mark.parametrize("username", ["leader", "admin", "approver", "dispatcher", "volunteer1"])
def test_roles_without_the_entry_are_refused_the_booking_page(username):
    assert client_for(user(username)).get(BOOK).status_code == 403


def test_anonymous_is_sent_to_log_in_keeping_the_item():
    response = Client().get(steps(item=ITEM))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "item%3DWJ-C02" in response["Location"] or "item=WJ-C02" in response["Location"]


# ---- one booking: who reads it, which buttons -----------------------------------------------------------------------

def booked_by_worker():
    """谢小波's booking made by his grid worker for Tuesday 14:00."""
    return book(user("gw_001002001"), xie().resident, start=at(TUESDAY, 14), item=ITEM)


READERS = [
    ("13800000001", 200, True),  # the resident it is for
    ("clerk_c001002", 200, True),  # a clerk of its center
    ("gw_001002001", 200, True),  # the grid worker who booked
    ("leader", 200, False),  # reads, acts on nothing
    ("admin", 200, False),
    ("13800000004", 404, False),  # a resident of the same grid
    ("clerk_c001001", 404, False),  # a clerk of another center
    ("assistant_001002001", 404, False),  # a grid worker of the same grid who did not book
    ("dispatcher", 404, False),
]


@pytest.mark.parametrize(("username", "status", "buttons"), READERS)
def test_a_booking_is_read_by_its_relations_and_buttons_are_drawn_only_when_permitted(username, status, buttons):
    booking = booked_by_worker()
    response = client_for(user(username)).get(f"/hall/bookings/{booking.pk}/")
    assert response.status_code == status
    html = page(response)
    assert ('data-testid="cancel"' in html) is buttons and ('data-testid="reschedule"' in html) is buttons
    if status == 404:
        assert booking.code not in html


def test_a_missing_booking_and_someone_elses_look_the_same():
    booking = booked_by_worker()
    other = client_for(user("13800000004"))
    missing, not_mine = other.get("/hall/bookings/999999/"), other.get(f"/hall/bookings/{booking.pk}/")
    assert missing.status_code == not_mine.status_code == 404
    assert error_page(missing) == error_page(not_mine)
    assert Client().get(f"/hall/bookings/{booking.pk}/").status_code == 302  # anonymous: log in first


def error_page(response) -> str:
    html = re.sub(r'name="(csrfmiddlewaretoken|next)" value="[^"]*"|"X-CSRFToken": "[^"]*"', "", page(response))
    return re.sub(r"\s+", " ", html)


def test_no_buttons_once_cancelled_or_once_its_time_has_begun():
    booking = booked_by_worker()
    with time_machine.travel(at(TUESDAY, 14, 5), tick=False):
        response = client_for(xie()).get(f"/hall/bookings/{booking.pk}/")
        html = page(response)
        assert response.status_code == 200 and booking.code in html
        assert 'data-testid="cancel"' not in html and 'data-testid="reschedule"' not in html
    client = client_for(xie())
    client.post(f"/hall/bookings/{booking.pk}/cancel/", {"reason": "临时有事"})
    html = page(client.get(f"/hall/bookings/{booking.pk}/"))
    assert 'data-state="cancelled"' in html and 'data-testid="cancel"' not in html
    assert 'data-testid="booking-qr"' not in html  # a cancelled code is nothing to scan
    assert client.get(f"/hall/bookings/{booking.pk}/reschedule/").status_code == 409


def test_the_resident_cancels_and_the_places_go_back():
    booking = booked_by_worker()
    slot = Slot.objects.get(center=station(), starts_at=at(TUESDAY, 14), pool="")
    places = slot.booked
    response = client_for(xie()).post(f"/hall/bookings/{booking.pk}/cancel/", {"reason": "临时有事"})
    assert response.status_code == 303 and response["Location"] == f"/hall/bookings/{booking.pk}/"
    booking.refresh_from_db()
    slot.refresh_from_db()
    assert booking.state == BookingState.CANCELLED and slot.booked == places - 1


@pytest.mark.parametrize(("username", "status"), [("13800000004", 404), ("clerk_c001001", 404), ("leader", 403)])
def test_others_cannot_cancel_and_nothing_changes(username, status):
    booking = booked_by_worker()
    response = client_for(user(username)).post(f"/hall/bookings/{booking.pk}/cancel/")
    assert response.status_code == status
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED
    assert client_for(user(username)).get(f"/hall/bookings/{booking.pk}/cancel/").status_code == 405


def test_the_resident_reschedules_through_the_same_day_and_slot_steps():
    booking = booked_by_worker()
    client = client_for(xie())
    here = f"/hall/bookings/{booking.pk}/reschedule/"
    days = page(client.get(here))
    assert "原预约" in days and f'data-day="{TUESDAY.isoformat()}"' in days
    slots = page(client.get(here + f"?day={TUESDAY.isoformat()}"))
    assert 'data-start="15:00"' in slots
    bad = client.post(here, {"day": TUESDAY.isoformat(), "starts_at": at(TUESDAY, 14).isoformat()})
    assert bad.status_code == 400 and "新时段与原时段相同" in error_of(bad)
    response = client.post(here, {"day": TUESDAY.isoformat(), "starts_at": at(TUESDAY, 15).isoformat()})
    assert response.status_code == 303
    booking.refresh_from_db()
    assert booking.starts_at == at(TUESDAY, 15) and booking.reschedules == 1
    assert client_for(user("13800000004")).get(here).status_code == 404
    refused = client_for(user("leader")).get(here)  # reads it, may not move it
    assert refused.status_code == 403 and "改约" in page(refused)


def test_the_notification_link_opens_the_booking(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = booked_by_worker()
    note = Notification.objects.filter(user=xie(), kind="hall.booking").latest("id")
    assert note.link == f"/hall/bookings/{booking.pk}/" and resolve(note.link).view_name == "hall:booking"
    assert client_for(xie()).get(note.link).status_code == 200


def test_the_catalog_item_page_links_to_booking_it_for_those_who_may():
    for username, shown in (("13800000001", True), ("clerk_c001002", True), ("leader", False)):
        html = page(client_for(user(username)).get(f"/services/{ITEM}/"))
        assert (f'href="/hall/book/?item={ITEM}"' in html) is shown
    assert f'href="/hall/book/?item={ITEM}"' in page(Client().get(f"/services/{ITEM}/"))


# ---- my bookings and today's ticket ---------------------------------------------------------------------------------

def todays_ticket():
    """谢小波 booked for 09:30 today and checked in at the station's desk: a waiting ticket."""
    booking = book(xie(), start=at(MONDAY.date(), 9, 30), item=ITEM)
    return booking, check_in(booking, now=MONDAY)


def test_my_bookings_lists_upcoming_and_past_and_today_s_waiting_ticket():
    me = xie()
    later = book(me, start=at(TUESDAY, 14), item=ITEM)
    gone = book(me, start=at(TUESDAY, 15), item="MZ-C01")
    client_for(me).post(f"/hall/bookings/{gone.pk}/cancel/")
    _, ticket = todays_ticket()
    html = page(client_for(me).get("/hall/mine/"))
    assert ticket.number in html and 'data-testid="ticket-ahead"' in html and "预计等候" in html
    assert 'hx-trigger="every 15s"' in html and later.code in html and gone.code not in html
    past = page(client_for(me).get("/hall/mine/?tab=past"))
    assert f"/hall/bookings/{gone.pk}/" in past and f"/hall/bookings/{later.pk}/" not in past


def test_the_ticket_fragment_polls_and_says_which_window_once_called():
    me = xie()
    _, ticket = todays_ticket()
    window = windows()[0]
    window_open(actor=clerk(), window_id=window.pk, now=MONDAY)
    assert ticket_call_next(actor=clerk(), now=MONDAY).pk == ticket.pk
    fragment = client_for(me).get("/hall/mine/?part=tickets", HTTP_HX_REQUEST="true")
    html = page(fragment)
    assert html.startswith('<div id="my-tickets"') and "<nav" not in html
    assert f"请到 {window.number} 号窗口" in html and 'data-state="called"' in html


def test_my_bookings_is_the_residents_alone():
    for username in ("clerk_c001002", "gw_001002001", "leader"):
        assert client_for(user(username)).get("/hall/mine/").status_code == 403


def test_the_public_ticket_page_shows_the_place_and_nothing_personal():
    _, ticket = todays_ticket()
    url = f"/hall/q/{ticket_token(ticket)}/"
    html = page(Client().get(url))
    assert ticket.number in html and "前面还有" in html and 'hx-trigger="every 15s"' in html
    assert "谢小波" not in html and "二孩生育登记" not in html and xie().resident.id_number_masked not in html
    fragment = page(Client().get(url, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="public-ticket"')
    for bad in (f"/hall/q/{ticket_token(ticket)[:-2]}xx/", "/hall/q/1/", "/hall/q/" + "a" * 3000 + "/"):
        assert Client().get(bad).status_code == 404


# ---- query counts ---------------------------------------------------------------------------------------------------

def test_my_bookings_costs_the_same_few_queries_however_many_bookings(django_assert_max_num_queries):
    me = xie()
    items = list(ServiceItem.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)[:12])
    todays_ticket()
    client = client_for(me)
    client.get("/hall/mine/")
    with django_assert_max_num_queries(12):
        client.get("/hall/mine/")
    for i, code in enumerate(items[:10]):  # one slot each: a slot holds four
        book(me, start=at(TUESDAY, 14) + datetime.timedelta(minutes=30 * i), item=code)
    with django_assert_max_num_queries(12):
        assert len(found_ids(page(client.get("/hall/mine/")), "booking-row")) >= 11


def test_the_slot_step_costs_a_fixed_few_queries(django_assert_max_num_queries):
    client = client_for(xie())
    url = steps(item=ITEM, read=1, center=station().pk, day=TUESDAY.isoformat())
    client.get(url)  # the first view releases the center's days
    with django_assert_max_num_queries(17):
        assert 'data-testid="slot"' in page(client.get(url))


# ---- in English -----------------------------------------------------------------------------------------------------

def english(account=None) -> Client:
    from django.conf import settings

    client = client_for(account) if account is not None else Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_every_step_state_and_refusal_reads_in_english():
    """The pages a link walk does not reach in every state (core/tests/test_english.py reads what it does): each
    booking step, a refusal, the staff search, a long item, a booking, rescheduling, a called ticket, the public
    ticket page."""
    from doorstep.core.crypto import decrypt
    from doorstep.core.tests.test_english import Untranslated, VisibleText, data_segments

    ServiceItem.objects.filter(code=ITEM).update(service_minutes=75)
    me = xie()
    booking = booked_by_worker()
    _, ticket = todays_ticket()
    window_open(actor=clerk(), window_id=windows()[0].pk, now=MONDAY)
    ticket_call_next(actor=clerk(), now=MONDAY)
    day = TUESDAY.isoformat()
    resident, desk, worker = english(me), english(clerk()), english(user("gw_001002001"))
    responses = [
        resident.get(BOOK), resident.get(steps(item=ITEM)), resident.get(steps(item=ITEM, read=1)),
        resident.get(steps(item=ITEM, read=1, center=station().pk, day=day)),
        resident.get(steps(item="NO-SUCH")), resident.get(steps(item=ITEM, read=1, center=station().pk, day="x")),
        resident.post(BOOK, form(start=at(TUESDAY, 14), read="")),
        resident.get(f"/hall/bookings/{booking.pk}/"), resident.get(f"/hall/bookings/{booking.pk}/reschedule/?day={day}"),
        resident.get("/hall/mine/"), resident.get("/hall/mine/?tab=past"),
        desk.get(BOOK + f"?q={decrypt(me.resident.id_number_enc)}"), desk.get(BOOK + "?q=13900000000"),
        desk.get(f"/hall/bookings/{booking.pk}/"), worker.get(BOOK + "?q=谢小波"),
        english().get(f"/hall/q/{ticket_token(ticket)}/"), english().get(f"/services/{ITEM}/"),
    ]
    assert '<html lang="en"' in page(responses[1]) and "One-time notice" in page(responses[1])
    assert "Please go to window" in page(responses[9]) and "Slots on" in page(responses[3])
    checker = Untranslated(data_segments())
    left = {}
    for response in responses:
        text = VisibleText()
        text.feed(page(response))
        found = {run for piece in text.texts for run in checker.in_text(piece)}
        if found:
            left[response.wsgi_request.get_full_path()] = sorted(found)
    assert not left, left
