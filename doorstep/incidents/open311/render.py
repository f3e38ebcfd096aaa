"""Writing GeoReport v2 answers: one structure, two formats chosen by the URL's suffix — XML with the spec's element
names behind the XML declaration (text/xml), or JSON after the Spark convention the spec uses (the root's list is a
JSON array, a repeated element a list, an empty element null) — and errors as the spec's list of {code,
description}, in the client's language (Accept-Language; Chinese when it asks for none we have).

Also the shape of the errors that core answers before a view runs (bad bytes at the edge, a body over the size
limit, an unknown address under /open311/): settings.DOORSTEP_ERROR_SHAPES points core.errorpages here."""

import json
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import translation

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The element each item of a list is written as, by the list's own element (the spec's "⇊ / ↴" pairs).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """A refusal as the spec words it: the HTTP status (400, 403, 404, 405) and the errors' {code, description}."""

    def __init__(self, status: int, description: str, *, code: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description


def client_language(request) -> str:
    """The language the client asked for (its language cookie, else Accept-Language), Chinese when none we have."""
    try:
        return translation.get_language_from_request(request)
    except Exception:  # noqa: BLE001 — a header the edge refuses may not even parse
        from django.conf import settings

        return settings.LANGUAGE_CODE


def format_of_path(path: str) -> str:
    """The format a client asked for by the suffix of an address no view took (XML, the spec's required one, else)."""
    return "json" if path.rstrip("/").lower().endswith(".json") else "xml"


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(name: str, value) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, list):
        item = ITEMS[name]
        for entry in value:
            element.append(_element(item, entry))
    elif isinstance(value, dict):
        for key, entry in value.items():
            element.append(_element(key, entry))
    else:
        element.text = _text(value)
    return element


def render_xml(root: str, data) -> str:
    return XML_DECLARATION + ET.tostring(_element(root, data), encoding="unicode")


def answer(data, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """`data` (a list for the roots that are lists, a dict for discovery and a service definition) as `fmt`;
    `root` is the XML root element (services, service_definition, service_requests, discovery, errors)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        body = render_xml(root, data)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=FORMATS[fmt])


def error_answer(fmt: str, status: int, errors: list[tuple[int, str]]) -> HttpResponse:
    """The spec's error answer: HTTP `status`, a list of {code, description}."""
    body = [{"code": code, "description": str(description)} for code, description in errors]
    return answer(body, fmt=fmt, root="errors", status=status)


def shaped_error(request, status: int, message) -> HttpResponse:
    """core.errorpages' hook (settings.DOORSTEP_ERROR_SHAPES) for what core answers under /open311/ before or
    instead of a view: an error in the spec's shape, in the format the suffix asks for and the client's language."""
    language = client_language(request)
    with translation.override(language):
        response = error_answer(format_of_path(request.META.get("PATH_INFO", "")), status, [(status, str(message))])
    response["Content-Language"] = language
    return response
