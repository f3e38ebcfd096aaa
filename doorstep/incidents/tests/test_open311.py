"""Open311 GeoReport v2 conformance (/open311/v2/): every response checked against a JSON schema written from the
spec (wiki.open311.org/GeoReport_v2 and its Service Discovery page) and, for XML, parsed against the spec's element
names and compared with the JSON answer of the same call; every error case the spec lists, bad bytes and bodies
never a 500; the api_key; idempotent POSTs; the status mapping; no personal data out; media_url to the EXIF-free
photo; query counts."""

import io
import json
import urllib.parse
import xml.etree.ElementTree as ET

import jsonschema_rs
import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from doorstep.accounts.models import User
from doorstep.core.crypto import blind_index
from doorstep.incidents.models import Incident, Open311Client
from doorstep.incidents.open311.clients import open311_client_create, open311_client_deactivate
from doorstep.incidents.services.center import incident_dismiss, incident_merge
from doorstep.incidents.tests.helpers import (
    first_grid,
    grid_point,
    grid_worker,
    phone_jpeg,
    report,
    street_dispatcher,
)
from doorstep.org.models import OrgNode

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
DISTRICT = "430302"

# ------------------------------------------------------------------------------------------- schemas from the spec

_TEXT_OR_NULL = {"type": ["string", "null"]}
# w3c date and time with the offset the spec requires ("Timezone information … must be included")
_W3C = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
_W3C_OR_NULL = {"anyOf": [_W3C, {"type": "null"}]}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "additionalProperties": False,
    "properties": {
        "changeset": {"type": "string", "minLength": 1},
        "contact": {"type": "string", "minLength": 1},
        "key_service": {"type": "string", "minLength": 1},
        "endpoints": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["specification", "url", "changeset", "type", "formats"],
            "properties": {
                "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                "url": {"type": "string", "pattern": "^https?://"},
                "changeset": {"type": "string"},
                "type": {"enum": ["production", "test"]},
                "formats": {"type": "array", "minItems": 1,
                            "items": {"enum": ["text/xml", "application/json"]}},
            }}},
    },
}
SERVICES = {
    "type": "array", "minItems": 1,
    "items": {
        "type": "object", "additionalProperties": False,
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": _TEXT_OR_NULL,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": _TEXT_OR_NULL,
            "group": _TEXT_OR_NULL,
        },
    },
}
SERVICE_DEFINITION = {
    "type": "object", "additionalProperties": False,
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["variable", "code", "datatype", "required", "datatype_description", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"},
                "code": {"type": "string", "minLength": 1},
                "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                "required": {"type": "boolean"},
                "datatype_description": _TEXT_OR_NULL,
                "order": {"type": "integer", "minimum": 1},
                "description": {"type": "string"},
                "values": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False, "required": ["key", "name"],
                    "properties": {"key": {"type": ["string", "number"]}, "name": {"type": "string"}}}},
            }}},
    },
}
POST_RESPONSE = {
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "token": {"type": "string", "minLength": 1},
            "service_notice": _TEXT_OR_NULL,
            "account_id": _TEXT_OR_NULL,
        },
        # "service_request_id … should not be returned if token is returned" and the other way round
        "oneOf": [{"required": ["service_request_id"], "not": {"required": ["token"]}},
                  {"required": ["token"], "not": {"required": ["service_request_id"]}}],
    },
}
TOKEN = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": False, "required": ["service_request_id", "token"],
              "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}}},
}
REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                 "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                 "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"],
    "properties": {
        "service_request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["open", "closed"]},
        "status_notes": _TEXT_OR_NULL,
        "service_name": _TEXT_OR_NULL,
        "service_code": _TEXT_OR_NULL,
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": _TEXT_OR_NULL,
        "service_notice": _TEXT_OR_NULL,
        "requested_datetime": _W3C,
        "updated_datetime": _W3C,
        "expected_datetime": _W3C_OR_NULL,
        "address": _TEXT_OR_NULL,
        "address_id": _TEXT_OR_NULL,
        "zipcode": _TEXT_OR_NULL,
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "media_url": {"anyOf": [{"type": "string", "pattern": "^https?://"}, {"type": "null"}]},
    },
}
REQUESTS = {"type": "array", "items": REQUEST}
ERRORS = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": False, "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
}

