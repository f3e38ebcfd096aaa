"""Reads of cases, cut to what the user may see; out of scope and missing are the same NotFound."""

from django.db.models import Q, QuerySet

from doorstep.accounts.roles import Role
from doorstep.cases.models import Case
from doorstep.cases.workflow import CaseFacts, State
from doorstep.core.errors import NotFound
from doorstep.core.paths import subtree_q


def cases_in_scope(user) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    if user.role == Role.RESIDENT:
        return Case.objects.filter(applicant_id=user.resident_id) if user.resident_id else Case.objects.none()
    if not user.org_node_id:
        return Case.objects.none()
    code = user.org_node.code
    if user.role == Role.CLERK:
        return Case.objects.filter(subtree_q("applicant_path", code[:6]))  # 全区通办
    if user.role == Role.APPROVER:
        return Case.objects.filter(Q(review_node__code__gte=code, review_node__code__lt=code + "~"))
    if user.role in (Role.GRID_WORKER, Role.LEADER, Role.ADMIN, Role.SUPERVISOR):
        return Case.objects.filter(subtree_q("applicant_path", code))
    return Case.objects.none()


def case_get_for_user(user, case_id, *, for_update: bool = False) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = cases_in_scope(user).select_related("item", "review_node")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def case_ledger_for_user(user, *, state: str = "") -> QuerySet[Case]:
    """The case ledger (台账) the list page and the Excel export share; an unknown state filter is ignored."""
    qs = cases_in_scope(user).select_related("item", "applicant", "review_node", "first_contact")
    if state in {s.value for s in State}:
        qs = qs.filter(state=state)
    return qs.order_by("-id")


def case_list_for_user(user, *, state: str = "", page: int = 1):
    from doorstep.core.paging import paginate

    return paginate(case_ledger_for_user(user, state=state), page=page)


def case_facts(case: Case) -> CaseFacts:
    """What the state machine needs to know about a stored case."""
    return CaseFacts(state=State(case.state), instant=case.item.kind == "instant",
                     approval_level=case.item.approval_level, review_level=case.review_level)


def case_detail_for_user(user, case_id):
    case = case_get_for_user(user, case_id)
    history = list(case.history.select_related("actor").order_by("id"))
    return case, history
