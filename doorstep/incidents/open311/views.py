"""The GeoReport v2 endpoints. Each view parses the spec's parameters, calls one selector or the intake service,
and answers through incidents.open311.render in the format of the URL's suffix and the client's language.

Refusals follow the spec: 403 for a missing or wrong api_key, 404 for what does not exist (a service_code, a
request, a token, a jurisdiction_id), 400 for anything else the request gets wrong — each a list of {code,
description}. No input a client can send answers 500: domain errors, unreadable or oversized bodies and bad bytes
(refused at the edge, shaped by render.shaped_error) all become one of those."""

import datetime
import functools
import hashlib
import json
import re

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import FileResponse, HttpResponse, UnreadablePostError
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.core.idempotency import HEADER, REPLAYED_HEADER, was_replayed
from doorstep.incidents.models import Category, Channel
from doorstep.incidents.open311 import resources, selectors
from doorstep.incidents.open311.clients import client_for_key
from doorstep.incidents.open311.render import (
    Open311Error,
    answer,
    client_language,
    error_answer,
    format_of_path,
)
from doorstep.incidents.services.intake import ReportIn, incident_report

MAX_DAYS = 90  # the spec: a search may not span more than 90 days, and defaults to the most recent 90
MAX_REQUESTS = 1000  # the spec: the first 1000 requests; page / page_size page through more (GeoReport extension)
MAX_IDS = 1000
# The parameters our refusals name, by the field a domain error names (ReportIn's fields → the spec's).
PARAMETERS = {"category": "service_code", "latitude": "lat", "longitude": "long", "description": "description",
              "building": "address_id", "node_code": "address_string", "caller_phone": "phone",
              "caller_name": "first_name / last_name", "photos": "media", "idempotency_key": HEADER}
_BAD_BODY = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, UnreadablePostError)


