"""Reading for the field's pages (issue #13 item 5): what the report form offers (categories by major, the grid's
shape and buildings, a resident's home, a command center's areas and buildings), the duplicate hints in the user's
scope, a grid worker's and a resident's reports, and the verification list with the verifications done. Every list
is cut to the user's scope (selectors.incidents_in_scope, the authority table) and costs the same few queries
whatever the number of rows."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from doorstep.core.paging import Page, paginate
from doorstep.incidents.authority import INCIDENT_AUTHORITY, relations
from doorstep.incidents.geo import distance_m
from doorstep.incidents.models import (
    Category,
    DispatchOrder,
    Incident,
    IncidentHistory,
    IncidentPhoto,
    IncidentRating,
    Verification,
)
from doorstep.incidents.selectors import _relation_q, actor_facts, incidents_in_scope
from doorstep.incidents.services.intake import possible_duplicates
from doorstep.incidents.workflow import Action, State

BUILDING_SEARCH_LIMIT = 20
MAP_BUILDINGS_LIMIT = 400  # a grid holds ~300-350 households in a few dozen buildings; this is a safety cap
NUMBER_QUERY = re.compile(r"E?\d{4,}", re.IGNORECASE)
HANDLING_ACTIONS = (Action.HANDLE.value, Action.HANDLE_ON_SPOT.value)


# ---- the report form --------------------------------------------------------------------------------------------

def report_categories() -> list[tuple[str, list[Category]]]:
    """The active categories grouped by major class (大类), in code order: [(major, [category, …]), …]."""
    groups: dict[str, list[Category]] = {}
    for category in Category.objects.filter(active=True).only("id", "code", "name", "major").order_by("code"):
        groups.setdefault(category.major, []).append(category)
    return list(groups.items())


def _feature(node) -> dict | None:
    if not node or not node.geometry:
        return None
    return {"type": "Feature", "geometry": node.geometry, "properties": {"name": node.name}}


def grid_map(grid) -> dict:
    """A grid worker's map: the grid's shape as GeoJSON, its located buildings as points, and the grids around it
    (`neighbours`), so that a tap across the border can be named before the report is sent (it is filed in the grid
    it falls in: services.intake.locate)."""
    from doorstep.registry.models import Building

    buildings = list(Building.objects.filter(grid=grid, latitude__isnull=False, longitude__isnull=False)
                     .order_by("name", "id").values("id", "name", "latitude", "longitude")[:MAP_BUILDINGS_LIMIT])
    return {"grid": _feature(grid),
            "buildings": [{"id": b["id"], "name": b["name"], "lat": b["latitude"], "lon": b["longitude"]}
                          for b in buildings],
            "neighbours": neighbour_grids(grid)}


NEIGHBOUR_METRES = 100  # grids this close to the worker's own are drawn (drawn borders may leave small gaps)


def neighbour_grids(grid) -> list[dict]:
    """The grids whose shapes lie within NEIGHBOUR_METRES of `grid`'s, as GeoJSON features with their names, in
    code order. Found through the point-in-polygon index of incidents.geo (one query for the few found)."""
    import shapely

    from doorstep.incidents import geo
    from doorstep.org.models import OrgNode

    if not grid or not grid.geometry:
        return []
    try:
        own = shapely.geometry.shape(grid.geometry)
    except Exception:  # a malformed shape: no neighbours, the report is still taken  # noqa: BLE001
        return []
    ids = geo.grids_near(own, NEIGHBOUR_METRES) - {grid.pk}
    rows = OrgNode.objects.filter(pk__in=ids, level="grid").order_by("code").values_list("name", "geometry")
    return [{"type": "Feature", "geometry": geometry, "properties": {"name": name}} for name, geometry in rows
            if geometry]


def resident_home(user):
    """The resident's home building (with its grid), or None when the account has no household."""
    from doorstep.registry.models import Resident

    if not getattr(user, "resident_id", None):
        return None
    home = Resident.objects.select_related("household__building__grid").filter(pk=user.resident_id).first()
    if home is None or not home.household_id:
        return None
    return home.household.building


def resident_map(building) -> dict:
    """A resident's map: their home grid's shape and their own building only (never the neighbours' buildings)."""
    if building is None:
        return {"grid": None, "buildings": []}
    located = building.latitude is not None and building.longitude is not None
    return {"grid": _feature(building.grid),
            "buildings": [{"id": building.pk, "name": building.name, "lat": building.latitude,
                           "lon": building.longitude}] if located else []}


