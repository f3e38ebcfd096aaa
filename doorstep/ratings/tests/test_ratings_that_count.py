"""Ratings that count (issue #11, item 7): refused and rejected cases are rated like concluded ones, once; a bad
rating is answered by the center's supervisor or leader, never by the clerk it rates; the rated clerk may appeal to
the district, which decides with a reason (upheld: kept, shown, left out of the figures); rating keeps the pickup
choice; ratings come from the window's rating pad and from a signed one-time SMS link."""

import datetime
import itertools
import time

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case, MaterialHandover
from doorstep.cases.services import (
    DeliveryProofIn,
    case_choose_delivery,
    case_refuse_at_window,
    case_transition,
    handover_receive,
)
from doorstep.conftest import accept, found, user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key, was_replayed
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.notifications.models import Notification
from doorstep.ratings import authority
from doorstep.ratings.models import Appeal, FollowUp, Rating
from doorstep.ratings.selectors import (
    LinkGone,
    follow_up_list_for_user,
    pad_case_for_user,
    pad_clerk,
    pad_token_for,
    rating_figures,
    rating_link_case,
    rating_link_token,
)
from doorstep.ratings.services import (
    appeal_decide,
    appeal_file,
    follow_up_answer,
    rating_invitations,
    rating_link,
    rating_submit,
    rating_submit_at_pad,
    rating_submit_by_link,
)
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
XIE = "13800000001"
BAD = {"overall": 1, "efficiency": 2, "service": 2, "attitude": 1, "comment": "材料明明带齐了，却说缺少，态度很差"}
GOOD = {"overall": 5, "efficiency": 5, "service": 5, "attitude": 5}
ANSWER = "已核实：经办人对材料要求理解有误，已组织窗口人员培训，并电话向您致歉。"
APPEAL = "该居民所缺户口簿原件确为必备材料，一次性告知书已当面交付并签收，差评与事实不符。"


def xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def refused_case(clerk: str = "clerk_c001001") -> Case:
    actor = user(clerk)
    found(actor, xie().pk)
    return case_refuse_at_window(actor=actor, item_code="WJ-C02", applicant_id=xie().pk, missing_material_ids=[],
                                 reason="缺少户口簿原件", idempotency_key=new_key())


def rejected_case() -> Case:
    clerk = user("clerk_c001001")
    case = accept(actor=clerk, item_code="MZ-S01", applicant_id=xie().pk)
    case_transition(actor=clerk, case_id=case.pk, action="forward")
    for handover in MaterialHandover.objects.filter(case=case):  # the street signs for the papers, then decides
        handover_receive(actor=user("approver_s01"), handover_id=handover.pk)
    return case_transition(actor=user("approver_s01"), case_id=case.pk, action="reject", note="家庭收入超过标准")


def concluded_case(clerk: str = "clerk_c001001") -> Case:
    case = accept(actor=user(clerk), item_code="WJ-C02", applicant_id=xie().pk)
    return case_transition(actor=user(clerk), case_id=case.pk, action="conclude")


def bad_rating(case: Case | None = None) -> Rating:
    case = case or refused_case()
    return rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=new_key(), **BAD)


def logged_in(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    return client


# ---- 1. every decided case is rated, once -------------------------------------------------------------------------

def test_a_refused_case_is_rated_by_its_applicant_and_stays_refused():
    case = refused_case()
    rating = rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=new_key(), **GOOD)
    assert Case.objects.get(pk=case.pk).state == "refused"  # the terminal state is kept
    assert rating.source == "app" and rating.staff_id == user("clerk_c001001").pk
    assert AuditEvent.objects.filter(action="rating.create", target_id=str(rating.pk)).exists()


def test_a_rejected_case_is_rated_and_its_bad_rating_opens_a_follow_up():
    case = rejected_case()
    rating = rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=new_key(), **BAD)
    assert Case.objects.get(pk=case.pk).state == "rejected"
    assert FollowUp.objects.get(rating=rating).org_node.code == "430302001001"  # the center that served


def test_one_rating_per_case_twice_submitted_or_not_and_in_the_database():
    case = refused_case()
    key = new_key()
    first = rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=key, **GOOD)
    again = rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=key, **GOOD)  # a double click
    assert again.pk == first.pk and was_replayed(again)
    with pytest.raises(Conflict, match="已经评价"):
        rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=new_key(), **GOOD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(case=case, overall=5)
    assert Rating.objects.filter(case=case).count() == 1


