"""结对帮扶 (issue #15 item 3) through its services and pages: the community's staff pair a volunteer with a household
of their community (by 户号 or from a wish), a volunteer who claimed a wish pairs with its household; one active
pairing per volunteer and household; visits logged by the paired volunteer (date rules, what was done, needs found
told to the grid worker); ended with a reason; every role against the table; the pages each reader gets — and a
volunteer never sees the household's address, members' names, phones or ID numbers."""

import datetime
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.notifications.models import Notification
from doorstep.registry.models import Household
from doorstep.wishes.models import Pairing, PairingVisit
from doorstep.wishes.services.pairing import pairing_end, pairing_log_visit, pairing_start
from doorstep.wishes.tests.test_volunteers import JINDI, ZHANLAN, account, clerk, make_volunteer

pytestmark = pytest.mark.django_db


def household(code: str = JINDI, n: int = 0) -> Household:
    return Household.objects.filter(path__startswith=code, members__relation="head").order_by("id")[n]


def head_of(h: Household):
    return h.members.get(relation="head")


def grid_worker(h: Household) -> User:
    return User.objects.filter(role="grid_worker", org_node__code=h.path).order_by("username").first()


def start(actor=None, *, h: Household | None = None, volunteer=None, key: str | None = None, **kwargs) -> Pairing:
    h = h or household()
    volunteer = volunteer or make_volunteer()
    return pairing_start(actor=actor or clerk(), household_number=h.number, volunteer_id=volunteer.pk,
                         idempotency_key=key or new_key(), **kwargs)


def visit(pairing: Pairing, *, actor=None, day=None, done: str = "陪老人聊天，打扫卫生", needs: str = "", key=None):
    return pairing_log_visit(actor=actor or account(pairing.volunteer), pairing_id=pairing.pk,
                             visited_on=day or timezone.localdate(), done=done, needs=needs,
                             idempotency_key=key or new_key())


# ---- starting ------------------------------------------------------------------------------------------------------

def test_the_community_pairs_a_volunteer_with_a_household_by_its_number(django_capture_on_commit_callbacks):
    h = household()
    with django_capture_on_commit_callbacks(execute=True):
        pairing = start(h=h)
    assert pairing.state == "active" and pairing.household == h and pairing.path == h.path
    assert pairing.community.code == JINDI and pairing.created_by == clerk()
    name = head_of(h).name
    assert pairing.household_masked == name[0] + "*" * (len(name) - 1) + "家"
    assert Notification.objects.filter(user=grid_worker(h), kind="pairing.started").exists()
    assert Notification.objects.filter(user=clerk(), kind="pairing.started").exists()
    assert Notification.objects.filter(user_id=pairing.volunteer.user_id, kind="pairing.started").exists()
    assert AuditEvent.objects.filter(action="pairing.start", target_id=str(pairing.pk)).exists()


def test_one_active_pairing_per_volunteer_and_household_and_a_doubled_submission_pairs_once():
    volunteer, key = make_volunteer(), new_key()
    first = start(volunteer=volunteer, key=key)
    assert start(volunteer=volunteer, key=key).pk == first.pk
    with pytest.raises(Conflict, match="重复结对"):
        start(volunteer=volunteer)
    assert Pairing.objects.filter(volunteer=volunteer).count() == 1
    pairing_end(actor=clerk(), pairing_id=first.pk, reason="家庭搬离本社区")
    assert start(volunteer=volunteer).state == "active"  # ended, so a new one may begin


def test_a_household_outside_the_clerks_community_or_a_volunteer_not_on_a_roster_is_refused():
    before = Pairing.objects.count()
    with pytest.raises(ValidationFailed, match="本社区没有这个户号"):
        start(h=household(ZHANLAN))
    with pytest.raises(NotFound):
        pairing_start(actor=clerk(), household_id=household(ZHANLAN).pk, volunteer_id=make_volunteer().pk,
                      idempotency_key=new_key())
    with pytest.raises(ValidationFailed, match="在册志愿者"):
        start(volunteer=make_volunteer(state="applied"))
    with pytest.raises(ValidationFailed, match="户号"):
        pairing_start(actor=clerk(), household_number="", volunteer_id=make_volunteer().pk, idempotency_key=new_key())
    with pytest.raises(ValidationFailed):
        pairing_start(actor=clerk(), household_number="户" * 5000, volunteer_id="abc", idempotency_key=new_key())
    assert Pairing.objects.count() == before