def center_areas(user) -> list:
    """The communities and grids under a command center's node, in code order (for 电话受理's place)."""
    from doorstep.org.models import OrgNode

    node = user.org_node if getattr(user, "org_node_id", None) else None
    if node is None:
        return []
    return list(OrgNode.objects.filter(code__startswith=node.code, level__in=("community", "grid"))
                .only("id", "code", "name", "level").order_by("code"))


def building_search(user, query: str, *, building_id=None) -> list:
    """Buildings under the user's node whose name or address holds the query (at most BUILDING_SEARCH_LIMIT), or
    the one building `building_id` when it lies there."""
    from doorstep.registry.models import Building

    node = user.org_node if getattr(user, "org_node_id", None) else None
    if node is None:
        return []
    rows = Building.objects.filter(path__startswith=node.code).only("id", "name", "address", "path")
    if building_id is not None:
        pk = str(building_id)
        return list(rows.filter(pk=int(pk))) if pk.isdigit() and len(pk) < 19 else []
    query = " ".join(str(query or "").split())[:40]
    if not query:
        return []
    return list(rows.filter(Q(name__icontains=query) | Q(address__icontains=query))
                .order_by("name", "id")[:BUILDING_SEARCH_LIMIT])


# ---- duplicate hints --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DuplicateHint:
    incident: Incident
    metres: int
    hours: int
    openable: bool = True  # the user may open it (else it is a public report named without a link)


@dataclass(frozen=True)
class Duplicates:
    """Possible duplicates of a report being written: those the user may see (`shown`, nearest first) and, for
    staff, how many more there are that they may not (`others`: a count only, never their text or number)."""

    shown: list[DuplicateHint]
    others: int
    category: Category | None

    @property
    def total(self) -> int:
        return len(self.shown) + self.others

    @property
    def openable(self) -> bool:
        """Whether the user may open every report shown (else some are named by number only)."""
        return all(h.openable for h in self.shown)


