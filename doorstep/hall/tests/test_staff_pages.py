"""The hall's staff pages over HTTP (issue #14 items 4 and 5): the arrival desk and its printed ticket, the window
console and the case intake page fed by the ticket at the window. Who sees what (the center's clerk, another
center's clerk, a clerk without a center, a resident, a grid worker, a leader, nobody logged in); every button drawn
only when the authority table and the ticket machine allow it; bad input refused in Chinese with a 4xx and nothing
changed; the pages' queries counted. The clock stands at MONDAY 09:00 in Beijing (time_machine)."""

import datetime
import re

import pytest
import time_machine
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import user
from doorstep.core.crypto import decrypt
from doorstep.core.idempotency import new_key
from doorstep.core.templatetags.doorstep_tags import mask_name
from doorstep.hall.models import Slot, Ticket, WindowSession
from doorstep.hall.services.windows import (
    ticket_call_next,
    ticket_recall,
    ticket_start,
    window_open,
    window_pause,
)
from doorstep.hall.tests.helpers import (
    ITEM,
    MONDAY,
    at,
    book,
    clerk,
    first_slot_start,
    other_clerk,
    resident_account,
    station,
    walk_in,
    windows,
)
from doorstep.hall.tests.test_queue import second_clerk, young
from doorstep.hall.workflow import BookingState, TicketState
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db

DESK, CHECK_IN, WALK_IN = "/hall/desk/", "/hall/desk/check-in/", "/hall/desk/walk-in/"
CONSOLE, ACT = "/hall/window/", "/hall/window/act/"
NOW = MONDAY  # 09:00 on an ordinary working Monday


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def text_of(response) -> str:
    return response.content.decode()