# The XML root and the element of each list's items (the spec's examples).
ROOTS = {"discovery": DISCOVERY, "services": SERVICES, "service_definition": SERVICE_DEFINITION,
         "service_requests": REQUESTS, "errors": ERRORS}
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}


def valid(schema: dict, data) -> None:
    jsonschema_rs.validator_for(schema).validate(data)


def xml_as_data(element: ET.Element):
    """An XML answer read back by the Spark convention the spec's JSON follows (a list element's items as a list,
    an empty element as null), so that it can be compared with the JSON answer of the same call."""
    if element.tag in ITEMS:
        assert all(child.tag == ITEMS[element.tag] for child in element), element.tag
        return [xml_as_data(child) for child in element]
    if len(element):
        tags = [child.tag for child in element]
        assert len(tags) == len(set(tags)), f"repeated elements in <{element.tag}>"
        return {child.tag: xml_as_data(child) for child in element}
    return element.text


def as_text(data):
    """JSON values as XML carries them: text, true/false, null for empty."""
    if isinstance(data, list):
        return [as_text(v) for v in data]
    if isinstance(data, dict):
        return {k: as_text(v) for k, v in data.items()}
    if data is None:
        return None
    if isinstance(data, bool):
        return "true" if data else "false"
    return str(data)


def parsed_xml(response, root: str):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    element = ET.fromstring(body)
    assert element.tag == root, element.tag
    return xml_as_data(element)


def parsed_json(response, schema: dict):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    valid(schema, data)
    return data


def both(client, path: str, *, root: str, status: int = 200, schema: dict | None = None, **extra):
    """GET path.json and path.xml: each validated, and the XML the same data as the JSON. Returns the JSON data."""
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
        query = "?" + query
    as_json = client.get(f"{BASE}/{path}.json{query}", **extra)
    as_xml = client.get(f"{BASE}/{path}.xml{query}", **extra)
    assert as_json.status_code == status, as_json.content.decode()
    assert as_xml.status_code == status, as_xml.content.decode()
    data = parsed_json(as_json, (schema or ROOTS[root]) if status < 400 else ERRORS)
    from_xml = parsed_xml(as_xml, root if status < 400 else "errors")
    if status < 400:
        assert from_xml == as_text(data) or (from_xml is None and data == [])
    return data


def error(response, status: int, fmt: str = "json") -> list[dict]:
    assert response.status_code == status, (response.status_code, response.content.decode()[:400])
    if fmt == "json":
        return parsed_json(response, ERRORS)
    data = parsed_xml(response, "errors")
    valid(ERRORS, [{"code": int(e["code"]), "description": e["description"]} for e in data])
    return data


@pytest.fixture
def issued():
    """An Open311 client of the demo district and its api_key."""
    client, key = open311_client_create(actor=None, name="12345热线", district=DISTRICT)
    return client, key


@pytest.fixture
def http():
    return Client()


def fields(key: str, **extra) -> dict:
    grid = first_grid()
    lat, lon = grid_point(grid)
    data = {"api_key": key, "service_code": "SJ0102", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
            "address_string": "金地花园3栋东侧", "description": "3栋东侧绿化带暴露垃圾约2方，气味很大",
            "first_name": "小雨", "last_name": "王", "phone": "13812345678", "email": "wang@example.com",
            "device_id": "tt222111", "account_id": "123456", "media_url": "http://169.254.169.254/latest/meta-data/"}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post(http, key: str, fmt: str = "json", *, headers: dict | None = None, **extra):
    return http.post(f"{BASE}/requests.{fmt}", data=urllib.parse.urlencode(fields(key, **extra)),
                     content_type="application/x-www-form-urlencoded; charset=utf-8", headers=headers or {})


# ------------------------------------------------------------------------------------------------ discovery, services


def test_discovery_names_the_v2_endpoint_and_both_formats(http):
    data = both(http, "discovery", root="discovery")
    (endpoint,) = data["endpoints"]
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert http.get(f"{BASE}/").status_code == 200  # the endpoint's own address answers with discovery (XML)


def test_services_are_our_active_categories(http):
    from doorstep.incidents.models import Category

    data = both(http, "services", root="services")
    codes = [s["service_code"] for s in data]
    assert codes == list(Category.objects.filter(active=True).order_by("code").values_list("code", flat=True))
    litter = next(s for s in data if s["service_code"] == "SJ0102")
    category = Category.objects.get(code="SJ0102")
    assert litter["service_name"] == category.name and litter["group"] == category.major
    assert litter["type"] == "realtime" and litter["metadata"] is True


