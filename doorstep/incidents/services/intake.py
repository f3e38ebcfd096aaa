"""Taking a report in, from every channel: a grid worker on the phone (事件上报), a resident's request (一呼即应),
a phone call typed in by the command center (电话受理) and Open311 clients. Each report is numbered and carries an
idempotency key; photos are stored without EXIF; the place decides the grid; possible duplicates are found."""

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.core.masking import mask_personal_numbers
from doorstep.core.plaintext import strip_invisible
from doorstep.incidents.geo import box, distance_m, grid_at, grids_changed
from doorstep.incidents.models import Category, Channel, Incident, IncidentHistory, IncidentPhoto, Kind
from doorstep.incidents.services.common import checked_photos, incident_next_number, store_photos
from doorstep.incidents.workflow import OPEN, State
from doorstep.notifications.services import notify
from doorstep.notifications.words import said

# Which channels each role reports through (the kind follows the channel: a resident's is a request).
CHANNELS = {
    "grid_worker": (Channel.GRID,),
    "resident": (Channel.RESIDENT,),
    "dispatcher": (Channel.PHONE, Channel.OPEN311),
}
KIND_OF_CHANNEL = {Channel.GRID: Kind.INCIDENT, Channel.RESIDENT: Kind.REQUEST, Channel.PHONE: Kind.REQUEST,
                   Channel.OPEN311: Kind.REQUEST}
DESCRIPTION_MAX = 2000


@dataclass
class ReportIn:
    """A report as sent: the category's code (a grid worker must choose one; a resident may leave it to the center),
    what is wrong, where (a point, or a building, or a place in the org tree by its code, and an address in words),
    photos (uploaded files or bytes), whether a resident hides their identity from departments, and for a phone call
    the caller's name and phone."""

    description: str
    category: str = ""
    latitude: float | str | None = None
    longitude: float | str | None = None
    address: str = ""
    building_id: int | str | None = None
    node_code: str = ""
    photos: list = field(default_factory=list)
    hide_identity: bool = False
    caller_name: str = ""
    caller_phone: str = ""
    channel: str = ""


@dataclass(frozen=True)
class Place:
    latitude: float | None
    longitude: float | None
    grid_id: int | None
    path: str
    building_id: int | None
    address: str


