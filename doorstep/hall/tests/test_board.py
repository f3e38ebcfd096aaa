"""The display board and its feed (issue #14 item 6) over HTTP: no login and nothing personal; a bad center id is a
404 page, a bad `after` a 400 in Chinese; the feed returns each call and recall in the order they were made, also a
call committed late with a smaller id than one the board has shown (PostgreSQL assigns ids at insert, not at
commit), never the center's history; each window's state; a fixed, small number of queries per poll.
The clock stands at MONDAY 09:00 in Beijing (time_machine)."""

import datetime

import pytest
import time_machine
from django.test import Client

from doorstep.core.crypto import decrypt
from doorstep.hall.models import TicketEvent
from doorstep.hall.selectors.board import announcement, feed, feed_queryset
from doorstep.hall.services.windows import (
    ticket_call_next,
    ticket_recall,
    ticket_start,
    window_open,
    window_pause,
)
from doorstep.hall.tests.helpers import MONDAY, clerk, station, walk_in, windows
from doorstep.hall.tests.test_queue import second_clerk, young

pytestmark = pytest.mark.django_db

NOW = MONDAY
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(NOW, tick=False):
        yield


def board_url(center_id=None) -> str:
    return f"/hall/board/{station().pk if center_id is None else center_id}/"


def feed_of(after=0, center_id=None):
    return Client().get(board_url(center_id) + "feed", {"after": after})


def test_the_announcement_reads_number_then_window():
    assert announcement("A023", 3) == "请 A023 号到 3 号窗口"


def test_the_board_needs_no_login_and_shows_numbers_not_people():
    person = young(1)[0]
    walk_in(now=NOW - 60 * SECOND, applicant=person)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    ticket_call_next(actor=clerk(), now=NOW - 5 * SECOND)
    response = Client().get(board_url())
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'data-testid="latest"' in page and "请 A001 号到 1 号窗口" in page
    assert station().name in page and "点击开启语音播报" in page
    assert person.name not in page and decrypt(bytes(person.id_number_enc)) not in page
    assert person.name[0] + "*" not in page  # not even masked: a public screen
    assert "/static/hall/board.js" in page and "<script>" not in page  # no inline script under the CSP


@pytest.mark.parametrize("center_id", ["abc", "0", "99999999", "9" * 40, "-1", "１２", "1.5"])
def test_a_bad_center_id_is_a_404_page_and_a_404_feed(center_id):
    page = Client().get(board_url(center_id))
    assert page.status_code == 404 and "未找到" in page.content.decode()
    answer = feed_of(0, center_id)
    assert answer.status_code == 404 and "未找到" in answer.json()["detail"]


@pytest.mark.parametrize("after", ["abc", "-1", "9" * 40, "1.5", "１"])
def test_a_bad_after_is_refused_in_chinese(after):
    answer = feed_of(after)
    assert answer.status_code == 400 and "事件编号" in answer.json()["detail"]


def _two_calls():
    walk_in(now=NOW - 120 * SECOND)
    walk_in(now=NOW - 110 * SECOND)
    first, second = windows()[:2]
    window_open(actor=clerk(), window_id=first.pk, now=NOW - 100 * SECOND)
    window_open(actor=second_clerk(), window_id=second.pk, now=NOW - 100 * SECOND)
    a = ticket_call_next(actor=clerk(), now=NOW - 10 * SECOND)
    b = ticket_call_next(actor=second_clerk(), now=NOW - 10 * SECOND + 0.2 * SECOND)
    return a, b


def _events(data) -> list[tuple[str, str, int]]:
    return [(e["action"], e["number"], e["window"]) for e in data["events"]]


def test_the_feed_gives_calls_and_recalls_in_the_order_they_were_made():
    _two_calls()
    ticket_recall(actor=clerk(), now=NOW - 5 * SECOND)
    data = feed_of(0).json()
    assert _events(data) == [("call", "A001", 1), ("call", "A002", 2), ("recall", "A001", 1)]
    assert [e["text"] for e in data["events"]] == ["请 A001 号到 1 号窗口", "请 A002 号到 2 号窗口",
                                                   "请 A001 号到 1 号窗口"]
    assert data["after"] == max(e["id"] for e in data["events"])
    assert "issue" not in {e["action"] for e in data["events"]}  # taking a ticket is not announced


