"""Who may act on a case, from where (cases/authority.py): the table walked for every role × action × relation, then
through the services and the API on real cases in several states — each outcome (done, refused, not found,
not now) must be exactly what the tables say. The findings of the authority issue are tests of their own."""

import base64
import itertools

import pytest
from django.db import transaction
from django.test import Client

from doorstep.accounts.models import User
from doorstep.accounts.roles import Role
from doorstep.accounts.services import api_token_create
from doorstep.audit.models import AuditEvent
from doorstep.cases.authority import (
    CASE_AUTHORITY,
    CASE_EXACT_SEARCH,
    CASE_SCOPE,
    ActorFacts,
    CaseRef,
    Extra,
    Relation,
    permitted,
    refusal,
    relations,
    sees,
)
from doorstep.cases.models import Case
from doorstep.cases.selectors import case_facts, case_relations
from doorstep.cases.services import DeliveryProofIn, case_choose_delivery, case_transition
from doorstep.cases.workflow import TRANSITIONS, Action, allowed_actions
from doorstep.conftest import accept, user
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.notifications.models import Notification
from doorstep.org.models import OrgNode, ServiceCenter
from doorstep.registry.models import Resident

ACTIONS = [*Action, *Extra]
NOTE = "经核查属实，理由如上"

# what a delivery records (issue #11 item 6): the walks give it to every action, only deliver reads it
SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SIGNATURE_B64 = base64.b64encode(SIGNATURE).decode()
PROOF = DeliveryProofIn(recipient_name="张三", relation="self", signature_png=SIGNATURE)


# -- the tables themselves (no database) -------------------------------------------------------------------------

@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_action_and_relation_is_decided_by_the_table(role):
    for action, relation in itertools.product(ACTIONS, Relation):
        held = frozenset({relation})
        expected = relation in CASE_AUTHORITY.get((role, action), frozenset())
        assert permitted(role, action, held) is expected, (role, action, relation)
        assert (refusal(role, action, held) is None) is expected
        if not expected:
            assert refusal(role, action, held)  # a reason a person can read
        # holding more relations never takes a permission away; holding none never gives one
        assert permitted(role, action, frozenset(Relation)) is bool(CASE_AUTHORITY.get((role, action)))
        assert not permitted(role, action, frozenset())


def test_the_authority_table_grants_only_what_the_state_machine_allows_the_role():
    machine_roles: dict[Action, set[str]] = {}
    for (_, action), transition in TRANSITIONS.items():
        machine_roles.setdefault(action, set()).update(transition.roles)
    for (role, action), needed in CASE_AUTHORITY.items():
        assert needed, (role, action)
        if isinstance(action, Action):
            assert role in machine_roles[action], f"{role} may {action} by the table but never by the machine"


def test_scope_tables_name_only_known_roles_and_relations():
    assert set(CASE_SCOPE) <= {r.value for r in Role}
    assert CASE_EXACT_SEARCH <= set(CASE_SCOPE)
    for rels in CASE_SCOPE.values():
        assert rels <= set(Relation)
    for role in ("department", "volunteer", "dispatcher"):
        assert not sees(role, frozenset(Relation))  # they work from orders and wishes, never from cases


def test_relations_are_read_off_where_actor_and_case_stand():
    case = CaseRef(applicant_id=7, applicant_path="430302001001003", holding_node_id=20, holding_node_code="430302001",
                   center_node_id=30, first_contact_id=5)
    assert relations(ActorFacts(role="resident", user_id=1, resident_id=7), case) == {Relation.APPLICANT}
    assert relations(ActorFacts(role="clerk", user_id=5, node_id=30, node_code="430302001001",
                                node_level="community"), case) == {
        Relation.ACCEPTING_CENTER, Relation.FIRST_CONTACT, Relation.APPLICANT_SUBTREE}
    assert relations(ActorFacts(role="approver", user_id=9, node_id=20, node_code="430302001", node_level="street"),
                     case) == {Relation.HOLDING_NODE, Relation.HOLDING_SUBTREE, Relation.APPLICANT_SUBTREE}
    assert relations(ActorFacts(role="grid_worker", user_id=11, node_id=40, node_code="430302001001003",
                                node_level="grid"), case) == {Relation.APPLICANT_GRID, Relation.APPLICANT_SUBTREE}
    assert relations(ActorFacts(role="clerk", user_id=12, node_id=50, node_code="430302008", node_level="street"),
                     case) == frozenset()


# -- on real cases ---------------------------------------------------------------------------------------------------

def xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def grid_worker_of(resident: Resident) -> User:
    return User.objects.select_related("org_node").filter(role="grid_worker", org_node__code=resident.path).first()


def other_street_clerk() -> User:
    """A window clerk of another street of the same district (万楼街道), with its own service center."""
    street = OrgNode.objects.create(code="430302098", name="万楼街道（测试）", level="street",
                                    parent=OrgNode.objects.get(code="430302"))
    ServiceCenter.objects.create(org_node=street, name="万楼街道便民服务中心", address="万楼路1号")
    return User.objects.select_related("org_node").create(username="clerk_wanlou", full_name="万楼窗口",
                                                          role="clerk", org_node=street)


ACTOR_NAMES = ["13800000001", "clerk_c001001", "clerk_c001002", "clerk_s01a", "approver_s01", "approver", "leader",
               "admin_s01", "supervisor_c001001", "dispatcher", "volunteer1"]


def actors() -> dict[str, User]:
    people = {name: user(name) for name in ACTOR_NAMES}
    people["dept"] = User.objects.select_related("org_node").filter(role="department").first()
    people["gw_of_applicant"] = grid_worker_of(xie())
    people["clerk_wanlou"] = other_street_clerk()
    return people


def outcome(actor, case_id, action) -> str:
    """What the service answers, with the case left as it was."""
    try:
        with transaction.atomic():
            if action == Extra.CHOOSE_DELIVERY:
                case_choose_delivery(actor=actor, case_id=case_id, delivery="home")
            else:
                case_transition(actor=actor, case_id=case_id, action=action.value, note=NOTE,
                                confirm_unreceived=True, proof=PROOF)
            transaction.set_rollback(True)
        return "ok"
    except NotFound:
        return "missing"
    except PermissionDenied:
        return "denied"
    except (Conflict, ValidationFailed):
        return "not now"


def expected(actor, case: Case, action) -> str:
    """What the tables say: not in scope → missing; not from where they stand → denied; not in this state →
    not now; else done."""
    held = case_relations(actor, case)
    if not sees(actor.role, held):
        return "missing"
    if not permitted(actor.role, action, held):
        return "denied"
    if action == Extra.CHOOSE_DELIVERY:
        return "ok" if case.state not in ("delivered", "rated", "refused", "rejected", "withdrawn") else "not now"
    return "ok" if action in allowed_actions(case_facts(case), actor.role) else "not now"


def scenarios() -> dict[str, Case]:
    """Cases in the states where the most actions are possible, taken in at 金地花园 station by its clerk."""
    clerk = user("clerk_c001001")
    applicant = xie().pk
    instant = accept(actor=clerk, item_code="WJ-C02", applicant_id=applicant)  # accepted, community, instant
    at_street = accept(actor=clerk, item_code="MZ-S01", applicant_id=applicant)
    at_street = case_transition(actor=clerk, case_id=at_street.pk, action="forward")  # in review at the street
    approved = accept(actor=clerk, item_code="MZ-S01", applicant_id=applicant)
    case_transition(actor=clerk, case_id=approved.pk, action="forward")
    approved = case_transition(actor=user("approver_s01"), case_id=approved.pk, action="approve", note=NOTE,
                                confirm_unreceived=True)
    concluded = accept(actor=clerk, item_code="WJ-C02", applicant_id=applicant)
    concluded = case_transition(actor=clerk, case_id=concluded.pk, action="conclude")
    paused = accept(actor=clerk, item_code="MZ-S01", applicant_id=applicant)
    paused = case_transition(actor=clerk, case_id=paused.pk, action="request_supplement", note=NOTE)
    return {"instant": instant, "at_street": at_street, "approved": approved, "concluded": concluded,
            "paused": paused}


@pytest.mark.django_db
def test_every_actor_and_action_on_real_cases_is_exactly_what_the_tables_say():
    people = actors()
    cases = scenarios()
    walked = 0
    for (name, actor), (label, case), action in itertools.product(people.items(), cases.items(), ACTIONS):
        case = Case.objects.select_related("item", "review_node", "center").get(pk=case.pk)
        want = expected(actor, case, action)
        got = outcome(actor, case.pk, action)
        assert got == want, f"{name} {action} on {label} ({case.state}@{case.review_node.code}): {got} ≠ {want}"
        walked += 1
    assert walked == len(people) * len(cases) * len(ACTIONS)


