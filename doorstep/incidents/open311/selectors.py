"""The reads behind Open311: the districts a client may name as jurisdiction_id, the requests of one as one query
(with the lead department, the merged-into number and the last change) plus two prefetches (the active lead orders,
the report photos) however many rows, and a token's request.

Every request of the district is public in GeoReport v2 (GET needs no api_key). What leaves is the report itself —
category, text, place, state — never who reported it: the caller's and resident's fields are not even loaded."""

import datetime

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from doorstep.incidents.models import DispatchOrder, Incident, IncidentHistory, IncidentPhoto, Open311Client
from doorstep.incidents.workflow import ACTIVE_ORDER_STATES, OPEN

# What a request shows is read from these columns only: the reporter's (caller_*, reporter_*, submitted_by) and the
# dispatch suggestion are never loaded.
_COLUMNS = ("id", "number", "category", "description", "address", "latitude", "longitude", "building", "path",
            "state", "resolution", "merged_into", "dismiss_reason", "reported_at", "closed_at", "handling_due",
            "category__code", "category__name", "category__handling_limit", "category__handling_unit",
            "category__lead_department__short_name", "category__lead_department__name")


def district_codes() -> list[str]:
    from doorstep.org.models import OrgNode

    return list(OrgNode.objects.filter(level="district").values_list("code", flat=True))


def requests_queryset(*, district: str | None) -> QuerySet:
    """Requests with everything their representation reads (incidents.open311.resources.request_item), in one query
    and two prefetches; cut to the district's code prefix when `district` is given."""
    last_change = IncidentHistory.objects.filter(incident=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    rows = (Incident.objects.select_related("category__lead_department").only(*_COLUMNS)
            .annotate(merged_number=F("merged_into__number"), last_change=Subquery(last_change))
            .prefetch_related(
                Prefetch("orders", to_attr="lead_orders",
                         queryset=DispatchOrder.objects.filter(role=DispatchOrder.Role.LEAD,
                                                               state__in=list(ACTIVE_ORDER_STATES))
                         .select_related("department").only("id", "incident_id", "department__short_name",
                                                            "department__name").order_by("-id")),
                Prefetch("photos", to_attr="report_photos",
                         queryset=IncidentPhoto.objects.filter(stage=IncidentPhoto.Stage.REPORT)
                         .only("id", "incident_id", "content_type").order_by("id"))))
    if district:
        rows = rows.filter(path__startswith=district)
    return rows.filter(PUBLIC)


# What the public feed shows (GeoReport v2 requests are public by the spec): problems in public space — the event and
# component classes of GB/T 30428.2 — and never a report whose reporter asked to be hidden. Community matters
# (矛盾纠纷, 安全隐患 in homes, 民生服务 such as 低保 or help for the elderly) describe people and their homes: they
# stay inside (a review found a 低保 follow-up with names published whole).
PUBLIC = Q(category__kind__in=["event", "component"], hide_identity=False)


def requests_by_number(numbers: list[str], *, district: str | None) -> list[Incident]:
    """The requests among `numbers` (unknown ones are left out), newest first."""
    return list(requests_queryset(district=district).filter(number__in=numbers).order_by("-reported_at", "-id"))


def requests_search(*, district: str | None, start: datetime.datetime, end: datetime.datetime,
                    codes: list[str], statuses: set[str], offset: int, limit: int) -> list[Incident]:
    """Requests reported within [start, end], of the service codes (all when empty), open and/or closed (both when
    empty), newest first, `limit` from `offset`."""
    rows = requests_queryset(district=district).filter(reported_at__gte=start, reported_at__lte=end)
    if codes:
        rows = rows.filter(category__code__in=codes)
    if statuses == {"open"}:
        rows = rows.filter(state__in=list(OPEN))
    elif statuses == {"closed"}:
        rows = rows.exclude(state__in=list(OPEN))
    return list(rows.order_by("-reported_at", "-id")[offset:offset + limit])


def request_number_for_token(token: str) -> str | None:
    """The number of the request an Open311 client's submission key made (the Idempotency-Key it sent, or the key
    derived from its body that the POST answered with); None when there is none (or it was purged)."""
    from doorstep.core.models import IdempotencyKey

    target = (IdempotencyKey.objects.filter(key=token, kind="incident.report",
                                            actor_id__in=Open311Client.objects.values("account_id"))
              .exclude(target_id="").values_list("target_id", flat=True).first())
    if target is None:
        return None
    return Incident.objects.filter(pk=int(target)).values_list("number", flat=True).first()


def report_photo(pk: int) -> IncidentPhoto | None:
    """A report photo (stage report: what media_url points at), never the handling or verification photos."""
    return IncidentPhoto.objects.filter(pk=pk, stage=IncidentPhoto.Stage.REPORT).first()