def error_of(response) -> str:
    """The refusal the page shows (desk, console or the error page)."""
    found = re.search(r'data-testid="(?:desk-error|window-error|error)"[^>]*>(.*?)</div>', text_of(response), re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip() if found else ""


def booked_today(person=None):
    """A booking of today's slot that starts at 09:00 or after: checked in at 09:00, it is on time."""
    person = person or young(1)[0]
    first_slot_start(day=NOW.date(), now=at(NOW.date(), 8))
    start = (Slot.objects.filter(center=station(), day=NOW.date(), pool="", starts_at__gte=NOW)
             .order_by("starts_at").first().starts_at)
    return book(clerk(), person, start=start, now=at(NOW.date(), 8))


def today():
    """The station's tickets of the test's day (the demo's history holds tickets of earlier days)."""
    return Ticket.objects.filter(center=station(), day=NOW.date())


def elder() -> Resident:
    return Resident.objects.filter(status="active", birth_date__lt=datetime.date(1950, 1, 1)).order_by("id").first()


# ---- who may open the pages ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", [DESK, CONSOLE])
def test_only_clerks_open_the_desk_and_the_console(page):
    anonymous = Client().get(page)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for account in (resident_account(), user("gw_001002001"), user("leader")):
        refused = client_for(account).get(page)
        assert refused.status_code == 403 and "您的角色不能使用这个页面" in text_of(refused), account.username
    assert client_for(clerk()).get(page).status_code == 200
    assert client_for(other_clerk()).get(page).status_code == 200  # their own station's page


def test_a_clerk_whose_node_has_no_center_is_told_so():
    lost = user("clerk_other")  # the other district's street: no center there
    desk = client_for(lost).get(DESK)
    assert desk.status_code == 200 and 'data-testid="desk-no-center"' in text_of(desk)
    assert "check-in-form" not in text_of(desk)
    console = client_for(lost).get(CONSOLE)
    assert console.status_code == 200 and 'data-testid="window-no-center"' in text_of(console)
    refused = client_for(lost).post(WALK_IN, {"idempotency_key": new_key()})
    assert refused.status_code == 403 and "没有服务中心" in text_of(refused)
    assert not today().exists()


# ---- the desk --------------------------------------------------------------------------------------------------------

def test_the_desk_lists_todays_bookings_masked_and_the_waiting_queue():
    person = young(1)[0]
    booked_today(person)
    walk_in(now=NOW - datetime.timedelta(minutes=12))
    page = text_of(client_for(clerk()).get(DESK))
    assert station().name in page
    assert re.search(r'id="desk-code"[^>]*autofocus', page)  # the scanner and the card reader type here
    assert re.search(r'data-testid="booking-name">([^<]*)<', page).group(1) == mask_name(person.name)
    assert person.name not in page and decrypt(bytes(person.id_number_enc)) not in page
    assert 'data-testid="waiting-number">A001<' in page and "已等12分钟" in page
    assert "选号呼叫" not in page  # the desk calls nobody
    # another station's clerk sees neither
    elsewhere = text_of(client_for(other_clerk()).get(DESK))
    assert "A001" not in elsewhere and 'data-testid="booking-row"' not in elsewhere


def test_check_in_by_code_shows_the_ticket_big_with_its_slip():
    booking = booked_today()
    walk_in(now=NOW - datetime.timedelta(minutes=5))  # one person in the queue already
    client = client_for(clerk())
    response = client.post(CHECK_IN, {"code": booking.code, "idempotency_key": new_key()})
    assert response.status_code == 303 and "?issued=" in response["Location"]
    ticket = Ticket.objects.get(booking=booking)
    page = text_of(client.get(response["Location"]))
    assert 'data-testid="issued-number">Y001<' in page
    assert f'data-testid="issued-class">{ticket.priority_rule.name}<' in page
    ahead = re.search(r'data-testid="issued-ahead">([^<]*)<', page).group(1)
    assert ahead.strip() == "前面还有 0 人"  # an on-time booking ranks above the walk-in
    assert f"/hall/desk/tickets/{ticket.pk}/slip/" in page
    slip = client.get(f"/hall/desk/tickets/{ticket.pk}/slip/")
    body = text_of(slip)
    assert slip.status_code == 200 and "Y001" in body and station().name in body
    assert booking.applicant.name not in body  # the slip carries nothing personal
    assert slip["Cache-Control"] == "private, no-store"
    booking.refresh_from_db()
    assert booking.state == BookingState.ARRIVED


def test_the_slip_carries_the_public_page_under_the_public_base_url(settings):
    from django.urls import NoReverseMatch, reverse

    settings.DOORSTEP_PUBLIC_BASE_URL = "https://doorstep.example.gov.cn"
    ticket = walk_in(now=NOW)
    body = text_of(client_for(clerk()).get(f"/hall/desk/tickets/{ticket.pk}/slip/"))
    try:
        reverse("hall:ticket-public", args=["x"])
    except NoReverseMatch:
        pytest.skip("the public ticket page (hall:ticket-public) is not routed yet")
    assert "<svg" in body and "https://doorstep.example.gov.cn/hall/" in body and "testserver" not in body


def test_check_in_by_id_number_read_from_the_card():
    person = young(1)[0]
    booking = booked_today(person)
    response = client_for(clerk()).post(CHECK_IN, {"code": decrypt(bytes(person.id_number_enc)),
                                                   "idempotency_key": new_key()})
    assert response.status_code == 303
    assert Ticket.objects.get(booking=booking).number == "Y001"


def test_a_scanned_link_is_read_as_its_booking_code():
    booking = booked_today()
    response = client_for(clerk()).post(CHECK_IN, {"code": f"https://doorstep.example.gov.cn/hall/b/{booking.code}",
                                                   "idempotency_key": new_key()})
    assert response.status_code == 303 and Ticket.objects.filter(booking=booking).exists()


def test_a_doubled_check_in_gives_one_ticket():
    booking = booked_today()
    client, key = client_for(clerk()), new_key()
    first = client.post(CHECK_IN, {"code": booking.code, "idempotency_key": key})
    second = client.post(CHECK_IN, {"code": booking.code, "idempotency_key": key})
    assert first["Location"] == second["Location"] and today().count() == 1


def test_walk_in_with_item_resident_and_declared_class():
    old = elder()
    client = client_for(clerk())
    response = client.post(WALK_IN, {"item": f"{ITEM} 老年人优待证办理",
                                     "id_number": decrypt(bytes(old.id_number_enc)), "idempotency_key": new_key()})
    assert response.status_code == 303
    ticket = today().get()
    assert ticket.item.code == ITEM and ticket.applicant_id == old.pk and ticket.priority_rule.basis == "age"
    assert AuditEvent.objects.filter(action="registry.search", actor_id=clerk().pk).exists()  # the ID lookup is audited
    response = client.post(WALK_IN, {"item": "", "id_number": "", "declared": "pregnant",
                                     "idempotency_key": new_key()})
    assert response.status_code == 303
    assert today().order_by("-id").first().priority_rule.code == "pregnant"
    page = text_of(client.get(response["Location"]))
    assert 'data-testid="issued-number">A002<' in page


@pytest.mark.parametrize("form, fields, status, said", [
    ("check_in", {"code": "12ab"}, 400, "身份证号应为18位"),
    ("check_in", {"code": "1234567"}, 400, "预约码是8位数字"),
    ("check_in", {"code": "00000000"}, 404, "没有找到本中心今天的这个预约"),
    ("check_in", {"code": ""}, 400, "请输入预约码"),
    ("check_in", {"code": "1" * 5000}, 400, "输入过长"),
    ("check_in", {"code": "12345678", "declared": "nope"}, 404, "没有找到"),
    ("walk_in", {"item": "没有这个事项"}, 400, "没有找到该事项"),
    ("walk_in", {"item": "x" * 5000}, 400, "事项名称过长"),
    ("walk_in", {"id_number": "430302199901011234"}, 400, "证件号码"),
    ("walk_in", {"declared": "vip"}, 400, "优先类别无效"),
    ("walk_in", {"declared": "age70"}, 400, "优先类别无效"),  # age is read from the registry, not declared
])
def test_bad_desk_input_is_refused_in_chinese_and_issues_nothing(form, fields, status, said):
    url = CHECK_IN if form == "check_in" else WALK_IN
    response = client_for(clerk()).post(url, {**fields, "idempotency_key": new_key()})
    assert response.status_code == status and said in error_of(response), (response.status_code, error_of(response))
    assert 'data-testid="desk-error"' in text_of(response)
    assert not today().exists()


def test_control_characters_and_a_missing_key_are_refused():
    client = client_for(clerk())
    assert client.post(CHECK_IN, {"code": "1234\x005678", "idempotency_key": new_key()}).status_code == 400
    missing = client.post(WALK_IN, {"item": ""})
    assert missing.status_code == 400 and "提交编号" in text_of(missing)
    assert not today().exists()


def test_another_centers_clerk_cannot_check_in_here_or_print_a_ticket_of_ours():
    booking = booked_today()
    refused = client_for(other_clerk()).post(CHECK_IN, {"code": booking.code, "idempotency_key": new_key()})
    assert refused.status_code == 404  # their station has no such booking today
    ticket = walk_in(now=NOW)
    for ticket_id in (ticket.pk, "abc", "9" * 40, 99999999):
        response = client_for(other_clerk()).get(f"/hall/desk/tickets/{ticket_id}/slip/")
        assert response.status_code == 404, ticket_id
    assert client_for(clerk()).get(f"{DESK}?issued=9{'9' * 30}").status_code == 404
    assert not Ticket.objects.filter(booking=booking).exists()


def test_the_desk_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(clerk())
    people = young(9)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DESK).status_code == 200
        return len(queries)

    walk_in(now=NOW - datetime.timedelta(minutes=9), applicant=people[0], item=ITEM)
    booked_today(people[1])
    client.get(DESK)  # the first request of a session writes to it
    few = count()
    for i in range(2, 7):
        walk_in(now=NOW - datetime.timedelta(minutes=i), applicant=people[i], item=ITEM)
    for person in people[7:]:
        booked_today(person)
    assert count() == few, connection_queries(client)  # no query per row
    # session, user, node, the center, the declared rules, the items, bookings (count, ids, rows), waiting (count,
    # ids, rows: core.paging reads a small page by its ids on SQLite), unread notifications
    with django_assert_max_num_queries(13):
        client.get(DESK)
    ticket = today().order_by("id").last()
    # and the issued ticket with its place in the queue (selectors.queue.queue_place: ahead, windows, service time,
    # the center's measured wait band)
    with django_assert_max_num_queries(19, info=connection_queries(client, f"{DESK}?issued={ticket.pk}")):
        assert client.get(f"{DESK}?issued={ticket.pk}").status_code == 200