def test_a_service_definition_offers_one_optional_attribute(http):
    data = both(http, "services/SJ0102", root="service_definition")
    assert data["service_code"] == "SJ0102"
    (attribute,) = data["attributes"]
    assert attribute["code"] == "hide_identity" and attribute["required"] is False
    assert {v["key"] for v in attribute["values"]} == {"true", "false"}


def test_an_unknown_jurisdiction_id_is_404_and_a_known_one_is_ours(http):
    for path in ("services", "services/SJ0102", "requests"):
        both(http, f"{path}?jurisdiction_id=999999", root="services", status=404)
    assert both(http, f"services?jurisdiction_id={DISTRICT}", root="services")


def test_an_unknown_service_code_is_404_in_both_formats(http):
    both(http, "services/NOPE99", root="service_definition", status=404)
    (e,) = error(http.get(f"{BASE}/services/NOPE99.xml"), 404, "xml")
    assert e["code"] == "404" and "NOPE99" in e["description"]


# ----------------------------------------------------------------------------------------------------------- POST


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_posting_a_request_reports_an_incident_through_intake(http, issued, fmt):
    client, key = issued
    response = post(http, key, fmt)
    assert response.status_code == 200, response.content.decode()
    if fmt == "json":
        data = parsed_json(response, POST_RESPONSE)
    else:
        data = parsed_xml(response, "service_requests")
        valid(POST_RESPONSE, data)
    number = data[0]["service_request_id"]
    incident = Incident.objects.get(number=number)
    grid = first_grid()
    assert incident.channel == "open311" and incident.kind == "request" and incident.state == "reported"
    assert incident.submitted_by_id == client.account_id and incident.path == grid.code
    assert incident.category.code == "SJ0102" and incident.address == "金地花园3栋东侧"
    # the caller is kept for the call back, encrypted; never shown
    assert incident.caller_name == "王小雨" and incident.caller_phone_index == blind_index("phone", "13812345678")
    assert "城管" in data[0]["service_notice"]
    assert response["Idempotency-Key"]


def test_the_service_account_is_a_district_dispatcher_that_cannot_log_in(issued):
    client, key = issued
    account = client.account
    assert account.role == "dispatcher" and account.org_node.code == DISTRICT and not account.has_usable_password()
    assert key.startswith("o311_") and client.key_digest != key and key not in client.key_digest
    assert Client().login(username=account.username, password=key) is False


def test_an_address_string_alone_leaves_the_place_to_the_command_center(http, issued):
    _client, key = issued
    response = post(http, key, lat=None, long=None, address_string="雨湖区城正街与和平路交叉口东北角")
    number = parsed_json(response, POST_RESPONSE)[0]["service_request_id"]
    incident = Incident.objects.get(number=number)
    assert incident.path == DISTRICT and incident.latitude is None and incident.grid_id is None
    assert incident.address == "雨湖区城正街与和平路交叉口东北角"


def test_an_address_id_is_one_of_our_buildings(http, issued):
    from doorstep.registry.models import Building

    _client, key = issued
    building = Building.objects.filter(path__startswith=DISTRICT).order_by("id").first()
    response = post(http, key, lat=None, long=None, address_string=None, address_id=str(building.pk))
    number = parsed_json(response, POST_RESPONSE)[0]["service_request_id"]
    incident = Incident.objects.get(number=number)
    assert incident.building_id == building.pk and incident.path == building.grid.code
    item = parsed_json(http.get(f"{BASE}/requests/{number}.json"), REQUESTS)[0]
    assert item["address_id"] == str(building.pk)


def test_twenty_replays_of_one_body_make_one_request(http, issued):
    _client, key = issued
    numbers = set()
    for attempt in range(20):
        response = post(http, key, description="小区门口井盖缺失，夜里很危险")
        assert response.status_code == 200
        numbers |= {parsed_json(response, POST_RESPONSE)[0]["service_request_id"]}
        assert response.get("Idempotent-Replayed") == ("true" if attempt else None)
    assert len(numbers) == 1
    assert Incident.objects.filter(description="小区门口井盖缺失，夜里很危险").count() == 1


