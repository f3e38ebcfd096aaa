"""A hypothesis test over the real services: random sequences of actions by random people on cases of three kinds
of item (instant with a certificate, promised at the street with a certificate, promised at the district). Whatever
happens, after every step:

- the stored state is the last history row's target, and every history row has its audit event;
- a concluded (or later) case has its decision — concluded_at, and for a promised item decided_at — and, where the
  item issues one, exactly one certificate;
- the clock never runs while paused: a case awaiting a supplement has paused_on and no supervision mark, and no
  other case has paused_on;
- a refused action changes nothing.
"""

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case, CaseHistory, Certificate
from doorstep.cases.selectors import case_facts
from doorstep.cases.services import case_transition
from doorstep.cases.supervision import sla_mark
from doorstep.cases.workflow import Action, State, allowed_actions
from doorstep.conftest import accept, user
from doorstep.core.errors import DomainError
from doorstep.core.idempotency import new_key
from doorstep.registry.models import Resident

ITEMS = ["WJ-C02", "WJ-S01", "MZ-D01"]
ACTORS = ["clerk_c001002", "clerk_s01a", "approver_s01", "approver", "13800000001", "gw_001002001"]
NOTES = ["", "材料不全，请补充"]


def _snapshot(case: Case) -> tuple:
    return (case.state, case.review_node_id, case.due_date, case.paused_on, case.decided_at, case.concluded_at,
            CaseHistory.objects.filter(case=case).count())


def _check_invariants(case: Case) -> None:
    history = list(CaseHistory.objects.filter(case=case).order_by("id"))
    assert history and history[-1].to_state == case.state
    assert all(a.to_state == b.from_state for a, b in zip(history, history[1:], strict=False))
    audited = AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk),
                                        action__in=[f"case.{a.value}" for a in Action]).count()
    assert audited == len(history)
    if case.state in (State.CONCLUDED, State.DELIVERED, State.RATED):
        assert case.concluded_at is not None
        if case.item.kind == "promised":
            assert case.decided_at is not None
        assert Certificate.objects.filter(case=case).count() == (1 if case.item.certificate else 0)
    else:
        assert not Certificate.objects.filter(case=case).exists()
    if case.state == State.SUPPLEMENT_REQUESTED:
        assert case.paused_on is not None
        assert sla_mark(case.state, case.due_date, today=case.paused_on, yellow_limit=case.paused_on) == ""
    else:
        assert case.paused_on is None


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(item=st.sampled_from(ITEMS),
       steps=st.lists(st.tuples(st.booleans(), st.integers(0, 20), st.sampled_from(list(Action)),
                                st.sampled_from(ACTORS), st.sampled_from(NOTES)), max_size=14))
def test_random_action_sequences_keep_the_case_consistent(item, steps):
    """Half the steps are some action the machine allows the actor's role (so sequences get far), half anything."""
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_c001002"), item_code=item, applicant_id=xie.pk)
    _check_invariants(case)
    for plausible, pick, action, actor, note in steps:
        if plausible:
            allowed = [a for a in allowed_actions(case_facts(case), user(actor).role) if a != Action.WITHDRAW]
            if allowed:
                action, note = allowed[pick % len(allowed)], "经核查，理由如上"
        before = _snapshot(Case.objects.get(pk=case.pk))
        try:
            if action == Action.RATE:
                from doorstep.ratings.services import rating_submit

                rating_submit(idempotency_key=new_key(),
                              actor=user(actor), case_id=case.pk, overall=5, efficiency=5, service=5, attitude=5)
            else:
                case_transition(actor=user(actor), case_id=case.pk, action=action.value, note=note)
        except DomainError:
            assert _snapshot(Case.objects.get(pk=case.pk)) == before  # a refused action changes nothing
        case = Case.objects.select_related("item").get(pk=case.pk)
        _check_invariants(case)
    event(f"final state: {case.state}")