def console_queries(client) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(CONSOLE)
    return "\n".join(q["sql"][:200] for q in queries.captured_queries)


def connection_queries(client, url=DESK) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return "\n".join(q["sql"][:300] for q in queries.captured_queries)


# ---- the window console ------------------------------------------------------------------------------------------

def buttons(page: str) -> set[str]:
    names = ("open-window", "call-next", "call-chosen", "recall", "start", "skip", "transfer", "accept", "finish",
             "pause", "resume", "close")
    return {n for n in names if f'data-testid="{n}"' in page}


def test_holding_no_window_shows_the_centers_windows_and_who_holds_them():
    first, second = windows()[:2]
    window_open(actor=second_clerk(), window_id=first.pk, now=NOW)
    page = text_of(client_for(clerk()).get(CONSOLE))
    assert page.count('data-testid="window-row"') == len(windows())
    assert page.count('data-testid="open-window"') == len(windows()) - 1  # not on the held one
    holder = second_clerk()
    assert (holder.full_name or holder.username) in page
    assert buttons(page) == {"open-window"}
    response = client_for(clerk()).post(ACT, {"action": "open", "window": second.pk})
    assert response.status_code == 303 and response["Location"] == CONSOLE
    assert WindowSession.objects.get(user=clerk(), closed_at__isnull=True).window_id == second.pk


