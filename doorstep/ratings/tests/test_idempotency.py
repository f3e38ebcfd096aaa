"""Submitting twice makes one thing, for ratings (issue #10, item 6): a rating or a follow-up answer sent twice —
at once or one after the other, by the service or the page — is made once and the second gets the first back."""

import pytest
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case
from doorstep.cases.services import case_transition
from doorstep.conftest import accept, user
from doorstep.core.idempotency import new_key, was_replayed
from doorstep.core.tests.races import run_concurrently
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.notifications.models import Notification
from doorstep.ratings.models import FollowUp, Rating
from doorstep.ratings.services import follow_up_answer, rating_submit
from doorstep.registry.models import Resident

TWENTY = 20
BAD = {"overall": 2, "efficiency": 2, "service": 3, "attitude": 1, "comment": "排队太久，窗口人员态度冷淡"}
ANSWER = "已核实：当日窗口人手不足。已增设错时窗口并对经办人批评教育，向您致歉。"


def concluded_case() -> Case:
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_c001002"), item_code="WJ-C02", applicant_id=xie.pk)
    return case_transition(actor=user("clerk_c001002"), case_id=case.pk, action="conclude")


def logged_in(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    return client


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_replays_make_one_rating_and_one_follow_up_answer(world):
    case = concluded_case()
    key = new_key()
    results, errors = run_concurrently(TWENTY, lambda i: rating_submit(
        actor=user("13800000001"), case_id=case.pk, idempotency_key=key, **BAD))
    assert errors == [] and len({r.pk for r in results}) == 1
    assert sum(was_replayed(r) for r in results) == TWENTY - 1
    assert Rating.objects.filter(case=case).count() == 1
    follow_up = FollowUp.objects.get(rating__case=case)  # one follow-up for the one bad rating

    key = new_key()
    results, errors = run_concurrently(TWENTY, lambda i: follow_up_answer(
        actor=user("supervisor_c001002"), follow_up_id=follow_up.pk, answer=ANSWER, idempotency_key=key))
    assert errors == [] and {r.pk for r in results} == {follow_up.pk}
    assert sum(was_replayed(r) for r in results) == TWENTY - 1
    assert AuditEvent.objects.filter(action="rating.follow_up_answer", target_id=str(follow_up.pk)).count() == 1
    assert Notification.objects.filter(user__username="13800000001", kind="rating.answered").count() == 1


@pytest.mark.django_db
def test_the_rating_form_sent_twice_rates_once_and_thanks_without_an_error():
    case = concluded_case()
    client, key = logged_in("13800000001"), new_key()
    form = {"overall": 5, "efficiency": 5, "service": 4, "attitude": 5, "idempotency_key": key}
    assert 'name="idempotency_key"' in client.get(f"/cases/{case.pk}/").content.decode()
    client.post(f"/cases/{case.pk}/rate/", form)
    text = client.post(f"/cases/{case.pk}/rate/", form, follow=True).content.decode()
    assert "评价已提交过" in text and "感谢您的评价" in text
    assert Rating.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="rating.create", summary__case=case.number).count() == 1


@pytest.mark.django_db
def test_the_follow_up_answer_sent_twice_answers_once():
    case = concluded_case()
    rating = rating_submit(actor=user("13800000001"), case_id=case.pk, idempotency_key=new_key(), **BAD)
    follow_up = FollowUp.objects.get(rating=rating)
    client, key = logged_in("supervisor_c001002"), new_key()
    assert 'name="idempotency_key"' in client.get("/ratings/follow-ups/").content.decode()
    form = {"answer": ANSWER, "idempotency_key": key}
    client.post(f"/ratings/follow-ups/{follow_up.pk}/answer/", form)
    text = client.post(f"/ratings/follow-ups/{follow_up.pk}/answer/", form, follow=True).content.decode()
    assert "已经答复" not in text and "已答复" in text
    assert AuditEvent.objects.filter(action="rating.follow_up_answer", target_id=str(follow_up.pk)).count() == 1
    again = follow_up_answer(actor=user("supervisor_c001002"), follow_up_id=follow_up.pk, answer=ANSWER,
                             idempotency_key=key)
    assert was_replayed(again) and again.answered_at is not None
