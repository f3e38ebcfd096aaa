"""A real GeoReport v2 client from PyPI driven against a live server: georeport 0.3.1 (the `test` extra), the only
one of the three candidates that imports on Python 3 (docs/open311.md says why `three` 0.8.0 and `open311` 1.1 do
not). georeport reads services, service definitions, requests and a request, in JSON and in XML (xmltodict); it has
no discovery and no POST, so those two go through `requests`, the library georeport itself sends with."""

import io

import pytest
import requests
from django.db import connections
from georeport import GeoReport
from PIL import Image

from doorstep.incidents.models import Incident
from doorstep.incidents.open311.clients import open311_client_create
from doorstep.incidents.services.center import incident_dismiss
from doorstep.incidents.tests.helpers import first_grid, grid_point, phone_jpeg, street_dispatcher

TIMEOUT = 30


def _as_list(value):
    """xmltodict gives one repeated element as a dict and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.fixture
def endpoint(world, live_server, settings):
    """The endpoint's URL as the discovery document names it (links leave with the public base URL: here the live
    server's)."""
    settings.DOORSTEP_PUBLIC_BASE_URL = live_server.url
    # The live server's threads wait on kept-alive sockets after answering; with persistent database connections
    # (PostgreSQL: CONN_MAX_AGE 60) each would keep a session open and the test database could not be dropped at
    # the end. Closed after every request instead, as on SQLite.
    database = connections.settings["default"]
    kept = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 0
    response = requests.get(f"{live_server.url}/open311/v2/discovery.json", timeout=TIMEOUT)
    response.raise_for_status()
    (v2,) = [e for e in response.json()["endpoints"] if e["specification"] == "http://wiki.open311.org/GeoReport_v2"]
    assert "application/json" in v2["formats"] and "text/xml" in v2["formats"]
    yield v2["url"]
    database["CONN_MAX_AGE"] = kept

def _post(endpoint: str, key: str, **extra) -> requests.Response:
    lat, lon = grid_point(first_grid())
    data = {"api_key": key, "service_code": "SJ0102", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
            "address_string": "金地花园3栋东侧", "description": "3栋东侧绿化带暴露垃圾约2方", **extra}
    return requests.post(f"{endpoint}/requests.json", data=data, timeout=TIMEOUT)


def test_the_georeport_client_reads_services_and_definitions_in_json_and_xml(endpoint):
    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, output_format=fmt)
        services = client.get_service_list()
        litter = next(s for s in services if s["service_code"] == "SJ0102")
        assert litter["type"] == "realtime" and litter["service_name"]
        definition = client.get_service_definition("SJ0102")
        assert definition["service_code"] == "SJ0102"
        attributes = definition["attributes"] if fmt == "json" else _as_list(definition["attributes"]["attribute"])
        assert [a["code"] for a in attributes] == ["hide_identity"]
        with pytest.raises(requests.HTTPError) as refused:
            client.get_service_definition("NOPE99")
        assert refused.value.response.status_code == 404


def test_a_posted_request_is_read_back_by_the_georeport_client_and_found_by_its_token(endpoint):
    _client, key = open311_client_create(actor=None, name="12345热线", district="430302")
    lat, lon = grid_point(first_grid())
    image = phone_jpeg()
    posted = requests.post(f"{endpoint}/requests.json", timeout=TIMEOUT,
                           files={"media": (image.name, image.read(), "image/jpeg")},
                           data={"api_key": key, "service_code": "SJ0102", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
                                 "address_string": "金地花园3栋东侧", "description": "3栋东侧绿化带暴露垃圾约2方，附照片"})
    assert posted.status_code == 200, posted.text
    (created,) = posted.json()
    number = created["service_request_id"]
    other = _post(endpoint, key, description="墙上贴满小广告，物业已当场清除")
    assert other.status_code == 200
    # georeport reads an empty XML list (<service_requests/>) as None and fails: one closed request keeps it non-empty
    dismissed = Incident.objects.get(number=other.json()[0]["service_request_id"])
    incident_dismiss(actor=street_dispatcher(first_grid()), incident_id=dismissed.pk, reason="物业已当场清除")
    assert _post(endpoint, "o311_wrong").status_code == 403

    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, output_format=fmt)
        listed = _as_list(client.get_service_requests())
        assert number in {r["service_request_id"] for r in listed}
        chosen = _as_list(client.get_service_requests(service_request_id=number))
        assert [r["service_request_id"] for r in chosen] == [number]
        opened = _as_list(client.get_service_requests(service_code="SJ0102", status="open"))
        assert number in {r["service_request_id"] for r in opened}
        closed = _as_list(client.get_service_requests(status="closed"))
        assert number not in {r["service_request_id"] for r in closed} and dismissed.number in {
            r["service_request_id"] for r in closed}
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["agency_responsible"] == "城管" and one["requested_datetime"].endswith("+08:00")
        with pytest.raises(requests.HTTPError) as refused:
            client.get_service_requests(start_date="2026-03-01T00:00:00Z", end_date="2026-01-01T00:00:00Z")
        assert refused.value.response.status_code == 400

    media = requests.get(one["media_url"], timeout=TIMEOUT)
    assert media.status_code == 200 and media.headers["Content-Type"] == "image/jpeg"
    photo = Image.open(io.BytesIO(media.content))
    assert photo.format == "JPEG" and not photo.getexif() and b"Huawei" not in media.content

    # a client that lost the answer to its POST asks tokens/<its Idempotency-Key>
    headers = {"Idempotency-Key": "app-report-7f3e2a1c"}
    data = {"api_key": key, "service_code": "SJ0102", "lat": f"{lat:.7f}", "long": f"{lon:.7f}",
            "description": "小区门口井盖缺失，夜里很危险"}
    first = requests.post(f"{endpoint}/requests.xml", data=data, headers=headers, timeout=TIMEOUT)
    again = requests.post(f"{endpoint}/requests.json", data=data, headers=headers, timeout=TIMEOUT)
    assert again.headers.get("Idempotent-Replayed") == "true"
    (created,) = again.json()
    assert f"<service_request_id>{created['service_request_id']}</service_request_id>" in first.text
    token = requests.get(f"{endpoint}/tokens/app-report-7f3e2a1c.json", timeout=TIMEOUT).json()
    assert token == [{"service_request_id": created["service_request_id"], "token": "app-report-7f3e2a1c"}]
