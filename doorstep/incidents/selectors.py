"""Reading incidents, already cut to what the user may see (incidents.authority.INCIDENT_SCOPE), and the facts the
loop and the authority table need about one incident."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from doorstep.core.errors import NotFound
from doorstep.incidents.authority import (
    INCIDENT_SCOPE,
    ActorFacts,
    IncidentRef,
    Relation,
    relations,
    sees,
)
from doorstep.incidents.models import DispatchOrder, Incident
from doorstep.incidents.workflow import ACTIVE_ORDER_STATES, IncidentFacts, State, Tier


def duty_chief_codes(user) -> frozenset[str]:
    """The org codes of the command centers where the user is the acting 值班长 (org.Post with duty duty_chief:
    the A holder, or the B holder while A is away — AB岗)."""
    from doorstep.org.models import Post

    if not getattr(user, "pk", None) or user.role != "dispatcher":
        return frozenset()
    cached = getattr(user, "_duty_chief_codes", None)
    if cached is None:
        codes = set()
        for post in Post.objects.filter(duty="duty_chief").filter(Q(holder_a=user) | Q(holder_b=user)).select_related(
                "org_node"):
            if post.acting_holder is not None and post.acting_holder.pk == user.pk:
                codes.add(post.org_node.code)
        cached = user._duty_chief_codes = frozenset(codes)
    return cached


def actor_facts(user) -> ActorFacts:
    node = user.org_node if getattr(user, "org_node_id", None) else None
    return ActorFacts(role=user.role, user_id=user.pk, resident_id=getattr(user, "resident_id", None),
                      node_code=node.code if node else "", node_level=node.level if node else "",
                      department_id=getattr(user, "department_id", None),
                      duty_chief_codes=duty_chief_codes(user))


def _orders(incident: Incident) -> list[DispatchOrder]:
    cached = getattr(incident, "_orders_cache", None)
    if cached is None:
        cached = incident._orders_cache = list(DispatchOrder.objects.filter(incident=incident).order_by("id"))
    return cached


def incident_ref(incident: Incident) -> IncidentRef:
    orders = _orders(incident)
    active = [o for o in orders if o.state in ACTIVE_ORDER_STATES]
    lead = next((o.department_id for o in active if o.role == "lead"), None)
    merged = list(Incident.objects.filter(merged_into=incident).values_list("reporter_user_id",
                                                                          "reporter_resident_id"))
    return IncidentRef(path=incident.path, reporter_user_id=incident.reporter_user_id,
                       reporter_resident_id=incident.reporter_resident_id,
                       merged_user_ids=frozenset(u for u, _r in merged if u),
                       merged_resident_ids=frozenset(r for _u, r in merged if r), lead_department_id=lead,
                       co_department_ids=frozenset(o.department_id for o in active if o.role == "co"),
                       past_department_ids=frozenset(o.department_id for o in orders))


def incident_relations(user, incident: Incident) -> frozenset[Relation]:
    return relations(actor_facts(user), incident_ref(incident))


def incident_facts(incident: Incident, *, now=None) -> IncidentFacts:
    from django.conf import settings

    orders = [o for o in _orders(incident) if o.state in ACTIVE_ORDER_STATES]
    verified = incident.verifications.filter(passed=True, at__gte=incident.handled_at).count() \
        if incident.handled_at else 0
    return IncidentFacts(
        state=State(incident.state), tier=Tier(incident.tier), resolution=incident.resolution,
        orders=tuple((o.role, o.state) for o in orders), verifications_passed=verified,
        meetings=incident.meetings.count(), has_reporter=has_reporter(incident),
        closed_at=incident.closed_at, now=now or timezone.now(),
        reopen_days=settings.DOORSTEP_INCIDENT_REOPEN_DAYS)


def has_reporter(incident: Incident) -> bool:
    """A person to call back or to rate: a resident's request, or a phone call with a caller."""
    return bool(incident.reporter_resident_id or incident.caller_phone_index or
                (incident.kind == "request" and incident.reporter_user_id))


def _relation_q(user, relation: Relation) -> Q | None:
    """One relation of the authority module as a filter on incidents (None: cannot hold for this user)."""
    node = user.org_node if getattr(user, "org_node_id", None) else None
    if relation == Relation.REPORTER:
        mine = Q(reporter_user_id=user.pk)
        if getattr(user, "resident_id", None):
            mine |= Q(reporter_resident_id=user.resident_id)
        # and the reports theirs were merged into (a subquery, not a join: no duplicate rows to take out)
        return mine | Q(id__in=Incident.objects.filter(mine, merged_into__isnull=False).values("merged_into_id"))
    if relation in (Relation.LEAD_DEPARTMENT, Relation.CO_DEPARTMENT, Relation.PAST_DEPARTMENT):
        if not getattr(user, "department_id", None):
            return None
        role = {Relation.LEAD_DEPARTMENT: "lead", Relation.CO_DEPARTMENT: "co"}.get(relation)
        orders = DispatchOrder.objects.filter(department_id=user.department_id)
        if role:
            orders = orders.filter(role=role, state__in=list(ACTIVE_ORDER_STATES))
        return Q(id__in=orders.values("incident_id"))
    if node is None:
        return None
    if relation == Relation.CENTER:
        return Q(path__startswith=node.code) if user.role == "dispatcher" else None
    if relation == Relation.GRID:
        return Q(path__startswith=node.code) if node.level == "grid" else None
    if relation == Relation.AREA:
        return Q(path__startswith=node.code)
    return None


def incidents_in_scope(user) -> QuerySet[Incident]:
    """Every incident the user may browse (none for roles without a scope)."""
    if not getattr(user, "is_authenticated", False):
        return Incident.objects.none()
    q = None
    for relation in sorted(INCIDENT_SCOPE.get(user.role, frozenset())):
        part = _relation_q(user, relation)
        if part is not None:
            q = part if q is None else q | part
    return Incident.objects.filter(q) if q is not None else Incident.objects.none()


def incident_get_for_user(user, incident_id, *, for_update: bool = False) -> Incident:
    """One incident the user may open; NotFound for missing and for not yours alike. With for_update the row is
    locked (the caller is in a transaction)."""
    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not getattr(user, "is_authenticated", False) or not 0 < pk < 2**63:
        raise NotFound()
    qs = Incident.objects.select_related("category", "grid")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    incident = qs.filter(pk=pk).first()
    if incident is None or not sees(user.role, incident_relations(user, incident)):
        raise NotFound()
    return incident


def reporter_visible(user, incident: Incident) -> bool:
    """Whether this user may see who reported the incident: not a department when the reporter asked to be hidden."""
    from doorstep.incidents.authority import REPORTER_HIDDEN_FROM

    return not (incident.hide_identity and user.role in REPORTER_HIDDEN_FROM)