def test_no_role_is_offered_a_button_the_authority_table_refuses_it():
    """ticket_buttons asks hall.authority.permitted for each button: walk every role at the center, holding the
    window a ticket is called to, and compare with the table itself."""
    from doorstep.accounts.models import User
    from doorstep.accounts.roles import Role
    from doorstep.hall.authority import HALL_AUTHORITY, Extra, Relation
    from doorstep.hall.selectors.staff import ticket_buttons
    from doorstep.hall.services.common import policy_for
    from doorstep.hall.workflow import TicketAction

    center = station()
    walk_in(now=NOW)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    ticket = ticket_call_next(actor=clerk(), now=NOW)
    session = WindowSession.objects.get(user=clerk(), closed_at__isnull=True)
    for _ in range(2):
        ticket_recall(actor=clerk(), now=NOW)
    ticket.refresh_from_db()
    names = {"open": Extra.OPEN_WINDOW, "pause": Extra.OPEN_WINDOW, "resume": Extra.OPEN_WINDOW,
             "close": Extra.OPEN_WINDOW, "next": TicketAction.CALL, "chosen": Extra.CALL_CHOSEN,
             "accept": Extra.ACCEPT_CASE, **{a.value: a for a in TicketAction}}
    for role in Role:
        actor = User(role=role.value, org_node=center.org_node, username=f"hall_{role.value}")  # never saved
        for held_ticket in (None, ticket):
            shown, _left = ticket_buttons(actor, center=center, session=session, ticket=held_ticket,
                                          policy=policy_for(center))
            for name in shown:
                allowed = HALL_AUTHORITY.get((role.value, names[name]), frozenset())
                assert allowed & {Relation.CENTER, Relation.MY_WINDOW}, (role, name)
        if role != Role.CLERK:
            assert not ticket_buttons(actor, center=center, session=None, ticket=None, policy=None)[0], role


def test_an_empty_queue_says_so_on_next():
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    client = client_for(clerk())
    page = text_of(client.get(CONSOLE))
    assert buttons(page) == {"call-next", "pause", "close"}  # nobody waits: no row to choose
    answer = client.post(ACT, {"action": "next"}, follow=True)
    assert "当前没有等候的号" in text_of(answer)


def test_the_buttons_follow_the_ticket_and_the_authority_table():
    walk_in(now=NOW - datetime.timedelta(minutes=3), applicant=young(1)[0], item=ITEM)
    walk_in(now=NOW - datetime.timedelta(minutes=2))
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    client = client_for(clerk())
    waiting = text_of(client.get(CONSOLE))
    assert buttons(waiting) == {"call-next", "call-chosen", "pause", "close"}
    assert waiting.count('data-testid="call-chosen"') == 2
    client.post(ACT, {"action": "next"})
    called = text_of(client.get(CONSOLE))
    assert 'data-testid="current-number">A001<' in called
    # called: recall, start, transfer, accept; skip only after the policy's two recalls; no finish, no close
    assert buttons(called) == {"recall", "start", "transfer", "accept", "pause"}
    assert "再重呼2次仍未到窗口，才能过号" in called
    name = young(1)[0].name
    assert name not in called and name[0] in called  # masked
    for _ in range(2):
        assert client.post(ACT, {"action": "recall"}).status_code == 303
    recalled = text_of(client.get(CONSOLE))
    assert "skip" in buttons(recalled) and "已重呼2次" in recalled
    client.post(ACT, {"action": "start"})
    serving = text_of(client.get(CONSOLE))
    assert buttons(serving) == {"transfer", "accept", "finish", "pause"}
    assert "/window/?ticket=" in serving
    assert client.post(ACT, {"action": "finish"}).status_code == 303
    assert today().get(seq=1).state == TicketState.DONE
    client.post(ACT, {"action": "pause", "reason": "临时离岗"})
    paused = text_of(client.get(CONSOLE))
    assert buttons(paused) == {"resume", "close"} and "临时离岗" in paused
    client.post(ACT, {"action": "resume"})
    assert client.post(ACT, {"action": "close"}).status_code == 303
    assert not WindowSession.objects.filter(user=clerk(), closed_at__isnull=True).exists()