@pytest.mark.parametrize("username", ["gw_001001001", "admin_s01", "leader_s01", "clerk_c001002", "13800000001",
                                      "clerk_s01a", "admin"])
def test_only_the_communitys_own_staff_start_a_pairing(username):
    before = Pairing.objects.count()
    with pytest.raises((PermissionDenied, NotFound, ValidationFailed)):
        start(user(username))
    assert Pairing.objects.count() == before


def test_a_volunteer_who_claimed_a_wish_pairs_with_its_household_and_others_may_not():
    from doorstep.wishes.tests.helpers import claim, published

    h = household()
    wish = published(head_of(h), code=JINDI)
    claimant, stranger = make_volunteer(), make_volunteer()
    claim(account(claimant), wish)
    with pytest.raises(PermissionDenied):
        pairing_start(actor=account(stranger), wish_id=wish.pk, idempotency_key=new_key())
    with pytest.raises(PermissionDenied):  # for someone else
        pairing_start(actor=account(claimant), wish_id=wish.pk, volunteer_id=stranger.pk, idempotency_key=new_key())
    with pytest.raises(NotFound):
        pairing_start(actor=account(claimant), wish_id="999999999", idempotency_key=new_key())
    waiting = make_volunteer(state="applied")
    with pytest.raises(PermissionDenied, match="确认"):
        pairing_start(actor=account(waiting), wish_id=wish.pk, idempotency_key=new_key())
    pairing = pairing_start(actor=account(claimant), wish_id=wish.pk, idempotency_key=new_key())
    assert pairing.household == h and pairing.wish == wish and pairing.volunteer == claimant
    # the community's staff may pair from the wish too
    other = pairing_start(actor=clerk(), wish_id=wish.pk, volunteer_id=stranger.pk, idempotency_key=new_key())
    assert other.household == h


# ---- visits and ending ---------------------------------------------------------------------------------------------

def test_the_paired_volunteer_logs_visits_and_needs_reach_the_grid_worker(django_capture_on_commit_callbacks):
    pairing = start()
    with django_capture_on_commit_callbacks(execute=True):
        first = visit(pairing)
        second = visit(pairing, needs="老人腿脚不便，需要轮椅")
    assert first.visitor == pairing.volunteer and not first.needs and second.needs == "老人腿脚不便，需要轮椅"
    told = Notification.objects.filter(user=grid_worker(pairing.household), kind="pairing.needs")
    assert told.count() == 1 and "轮椅" in told.get().body


@pytest.mark.parametrize("changes, field", [
    ({"day": timezone.localdate() + datetime.timedelta(days=1)}, "visited_on"),
    ({"day": timezone.localdate() - datetime.timedelta(days=3)}, "visited_on"),  # before the pairing began
    ({"day": "2026-13-45"}, "visited_on"),
    ({"day": "昨天"}, "visited_on"),
    ({"done": "好"}, "done"),
    ({"done": "做" * 501}, "done"),
    ({"needs": "要" * 501}, "needs"),
    ({"key": "bad"}, "idempotency_key"),
])
def test_a_visit_with_bad_input_is_refused_in_chinese_and_nothing_is_saved(changes, field):
    pairing = start()
    with pytest.raises(ValidationFailed) as refused:
        visit(pairing, **changes)
    assert refused.value.field == field and re.search(r"[\u4e00-\u9fff]", refused.value.message)
    assert not PairingVisit.objects.filter(pairing=pairing).exists()


