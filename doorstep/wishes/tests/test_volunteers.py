"""Volunteer registration through its services (issue #15 item 1): self-registration makes a volunteer account and
a registration waiting for the community; every registration move, legal and illegal; volunteer numbers (format,
consecutive, unique); the phone encrypted, indexed and masked, revealed only with a reason (audited, also when
refused); every role against the authority table; registration at the station; a doubled submission registering
once; the volunteer's own profile and leaving."""

import itertools
import re

import pytest
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.crypto import blind_index, decrypt
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.notifications.models import Notification
from doorstep.org.models import OrgNode
from doorstep.wishes.authority import Extra, permitted
from doorstep.wishes.models import Pairing, Volunteer
from doorstep.wishes.services import volunteers as svc
from doorstep.wishes.services.common import volunteer_relations
from doorstep.wishes.workflow import REGISTRATION_MOVES, RegistrationAction, RegistrationState

pytestmark = pytest.mark.django_db

JINDI = "430302001001"  # 金地花园社区, its clerk clerk_c001001
ZHANLAN = "430302001002"  # 展览桥社区, its clerk clerk_c001002
PASSWORD = "Qx7#mPz9!vL2"
_phones = itertools.count(1)


def community(code: str = JINDI) -> OrgNode:
    return OrgNode.objects.get(code=code)


def clerk(code: str = JINDI) -> User:
    return user(f"clerk_c{code[-6:]}")


def new_phone() -> str:
    return f"1391234{next(_phones):04d}"


def form(**changes) -> dict:
    data = {"community_id": community().pk, "name": "王建国", "phone": new_phone(), "password": PASSWORD,
            "kind": "party_member", "employer": "湘潭市第一中学", "position": "教师", "skills": "理发、电器维修",
            "offers": ["service_post", "pairing"], "availability": ["weekend"], "idempotency_key": new_key()}
    data.update(changes)
    return data


def register(**changes) -> Volunteer:
    return svc.volunteer_register(**form(**changes))


def make_volunteer(code: str = JINDI, *, state: str = RegistrationState.ACTIVE, name: str = "赵志愿") -> Volunteer:
    """A registration made directly (no password hashing): for the tests that need many."""
    phone = new_phone()
    account = User.objects.create(username=phone, role="volunteer", full_name=name)
    active = state in (RegistrationState.ACTIVE, RegistrationState.LEFT)
    node = community(code)
    return Volunteer.objects.create(
        user=account, community=node, name=name, phone_enc=svc.encrypt(phone), phone_index=blind_index("phone", phone),
        phone_masked=svc.mask_phone(phone), state=state, applied_at=timezone.now(),
        number=svc.next_volunteer_number(node) if active else None, skills=["摄影"], offers=["pairing"])


def account(volunteer: Volunteer) -> User:
    return User.objects.get(pk=volunteer.user_id)


# ---- self-registration ---------------------------------------------------------------------------------------------

def test_self_registration_makes_a_volunteer_account_and_a_registration_waiting_for_the_community(
        django_capture_on_commit_callbacks):
    data = form()
    with django_capture_on_commit_callbacks(execute=True):
        volunteer = svc.volunteer_register(**data)
    made = User.objects.get(pk=volunteer.user_id)
    assert made.role == "volunteer" and made.username == data["phone"] and made.full_name == "王建国"
    assert made.check_password(PASSWORD) and not made.must_change_password and made.org_node_id is None
    assert volunteer.state == "applied" and volunteer.number is None and volunteer.community == community()
    assert volunteer.skills == ["理发", "电器维修"] and volunteer.offers == ["service_post", "pairing"]
    # the phone: encrypted, indexed, masked — never stored whole
    assert bytes(volunteer.phone_enc) != data["phone"].encode() and decrypt(bytes(volunteer.phone_enc)) == data["phone"]
    assert volunteer.phone_index == blind_index("phone", data["phone"])
    assert volunteer.phone_masked == data["phone"][:3] + "****" + data["phone"][-4:]
    event = AuditEvent.objects.get(action="volunteer.register", target_id=str(volunteer.pk))
    assert data["phone"] not in str(event.summary) and event.summary["channel"] == "self"
    assert Notification.objects.filter(user=clerk(), kind="volunteer.applied").exists()