def test_transfer_to_another_window_or_a_group():
    walk_in(now=NOW - datetime.timedelta(minutes=3))
    walk_in(now=NOW - datetime.timedelta(minutes=2))
    first, second = windows()[:2]
    window_open(actor=clerk(), window_id=first.pk, now=NOW)
    client = client_for(clerk())
    client.post(ACT, {"action": "next"})
    page = text_of(client.get(CONSOLE))
    assert f'value="w:{second.pk}"' in page and f'value="w:{first.pk}"' not in page and 'value="g:' in page
    assert client.post(ACT, {"action": "transfer", "to": f"w:{second.pk}"}).status_code == 303
    moved = today().get(seq=1)
    assert moved.state == TicketState.WAITING and moved.target_window_id == second.pk
    client.post(ACT, {"action": "next"})
    group = today().get(seq=2).item  # none; sent to a group by its code
    assert group is None
    from doorstep.catalog.models import Category

    code = Category.objects.order_by("code").first().code
    assert client.post(ACT, {"action": "transfer", "to": f"g:{code}"}).status_code == 303
    assert today().get(seq=2).pool == code


@pytest.mark.parametrize("post, status, said", [
    ({"action": "pause", "reason": "   "}, 400, "请填写暂停原因"),
    ({"action": "pause", "reason": "长" * 5000}, 400, "暂停原因最多100个字"),
    ({"action": "chosen", "ticket": "abc"}, 404, "未找到"),
    ({"action": "chosen", "ticket": "9" * 40}, 404, "未找到"),
    ({"action": "transfer", "to": "g:NOPE"}, 409, "窗口当前没有号"),
    ({"action": "transfer", "to": ""}, 400, "请选择转到哪个窗口"),
    ({"action": "explode"}, 400, "未知的操作"),
    ({"action": "skip"}, 409, "窗口当前没有号"),
    ({"action": "open", "window": "1" * 40}, 404, "未找到"),
])
def test_refused_presses_change_nothing_and_say_why(post, status, said):
    walk_in(now=NOW)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    before = list(today().values_list("state", "window_id"))
    response = client_for(clerk()).post(ACT, post)
    assert response.status_code == status and said in error_of(response), (response.status_code, error_of(response))
    assert 'data-testid="window-error"' in text_of(response)
    assert list(today().values_list("state", "window_id")) == before
    assert WindowSession.objects.get(user=clerk(), closed_at__isnull=True).paused_at is None


def test_refusals_at_a_called_ticket():
    walk_in(now=NOW)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    ticket_call_next(actor=clerk(), now=NOW)
    client = client_for(clerk())
    skip = client.post(ACT, {"action": "skip"})
    assert skip.status_code == 409 and "重呼满2次" in text_of(skip)
    finish = client.post(ACT, {"action": "finish"})
    assert finish.status_code == 409 and "已叫号" in text_of(finish)
    bad_group = client.post(ACT, {"action": "transfer", "to": "g:NOPE"})
    assert bad_group.status_code == 400 and "业务类别无效" in text_of(bad_group)
    no_choice = client.post(ACT, {"action": "transfer", "to": "x"})
    assert no_choice.status_code == 400 and "请选择转到哪个窗口" in text_of(no_choice)
    close = client.post(ACT, {"action": "close"})
    assert close.status_code == 409 and "请先办结" in text_of(close)
    assert today().get().state == TicketState.CALLED


def test_a_held_window_cannot_be_taken_and_another_centers_clerk_cannot_open_ours():
    open_before = WindowSession.objects.filter(closed_at__isnull=True).count()  # the demo's live hall, in hours
    first = windows()[0]
    window_open(actor=second_clerk(), window_id=first.pk, now=NOW)
    taken = client_for(clerk()).post(ACT, {"action": "open", "window": first.pk})
    assert taken.status_code == 409 and "已有工作人员值守" in text_of(taken)
    foreign = client_for(other_clerk()).post(ACT, {"action": "open", "window": windows()[1].pk})
    assert foreign.status_code == 403 and "本服务中心工作人员" in text_of(foreign)
    assert WindowSession.objects.filter(closed_at__isnull=True).count() == open_before + 1