def duplicates_for_user(user, *, category: str, latitude: float | None, longitude: float | None,
                        now: datetime.datetime | None = None) -> Duplicates:
    """possible_duplicates (same category, within DOORSTEP_INCIDENT_DUPLICATE_METERS and _HOURS, still open) for a
    report being written, split by the user's scope.

    Staff see those in their scope and a count of the rest. A resident sees their own reports and the public ones
    (what the Open311 feed publishes: open311.selectors.PUBLIC — public-space categories, no hidden reporter) and
    is never told how many others there are: a count would let anyone probe for reports near an address."""
    code = str(category or "").strip()[:12]
    found = Category.objects.filter(code=code, active=True).first() if code else None
    if found is None or latitude is None or longitude is None:
        return Duplicates([], 0, found)
    now = now or timezone.now()
    rows = possible_duplicates(category_id=found.pk, latitude=latitude, longitude=longitude, now=now)
    if not rows:
        return Duplicates([], 0, found)
    ids = [r.pk for r in rows]
    visible = set(incidents_in_scope(user).filter(pk__in=ids).values_list("pk", flat=True))
    public: set[int] = set()
    if user.role == "resident":
        from doorstep.incidents.open311.selectors import PUBLIC

        public = set(Incident.objects.filter(PUBLIC, pk__in=ids).values_list("pk", flat=True))
    shown = [DuplicateHint(r, round(distance_m(latitude, longitude, r.latitude, r.longitude)),
                           max(0, int((now - r.reported_at).total_seconds() // 3600)), r.pk in visible)
             for r in rows if r.pk in visible or r.pk in public]
    others = 0 if user.role == "resident" else len(rows) - len(shown)
    return Duplicates(shown, others, found)


def building_point(building_id) -> tuple[float, float] | None:
    """(latitude, longitude) of a located building, or None."""
    from doorstep.registry.models import Building

    try:
        pk = int(str(building_id))
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    row = Building.objects.filter(pk=pk, latitude__isnull=False, longitude__isnull=False).values_list(
        "latitude", "longitude").first()
    return (row[0], row[1]) if row else None


# ---- lists ------------------------------------------------------------------------------------------------------

def _search(queryset: QuerySet, query: str) -> QuerySet:
    query = " ".join(str(query or "").split())[:50]
    if not query:
        return queryset
    if NUMBER_QUERY.fullmatch(query):
        return queryset.filter(number__startswith=query.upper() if query[0] in "eE" else f"E{query}")
    return queryset.filter(description__icontains=query)


def _rated(queryset: QuerySet) -> QuerySet:
    """Whether the report was rated for its current closing (one rating per report and round)."""
    return queryset.annotate(rated=Exists(IncidentRating.objects.filter(report=OuterRef("pk"),
                                                                        round=OuterRef("reopen_count"))))


MINE_TABS = ("mine", "grid")


def field_reports(user, *, tab: str = "mine", query: str = "", page: int = 1, cursor: str = "") -> Page:
    """A grid worker's reports (tab "mine": those they reported; "grid": every report in their grid) or a resident's
    requests (their own and the reports theirs were merged into), newest first, searched by number or text."""
    scoped = incidents_in_scope(user)
    if user.role == "grid_worker":
        node = user.org_node if user.org_node_id else None
        if tab == "grid" and node is not None:
            scoped = scoped.filter(path__startswith=node.code)
        else:
            scoped = scoped.filter(reporter_user_id=user.pk)
    rows = _rated(_search(scoped, query)).select_related("category", "merged_into").defer(
        "suggestion", "caller_phone").order_by("-id")
    return paginate(rows, page=page, cursor=cursor)


def _where(user, action: Action) -> Q | None:
    """The incidents where the authority table lets this user take `action` (OR of its relations' filters)."""
    q = None
    for relation in sorted(INCIDENT_AUTHORITY.get((user.role, action), frozenset())):
        part = _relation_q(user, relation)
        if part is not None:
            q = part if q is None else q | part
    return q


def verification_queue(user, *, page: int = 1, cursor: str = "") -> Page:
    """Incidents handled and waiting for on-site verification where this user may verify (a supervisor's community,
    a grid worker's grid; not what they handled themselves), the nearest handling deadline first (those without one after, oldest handled first),
    each with the handler's note, the department that handled it and the latest after-photo."""
    where = _where(user, Action.VERIFY)
    if where is None:
        return paginate(Incident.objects.none().order_by("id"), page=page, cursor=cursor)
    notes = IncidentHistory.objects.filter(incident=OuterRef("pk"), action__in=HANDLING_ACTIONS).order_by("-id")
    photos = IncidentPhoto.objects.filter(incident=OuterRef("pk"), stage=IncidentPhoto.Stage.HANDLED).order_by("-id")
    lead = DispatchOrder.objects.filter(incident=OuterRef("pk"), role=DispatchOrder.Role.LEAD,
                                        state="done").order_by("-id")
    rows = (incidents_in_scope(user).filter(where, state=State.HANDLED)
            .exclude(handled_by_id=user.pk)  # nobody verifies their own handling (services.handling.incident_verify)
            .exclude(tier="front_line" if user.role == "grid_worker" else "")  # workflow.ROLE_GUARDS
            .select_related("category", "grid")
            .defer("suggestion", "caller_phone")
            .annotate(handled_note=Subquery(notes.values("note")[:1]),
                      handled_photo_id=Subquery(photos.values("pk")[:1]),
                      handled_department=Subquery(lead.values("department__short_name")[:1]))
            .order_by(F("handling_due").asc(nulls_last=True), "handled_at", "id"))
    return paginate(rows, page=page, cursor=cursor)


def verifications_done(user, *, page: int = 1, cursor: str = "") -> Page:
    """The user's own verification records, newest first, with their incidents."""
    rows = (Verification.objects.filter(verifier_id=user.pk)
            .select_related("incident", "incident__category")
            .defer("incident__suggestion", "incident__caller_phone")
            .order_by("-id"))
    return paginate(rows, page=page, cursor=cursor)


def row_relations(user, incident: Incident) -> frozenset:
    """The authority relations between the user and a listed incident, from the row alone (no query): its place
    and reporter. (Merged reporters and departments are not listed here: a resident's list holds only their own.)"""
    from doorstep.incidents.authority import IncidentRef

    return relations(actor_facts(user), IncidentRef(path=incident.path, reporter_user_id=incident.reporter_user_id,
                                                    reporter_resident_id=incident.reporter_resident_id))
