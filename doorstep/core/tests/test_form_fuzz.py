"""A form fuzzer over every HTML form the demo roles can reach (issue #10, item 7): no answer may be a 5xx.

As each of several demo roles (and anonymously) it crawls the site from the home page and from every URL pattern
without parameters, following links inside the site, collects every <form> on the pages it reaches, and submits
each one with mutated values — NUL and other control characters, lone surrogates, very long text, emoji, negative
and huge numbers, wrong types, empty and missing fields, a junk file — first in every field at once, then one field
at a time. Django's test client, no browser, so it stays within a minute or so per database; the crawl is bounded
by DOORSTEP_FUZZ_PAGES pages per role.
"""

import os
import re
from collections import deque
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from doorstep.conftest import user
from doorstep.core.tests.htmlpages import parse

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
PAGES = int(os.environ.get("DOORSTEP_FUZZ_PAGES", "45"))
ROLES = [None, "clerk_c001001", "approver_s01", "gw_001001003", "13800000001", "admin"]
# Links never followed and forms never sent: signing out or switching language would end the crawl's session;
# exports and downloads are binary.
SKIP = re.compile(r"^/(accounts/logout|i18n/|admin/|static/|api/)|\.(xlsx|yaml|pdf|png|jpg)$|/(uploads|certificate|"
                  r"notice)/")

MUTATIONS = {  # each sent in every field at once
    "nul": "a\x00b",
    "long": "长" * 20_000,
    "emoji": "😀👨‍👩‍👧‍👦",
    "negative": "-1",
    "huge": "9" * 40,
    "float": "1e309",
    "wrong type": "abc",
    "empty": "",
}
SINGLE = [*MUTATIONS.values(), "\x07\x1b[31m", "[1, 2]", "' OR 1=1 --", "2026-02-30", "0"]  # one field at a time
FUZZED: set[tuple] = set()  # forms already fuzzed (by method, action shape and field names), whichever role found them
SURROGATE = "%ED%A0%80"  # a lone UTF-16 surrogate, UTF-8 encoded: not valid UTF-8


def _seed_urls() -> list[str]:
    urls = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif "<" not in route and "(" not in route and "^" not in route:
                urls.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(u for u in set(urls) if not SKIP.search(u))


SEARCHES = ["/window/?q=谢小波", "/residents/?q=xxb", "/services/?q=低保", "/services/MZ-C01/"]


def _shape(url: str) -> tuple:
    """Pages that differ only in ids or codes (case 7218 or 7210, item MZ-C01 or WJ-C02) count as one."""
    parts = urlsplit(url)
    path = "/".join("N" if any(c.isdigit() for c in segment) else segment for segment in parts.path.split("/"))
    return path, tuple(sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair}))


def _crawl(client: Client, limit: int) -> tuple[list[tuple[str, dict]], int]:
    """(page, form) for each distinct form found within `limit` pages of distinct shapes, and the pages read."""
    queue, seen, forms, signatures, read = deque(["/", *SEARCHES, *_seed_urls()]), set(), [], set(), 0
    while queue and read < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if _shape(url) in seen or SKIP.search(path):
            continue
        seen.add(_shape(url))
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        read += 1
        page = parse(response.content.decode("utf-8", "replace"))
        for form in page.forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            signature = (form["method"], _shape(action)[0], tuple(sorted(form["fields"])))
            if signature not in signatures and signature not in FUZZED and not SKIP.search(action):
                signatures.add(signature)
                forms.append((action, form))
            if form["method"] == "get":  # a search form leads on to pages with more forms (the window's item list)
                queue.append(f"{action}?{urlencode({k: v or '办' for k, v in form['fields'].items()})}")
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc in ("", "testserver") and parts.path.startswith("/"):
                link = parts.path + (f"?{parts.query}" if parts.query and len(parts.query) < 80 else "")
                if _shape(link) not in seen:
                    queue.append(link)
    return forms, read


def _send(client: Client, action: str, form: dict, fields: dict):
    if form["method"] == "get":
        return client.get(action, fields)
    files = {name: SimpleUploadedFile("x.png", b"\x00\x01not a picture", content_type="image/png")
             for name, kind in form["types"].items() if kind == "file"}
    return client.post(action, {**{k: v for k, v in fields.items() if k not in files}, **files})


def _send_raw(client: Client, action: str, form: dict, body: str):
    if form["method"] == "get":
        return client.get(f"{action}?{body}")
    return client.post(action, body, content_type="application/x-www-form-urlencoded")


def _fuzz_form(client: Client, action: str, form: dict) -> list[tuple]:
    failures = []
    base = dict(form["fields"])
    names = [n for n in base if n != "csrfmiddlewaretoken"]

    def check(what, response):
        if response.status_code >= 500:
            failures.append((action, form["method"], what, response.status_code))

    for label, value in MUTATIONS.items():
        check(f"every field {label}", _send(client, action, form, {**base, **dict.fromkeys(names, value)}))
    check("missing fields", _send(client, action, form, {}))
    check("surrogates", _send_raw(client, action, form, "&".join(f"{n}={SURROGATE}" for n in names)))
    for i, name in enumerate(names):  # one field at a time, the others as the page filled them
        value = SINGLE[i % len(SINGLE)]
        check(f"{name}={value[:12]!r}", _send(client, action, form, {**base, name: value}))
        check(f"{name} repeated", _send_raw(client, action, form, urlencode({**base, name: "1"}) + f"&{name}=x"))
    return failures


@pytest.mark.parametrize("username", ROLES)
def test_no_form_answers_5xx_to_mutated_values(username, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(user(username))
    forms, pages = _crawl(client, PAGES)
    assert pages >= 3, pages
    failures = []
    for action, form in forms:
        FUZZED.add((form["method"], _shape(action)[0], tuple(sorted(form["fields"]))))
        failures += _fuzz_form(client, action, form)
    assert not failures, failures