def test_a_phone_any_account_already_uses_is_refused():
    with pytest.raises(ValidationFailed, match="该手机号已注册，请直接登录"):
        register(phone="13800000001")  # 谢小波's resident account
    first = register()
    with pytest.raises(ValidationFailed, match="该手机号已注册"):
        register(phone=first.user.username)


@pytest.mark.parametrize("changes, field", [
    ({"community_id": "abc"}, "community"),
    ({"community_id": "99999999"}, "community"),
    ({"name": ""}, "name"),
    ({"name": "王" * 500}, "name"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "0731-58888888"}, "phone"),  # a landline cannot be a login name
    ({"password": "abc"}, "password"),
    ({"password": ""}, "password"),
    ({"kind": "boss"}, "kind"),
    ({"offers": ["free_lunch"]}, "offers"),
    ({"availability": ["midnight"]}, "availability"),
    ({"skills": "、".join(f"技能{i}" for i in range(9))}, "skills"),
    ({"skills": "非常非常非常非常长的一项技能特长"}, "skills"),
    ({"employer": "单" * 101}, "employer"),
    ({"idempotency_key": ""}, "idempotency_key"),
])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(changes, field):
    users, volunteers = User.objects.count(), Volunteer.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        register(**changes)
    assert refused.value.field == field and re.search(r"[\u4e00-\u9fff]", refused.value.message)
    assert (User.objects.count(), Volunteer.objects.count()) == (users, volunteers)


def test_a_street_is_not_a_community_to_register_with():
    with pytest.raises(ValidationFailed, match="社区"):
        register(community_id=OrgNode.objects.get(code="430302001").pk)


def test_a_logged_in_resident_is_told_to_use_a_separate_volunteer_account():
    with pytest.raises(PermissionDenied, match="居民账号.*单独的志愿者账号"):
        register(actor=user("13800000001"))
    with pytest.raises(PermissionDenied):
        register(actor=clerk())


def test_a_doubled_submission_registers_once_and_a_reused_key_with_other_content_is_refused():
    data = form()
    first = svc.volunteer_register(**data)
    again = svc.volunteer_register(**data)
    assert again.pk == first.pk and Volunteer.objects.filter(phone_index=first.phone_index).count() == 1
    with pytest.raises(Conflict):
        svc.volunteer_register(**{**data, "name": "李建国"})


# ---- numbers and moves ---------------------------------------------------------------------------------------------

def test_confirming_gives_consecutive_volunteer_numbers_of_the_community(django_capture_on_commit_callbacks):
    a, b = register(), register()
    with django_capture_on_commit_callbacks(execute=True):
        first = svc.volunteer_confirm(actor=clerk(), volunteer_id=a.pk)
    second = svc.volunteer_confirm(actor=clerk(), volunteer_id=b.pk)
    assert re.fullmatch(rf"V{JINDI}\d{{4}}", first.number) and re.fullmatch(rf"V{JINDI}\d{{4}}", second.number)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert first.state == "active" and first.confirmed_by == clerk() and first.confirmed_at is not None
    other = svc.volunteer_confirm(actor=clerk(ZHANLAN), volunteer_id=register(community_id=community(ZHANLAN).pk).pk)
    assert other.number.startswith(f"V{ZHANLAN}")
    assert Notification.objects.filter(user_id=a.user_id, kind="volunteer.registration").exists()


def _run(action: RegistrationAction, volunteer: Volunteer, actor):
    if action == RegistrationAction.CONFIRM:
        return svc.volunteer_confirm(actor=actor, volunteer_id=volunteer.pk)
    if action == RegistrationAction.REJECT:
        return svc.volunteer_reject(actor=actor, volunteer_id=volunteer.pk, reason="信息不实，请核对")
    return svc.volunteer_leave(actor=actor, volunteer_id=volunteer.pk, reason="工作调动离开本社区")