def test_other_roles_cannot_press():
    open_before = set(WindowSession.objects.filter(closed_at__isnull=True).values_list("pk", flat=True))
    walk_in(now=NOW)
    for account in (resident_account(), user("gw_001002001"), user("leader")):
        assert client_for(account).post(ACT, {"action": "open", "window": windows()[0].pk}).status_code == 403
    assert Client().post(ACT, {"action": "next"}).status_code == 302
    assert set(WindowSession.objects.filter(closed_at__isnull=True).values_list("pk", flat=True)) == open_before


def test_the_console_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    for i in range(8):
        walk_in(now=NOW - datetime.timedelta(minutes=i), item=ITEM)
    ticket_call_next(actor=clerk(), now=NOW)
    client = client_for(clerk())
    client.get(CONSOLE)
    # session, user, the held window, the ticket at it, the policy, the transfer windows and groups, waiting (2)
    with django_assert_max_num_queries(12, info=console_queries(client)):
        assert client.get(CONSOLE).status_code == 200
    ticket_start(actor=clerk(), now=NOW)
    window_pause(actor=clerk(), reason="午休", now=NOW)
    with django_assert_max_num_queries(12):
        assert client.get(CONSOLE).status_code == 200


# ---- the case intake page with the ticket at the window -----------------------------------------------------------

def _booked_ticket_at_window():
    person = young(1)[0]
    booking = booked_today(person)
    client = client_for(clerk())
    client.post(CHECK_IN, {"code": booking.code, "idempotency_key": new_key()})
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    ticket = ticket_call_next(actor=clerk(), now=NOW)
    return person, ticket, client


def test_accepting_at_the_window_turns_the_ticket_into_a_case():
    person, ticket, client = _booked_ticket_at_window()
    page = text_of(client.get(f"/window/?ticket={ticket.pk}"))
    assert 'data-testid="window-applicant">' + person.name in page  # the booking's applicant, prefilled
    assert f'name="item" value="{ITEM}"' in page and 'data-testid="hall-ticket"' in page
    materials = list(MaterialRequirement.objects.filter(item__code=ITEM).values_list("id", flat=True))
    form = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    response = client.post("/window/accept/", {"resident": person.pk, "item": ITEM, "material": materials,
                                               "consent": "1", "decision": "accept", "idempotency_key": form,
                                               "hall_ticket": ticket.pk})
    assert response.status_code == 302
    case = Case.objects.filter(applicant=person, item__code=ITEM).latest("id")  # the demo may hold older ones
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE and ticket.case_id == case.pk and ticket.started_at is not None


def test_the_intake_page_prefills_only_the_ticket_at_my_window():
    person, ticket, client = _booked_ticket_at_window()
    other = walk_in(now=NOW)
    assert 'data-testid="window-applicant"' not in text_of(client.get(f"/window/?ticket={other.pk}"))
    elsewhere = client_for(other_clerk()).get(f"/window/?ticket={ticket.pk}")
    assert elsewhere.status_code == 200 and 'data-testid="window-applicant"' not in text_of(elsewhere)
    assert client.get("/window/?ticket=" + "9" * 40).status_code == 200  # an unknown ticket: the plain page


def test_accepting_without_the_box_leaves_the_ticket_at_the_window():
    person, ticket, client = _booked_ticket_at_window()
    materials = list(MaterialRequirement.objects.filter(item__code=ITEM).values_list("id", flat=True))
    client.get(f"/window/?ticket={ticket.pk}")
    client.post("/window/accept/", {"resident": person.pk, "item": ITEM, "material": materials, "consent": "1",
                                    "decision": "accept", "idempotency_key": new_key()})
    ticket.refresh_from_db()
    assert ticket.state == TicketState.CALLED and ticket.case_id is None


def test_recalls_reach_the_board_feed():
    walk_in(now=NOW)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=NOW)
    ticket_call_next(actor=clerk(), now=NOW)
    ticket_recall(actor=clerk(), now=NOW)
    feed = Client().get(f"/hall/board/{station().pk}/feed?after=0").json()  # the last minutes
    assert [e["action"] for e in feed["events"]] == ["call", "recall"]
