"""Reads of change requests, cut to what the user may see (authority.CHANGE_SCOPE): the queue, one request, the
requests about a resident or asked for by a resident. Out of scope and missing look the same (NotFound)."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.paging import Page, paginate
from doorstep.core.paths import PATH_END
from doorstep.registry.changes.authority import CHANGE_SCOPE, ActorFacts, Relation, SubjectRef, relations
from doorstep.registry.models import ChangeKind, ChangeRequest, ChangeState

QUEUE_SORTS = {"oldest": ("proposed_at", "id"), "newest": ("-proposed_at", "-id")}


def actor_facts(user) -> ActorFacts:
    node = user.org_node if getattr(user, "org_node_id", None) else None
    household = user.resident.household_id if getattr(user, "resident_id", None) else None
    return ActorFacts(role=user.role, user_id=user.pk, household_id=household,
                      node_code=node.code if node else "", node_level=node.level if node else "")


def change_relations(user, change: ChangeRequest) -> frozenset[Relation]:
    return relations(actor_facts(user), SubjectRef(path=change.path, household_id=change.household_id,
                                                   proposer_id=change.proposer_id))


def _scope_q(user) -> Q | None:
    """The requests the user sees, as one condition (None: none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    facts = actor_facts(user)
    wanted = CHANGE_SCOPE.get(user.role, frozenset())
    q = Q(pk__in=[])
    code = facts.node_code
    if code and ((Relation.SUBJECT_GRID in wanted and facts.node_level == "grid")
                 or (Relation.SUBJECT_COMMUNITY in wanted and facts.node_level == "community")):
        q |= Q(path__gte=code, path__lt=code + PATH_END)
    if Relation.PROPOSER in wanted:
        q |= Q(proposer_id=user.pk)
    return q if wanted else None


def changes_visible(user) -> QuerySet[ChangeRequest]:
    q = _scope_q(user)
    return ChangeRequest.objects.none() if q is None else ChangeRequest.objects.filter(q)


def change_get_for_user(user, change_id, *, for_update: bool = False) -> ChangeRequest:
    try:
        pk = int(change_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = changes_visible(user).filter(pk=pk)
    if for_update:
        qs = qs.select_for_update(of=("self",))  # the request row only: its related rows are read, not locked
    change = qs.select_related("resident", "household", "proposer", "reviewer").first()
    if change is None:
        raise NotFound()
    return change


def change_queue_for_user(user, *, kind: str = "", state: str = "proposed", sort: str = "oldest", page: int = 1,
                          cursor: str = "", page_size: int | None = None) -> Page:
    """The user's queue: filtered by kind and state ("" for every state), sorted by when proposed. Paged; the rows
    carry their subject, proposer and reviewer (no query per row)."""
    if kind and kind not in ChangeKind.values:
        raise ValidationFailed(_("不支持的变更类型。"), field="kind")
    if state and state not in ChangeState.values:
        raise ValidationFailed(_("不支持的状态。"), field="state")
    if sort not in QUEUE_SORTS:
        raise ValidationFailed(_("不支持的排序方式。"), field="sort")
    qs = changes_visible(user)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    qs = qs.select_related("resident", "household__building", "proposer", "reviewer").order_by(*QUEUE_SORTS[sort])
    return paginate(qs, page=page, cursor=cursor, size=page_size)


def change_pending_count(user) -> int:
    return changes_visible(user).filter(state=ChangeState.PROPOSED).count()


def changes_about_resident(user, resident) -> list[ChangeRequest]:
    """Pending requests about this resident that the user may see (the detail page lists them)."""
    return list(changes_visible(user).filter(resident_id=resident.pk, state=ChangeState.PROPOSED)
                .select_related("proposer").order_by("-proposed_at")[:20])


def changes_asked_by(user, *, limit: int = 20) -> list[ChangeRequest]:
    """The user's own requests, newest first (a resident's 我的家庭 page lists theirs with their outcome)."""
    return list(ChangeRequest.objects.filter(proposer_id=user.pk).select_related("resident")
                .order_by("-proposed_at", "-id")[:limit])