def _coordinate(value, low: float, high: float, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not low <= number <= high:  # NaN fails too
        raise ValidationFailed(gettext("位置坐标无效，请在地图上重新选点。"), field=name)
    return number


def _district_code() -> str:
    from doorstep.org.models import OrgNode

    root = OrgNode.objects.filter(level="district").order_by("code").values_list("code", flat=True).first()
    return root or "000000"


def locate(actor, data: ReportIn) -> Place:
    """Where the report is: a point (the grid found by point-in-polygon), else a building (its point and grid),
    else an org node by code, else the reporter's own place (a grid worker's grid, a resident's home). Raises
    ValidationFailed when the place is unknown or outside the district."""
    from doorstep.org.models import OrgNode
    from doorstep.registry.models import Building

    address = " ".join(strip_invisible(str(data.address or "")).split())[:200]
    lat = _coordinate(data.latitude, -90, 90, "latitude")
    lon = _coordinate(data.longitude, -180, 180, "longitude")
    if (lat is None) != (lon is None):
        raise ValidationFailed(gettext("位置坐标无效，请在地图上重新选点。"), field="latitude")
    building = None
    if data.building_id not in (None, ""):
        try:
            building = Building.objects.select_related("grid").filter(pk=int(data.building_id)).first()
        except (TypeError, ValueError):
            building = None
        if building is None:
            raise ValidationFailed(gettext("楼栋不存在，请重新选择。"), field="building")
    if lat is not None:
        found = grid_at(lat, lon)
        if found is not None and not OrgNode.objects.filter(pk=found[0], code=found[1], level="grid").exists():
            grids_changed()  # the grids were redrawn in another process since this one read their shapes
            found = grid_at(lat, lon)
        if found is None:
            raise ValidationFailed(gettext("该位置不在本区的网格范围内，请在地图上重新选点。"), field="latitude")
        return Place(lat, lon, found[0], found[1], building.pk if building else None,
                     address or (building.address if building else ""))
    if building is not None:
        return Place(building.latitude, building.longitude, building.grid_id, building.grid.code, building.pk,
                     address or building.address)
    if data.node_code:
        node = OrgNode.objects.filter(code=str(data.node_code)[:15]).first()
        if node is None:
            raise ValidationFailed(gettext("所选区域不存在。"), field="node_code")
        return Place(None, None, node.pk if node.level == "grid" else None, node.code, None, address)
    node = actor.org_node if getattr(actor, "org_node_id", None) else None
    if actor.role == "grid_worker" and node is not None:
        return Place(None, None, node.pk if node.level == "grid" else None, node.code, None, address)
    if actor.role == "resident" and getattr(actor, "resident_id", None):
        from doorstep.registry.models import Resident

        home = Resident.objects.select_related("household__building__grid").filter(pk=actor.resident_id).first()
        if home is not None and home.household_id:
            b = home.household.building
            return Place(b.latitude, b.longitude, b.grid_id, b.grid.code, b.pk, address or b.address)
    raise ValidationFailed(gettext("请在地图上选择位置，或选择楼栋。"), field="latitude")


# Active categories with their lead departments, kept per process like the catalog's items for intake
# (docs/decisions.md, "Items for intake cached per process"): read again every DOORSTEP_CATALOG_RECHECK_SECONDS, at
# once after an import in this process (categories_changed), and on a code not yet known; another process may take
# a report in a just-deactivated category for those seconds.
_categories: dict[str, object] = {"checked": 0.0, "by_code": {}}


def categories_changed() -> None:
    _categories["checked"] = 0.0


def _active_categories(*, fresh: bool = False) -> dict[str, Category]:
    now = time.monotonic()
    if fresh or now - _categories["checked"] >= settings.DOORSTEP_CATALOG_RECHECK_SECONDS:  # type: ignore[operator]
        _categories["by_code"] = {c.code: c for c in Category.objects.select_related("lead_department")
                                  .filter(active=True)}
        _categories["checked"] = now
    return _categories["by_code"]  # type: ignore[return-value]


def _category(code: str, *, required: bool) -> Category | None:
    code = str(code or "").strip()[:12]
    if not code:
        if required:
            raise ValidationFailed(gettext("请选择问题类别。"), field="category")
        return None
    category = _active_categories().get(code) or _active_categories(fresh=True).get(code)
    if category is None:
        raise ValidationFailed(gettext("问题类别不存在，请重新选择。"), field="category")
    return category


def possible_duplicates(*, category_id: int | None, latitude: float | None, longitude: float | None,
                        now: datetime.datetime | None = None, exclude_id: int | None = None,
                        limit: int = 10) -> list[Incident]:
    """Open reports of the same category within DOORSTEP_INCIDENT_DUPLICATE_METERS and the last
    DOORSTEP_INCIDENT_DUPLICATE_HOURS of `now`, nearest first. Empty without a category or a point."""
    if not category_id or latitude is None or longitude is None:
        return []
    now = now or timezone.now()
    metres = settings.DOORSTEP_INCIDENT_DUPLICATE_METERS
    lat_min, lat_max, lon_min, lon_max = box(latitude, longitude, metres)
    since = now - datetime.timedelta(hours=settings.DOORSTEP_INCIDENT_DUPLICATE_HOURS)
    rows = (Incident.objects.filter(category_id=category_id, reported_at__gte=since, reported_at__lte=now,
                                    state__in=list(OPEN), latitude__gte=lat_min, latitude__lte=lat_max,
                                    longitude__gte=lon_min, longitude__lte=lon_max)
            .exclude(pk=exclude_id or 0).order_by("-reported_at")[:200])
    near = [(distance_m(latitude, longitude, r.latitude, r.longitude), r) for r in rows]
    return [r for d, r in sorted(near, key=lambda p: (p[0], -p[1].pk)) if d <= metres][:limit]


def _caller(data: ReportIn) -> tuple[str, bytes | None, str]:
    from doorstep.core.crypto import blind_index, encrypt
    from doorstep.core.names import normalize_name
    from doorstep.core.phones import validate_phone

    name = normalize_name(data.caller_name, field="caller_name") if str(data.caller_name or "").strip() else ""
    raw = str(data.caller_phone or "").strip()
    if not raw:
        return name, None, ""
    phone = validate_phone(raw, field="caller_phone")
    return name, encrypt(phone), blind_index("phone", phone)


def incident_report(*, actor, data: ReportIn, idempotency_key: str) -> Incident:
    """Take one report in.

    Preconditions: the actor's role reports through the channel (CHANNELS: a grid worker from the street, a
    resident's own request, the command center's phone calls and Open311 clients; else PermissionDenied); a
    description of 5–2000 characters; a known active category (required of grid workers; a resident may leave it to
    the center); a place in the district (`locate`); at most DOORSTEP_INCIDENT_MAX_PHOTOS photos, each checked by
    content and re-encoded without EXIF; a command center's report lies in its own area. ValidationFailed names the
    field. Result: the incident in state REPORTED, numbered E<district><date><seq>, its path the grid's code.
    Idempotent: a replay of `idempotency_key` returns the first incident (core.idempotency). Side effects: photos
    stored, a history row, audit incident.report; the command centers over the place are told after commit.
    """
    channels = CHANNELS.get(actor.role, ())
    channel = data.channel or (channels[0] if channels else "")
    if channel not in channels:
        raise PermissionDenied(gettext("您的角色不能通过该渠道上报事件。"))
    description = strip_invisible(str(data.description or "")).strip()
    description = "\n".join(" ".join(line.split()) for line in description.splitlines()).strip()
    if len(description) < 5:
        raise ValidationFailed(gettext("请描述问题（至少5个字）。"), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(gettext("问题描述不能超过{limit}字。").format(limit=DESCRIPTION_MAX), field="description")
    # an ID or phone number typed into the text is kept masked, as everywhere (departments read the text; the
    # caller's phone has its own encrypted field)
    description = mask_personal_numbers(description)
    category = _category(data.category, required=channel == Channel.GRID)
    place = locate(actor, data)
    if channel in (Channel.PHONE, Channel.OPEN311) and actor.org_node_id and \
            not place.path.startswith(actor.org_node.code):
        raise PermissionDenied(gettext("该位置不在本指挥中心的辖区内。"))
    # a caller to call back (回访): the phone call typed in, or the person an Open311 client names (its `phone`)
    caller_name, caller_phone, caller_index = _caller(data) if channel in (Channel.PHONE, Channel.OPEN311) else (
        "", None, "")
    photos = checked_photos(data.photos)
    reporter_resident = actor.resident_id if actor.role == "resident" else None
    inputs = {"channel": channel, "description": description, "category": category.code if category else "",
              "place": [place.latitude, place.longitude, place.path, place.building_id, place.address],
              "photos": [p.sha256 for p in photos], "hide": bool(data.hide_identity), "caller": caller_index}

    def create() -> Incident:
        now = timezone.now()
        incident = Incident(
            kind=KIND_OF_CHANNEL[channel], channel=channel, category=category, description=description,
            address=place.address, latitude=place.latitude, longitude=place.longitude, grid_id=place.grid_id,
            path=place.path, building_id=place.building_id, submitted_by=actor,
            reporter_user=actor if actor.role in ("resident", "grid_worker") else None,
            reporter_resident_id=reporter_resident, caller_name=caller_name, caller_phone=caller_phone,
            caller_phone_index=caller_index,
            hide_identity=bool(data.hide_identity) and channel != Channel.GRID,
            priority=category.priority if category else "normal",
            tier=category.default_tier if category else "dispatch", reported_at=now,
            suggestion=_suggestion(description),
            number=incident_next_number(district=place.path[:6] or _district_code(),
                                        day=timezone.localdate(now)))
        incident.save()
        store_photos(incident, photos, stage=IncidentPhoto.Stage.REPORT, actor=actor)
        IncidentHistory.objects.create(incident=incident, from_state="", action="report", to_state=State.REPORTED,
                                       actor=actor, at=now, data={"channel": channel})
        audit_record(actor=actor, action="incident.report", target=incident,
                     summary={"number": incident.number, "channel": channel, "path": incident.path,
                              "category": category.code if category else "", "photos": len(photos)})
        _tell_centers(incident, staff)
        return incident

    earlier = _resubmitted(actor, channel=channel, description=description, category=category, place=place)
    if earlier is not None:
        earlier._idempotency_replayed = True
        return earlier
    staff = _center_staff(place.path)
    incident, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="incident.report", inputs=inputs,
                                            create=create)
    return incident


RESUBMIT_MINUTES = 10


def _resubmitted(actor, *, channel: str, description: str, category, place: Place) -> Incident | None:
    """The same account's identical report (same channel, text, category and place) taken in within the last
    RESUBMIT_MINUTES and not yet taken up by the command center: a form sent again after the browser's back button
    carries a fresh submission key but is the same report (a review found two identical incidents so made). Open311 clients, whose reports are many people's, are
    left to their own keys."""
    if channel == Channel.OPEN311:
        return None
    since = timezone.now() - datetime.timedelta(minutes=RESUBMIT_MINUTES)
    return (Incident.objects.filter(submitted_by=actor, channel=channel, description=description,
                                    category=category, path=place.path, reported_at__gte=since,
                                    state=State.REPORTED)
            .order_by("-id").first())


def _suggestion(text: str) -> dict:
    """The dispatch suggestion for the text as stored with the report ({} when no model is available)."""
    try:
        from doorstep.incidents.suggest.service import suggest_for_text
    except ImportError:
        return {}
    try:
        return suggest_for_text(text)
    except Exception:  # a suggestion is advice: never the reason a report is lost  # noqa: BLE001
        return {}


def _center_staff(path: str) -> list:
    """The command-center staff over `path` (dispatchers at its district, street or community; not the Open311
    clients' service accounts) — read before the report's transaction, so the day's number counter, locked from
    the number to the commit, is not held across this read."""
    from doorstep.accounts.models import User

    prefixes = [path[:n] for n in (6, 9, 12) if len(path) >= n]
    return list(User.objects.filter(role="dispatcher", is_active=True, org_node__code__in=prefixes,
                                    open311_client__isnull=True).only("id", "email"))


def _tell_centers(incident: Incident, staff: list) -> None:
    notify(staff, kind="incident.reported", title=said(gettext_noop("新的上报：{number}"), number=incident.number),
           body=said(gettext_noop("{text}"), text=incident.description[:120]), link=f"/incidents/{incident.pk}/")