@pytest.mark.django_db
def test_the_same_walk_through_the_api_gives_the_same_answers():
    people = actors()
    case = scenarios()["at_street"]
    status = {200: "ok", 404: "missing", 403: "denied", 409: "not now", 400: "not now"}
    for name, actor in people.items():
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=None, user=actor, name='测试')}")
        for action in Action:
            if action == Action.RATE:
                continue  # rating has its own endpoint
            fresh = Case.objects.select_related("item", "review_node", "center").get(pk=case.pk)
            want = expected(actor, fresh, action)
            with transaction.atomic():
                response = client.post(f"/api/v1/cases/{case.pk}/actions", {"action": action.value, "note": NOTE, "confirm_unreceived": True,
                                        "recipient_name": "张三", "relation": "self", "signature_png": SIGNATURE_B64},
                                       content_type="application/json")
                transaction.set_rollback(True)
            assert status[response.status_code] == want, (name, action, response.status_code, response.content)


@pytest.mark.django_db
def test_a_community_clerk_cannot_withdraw_a_case_under_review_at_the_district():
    """Found: a community clerk withdrew a 低保 case under review at the district, with no reason."""
    clerk = user("clerk_c001001")
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=xie().pk)
    case_transition(actor=clerk, case_id=case.pk, action="forward")
    case_transition(actor=user("approver_s01"), case_id=case.pk, action="forward", confirm_unreceived=True)
    with pytest.raises(PermissionDenied, match="区"):
        case_transition(actor=clerk, case_id=case.pk, action="withdraw", note=NOTE)
    token = api_token_create(actor=None, user=clerk, name="测试")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/cases/{case.pk}/actions", {"action": "withdraw"}, content_type="application/json")
    assert response.status_code in (400, 403)
    case.refresh_from_db()
    assert case.state == "in_review"


@pytest.mark.django_db
def test_staff_withdraw_only_at_the_case_node_with_a_reason_and_the_applicant_is_told(
        django_capture_on_commit_callbacks):
    clerk = user("clerk_c001001")
    case = accept(actor=clerk, item_code="MZ-S01", applicant_id=xie().pk)
    case_transition(actor=clerk, case_id=case.pk, action="forward")
    street = user("clerk_s01a")
    with pytest.raises(ValidationFailed, match="理由"):
        case_transition(actor=street, case_id=case.pk, action="withdraw", note="")
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transition(actor=street, case_id=case.pk, action="withdraw", note="申请人来电要求撤回")
    assert case.state == "withdrawn"
    told = Notification.objects.filter(user__resident_id=xie().pk, kind="case.withdraw").first()
    assert told is not None and "申请人来电要求撤回" in told.body


@pytest.mark.django_db
def test_the_applicant_withdraws_without_a_reason():
    case = accept(actor=user("clerk_c001001"), item_code="MZ-S01", applicant_id=xie().pk)
    case = case_transition(actor=user("13800000001"), case_id=case.pk, action="withdraw")
    assert case.state == "withdrawn"


@pytest.mark.django_db
def test_another_streets_clerk_cannot_conclude_and_the_certificate_names_the_holding_node():
    """Found: a clerk of 万楼街道 concluded a case approved by 城正街街道 and the certificate named 城正街街道 with
    that clerk as issuer. Concluding and issuing happen at the node that holds the case."""
    approved = scenarios()["approved"]
    wanlou = other_street_clerk()
    with pytest.raises(NotFound):
        case_transition(actor=wanlou, case_id=approved.pk, action="conclude")
    with pytest.raises(PermissionDenied, match="城正街街道"):  # the station that took it in sees it, may not conclude
        case_transition(actor=user("clerk_c001001"), case_id=approved.pk, action="conclude")
    street_clerk = user("clerk_s01a")
    case = case_transition(actor=street_clerk, case_id=approved.pk, action="conclude")
    cert = case.certificate if hasattr(case, "certificate") else None
    if cert is not None:
        assert cert.issuer_name == case.review_node.name and cert.issued_by_id == street_clerk.pk
    assert AuditEvent.objects.filter(action="case.conclude", target_id=str(case.pk), actor_id=street_clerk.pk).exists()


@pytest.mark.django_db
def test_a_refused_action_is_explained_in_chinese_and_changes_nothing():
    case = scenarios()["at_street"]
    before = (case.state, case.review_node_id, Case.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied) as err:
        case_transition(actor=user("approver"), case_id=case.pk, action="approve", note=NOTE)
    assert "城正街街道" in err.value.message
    case.refresh_from_db()
    assert (case.state, case.review_node_id, Case.objects.count(), AuditEvent.objects.count()) == before