@pytest.mark.parametrize("state", list(RegistrationState))
@pytest.mark.parametrize("action", list(RegistrationAction))
def test_every_registration_move_legal_and_illegal(state, action):
    volunteer = make_volunteer(state=state)
    after = REGISTRATION_MOVES.get((RegistrationState(state), action))
    if after is None:
        with pytest.raises(Conflict, match="当前状态为"):
            _run(action, volunteer, clerk())
        volunteer.refresh_from_db()
        assert volunteer.state == state
    else:
        assert _run(action, volunteer, clerk()).state == after
        volunteer.refresh_from_db()
        assert volunteer.state == after
        verb = {RegistrationAction.CONFIRM: "confirm", RegistrationAction.REJECT: "reject",
                RegistrationAction.LEAVE: "leave"}[action]
        assert AuditEvent.objects.filter(action=f"volunteer.{verb}", target_id=str(volunteer.pk)).exists()


def test_a_rejection_and_a_removal_by_the_community_need_a_reason():
    with pytest.raises(ValidationFailed, match="原因"):
        svc.volunteer_reject(actor=clerk(), volunteer_id=make_volunteer(state="applied").pk, reason=" ")
    with pytest.raises(ValidationFailed, match="原因"):
        svc.volunteer_leave(actor=clerk(), volunteer_id=make_volunteer().pk, reason="")
    own = make_volunteer()
    assert svc.volunteer_leave(actor=account(own), volunteer_id=own.pk, reason="").state == "left"


def test_leaving_ends_the_volunteers_active_pairings():
    from doorstep.registry.models import Household

    volunteer = make_volunteer()
    household = Household.objects.filter(path__startswith=JINDI).order_by("id").first()
    Pairing.objects.create(community=community(), path=household.path, household=household, household_masked="王*家",
                           volunteer=volunteer, started_at=timezone.now(), created_by=clerk())
    svc.volunteer_leave(actor=account(volunteer), volunteer_id=volunteer.pk)
    assert not Pairing.objects.filter(volunteer=volunteer, state="active").exists()


# ---- every role against the table ----------------------------------------------------------------------------------

def actors(volunteer: Volunteer) -> dict[str, User]:
    return {"self": account(volunteer), "other volunteer": account(make_volunteer()), "resident": user("13800000001"),
            "grid worker": user("gw_001001001"), "clerk of another community": clerk(ZHANLAN),
            "clerk of the community": clerk(), "street admin": user("admin_s01"), "street leader": user("leader_s01"),
            "district admin": user("admin")}


ACTION_STATE = {RegistrationAction.CONFIRM: "applied", RegistrationAction.REJECT: "applied",
                RegistrationAction.LEAVE: "active"}


@pytest.mark.parametrize("action", list(RegistrationAction))
def test_every_role_may_move_a_registration_only_as_the_table_says(action):
    probe = make_volunteer(state=ACTION_STATE[action])
    for who, actor in actors(probe).items():
        volunteer = make_volunteer(state=ACTION_STATE[action])
        actor = account(volunteer) if who == "self" else actor
        allowed = permitted(actor.role, action, volunteer_relations(actor, volunteer))
        if allowed:
            _run(action, volunteer, actor)
        else:
            with pytest.raises((PermissionDenied, NotFound)):
                _run(action, volunteer, actor)
        volunteer.refresh_from_db()
        assert (volunteer.state != ACTION_STATE[action]) == allowed, (who, action)
    assert permitted("clerk", action, frozenset({"community"})) and not permitted("resident", action, frozenset())


# ---- the phone -----------------------------------------------------------------------------------------------------

