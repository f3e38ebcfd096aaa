"""What each GeoReport v2 resource holds, as plain data for incidents.open311.render: the discovery document, a
service (one of our incident categories) and its definition, a request, and how our states read as the spec's
open/closed with status_notes (docs/open311.md has the table).

Personal data never leaves: no caller or resident, and the numbers people type into a description or an address
(phones, ID numbers) are masked as the pages mask them."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from doorstep.core.masking import mask_personal_numbers
from doorstep.incidents.models import Category, Incident, LimitUnit
from doorstep.incidents.workflow import (
    OPEN,
    RESOLUTION_LABELS,
    STATE_CONTEXT,
    STATE_LABELS,
    Resolution,
    State,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface's own shape last changed; discovery's changeset is the later of it and the last import of the
# categories (services and their definitions are what a client caches).
INTERFACE_CHANGESET = datetime.datetime(2026, 12, 1, 9, 0)
MEDIA_SALT = "doorstep.incidents.open311.media"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
HIDE_IDENTITY = "hide_identity"  # the one attribute a client may send (attribute[hide_identity]=true)


def w3c(moment: datetime.datetime | None) -> str | None:
    """A date and time as the spec wants it: ISO 8601 with the offset (2026-12-01T09:15:00+08:00)."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def base_url() -> str:
    """Links leave with the configured public address, never the one a request happened to use."""
    return settings.DOORSTEP_PUBLIC_BASE_URL


def endpoint_url() -> str:
    return base_url() + reverse("open311-root").rstrip("/")


def discovery(*, changeset: datetime.datetime | None) -> dict:
    stamp = max(filter(None, [timezone.make_aware(INTERFACE_CHANGESET), changeset]))
    text = w3c(stamp)  # a W3C datetime like every date the spec names: 2026-12-01T09:00:00+08:00
    return {
        "changeset": text,
        "contact": gettext("开放接口由区网格化服务管理指挥中心维护，使用中的问题请与指挥中心联系。"),
        "key_service": gettext("api_key 由区指挥中心签发（命令：doorstep open311 key --name 客户端名称），只显示一次。"),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": endpoint_url(),
            "changeset": text,
            "type": "test" if settings.DEBUG else "production",
            "formats": ["text/xml", "application/json"],
        }],
    }


def service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": True,  # one optional attribute: hide_identity (service_definition)
        "type": "realtime",  # the request's number comes back with the POST; tokens are for lost answers only
        "keywords": ", ".join(str(k) for k in (category.keywords or [])) or None,
        "group": category.major or None,
    }


def service_definition(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": HIDE_IDENTITY,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": gettext("填 true 或 false，不填即 false。"),
            "order": 1,
            "description": gettext("是否对处置部门隐藏报告人的姓名和电话（指挥中心始终可见）。"),
            "values": [{"key": "false", "name": gettext("不隐藏")},
                       {"key": "true", "name": gettext("对处置部门隐藏")}],
        }],
    }


def service_notice(category: Category | None) -> str | None:
    """What the district promises for the category: who handles it and in what time (working days or hours)."""
    if category is None:
        return None
    department = category.lead_department
    unit = LimitUnit(category.handling_unit).label
    return gettext("由{department}办理，处置时限{limit}{unit}（自派遣起计算）。").format(
        department=department.short_name or department.name, limit=category.handling_limit, unit=unit)


def status(state: str) -> str:
    return "open" if state in OPEN else "closed"


def status_notes(incident: Incident) -> str:
    """Our state's label, with the dismissal reason, the number it was merged into, or why it closed unsolved."""
    state = State(incident.state)
    label = pgettext(STATE_CONTEXT, STATE_LABELS[state])
    detail = ""
    if state == State.DISMISSED and incident.dismiss_reason:
        detail = mask_personal_numbers(incident.dismiss_reason)
    elif state == State.MERGED and getattr(incident, "merged_number", None):
        detail = gettext("并入{number}").format(number=incident.merged_number)
    elif state == State.CLOSED_UNSOLVED and incident.resolution in RESOLUTION_LABELS:
        detail = gettext(RESOLUTION_LABELS[Resolution(incident.resolution)])
    return gettext("{state}：{detail}").format(state=label, detail=detail) if detail else label


def updated(incident: Incident) -> datetime.datetime:
    """The last change: for a closed request the time it was closed (the spec), else its last history step."""
    if status(incident.state) == "closed" and incident.closed_at:
        return incident.closed_at
    return getattr(incident, "last_change", None) or incident.reported_at


def media_token(photo_id: int) -> str:
    return signing.Signer(salt=MEDIA_SALT).sign(str(photo_id))


def photo_id_of(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=MEDIA_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def media_url(incident: Incident) -> str | None:
    """The first report photo (stored without EXIF) behind a signed, unguessable link; None without a photo."""
    photos = getattr(incident, "report_photos", None)
    if photos is None:
        photos = list(incident.photos.filter(stage="report").order_by("id")[:1])
    if not photos:
        return None
    photo = photos[0]
    path = reverse("open311-media", kwargs={"token": media_token(photo.pk),
                                            "ext": EXTENSIONS.get(photo.content_type, "jpg")})
    return base_url() + path


def agency(incident: Incident) -> str | None:
    """The lead department's short name: of the active lead order, else the category's lead department."""
    orders = getattr(incident, "lead_orders", None) or []
    department = orders[0].department if orders else (
        incident.category.lead_department if incident.category_id else None)
    if department is None:
        return None
    return department.short_name or department.name


def request_item(incident: Incident) -> dict:
    """One request as GET requests and GET a request show it (the spec's fields, in its order)."""
    category = incident.category if incident.category_id else None
    return {
        "service_request_id": incident.number,
        "status": status(incident.state),
        "status_notes": status_notes(incident),
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": mask_personal_numbers(incident.description),
        "agency_responsible": agency(incident),
        "service_notice": service_notice(category),
        "requested_datetime": w3c(incident.reported_at),
        "updated_datetime": w3c(updated(incident)),
        "expected_datetime": w3c(incident.handling_due),
        "address": mask_personal_numbers(incident.address) or None,
        "address_id": str(incident.building_id) if incident.building_id else None,
        "zipcode": None,
        "lat": incident.latitude,
        "long": incident.longitude,
        "media_url": media_url(incident),
    }


def created_item(incident: Incident) -> dict:
    """The POST's answer: the request's number at once (realtime), with what the district promises."""
    return {
        "service_request_id": incident.number,
        "service_notice": service_notice(incident.category if incident.category_id else None),
        "account_id": None,
    }