def test_only_the_applicant_rates_and_only_decided_cases():
    case = refused_case()
    with pytest.raises(PermissionDenied):
        rating_submit(actor=user("clerk_c001001"), case_id=case.pk, idempotency_key=new_key(), **GOOD)
    with pytest.raises(NotFound):
        rating_submit(actor=user("13800000002"), case_id=case.pk, idempotency_key=new_key(), **GOOD)
    running = accept(actor=user("clerk_c001001"), item_code="MZ-S01", applicant_id=xie().pk)
    with pytest.raises(Conflict, match="办结、送达、不予受理或不予批准后"):
        rating_submit(actor=user(XIE), case_id=running.pk, idempotency_key=new_key(), **GOOD)
    assert not Rating.objects.filter(case__in=[case, running]).exists()


def test_rating_a_concluded_case_keeps_the_pickup_choice_and_delivery():
    case = concluded_case()
    rating_submit(actor=user(XIE), case_id=case.pk, idempotency_key=new_key(), **GOOD)
    assert Case.objects.get(pk=case.pk).state == "concluded"
    page = logged_in(XIE).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="delivery-choice"' in page and 'data-testid="rating"' in page
    assert 'data-testid="rating-form"' not in page
    case_choose_delivery(actor=user(XIE), case_id=case.pk, delivery="home")
    delivered = case_transition(actor=user("clerk_c001001"), case_id=case.pk, action="deliver",
                                proof=DeliveryProofIn(recipient_name="谢小波", relation="self",
                                                      signature_png=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))
    assert delivered.state == "delivered" and Rating.objects.filter(case=case).exists()


def test_the_refused_case_page_offers_the_rating_form_to_its_applicant_only():
    case = refused_case()
    assert 'data-testid="rating-form"' in logged_in(XIE).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="rating-form"' not in logged_in("clerk_c001001").get(f"/cases/{case.pk}/").content.decode()


# ---- 2. the follow-up goes to the supervisor or leader, never to the rated clerk ----------------------------------