def endpoint(*methods: str):
    """A GeoReport view: the client's language, the allowed methods, and every refusal as the spec's errors."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, fmt: str, **kwargs):
            language = client_language(request)
            with translation.override(language):
                if request.method not in methods:  # a plain 405 response: core.middleware leaves it in this shape
                    response = error_answer(fmt, 405, [(405, gettext("此地址不接受 {method} 请求，只接受 {allowed}。").format(
                        method=request.method, allowed=", ".join(methods)))])
                    response["Allow"] = ", ".join(methods)
                else:
                    try:
                        response = view(request, *args, fmt=fmt, **kwargs)
                    except Open311Error as exc:
                        response = error_answer(fmt, exc.status, [(exc.code, exc.description)])
                    except DomainError as exc:
                        response = _domain_error(fmt, exc)
                    except _BAD_BODY:
                        response = error_answer(fmt, 400, [(400, gettext("提交的内容过大、字段过多或无法读取。"))])
            response["Content-Language"] = language
            patch_vary_headers(response, ("Accept-Language", "Cookie"))  # the language decides the descriptions
            return response

        return csrf_exempt(wrapped)  # a machine interface: clients authenticate with api_key, not a session

    return decorate


def _domain_error(fmt: str, exc: DomainError) -> HttpResponse:
    """A service's refusal as the spec's error: an unknown category is a service_code not found (404); everything
    else the request got wrong is 400 — a place outside the district included (403 is the api_key's alone) — with
    its own code in the body when it is more specific (409: the same Idempotency-Key with different content)."""
    message = exc.api_message
    parameter = PARAMETERS.get(exc.field or "")
    if parameter:
        message = gettext("{parameter}：{message}").format(parameter=parameter, message=message)
    if isinstance(exc, NotFound) or exc.field == "category":
        return error_answer(fmt, 404, [(404, message)])
    code = 409 if isinstance(exc, Conflict) else 400
    return error_answer(fmt, 400, [(code, message)])


def _jurisdiction(request) -> str | None:
    """The district a read is cut to: jurisdiction_id when given (404 when it names no district of ours), else the
    district of the api_key when one is sent (403 when it is wrong), else every district this server serves."""
    wanted = request.GET.get("jurisdiction_id", "").strip()
    if wanted:
        if wanted not in selectors.district_codes():
            raise Open311Error(404, gettext("jurisdiction_id“{value}”不存在：应为本系统所服务的区的编码。").format(
                value=wanted[:40]))
        return wanted
    key = request.GET.get("api_key", "")
    if key.strip():
        return _client(key).account.org_node.code[:6]
    return None


def _client(key):
    client = client_for_key(key)
    if client is None:
        raise Open311Error(403, gettext("api_key 缺失或无效，无法提交。请向区指挥中心申请。") if not str(key or "").strip()
                           else gettext("api_key 无效或已停用，无法提交。请向区指挥中心申请。"))
    return client


# ------------------------------------------------------------------------------------------------- discovery, services


@endpoint("GET")
def discovery(request, *, fmt: str):
    from doorstep.audit.models import AuditEvent

    imported = (AuditEvent.objects.filter(action="incidents.categories_import").order_by("-created_at")
                .values_list("created_at", flat=True).first())
    return answer(resources.discovery(changeset=imported), fmt=fmt, root="discovery")


def root(request):
    """The endpoint's own address answers with the discovery document (the spec suggests serving it there)."""
    return discovery(request, fmt="xml")


@endpoint("GET")
def services(request, *, fmt: str):
    _jurisdiction(request)
    rows = Category.objects.filter(active=True).order_by("code")
    return answer([resources.service(c) for c in rows], fmt=fmt, root="services")


@endpoint("GET")
def service_definition(request, *, code: str, fmt: str):
    _jurisdiction(request)
    category = Category.objects.filter(code=code[:12], active=True).first()
    if category is None:
        raise Open311Error(404, gettext("service_code“{code}”不存在。").format(code=code[:40]))
    return answer(resources.service_definition(category), fmt=fmt, root="service_definition")


# ------------------------------------------------------------------------------------------------------------ requests


@endpoint("GET", "POST")
def requests(request, *, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


@endpoint("GET")
def request_one(request, *, number: str, fmt: str):
    district = _jurisdiction(request)
    rows = selectors.requests_by_number([number[:24]], district=district)
    if not rows:
        raise Open311Error(404, gettext("service_request_id“{id}”不存在。").format(id=number[:40]))
    return answer([resources.request_item(rows[0])], fmt=fmt, root="service_requests")


@endpoint("GET")
def token(request, *, token: str, fmt: str):
    number = selectors.request_number_for_token(token) if len(token) <= 64 else None
    if number is None:
        raise Open311Error(404, gettext("token“{token}”不存在或已过期。").format(token=token[:64]))
    return answer([{"service_request_id": number, "token": token}], fmt=fmt, root="service_requests")


def _create(request, fmt: str) -> HttpResponse:
    """POST a request: api_key, service_code, a place (lat & long, address_string or address_id), description; the
    caller (first_name, last_name, phone) is kept for the command center's call back, never shown. email, device_id,
    account_id and media_url are not kept (media_url is never fetched); photos may come as `media` uploads
    (multipart), stored without EXIF. Idempotent: the Idempotency-Key header, else a key derived from the body."""
    form = request.POST
    client = _client(form.get("api_key") or request.GET.get("api_key"))
    account = client.account
    wanted = (form.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    if wanted and not account.org_node.code.startswith(wanted):
        raise Open311Error(404, gettext("jurisdiction_id“{value}”不存在：应为本系统所服务的区的编码。").format(
            value=wanted[:40]))
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, gettext("缺少 service_code：请从 services 中选择一项。"))
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    address, address_id = form.get("address_string", "").strip(), form.get("address_id", "").strip()
    if bool(lat) != bool(lon):
        raise Open311Error(400, gettext("lat 和 long 须同时提供。"))
    if not (lat or address or address_id):
        raise Open311Error(400, gettext("缺少位置：请提供 lat 和 long，或 address_string，或 address_id。"))
    data = ReportIn(
        description=form.get("description", ""), category=code, latitude=lat or None, longitude=lon or None,
        address=address, building_id=address_id or None,
        # only words for the place: the district's command center places it (立案 puts it in a grid)
        node_code="" if (lat or address_id) else account.org_node.code,
        photos=request.FILES.getlist("media"), hide_identity=_hide_identity(form), caller_name=_caller_name(form),
        caller_phone=form.get("phone", ""), channel=Channel.OPEN311)
    key = request.headers.get(HEADER, "").strip() or _derived_key(request)
    try:
        incident = incident_report(actor=account, data=data, idempotency_key=key)
    except PermissionDenied as exc:  # the place lies outside the client's district: the request's fault, not the key's
        raise Open311Error(400, exc.message) from None
    response = answer([resources.created_item(incident)], fmt=fmt, root="service_requests")
    response[HEADER] = key  # a client that loses this answer finds its request again at tokens/<key>
    if was_replayed(incident):
        response[REPLAYED_HEADER] = "true"
    return response


def _hide_identity(form) -> bool:
    value = form.get(f"attribute[{resources.HIDE_IDENTITY}]", "").strip().lower()
    if value not in ("", "true", "false"):
        raise Open311Error(400, gettext("attribute[hide_identity] 只能是 true 或 false。"))
    return value == "true"


_CJK = re.compile(r"[\u3400-\u9fff]")


def _caller_name(form) -> str:
    """first_name and last_name as one name: family name first and no space for a Chinese name (王小雨), given name
    first for the rest (John Smith)."""
    first, last = form.get("first_name", "").strip(), form.get("last_name", "").strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _derived_key(request) -> str:
    """A client that sends no Idempotency-Key retries with the same body: the key is the digest of its fields (the
    api_key aside: the key is per client already) and of its uploads' names and sizes."""
    fields = sorted((name, value) for name, values in request.POST.lists() if name != "api_key" for value in values)
    uploads = sorted((f.name or "", f.size or 0) for _name, files in request.FILES.lists() for f in files)
    digest = hashlib.sha256(json.dumps([fields, uploads], ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return "open311:" + digest.hexdigest()[:56]


def _search(request, fmt: str) -> HttpResponse:
    district = _jurisdiction(request)
    query = request.GET
    ids = [i.strip() for i in query.get("service_request_id", "").split(",") if i.strip()]
    if ids:  # the spec: the list overrides every other argument
        if len(ids) > MAX_IDS:
            raise Open311Error(400, gettext("service_request_id 一次最多{count}个。").format(count=MAX_IDS))
        rows = selectors.requests_by_number([i[:24] for i in ids], district=district)
        return answer([resources.request_item(r) for r in rows], fmt=fmt, root="service_requests")
    start, end = _date_range(query.get("start_date", ""), query.get("end_date", ""))
    statuses = {s.strip().lower() for s in query.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, gettext("status 只能是 open 或 closed（可用逗号分隔）。"))
    codes = [c.strip()[:12] for c in query.get("service_code", "").split(",") if c.strip()]
    page, size = _positive(query, "page", 1, None), _positive(query, "page_size", MAX_REQUESTS, MAX_REQUESTS)
    rows = selectors.requests_search(district=district, start=start, end=end, codes=codes, statuses=statuses,
                                     offset=(page - 1) * size, limit=size)
    return answer([resources.request_item(r) for r in rows], fmt=fmt, root="service_requests")


def _positive(query, name: str, default: int, most: int | None) -> int:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= (most or 10**6):
        raise Open311Error(400, gettext("{name} 应为 1–{most} 的整数。").format(name=name, most=most or 10**6))
    return int(raw)


_SPACED_OFFSET = re.compile(r" (\d\d:?\d\d)$")
_DATE_ONLY = re.compile(r"\d{4}-\d\d-\d\d$")


def _moment(raw: str, name: str, *, end: bool) -> datetime.datetime | None:
    """A w3c date and time (2010-01-01T00:00:00Z, with an offset, or a date alone: its first or last moment). A
    time without an offset is read in the server's time zone; a '+' sent unencoded (read as a space) is put back."""
    raw = raw.strip()
    if not raw:
        return None
    text = _SPACED_OFFSET.sub(r"+\1", raw)
    try:
        day = parse_date(text) if _DATE_ONLY.match(text) else None  # parse_datetime takes a date for its midnight
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
        else:
            moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, gettext("{name} 格式应为 W3C 日期时间，如 2026-01-01T00:00:00+08:00。").format(name=name))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _date_range(start_raw: str, end_raw: str) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end] by the spec: the most recent 90 days when neither is given; 90 days after start or before end
    when one is; refused when end is before start or the span is longer than 90 days."""
    span = datetime.timedelta(days=MAX_DAYS)
    start, end = _moment(start_raw, "start_date", end=False), _moment(end_raw, "end_date", end=True)
    if start is None and end is None:
        end = timezone.now()
    try:
        if start is None:
            start = end - span
        if end is None:
            end = start + span
    except OverflowError:  # 90 days before year 1 or after year 9999
        raise Open311Error(400, gettext("start_date 或 end_date 超出可用的日期范围。")) from None
    if end < start:
        raise Open311Error(400, gettext("end_date 不能早于 start_date。"))
    if end - start > span:
        raise Open311Error(400, gettext("start_date 到 end_date 不能超过{days}天。").format(days=MAX_DAYS))
    return start, end


# --------------------------------------------------------------------------------------------------------------- media


@csrf_exempt  # a POST here is answered 405 in the spec's shape, not refused by CSRF as a page's form would be
def media(request, *, token: str, ext: str):
    """A report photo behind its signed link (media_url): the copy stored without EXIF, never another file."""
    fmt = "xml"
    with translation.override(client_language(request)):
        if request.method not in ("GET", "HEAD"):
            response = error_answer(fmt, 405, [(405, gettext("此地址只接受 GET 请求。"))])
            response["Allow"] = "GET"
            return response
        photo_id = resources.photo_id_of(token)
        photo = selectors.report_photo(photo_id) if photo_id else None
        if photo is None or resources.EXTENSIONS.get(photo.content_type) != ext:
            return error_answer(fmt, 404, [(404, gettext("没有这张照片。"))])
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=86400, immutable"  # the link names one stored file forever
    response["Content-Disposition"] = f'inline; filename="{photo.sha256[:16]}.{ext}"'
    return response


@csrf_exempt
def not_found(request, *, rest: str = ""):
    """Any other address under /open311/v2/: the spec's 404, in the format its suffix asks for."""
    with translation.override(client_language(request)):
        return error_answer(format_of_path(request.path_info), 404, [(404, gettext(
            "没有这个接口地址：可用的有 discovery、services、services/<service_code>、requests、"
            "requests/<service_request_id>、tokens/<token>，后缀 .xml 或 .json。"))])
