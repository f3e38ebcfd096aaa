"""The edge: refuses, before sessions, authentication or any view touch the database, the bytes no page or API takes.

NUL and the other C0 control characters, invalid UTF-8 and lone surrogates reach PostgreSQL as errors ("A string
literal cannot contain NUL") and became 500s in 23 places (issue #10, item 7); JSON nested deeper than Python's
recursion limit raised RecursionError. One check here stands for all of them: a 400 with a Chinese page, or a JSON
`detail` under /api/. Tab, CR and LF are allowed in the query string and in bodies (textareas send them), never in
the path. Multipart uploads: only the form fields and the file names are checked, never a file's content.

The checks are regular expressions over bytes already in memory (a few microseconds on the window's acceptance
POST); a JSON body is parsed once more here to bound its depth (DOORSTEP_EDGE_JSON_MAX_DEPTH).
"""

import json
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from doorstep.core.errorpages import shaped_error
from doorstep.core.locale_middleware import chosen_language

MESSAGE = _("请求中含有不允许的字符（如 NUL 等控制字符），或不是有效的 UTF-8 编码。请检查输入后重试。")
DEPTH_MESSAGE = _("请求的 JSON 嵌套层数过多。")

_PATH_BAD = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BYTES_BAD = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_BAD = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded",)
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class Refused(Exception):
    def __init__(self, message: str = MESSAGE):
        super().__init__(message)
        self.message = message


def _raw_bytes(value: str) -> bytes:
    # WSGI hands over the raw bytes as a latin-1 string; a test client may hand over plain text.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _check_encoded(value: str | bytes) -> None:
    """A query string or an urlencoded body: after percent-decoding, no control bytes and valid UTF-8."""
    raw = _raw_bytes(value) if isinstance(value, str) else value
    if b"%" in raw:
        raw = unquote_to_bytes(raw)
    if _BYTES_BAD.search(raw):
        raise Refused
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused from None


def _check_text(value: str) -> None:
    if _TEXT_BAD.search(value):
        raise Refused


def _check_json(body: bytes, max_depth: int) -> None:
    if _BYTES_BAD.search(body):
        raise Refused
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused from None
    escaped = b"\\u" in body  # only an escape can smuggle a control character or a lone surrogate into a string
    if not escaped and body.count(b"[") + body.count(b"{") <= max_depth:
        return  # cannot nest deeper than it has brackets: no need to parse (the window's acceptance POST)
    try:
        data = json.loads(body)
    except RecursionError:
        raise Refused(DEPTH_MESSAGE) from None
    except ValueError:
        return  # not JSON at all: the API answers that itself (422)
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise Refused(DEPTH_MESSAGE)
            for key, value in node.items():
                if escaped:
                    _check_text(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                raise Refused(DEPTH_MESSAGE)
            stack.extend((value, depth + 1) for value in node)
        elif escaped and isinstance(node, str):
            _check_text(node)


def check_request(request) -> None:
    """Raise Refused when the path, the query string, a header, a cookie or the body carries what no one may send."""
    meta = request.META
    path = meta.get("PATH_INFO", "")
    raw_path = _raw_bytes(path)
    if _PATH_BAD.search(path) or not raw_path.isascii() and not _utf8(raw_path):
        raise Refused
    query = meta.get("QUERY_STRING", "")
    if query:
        _check_encoded(query)
    if _HEADER_BAD.search(" ".join(v for k, v in meta.items() if k.startswith("HTTP_") and isinstance(v, str))):
        raise Refused
    if "HTTP_COOKIE" in meta:
        for name, value in request.COOKIES.items():
            _check_text(name)
            _check_text(value)
    if request.method not in _BODY_METHODS:
        return
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        for _, values in request.POST.lists():
            for value in values:
                _check_text(value)
        for _, files in request.FILES.lists():
            for upload in files:
                _check_text(upload.name or "")
        return
    body = request.body
    if not body:
        return
    if content_type in _FORM_TYPES:
        _check_encoded(body)
    elif "json" in content_type or request.path_info.startswith("/api/"):
        _check_json(body, settings.DOORSTEP_EDGE_JSON_MAX_DEPTH)
    elif _BYTES_BAD.search(body):
        raise Refused


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class EdgeMiddleware:
    """First in settings.MIDDLEWARE: a refused request never reaches the session store or a view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            check_request(request)
        except Refused as exc:
            return refused_response(request, exc.message)
        return self.get_response(request)


def refused_response(request, message: str):
    try:
        language = chosen_language(request)  # the edge runs before the language middleware
    except Exception:  # noqa: BLE001 — a cookie or header the edge just refused may not even parse
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        shaped = shaped_error(request, 400, message)  # a machine interface's own error shape (Open311)
        if shaped is not None:
            return shaped
        if request.META.get("PATH_INFO", "").startswith("/api/"):
            return JsonResponse({"detail": str(message)}, status=400)
        return render(request, "error.html", {"status": 400, "message": message}, status=400)