def test_the_rated_clerk_is_not_told_to_answer_and_cannot_answer_his_own_bad_rating(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rating = bad_rating()
    follow_up = FollowUp.objects.get(rating=rating)
    told = set(Notification.objects.filter(kind="rating.bad").values_list("user__username", flat=True))
    assert "supervisor_c001001" in told and "clerk_c001001" not in told
    with pytest.raises(PermissionDenied, match="对您本人的评价"):
        follow_up_answer(actor=user("clerk_c001001"), follow_up_id=follow_up.pk, answer=ANSWER,
                         idempotency_key=new_key())
    with pytest.raises(PermissionDenied):  # the street's approver supervises cases, not ratings
        follow_up_answer(actor=user("approver_s01"), follow_up_id=follow_up.pk, answer=ANSWER,
                         idempotency_key=new_key())
    with pytest.raises(NotFound):  # another station's clerk does not even see it
        follow_up_answer(actor=user("clerk_c001002"), follow_up_id=follow_up.pk, answer=ANSWER,
                         idempotency_key=new_key())
    assert FollowUp.objects.get(pk=follow_up.pk).answered_at is None
    follow_up_answer(actor=user("supervisor_c001001"), follow_up_id=follow_up.pk, answer=ANSWER,
                     idempotency_key=new_key())
    assert FollowUp.objects.get(pk=follow_up.pk).answered_by.username == "supervisor_c001001"


def test_the_stations_supervisor_is_told_and_the_street_leader_may_answer_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rating = bad_rating(concluded_case("clerk_c001002"))
    told = set(Notification.objects.filter(kind="rating.bad").values_list("user__username", flat=True))
    assert told == {"supervisor_c001002"}  # the nearest supervisors and leaders; never the rated clerk
    follow_up_answer(actor=user("leader_s01"), follow_up_id=rating.follow_up.pk, answer=ANSWER,
                     idempotency_key=new_key())


def test_the_follow_up_page_draws_the_answer_form_only_for_who_may_answer():
    rating = bad_rating()
    clerk_items = follow_up_list_for_user(user("clerk_c001001")).items
    assert [(f.pk, f.can_answer, f.can_appeal) for f in clerk_items if f.rating_id == rating.pk] == [
        (rating.follow_up.pk, False, True)]
    supervisor = [f for f in follow_up_list_for_user(user("supervisor_c001001")).items if f.rating_id == rating.pk]
    assert supervisor[0].can_answer and not supervisor[0].can_appeal
    page = logged_in("clerk_c001001").get("/ratings/follow-ups/").content.decode()
    assert 'data-testid="answer-follow-up"' not in page and 'data-testid="appeal-submit"' in page
    page = logged_in("supervisor_c001001").get("/ratings/follow-ups/").content.decode()
    assert 'data-testid="answer-follow-up"' in page and 'data-testid="appeal-submit"' not in page


def test_the_authority_table_walks_every_role_action_and_relation():
    roles = ["resident", "clerk", "approver", "grid_worker", "supervisor", "leader", "admin", "dispatcher"]
    every = list(authority.Relation)
    for role, action in itertools.product(roles, authority.RatingAction):
        for n in range(len(every) + 1):
            for held in map(frozenset, itertools.combinations(every, n)):
                allowed = authority.permitted(role, action, held)
                want = (bool(authority.RATING_AUTHORITY.get((role, action), frozenset()) & held)
                        and not authority.FORBIDDEN.get(action, frozenset()) & held)
                assert allowed == want
                assert (authority.refusal(role, action, held) is None) == allowed
    # the rated staff member never answers or decides, whatever else holds
    for role in roles:
        assert not authority.permitted(role, authority.RatingAction.ANSWER, frozenset(every))
        assert not authority.permitted(role, authority.RatingAction.DECIDE_APPEAL, frozenset(every))


# ---- 4. appeals to the district ------------------------------------------------------------------------------------

def test_an_upheld_appeal_keeps_the_rating_but_leaves_it_out_of_the_figures(django_capture_on_commit_callbacks):
    rating = bad_rating()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason=APPEAL,
                             idempotency_key=new_key())
    assert appeal.district.code == "430302" and appeal.outcome == "pending"
    assert Notification.objects.filter(kind="rating.appeal", user__username="leader").exists()
    before = rating_figures(Rating.objects.filter(pk=rating.pk))
    assert before == {"total": 1, "excluded": 0, "counted": 1, "bad": 1, "satisfaction": 0.0}
    for who, error in (("leader_s01", PermissionDenied), ("admin", PermissionDenied),
                       ("clerk_c001001", PermissionDenied), ("clerk_c001002", NotFound)):
        with pytest.raises(error):
            appeal_decide(actor=user(who), appeal_id=appeal.pk, outcome="upheld", reason="核实属实，予以支持")
    with pytest.raises(ValidationFailed, match="复核理由"):
        appeal_decide(actor=user("leader"), appeal_id=appeal.pk, outcome="upheld", reason="")
    appeal_decide(actor=user("leader"), appeal_id=appeal.pk, outcome="upheld", reason="签收的告知书在案，差评不实")
    rating.refresh_from_db()
    assert rating.excluded and Rating.objects.filter(pk=rating.pk).exists()  # kept, never deleted
    assert rating_figures(Rating.objects.filter(pk=rating.pk)) == {
        "total": 1, "excluded": 1, "counted": 0, "bad": 0, "satisfaction": None}
    assert AuditEvent.objects.filter(action="rating.appeal_decide", target_id=str(appeal.pk)).exists()
    with pytest.raises(Conflict, match="已经复核"):
        appeal_decide(actor=user("leader"), appeal_id=appeal.pk, outcome="dismissed", reason="改判不应被接受")
    page = logged_in(XIE).get(f"/cases/{rating.case_id}/").content.decode()
    assert 'data-testid="rating-excluded"' in page


def test_a_dismissed_appeal_leaves_the_rating_counted():
    rating = bad_rating()
    appeal = appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason=APPEAL, idempotency_key=new_key())
    appeal_decide(actor=user("leader"), appeal_id=appeal.pk, outcome="dismissed", reason="居民所述情况属实")
    rating.refresh_from_db()
    assert not rating.excluded and Appeal.objects.get(pk=appeal.pk).outcome == "dismissed"