def test_twenty_replays_with_an_idempotency_key_make_one_request_and_the_key_is_its_token(http, issued):
    _client, key = issued
    header = {"Idempotency-Key": "hotline-20261201-000042"}
    numbers = {parsed_json(post(http, key, headers=header, description="楼道堆满杂物，堵住了消防通道"),
                           POST_RESPONSE)[0]["service_request_id"] for _ in range(20)}
    assert len(numbers) == 1
    (number,) = numbers
    data = both(http, "tokens/hotline-20261201-000042", root="service_requests", schema=TOKEN)
    assert data == [{"service_request_id": number, "token": "hotline-20261201-000042"}]
    # the same key for another report is refused, and nothing is made
    (e,) = error(post(http, key, headers=header, description="另一件事：路灯不亮了"), 400)
    assert e["code"] == 409
    assert not Incident.objects.filter(description="另一件事：路灯不亮了").exists()


def test_a_derived_key_is_a_token_too(http, issued):
    _client, key = issued
    response = post(http, key, description="垃圾桶满了三天没有清运")
    number = parsed_json(response, POST_RESPONSE)[0]["service_request_id"]
    derived = response["Idempotency-Key"]
    assert derived.startswith("open311:")
    assert both(http, f"tokens/{derived}", root="service_requests", schema=TOKEN)[0]["service_request_id"] == number


def test_an_unknown_token_is_404(http):
    both(http, "tokens/no-such-token-123", root="service_requests", schema=TOKEN, status=404)
    error(http.get(f"{BASE}/tokens/{'x' * 300}.json"), 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_or_wrong_api_key_is_403(http, issued, fmt):
    client, key = issued
    (e,) = error(post(http, "", fmt, api_key=None), 403, fmt)
    assert "api_key" in e["description"]
    error(post(http, "o311_" + "x" * 43, fmt), 403, fmt)
    error(post(http, "k" * 5000, fmt), 403, fmt)
    open311_client_deactivate(actor=None, name=client.name)
    error(post(http, key, fmt), 403, fmt)
    assert not Incident.objects.filter(channel="open311").exists()


BAD_FIELDS = [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "NOPE99"}, 404, "service_code"),
    ({"jurisdiction_id": "430304"}, 404, "jurisdiction_id"),  # not the key's district
    ({"lat": None, "long": None, "address_string": None}, 400, "lat"),
    ({"long": None}, 400, "lat"),
    ({"lat": "abc"}, 400, "lat"),
    ({"lat": "NaN"}, 400, "lat"),
    ({"lat": "1e999"}, 400, "lat"),
    ({"lat": "91", "long": "112.9"}, 400, "lat"),
    ({"lat": "39.9", "long": "116.4"}, 400, "lat"),  # Beijing: in no grid of ours
    ({"lat": None, "long": None, "address_string": None, "address_id": "999999999"}, 400, "address_id"),
    ({"lat": None, "long": None, "address_string": None, "address_id": "楼"}, 400, "address_id"),
    ({"description": None}, 400, "description"),
    ({"description": "坏了"}, 400, "description"),
    ({"description": "很" * 4001}, 400, "description"),
    ({"phone": "12"}, 400, "phone"),
    ({"first_name": "<script>"}, 400, "first_name"),
    ({"attribute[hide_identity]": "maybe"}, 400, "hide_identity"),
]