def test_a_doubled_visit_is_logged_once_and_only_the_paired_volunteer_logs():
    pairing = start()
    key = new_key()
    assert visit(pairing, key=key).pk == visit(pairing, key=key).pk
    assert PairingVisit.objects.filter(pairing=pairing).count() == 1
    for who in (clerk(), grid_worker(pairing.household), user("leader_s01")):
        with pytest.raises((PermissionDenied, NotFound)):
            visit(pairing, actor=who)
    with pytest.raises(NotFound):
        visit(pairing, actor=account(make_volunteer()))
    with pytest.raises(NotFound):
        visit(pairing, actor=clerk(ZHANLAN))


def test_a_pairing_ends_with_a_reason_by_either_side_and_takes_no_more_visits():
    pairing = start()
    with pytest.raises(ValidationFailed, match="原因"):
        pairing_end(actor=account(pairing.volunteer), pairing_id=pairing.pk, reason="")
    for who in (grid_worker(pairing.household), user("admin_s01"), user("13800000001")):
        with pytest.raises((PermissionDenied, NotFound)):
            pairing_end(actor=who, pairing_id=pairing.pk, reason="不再需要帮扶")
    ended = pairing_end(actor=account(pairing.volunteer), pairing_id=pairing.pk, reason="工作调动，无法继续")
    assert ended.state == "ended" and ended.ended_reason == "工作调动，无法继续"
    with pytest.raises(Conflict):
        visit(pairing)
    with pytest.raises(Conflict):
        pairing_end(actor=clerk(), pairing_id=pairing.pk, reason="再次结束")
    second = start()
    assert pairing_end(actor=clerk(), pairing_id=second.pk, reason="家庭已脱困").state == "ended"


# ---- pages ---------------------------------------------------------------------------------------------------------

def client_for(who) -> Client:
    client = Client()
    client.force_login(who)
    return client


def page(response) -> str:
    return response.content.decode()


def private_facts(h: Household) -> list[str]:
    """What a volunteer must never read of a household: its number, building and room, members' names, phones and
    ID numbers (masked forms included)."""
    facts = [h.number, h.room, h.building.name, h.building.address]
    for r in h.members.all():
        facts += [r.name, r.id_number_masked, r.phone_masked]
    return [f for f in facts if f]