def test_only_the_rated_staff_appeals_once_in_time_with_a_reason():
    rating = bad_rating()
    with pytest.raises(PermissionDenied):  # the supervisor sees it but was not rated
        appeal_file(actor=user("supervisor_c001001"), rating_id=rating.pk, reason=APPEAL, idempotency_key=new_key())
    with pytest.raises(NotFound):
        appeal_file(actor=user("clerk_c001002"), rating_id=rating.pk, reason=APPEAL, idempotency_key=new_key())
    with pytest.raises(ValidationFailed, match="10个字"):
        appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason="恶意", idempotency_key=new_key())
    Rating.objects.filter(pk=rating.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    with pytest.raises(Conflict, match="个工作日内提出"):
        appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason=APPEAL, idempotency_key=new_key())
    Rating.objects.filter(pk=rating.pk).update(created_at=timezone.now())
    key = new_key()
    first = appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason=APPEAL, idempotency_key=key)
    assert appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason=APPEAL, idempotency_key=key).pk \
        == first.pk
    with pytest.raises(Conflict, match="已经申诉"):
        appeal_file(actor=user("clerk_c001001"), rating_id=rating.pk, reason=APPEAL + "再次", idempotency_key=new_key())
    good = rating_submit(actor=user(XIE), case_id=concluded_case().pk, idempotency_key=new_key(), **GOOD)
    with pytest.raises(Conflict, match="只能对差评"):
        appeal_file(actor=user("clerk_c001001"), rating_id=good.pk, reason=APPEAL, idempotency_key=new_key())


# ---- 5. the window's rating pad ------------------------------------------------------------------------------------

def test_the_pad_shows_the_case_just_served_and_rates_it_with_one_face():
    clerk = user("clerk_c001001")
    case = refused_case()
    assert pad_case_for_user(clerk).pk == case.pk
    assert pad_case_for_user(user("clerk_c001002")) is None or pad_case_for_user(user("clerk_c001002")).pk != case.pk
    with pytest.raises(ValidationFailed, match="不满意的原因"):
        rating_submit_at_pad(actor=clerk, case_id=case.pk, overall=2, idempotency_key=new_key())
    rating = rating_submit_at_pad(actor=clerk, case_id=case.pk, overall=2, comment="等候时间太长",
                                  idempotency_key=new_key())
    assert (rating.source, rating.staff_id, rating.rated_by_id, rating.efficiency) == ("pad", clerk.pk, None, None)
    assert FollowUp.objects.filter(rating=rating).exists()
    assert pad_case_for_user(clerk).pad_rated


def test_a_pad_rates_only_its_own_clerks_latest_case_within_the_time_limit(settings):
    case = refused_case()
    older = refused_case()
    with pytest.raises(Conflict, match="刚刚办理"):  # not the newest one
        rating_submit_at_pad(actor=user("clerk_c001001"), case_id=case.pk, overall=5, idempotency_key=new_key())
    with pytest.raises(Conflict):  # another center's clerk
        rating_submit_at_pad(actor=user("clerk_c001002"), case_id=older.pk, overall=5, idempotency_key=new_key())
    with pytest.raises(PermissionDenied):
        rating_submit_at_pad(actor=user("supervisor_c001001"), case_id=older.pk, overall=5, idempotency_key=new_key())
    Case.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2),
                                            decided_at=timezone.now() - datetime.timedelta(hours=2))
    settings.DOORSTEP_RATING_PAD_MINUTES = 30
    assert pad_case_for_user(user("clerk_c001001")) is None or pad_case_for_user(user("clerk_c001001")).pk != older.pk
    assert not Rating.objects.filter(case__in=[case, older]).exists()