def test_the_community_reveals_a_phone_with_a_reason_and_every_attempt_is_audited():
    volunteer = register()
    phone = volunteer.user.username
    events = AuditEvent.objects.filter(action="volunteer.reveal_phone", target_id=str(volunteer.pk))
    with pytest.raises(ValidationFailed, match="事由"):
        svc.volunteer_reveal_phone(actor=clerk(), volunteer_id=volunteer.pk, reason="看")
    assert events.filter(result="denied").count() == 1
    with pytest.raises(PermissionDenied):
        svc.volunteer_reveal_phone(actor=user("leader_s01"), volunteer_id=volunteer.pk, reason="联系活动安排事宜")
    assert events.filter(result="denied").count() == 2
    with pytest.raises(NotFound):
        svc.volunteer_reveal_phone(actor=clerk(ZHANLAN), volunteer_id=volunteer.pk, reason="联系活动安排事宜")
    with pytest.raises(NotFound):
        svc.volunteer_reveal_phone(actor=clerk(), volunteer_id="abc", reason="联系活动安排事宜")
    assert svc.volunteer_reveal_phone(actor=clerk(), volunteer_id=volunteer.pk, reason="联系活动安排事宜") == phone
    ok = events.get(result="ok")
    assert ok.reason == "联系活动安排事宜" and phone not in ok.target_label


@pytest.mark.parametrize("who", ["resident", "grid worker", "other volunteer", "street admin", "district admin"])
def test_roles_outside_the_table_cannot_reveal_a_phone(who):
    volunteer = make_volunteer()
    actor = actors(volunteer)[who]
    held = volunteer_relations(actor, volunteer)
    assert not permitted(actor.role, Extra.REVEAL_PHONE, held)
    with pytest.raises((PermissionDenied, NotFound)):
        svc.volunteer_reveal_phone(actor=actor, volunteer_id=volunteer.pk, reason="联系活动安排事宜")


# ---- at the station ------------------------------------------------------------------------------------------------

def test_the_community_registers_someone_at_the_station_active_at_once_with_a_password_to_change(
        django_capture_on_commit_callbacks):
    data = form()
    with django_capture_on_commit_callbacks(execute=True):
        volunteer = svc.volunteer_register_by_staff(actor=clerk(), **data)
    assert volunteer.state == "active" and re.fullmatch(rf"V{JINDI}\d{{4}}", volunteer.number)
    assert volunteer.confirmed_by == clerk() and account(volunteer).must_change_password
    assert svc.volunteer_register_by_staff(actor=clerk(), **data).pk == volunteer.pk  # the same key: once
    assert Notification.objects.filter(user_id=volunteer.user_id, kind="volunteer.registration").exists()


@pytest.mark.parametrize("username", ["gw_001001001", "clerk_c001002", "leader_s01", "13800000001"])
def test_only_the_communitys_staff_register_at_the_station(username):
    with pytest.raises(PermissionDenied):
        svc.volunteer_register_by_staff(actor=user(username), **form())
    assert not User.objects.filter(full_name="王建国", role="volunteer").exists()


# ---- the volunteer's own profile -----------------------------------------------------------------------------------

def test_a_volunteer_edits_their_own_profile_and_nobody_else_can():
    volunteer = make_volunteer()
    changed = svc.volunteer_update_profile(actor=account(volunteer), kind="volunteer", employer="湘潭大学",
                                           position="", skills="摄影, 书法", offers=["donation"],
                                           availability=["holiday", "weekend"])
    assert changed.employer == "湘潭大学" and changed.skills == ["摄影", "书法"]
    assert changed.availability == ["weekend", "holiday"] and changed.offers == ["donation"]
    with pytest.raises(PermissionDenied):
        svc.volunteer_update_profile(actor=clerk(), kind="volunteer")
    with pytest.raises(ValidationFailed):
        svc.volunteer_update_profile(actor=account(volunteer), kind="volunteer", offers=["x"])
    gone = make_volunteer(state="left")
    with pytest.raises(Conflict):
        svc.volunteer_update_profile(actor=account(gone), kind="volunteer")