@pytest.mark.parametrize(("bad", "status", "named"), BAD_FIELDS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_is_refused_with_the_spec_error_and_nothing_is_made(http, issued, bad, status, named, fmt):
    _client, key = issued
    before = Incident.objects.count()
    (e,) = error(post(http, key, fmt, **bad), status, fmt)
    assert named in e["description"]
    assert Incident.objects.count() == before


def test_a_bad_idempotency_key_is_400(http, issued):
    _client, key = issued
    (e,) = error(post(http, key, headers={"Idempotency-Key": "short"}), 400)
    assert "Idempotency-Key" in e["description"]


def test_a_place_in_another_district_is_400_not_403(http, issued):
    from doorstep.conftest import OTHER_DISTRICT
    from doorstep.registry.models import Building

    _client, key = issued
    other = Building.objects.filter(path__startswith=OTHER_DISTRICT).first()
    (e,) = error(post(http, key, lat=None, long=None, address_string=None, address_id=str(other.pk)), 400)
    assert e["code"] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_bytes_are_400_in_the_spec_shape_never_500(http, issued, fmt):
    _client, key = issued
    url = f"{BASE}/requests.{fmt}"
    form = "application/x-www-form-urlencoded"
    body = urllib.parse.urlencode(fields(key)).encode()
    for bad in (body + b"&description=%FF%FE%FD", body.replace(b"description=", b"description=%00"),
                body + b"&first_name=\x01", b"\xff\xfe" + body):
        error(http.post(url, data=bad, content_type=form), 400, fmt)
    error(http.get(f"{BASE}/requests.{fmt}?status=%00"), 400, fmt)
    huge = body + b"&x=" + b"a" * (3 * 1024 * 1024)  # over DATA_UPLOAD_MAX_MEMORY_SIZE
    error(http.post(url, data=huge, content_type=form), 400, fmt)
    error(http.post(url, data=b"\x00\x01garbage", content_type="application/octet-stream"), 400, fmt)
    assert not Incident.objects.filter(channel="open311").exists()


def test_errors_speak_the_clients_language_chinese_by_default(http, issued):
    _client, key = issued
    (zh,) = error(post(http, key, description="坏了"), 400)
    (en,) = error(post(http, key, description="坏了", headers={"Accept-Language": "en-US,en;q=0.9"}), 400)
    assert "至少5个字" in zh["description"]
    assert "description" in en["description"] and not any("\u4e00" <= c <= "\u9fff" for c in en["description"])
    (forbidden,) = error(http.post(f"{BASE}/requests.xml", data="service_code=SJ0102",
                                   content_type="application/x-www-form-urlencoded",
                                   HTTP_ACCEPT_LANGUAGE="en"), 403, "xml")
    assert "api_key" in forbidden["description"] and "无效" not in forbidden["description"]


def test_other_methods_and_addresses_answer_in_the_spec_shape(http):
    response = http.put(f"{BASE}/services.json")
    error(response, 405)
    assert response["Allow"] == "GET"
    error(http.delete(f"{BASE}/requests.xml"), 405, "xml")
    error(http.get(f"{BASE}/nothing-here.json"), 404)
    error(http.get(f"{BASE}/services.html"), 404, "xml")
    error(http.post(f"{BASE}/services/SJ0102.json", data={}), 405)


def test_the_posted_media_url_is_never_fetched(http, issued, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the server must not fetch a client's media_url")

    monkeypatch.setattr(socket, "create_connection", no_network)
    _client, key = issued
    response = post(http, key, description="路灯不亮，已经一周了")
    number = parsed_json(response, POST_RESPONSE)[0]["service_request_id"]
    item = parsed_json(http.get(f"{BASE}/requests/{number}.json"), REQUESTS)[0]
    assert item["media_url"] is None


def test_photos_may_come_as_media_uploads_and_are_stored_without_exif(http, issued):
    _client, key = issued
    data = fields(key, description="井盖破损，有行人差点摔倒")
    data["media"] = phone_jpeg()
    response = http.post(f"{BASE}/requests.json", data=data)
    number = parsed_json(response, POST_RESPONSE)[0]["service_request_id"]
    incident = Incident.objects.get(number=number)
    assert incident.photos.count() == 1
    _assert_clean_jpeg(incident.photos.get().file.read())


def test_posting_takes_a_handful_of_queries(http, issued, django_assert_max_num_queries):
    _client, key = issued
    post(http, key, description="预热：第一次上报读入网格形状")  # the grid shapes are read once per process
    with django_assert_max_num_queries(18):  # 15 on SQLite today, 4 of them savepoints
        response = post(http, key, description="人行道地砖松动，下雨溅水")
    assert response.status_code == 200


# ------------------------------------------------------------------------------------------------------ GET requests


def _posted(http, key, **extra) -> str:
    return parsed_json(post(http, key, **extra), POST_RESPONSE)[0]["service_request_id"]


def test_get_requests_lists_the_districts_recent_requests_in_both_formats(http, issued):
    _client, key = issued
    number = _posted(http, key)
    grid = first_grid()
    found = report(grid_worker(grid), grid=grid, text="网格员上报：路边乱堆建筑垃圾")
    data = both(http, "requests", root="service_requests")
    numbers = [r["service_request_id"] for r in data]
    assert number in numbers and found.number in numbers
    mine = next(r for r in data if r["service_request_id"] == number)
    assert mine["status"] == "open" and mine["service_code"] == "SJ0102" and mine["agency_responsible"] == "城管"
    assert mine["requested_datetime"].endswith("+08:00") and mine["address"] == "金地花园3栋东侧"
    assert mine["status_notes"] == "待立案"


def test_get_requests_filters_by_code_status_ids_and_dates(http, issued):
    _client, key = issued
    a = _posted(http, key, description="第一件：垃圾没人清运")
    b = _posted(http, key, service_code="SJ0201", description="第二件：墙上贴满小广告")
    center = street_dispatcher(first_grid())
    incident_dismiss(actor=center, incident_id=Incident.objects.get(number=b).pk, reason="已由物业当场清除，无需立案")
    ids = {r["service_request_id"] for r in both(http, f"requests?service_request_id={a},{b},E0000", root="service_requests")}
    assert ids == {a, b}
    only_b = both(http, "requests?service_code=SJ0201", root="service_requests")
    assert {r["service_request_id"] for r in only_b} >= {b} and a not in {r["service_request_id"] for r in only_b}
    closed = both(http, "requests?status=closed", root="service_requests")
    dismissed = next(r for r in closed if r["service_request_id"] == b)
    assert dismissed["status"] == "closed" and dismissed["status_notes"] == "不予立案：已由物业当场清除，无需立案"
    assert a not in {r["service_request_id"] for r in closed}
    assert a in {r["service_request_id"] for r in both(http, "requests?status=open", root="service_requests")}
    today = timezone.localdate()
    in_range = both(http, f"requests?start_date={today:%Y-%m-%d}&end_date={today:%Y-%m-%d}", root="service_requests")
    assert {a} <= {r["service_request_id"] for r in in_range}
    old = both(http, "requests?start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00Z",
               root="service_requests")
    assert old == []
    offset = urllib.parse.quote("+08:00")
    assert both(http, f"requests?start_date={today:%Y-%m-%d}T00:00:00{offset}", root="service_requests")
    assert both(http, f"requests?end_date={today:%Y-%m-%d}T23:59:59 08:00", root="service_requests")  # '+' unencoded


@pytest.mark.parametrize("query", [
    "start_date=2026-03-01&end_date=2026-01-01",  # end before start
    "start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z",  # more than 90 days
    "start_date=yesterday",
    "end_date=2026-13-45",
    "status=pending",
    "page_size=1001",
    "page=0",
    "service_request_id=" + ",".join(f"E{i}" for i in range(1001)),
])
def test_bad_searches_are_400(http, query):
    both(http, f"requests?{query}", root="service_requests", status=400)


def test_a_merged_request_is_closed_and_names_the_one_kept(http, issued):
    _client, key = issued
    a = _posted(http, key, description="路口积水很深，车辆无法通行")
    b = _posted(http, key, description="路口积水一直没退，车过不去")
    center = street_dispatcher(first_grid())
    incident_merge(actor=center, incident_id=Incident.objects.get(number=b).pk,
                   into_id=Incident.objects.get(number=a).pk)
    (item,) = both(http, f"requests/{b}", root="service_requests")
    assert item["status"] == "closed" and item["status_notes"] == f"已合并：并入{a}"
    (english,) = parsed_json(http.get(f"{BASE}/requests/{b}.json", HTTP_ACCEPT_LANGUAGE="en"), REQUESTS)
    assert a in english["status_notes"] and not any("\u4e00" <= c <= "\u9fff" for c in english["status_notes"])


def test_a_request_shows_no_personal_data(http, issued):
    _client, key = issued
    number = _posted(http, key, description="3栋402住户王小雨（13812345678）反映楼道灯坏了",
                     address_string="金地花园3栋，身份证430302199003070011的住户门口")
    (item,) = both(http, f"requests/{number}", root="service_requests")
    text = json.dumps(item, ensure_ascii=False)
    assert "13812345678" not in text and "430302199003070011" not in text and "138****5678" in text
    assert "王小雨" not in json.dumps([item["status_notes"], item["agency_responsible"]], ensure_ascii=False)
    for field in ("first_name", "last_name", "phone", "email", "device_id", "account_id", "caller"):
        assert field not in item


def test_get_a_request_is_404_when_unknown_or_in_another_jurisdiction(http, issued):
    both(http, "requests/E43030220261201999999", root="service_requests", status=404)
    _client, key = issued
    number = _posted(http, key)
    both(http, f"requests/{number}?jurisdiction_id={DISTRICT}", root="service_requests")
    both(http, f"requests/{number}?jurisdiction_id=999999", root="service_requests", status=404)
    error(http.get(f"{BASE}/requests.json?api_key=wrong"), 403)


def test_the_other_district_is_left_out_for_a_clients_key_and_jurisdiction(http, issued):
    from doorstep.conftest import OTHER_DISTRICT

    other_client, other_key = open311_client_create(actor=None, name="对照区热线", district=OTHER_DISTRICT)
    _client, key = issued
    number = _posted(http, key)
    assert number in {r["service_request_id"] for r in both(http, "requests", root="service_requests")}
    assert number not in {r["service_request_id"] for r in both(
        http, f"requests?api_key={other_key}", root="service_requests")}
    assert number not in {r["service_request_id"] for r in both(
        http, f"requests?jurisdiction_id={OTHER_DISTRICT}", root="service_requests")}
    assert other_client.account.org_node.code == OTHER_DISTRICT


def test_the_list_costs_the_same_queries_for_one_request_or_many(http, issued, django_assert_max_num_queries):
    _client, key = issued
    grid = first_grid()
    worker = grid_worker(grid)
    for i in range(12):
        report(worker, grid=grid, text=f"第{i}处：路边垃圾堆放", photos=[phone_jpeg()] if i % 3 == 0 else [])
    _posted(http, key)
    with django_assert_max_num_queries(4):  # the requests, their lead orders, their photos
        response = http.get(f"{BASE}/requests.json")
    data = parsed_json(response, REQUESTS)
    assert len(data) >= 13 and any(r["media_url"] for r in data)


def test_pages_of_the_list(http, issued):
    _client, key = issued
    for i in range(3):
        _posted(http, key, description=f"第{i}件：路面坑洼需要修补")
    first = both(http, "requests?page_size=2", root="service_requests")
    second = both(http, "requests?page_size=2&page=2", root="service_requests")
    assert len(first) == 2 and not {r["service_request_id"] for r in first} & {r["service_request_id"] for r in second}


# --------------------------------------------------------------------------------------------------------------- media


def _assert_clean_jpeg(data: bytes) -> None:
    assert data.startswith(b"\xff\xd8\xff")
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif() and 0x8825 not in image.getexif()
    assert b"Exif" not in data and b"Huawei" not in data and b"P60" not in data


def test_media_url_serves_the_report_photo_without_exif(http):
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, photos=[phone_jpeg()], text="井盖丢失，有安全隐患")
    (item,) = both(http, f"requests/{incident.number}", root="service_requests")
    url = item["media_url"]
    assert url and url.endswith(".jpg")
    path = urllib.parse.urlsplit(url).path
    response = http.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    _assert_clean_jpeg(b"".join(response.streaming_content))
    token = path.rsplit("/", 1)[1].removesuffix(".jpg")
    photo_id, signature = token.split(":", 1)
    error(http.get(f"{BASE}/media/{int(photo_id) + 1}:{signature}.jpg"), 404, "xml")  # forged: refused
    error(http.get(f"{BASE}/media/{photo_id}.jpg"), 404, "xml")
    error(http.get(path.replace(".jpg", ".png")), 404, "xml")


def test_media_serves_report_photos_only(http):
    from doorstep.incidents.models import IncidentPhoto
    from doorstep.incidents.open311.resources import media_token

    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, photos=[phone_jpeg()], text="路边树枝折断挡路")
    photo = incident.photos.get()
    IncidentPhoto.objects.filter(pk=photo.pk).update(stage="verification")
    error(http.get(f"{BASE}/media/{media_token(photo.pk)}.jpg"), 404, "xml")


# ------------------------------------------------------------------------------------------------- the key command


def test_the_command_prints_the_key_once_and_keeps_its_digest():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("open311", "key", "--name", "城市服务App", "--district", DISTRICT, stdout=out)
    key = out.getvalue().rsplit("：", 1)[1].strip()
    client = Open311Client.objects.get(name="城市服务App")
    assert key.startswith("o311_") and key not in json.dumps(list(Open311Client.objects.values()), default=str)
    assert User.objects.get(pk=client.account_id).org_node == OrgNode.objects.get(code=DISTRICT)
    out = io.StringIO()
    call_command("open311", "list", stdout=out)
    assert "城市服务App" in out.getvalue() and key not in out.getvalue()
    call_command("open311", "revoke", "--name", "城市服务App", stdout=io.StringIO())
    assert not Open311Client.objects.get(name="城市服务App").active