def test_a_call_committed_late_is_still_returned_and_sorted_by_when_it_was_made():
    _two_calls()
    calls = list(TicketEvent.objects.filter(center=station(), action="call").order_by("id"))
    early, late = calls[-2], calls[-1]
    # the later id was made first: its transaction took its id after the other's, yet its clock read earlier
    TicketEvent.objects.filter(pk=late.pk).update(at=NOW - 20 * SECOND)
    data = feed_of(late.pk).json()  # the board has shown up to the later id already
    assert [e["id"] for e in data["events"]] == [late.pk, early.pk]  # both, by (at, id)
    assert data["after"] == late.pk


def test_old_calls_are_not_returned_again_nor_the_centers_history():
    _two_calls()
    last = TicketEvent.objects.filter(center=station()).order_by("-id").first()
    with time_machine.travel(NOW + 120 * SECOND, tick=False):
        assert feed_of(last.pk).json()["events"] == []  # past the recent window: shown already
        assert len(feed_of(0).json()["events"]) == 2  # the last minutes only
    with time_machine.travel(NOW + 3600 * SECOND, tick=False):
        assert feed_of(0).json()["events"] == []  # never the history


def test_each_window_shows_its_state():
    walk_in(now=NOW - 60 * SECOND)
    walk_in(now=NOW - 50 * SECOND)
    first, second = windows()[:2]
    states = lambda: {w["number"]: (w["state"], w["ticket"]) for w in feed_of(0).json()["windows"]}  # noqa: E731
    assert states() == {first.number: ("closed", ""), second.number: ("closed", "")}
    window_open(actor=clerk(), window_id=first.pk, now=NOW)
    assert states()[first.number] == ("idle", "")
    ticket_call_next(actor=clerk(), now=NOW)
    assert states()[first.number] == ("called", "A001")
    ticket_start(actor=clerk(), now=NOW)
    window_open(actor=second_clerk(), window_id=second.pk, now=NOW)
    window_pause(actor=second_clerk(), reason="临时离岗", now=NOW)
    assert states() == {first.number: ("serving", "A001"), second.number: ("paused", "")}
    page = Client().get(board_url()).content.decode()
    assert "正在办理" in page and "暂停服务" in page and "临时离岗" not in page  # the reason is staff's business


def test_the_feed_reads_a_fixed_number_of_queries(django_assert_num_queries):
    _two_calls()
    client, url = Client(), board_url() + "feed"
    # the center, the calls (one query: the index range above two backward steps), the windows, their sessions and
    # the tickets at them; no session, no user
    with django_assert_num_queries(5):
        assert client.get(url, {"after": 0}).status_code == 200
    for _ in range(5):
        walk_in(now=NOW - 100 * SECOND)
    for i in range(3):
        ticket_recall(actor=clerk(), now=NOW - (8 - i) * SECOND)
    with django_assert_num_queries(5):
        answer = client.get(url, {"after": 0})
    assert len(answer.json()["events"]) == 5


def test_the_feed_reads_the_index_on_center_and_id():
    from django.db import connection

    _two_calls()
    assert len(feed(station(), after=0)[0]) == 2
    if connection.vendor != "sqlite":
        pytest.skip("the planner's choice on a small test table says little on PostgreSQL")
    plan = feed_queryset(station(), after=0, now=NOW).explain()
    assert "ticketevent_center" in plan and "SCAN hall_ticketevent" not in plan, plan


def test_the_board_page_seeds_what_it_shows_so_it_is_not_announced_twice():
    _two_calls()
    page = Client().get(board_url()).content.decode()
    ids = list(TicketEvent.objects.filter(center=station(), action="call").order_by("id").values_list("id", flat=True))
    assert f'data-after="{ids[-1]}"' in page
    assert f'data-seen="{ids[-2]},{ids[-1]}"' in page
    assert page.index("A002") < page.index("A001")  # newest first