def test_the_pad_pages_need_no_login_but_a_token_of_today():
    case = refused_case()
    token = pad_token_for(user("clerk_c001001"))
    assert pad_clerk(token).username == "clerk_c001001"
    tablet = Client()
    page = tablet.get(f"/ratings/pad/{token}/").content.decode()
    assert case.item.name in page and 'data-testid="pad-face-5"' in page
    response = tablet.post(f"/ratings/pad/{token}/rate/", {"case": case.pk, "overall": 1,
                                                           "idempotency_key": new_key()})
    assert response.status_code == 302 and "level=1" in response["Location"]  # asks why
    assert 'data-testid="pad-reason"' in tablet.get(response["Location"]).content.decode()
    tablet.post(f"/ratings/pad/{token}/rate/", {"case": case.pk, "overall": 1, "comment": "没有办成",
                                                "idempotency_key": new_key()})
    assert Rating.objects.get(case=case).comment == "没有办成"
    assert tablet.get("/ratings/pad/forged-token/").status_code == 404
    yesterday = signing.dumps({"u": user("clerk_c001001").pk,
                               "d": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
                              salt="doorstep.ratings.pad")
    gone = tablet.get(f"/ratings/pad/{yesterday}/")
    assert gone.status_code == 410 and "重新打开" in gone.content.decode()
    with pytest.raises(PermissionDenied):
        pad_token_for(user("supervisor_c001001"))
    assert logged_in("clerk_c001001").get("/ratings/pad/").status_code == 200
    assert logged_in("supervisor_c001001").get("/ratings/pad/").status_code == 403


# ---- 6. the SMS link ------------------------------------------------------------------------------------------------

def test_the_sms_link_is_signed_public_and_rates_once(settings):
    settings.DOORSTEP_PUBLIC_BASE_URL = "https://ban.example.gov.cn"
    case = refused_case()
    url = rating_link(case)
    assert url.startswith("https://ban.example.gov.cn/r/")
    path = url.removeprefix("https://ban.example.gov.cn")
    anyone = Client()
    assert case.item.name in anyone.get(path).content.decode()
    key = new_key()
    missing = anyone.post(path, {"overall": 2, "efficiency": 2, "service": 3, "attitude": 2, "idempotency_key": key})
    assert missing.status_code == 400 and "哪里不满意" in missing.content.decode()
    assert 'value="2" required checked' in missing.content.decode()  # what was chosen is kept
    form = {"overall": 2, "efficiency": 2, "service": 3, "attitude": 2, "comment": "等了一上午", "idempotency_key": key}
    assert anyone.post(path, form).status_code == 200
    assert anyone.post(path, form).status_code == 200  # the same page sent twice: thanked again
    rating = Rating.objects.get(case=case)
    assert (rating.source, rating.rated_by_id, rating.staff_id) == ("sms", None, user("clerk_c001001").pk)
    used = anyone.post(path, {**form, "idempotency_key": new_key()})
    assert used.status_code == 410 and "已经使用过" in used.content.decode()
    assert anyone.get(path).status_code == 410
    assert AuditEvent.objects.filter(action="rating.create", target_id=str(rating.pk), actor_id=None).exists()


def test_a_forged_or_expired_sms_link_is_refused_with_a_chinese_page(monkeypatch):
    case = refused_case()
    anyone = Client()
    forged = anyone.get("/r/" + rating_link_token(case.pk)[:-3] + "abc/")
    assert forged.status_code == 404 and "评价链接无效" in forged.content.decode()
    token = rating_link_token(case.pk)
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 31 * 86400)
    expired = anyone.get(f"/r/{token}/")
    assert expired.status_code == 410 and "已过期" in expired.content.decode()
    with pytest.raises(LinkGone):
        rating_submit_by_link(token=token, idempotency_key=new_key(), **GOOD)
    assert not Rating.objects.filter(case=case).exists()


def test_an_sms_link_cannot_rate_a_case_that_is_no_longer_rateable():
    case = accept(actor=user("clerk_c001001"), item_code="MZ-S01", applicant_id=xie().pk)
    case_transition(actor=user("clerk_c001001"), case_id=case.pk, action="withdraw", note="申请人要求撤回")
    with pytest.raises(Conflict):
        rating_link_case(rating_link_token(case.pk))
    assert Client().get(f"/r/{rating_link_token(case.pk)}/").status_code == 409


def test_refused_cases_get_an_invitation_with_their_sms_link_and_rated_ones_none(django_capture_on_commit_callbacks):
    refused, rated = refused_case(), concluded_case()
    rating_submit(actor=user(XIE), case_id=rated.pk, idempotency_key=new_key(), **GOOD)
    past = timezone.now() - datetime.timedelta(days=4)
    Case.objects.filter(pk=refused.pk).update(decided_at=past)
    Case.objects.filter(pk=rated.pk).update(concluded_at=past)
    with django_capture_on_commit_callbacks(execute=True):
        rating_invitations()
    assert Case.objects.get(pk=refused.pk).rating_invited_at is not None
    assert Case.objects.get(pk=rated.pk).rating_invited_at is None
    invite = Notification.objects.filter(user__username=XIE, kind="rating.invite", link=f"/cases/{refused.pk}/").get()
    assert "/r/" in invite.body