def test_a_volunteer_sees_their_pairings_and_logs_a_visit_on_the_phone_without_the_households_private_facts():
    pairing = start()
    visit(pairing, needs="需要更换灯泡")
    client = client_for(account(pairing.volunteer))
    listing = page(client.get("/volunteers/pairings/"))
    detail = page(client.get(f"/volunteers/pairings/{pairing.pk}/"))
    assert pairing.household_masked in listing and pairing.household_masked in detail
    assert 'data-testid="visit-form"' in detail and 'data-testid="end-form"' in detail
    assert "需要更换灯泡" in detail  # their own visit's needs
    for fact in private_facts(pairing.household):
        assert fact not in listing and fact not in detail, fact
    response = client.post(f"/volunteers/pairings/{pairing.pk}/visit/",
                           {"visited_on": timezone.localdate().isoformat(), "done": "送去米和油",
                            "needs": "", "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 303 and PairingVisit.objects.filter(pairing=pairing).count() == 2


def test_a_visit_form_with_bad_input_shows_the_reason_and_a_doubled_one_logs_once():
    pairing = start()
    client = client_for(account(pairing.volunteer))
    url = f"/volunteers/pairings/{pairing.pk}/visit/"
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    for data in ({"visited_on": future, "done": "送去米和油"}, {"visited_on": "x" * 3000, "done": "送去米和油"},
                 {"visited_on": timezone.localdate().isoformat(), "done": ""},
                 {"visited_on": timezone.localdate().isoformat(), "done": "好" * 5000}):
        response = client.post(url, {**data, "idempotency_key": str(uuid.uuid4())})
        assert response.status_code == 400 and re.search(r'data-testid="visit-error">[^<]*[\u4e00-\u9fff]',
                                                         page(response))
    assert not PairingVisit.objects.filter(pairing=pairing).exists()
    data = {"visited_on": timezone.localdate().isoformat(), "done": "送去米和油", "idempotency_key": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 303 and client.post(url, data).status_code == 303
    assert PairingVisit.objects.filter(pairing=pairing).count() == 1


def test_the_community_and_the_grid_worker_read_pairings_with_needs_and_only_the_right_buttons():
    pairing = start()
    visit(pairing, needs="屋顶漏水")
    staff = client_for(clerk())
    listing = page(staff.get("/volunteers/pairings/"))
    assert pairing.volunteer.name in listing and "屋顶漏水" in listing and 'data-testid="pairing-new"' in listing
    detail = page(staff.get(f"/volunteers/pairings/{pairing.pk}/"))
    assert pairing.household.number in detail and 'data-testid="end-form"' in detail
    assert 'data-testid="visit-form"' not in detail
    grid = client_for(grid_worker(pairing.household))
    listing = page(grid.get("/volunteers/pairings/"))
    assert "屋顶漏水" in listing and 'data-testid="pairing-new"' not in listing
    detail = page(grid.get(f"/volunteers/pairings/{pairing.pk}/"))
    assert "屋顶漏水" in detail and 'data-testid="visit-form"' not in detail and 'data-testid="end-form"' not in detail
    # another community's clerk, another volunteer and a grid worker elsewhere find nothing
    other_grid = User.objects.filter(role="grid_worker", org_node__code__startswith=ZHANLAN).first()
    for who in (clerk(ZHANLAN), account(make_volunteer()), other_grid):
        assert client_for(who).get(f"/volunteers/pairings/{pairing.pk}/").status_code == 404
        assert pairing.household_masked not in page(client_for(who).get("/volunteers/pairings/"))


def test_the_pairing_pages_answer_bad_ids_and_unpermitted_starts():
    client = client_for(clerk())
    for path in ("/volunteers/pairings/999999999/", "/volunteers/pairings/0/"):
        assert client.get(path).status_code == 404
    assert client_for(user("gw_001001001")).get("/volunteers/pairings/new/").status_code == 403
    assert client_for(user("13800000001")).post("/volunteers/pairings/new/", {}).status_code == 403
    assert client_for(user("clerk_s01a")).get("/volunteers/pairings/").status_code == 403


def test_the_community_starts_a_pairing_on_the_page_once_and_bad_input_is_told(django_assert_max_num_queries):
    volunteer, h = make_volunteer(), household(n=1)
    client = client_for(clerk())
    form_html = page(client.get("/volunteers/pairings/new/"))
    assert volunteer.name in form_html and 'name="idempotency_key"' in form_html
    bad = client.post("/volunteers/pairings/new/", {"household": "不存在的户号", "volunteer": str(volunteer.pk),
                                                     "idempotency_key": str(uuid.uuid4())})
    assert bad.status_code == 400 and "本社区没有这个户号" in page(bad)
    missing = client.post("/volunteers/pairings/new/", {"household": h.number, "idempotency_key": str(uuid.uuid4())})
    assert missing.status_code == 400 and "志愿者" in page(missing)
    data = {"household": h.number, "volunteer_number": volunteer.number, "idempotency_key": str(uuid.uuid4())}
    first, second = client.post("/volunteers/pairings/new/", data), client.post("/volunteers/pairings/new/", data)
    assert first.status_code == second.status_code == 303 and first["Location"] == second["Location"]
    assert Pairing.objects.filter(volunteer=volunteer, household=h).count() == 1
    for _i in range(12):
        start(volunteer=make_volunteer(), h=h)
    client.get("/volunteers/pairings/")
    with django_assert_max_num_queries(10):
        assert client.get("/volunteers/pairings/").status_code == 200


def test_the_community_pairs_only_its_own_members_unless_they_claimed_the_households_wish():
    outsider = make_volunteer(ZHANLAN)
    with pytest.raises(ValidationFailed) as refused:
        start(volunteer=outsider)
    assert "本社区名册" in refused.value.message
    assert not Pairing.objects.filter(volunteer=outsider).exists()
