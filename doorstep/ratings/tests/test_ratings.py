"""好差评: the applicant rates a concluded case on five levels and four dimensions; a bad rating opens a follow-up
with a deadline that the center answers and the resident sees; unrated cases get one invitation after 3 days."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import Case
from doorstep.cases.services import case_transition
from doorstep.conftest import accept, user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.notifications.models import Notification
from doorstep.ratings.models import FollowUp, Rating
from doorstep.ratings.selectors import follow_up_list_for_user
from doorstep.ratings.services import follow_up_answer, rating_invitations, rating_submit
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
GOOD = {"overall": 5, "efficiency": 5, "service": 4, "attitude": 5}


def concluded_case() -> Case:
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_c001002"), item_code="WJ-C02", applicant_id=xie.pk)
    return case_transition(actor=user("clerk_c001002"), case_id=case.pk, action="conclude")


def test_good_rating_is_recorded_opens_nothing_and_leaves_the_case_as_it_was():
    case = concluded_case()
    rating = rating_submit(idempotency_key=new_key(), actor=user("13800000001"), case_id=case.pk, **GOOD)
    assert Case.objects.get(pk=case.pk).state == "concluded" and not rating.is_bad  # a rating is its own record
    assert not FollowUp.objects.filter(rating=rating).exists()
    assert AuditEvent.objects.filter(action="rating.create", target_id=str(rating.pk)).exists()
    with pytest.raises(Conflict):
        rating_submit(idempotency_key=new_key(),
                      actor=user("13800000001"), case_id=case.pk, **GOOD)  # once only


def test_only_the_applicant_rates_and_bad_input_changes_nothing():
    case = concluded_case()
    with pytest.raises(PermissionDenied):
        rating_submit(idempotency_key=new_key(), actor=user("clerk_c001002"), case_id=case.pk, **GOOD)
    with pytest.raises(NotFound):
        rating_submit(idempotency_key=new_key(),
                      actor=user("13800000002"), case_id=case.pk, **GOOD)  # 姜建国: not his case
    with pytest.raises(ValidationFailed, match="服务态度"):
        rating_submit(idempotency_key=new_key(),
                      actor=user("13800000001"), case_id=case.pk, **{**GOOD, "attitude": 9})
    with pytest.raises(ValidationFailed, match="哪里不满意"):
        rating_submit(idempotency_key=new_key(),
                      actor=user("13800000001"), case_id=case.pk, **{**GOOD, "overall": 2})
    assert Case.objects.get(pk=case.pk).state == "concluded" and not Rating.objects.filter(case=case).exists()


def test_bad_rating_opens_a_follow_up_the_center_answers_in_time(django_capture_on_commit_callbacks):
    case = concluded_case()
    with django_capture_on_commit_callbacks(execute=True):
        rating = rating_submit(idempotency_key=new_key(),
                               actor=user("13800000001"), case_id=case.pk, comment="排队太久，窗口人员态度冷淡",
                               **{**GOOD, "overall": 2, "attitude": 1})
    follow_up = FollowUp.objects.get(rating=rating)
    assert follow_up.due_date == work_calendar().add_working_days(timezone.localdate(), 5)
    assert follow_up.org_node.code == "430302001002"
    # the station's supervisor is told, never the clerk rated (issue #11, item 7)
    assert Notification.objects.filter(user__username="supervisor_c001002", kind="rating.bad").exists()
    assert not Notification.objects.filter(user__username="clerk_c001002", kind="rating.bad").exists()
    assert follow_up.pk in [f.pk for f in follow_up_list_for_user(user("approver_s01")).items]  # the street sees
    # a window clerk sees their own station's only (ratings.selectors.FOLLOW_UP_SCOPE)
    assert follow_up.pk not in [f.pk for f in follow_up_list_for_user(user("clerk_s01a")).items]
    assert follow_up.pk not in [f.pk for f in follow_up_list_for_user(user("clerk_c001001")).items]  # a neighbour not
    with pytest.raises(NotFound):
        follow_up_answer(idempotency_key=new_key(),
                         actor=user("clerk_c001001"), follow_up_id=follow_up.pk, answer="已核实并整改，向您致歉。")
    with pytest.raises(ValidationFailed, match="10个字"):
        follow_up_answer(idempotency_key=new_key(),
                         actor=user("supervisor_c001002"), follow_up_id=follow_up.pk, answer="已处理")
    with django_capture_on_commit_callbacks(execute=True):
        follow_up_answer(idempotency_key=new_key(), actor=user("supervisor_c001002"), follow_up_id=follow_up.pk,
                         answer="已核实：当日窗口人手不足。已增设错时窗口并对经办人批评教育，向您致歉。")
    assert Notification.objects.filter(user__username="13800000001", kind="rating.answered").exists()
    with pytest.raises(Conflict):
        follow_up_answer(idempotency_key=new_key(),
                         actor=user("supervisor_c001002"), follow_up_id=follow_up.pk, answer="再次答复内容不应被接受。")
    client = Client()
    client.post("/accounts/login/", {"username": "13800000001", "password": DEMO_PASSWORD})
    assert "已增设错时窗口" in client.get(f"/cases/{case.pk}/").content.decode()


def test_unrated_cases_get_one_invitation_after_three_days(django_capture_on_commit_callbacks):
    case = concluded_case()
    rating_invitations()
    assert Case.objects.get(pk=case.pk).rating_invited_at is None  # concluded today: too early
    Case.objects.filter(pk=case.pk).update(concluded_at=timezone.now() - datetime.timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert rating_invitations() >= 1
    assert Notification.objects.filter(user__username="13800000001", kind="rating.invite").count() == 1
    assert rating_invitations() == 0
