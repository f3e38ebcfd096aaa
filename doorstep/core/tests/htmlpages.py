"""The links and forms of an HTML page, as a person's browser would send them: one parser for the role crawler
(test_role_crawl.py: presses every button) and the form fuzzer (test_form_fuzz.py: mutates every field); and the walk
over the links a signed-in person is shown (walk: the role crawler, and the English check in test_english.py).

A form is a dict: action, method ("get"/"post"), fields (name → the value the page gives: an input's value, the
first checked — else first — checkbox or radio, a select's first non-empty option, "" for a textarea), types
(name → input type, or "select"/"textarea"), multi (checkbox name → every value), file (has a file input),
buttons ((name, value) of each submit button, unnamed ones as (None, None))."""

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

_SUBMITS = ("submit", "button", "image", "reset")


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": {}, "types": {}, "multi": {}, "file": False, "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea", "select", "button"):
            self._field(tag, a)
        elif tag == "option" and self._select and not self._form["fields"][self._select]:
            self._form["fields"][self._select] = a.get("value") or ""

    def _field(self, tag: str, a: dict) -> None:
        form, name = self._form, a.get("name")
        default = {"input": "text", "button": "submit"}.get(tag, tag)  # a <button> without a type submits
        kind = (a.get("type") or default).lower()
        if kind == "file":
            form["file"] = True
        if tag == "button" or (tag == "input" and kind in _SUBMITS):
            if tag == "button" and kind in ("button", "reset"):
                return
            form["buttons"].append((name, a.get("value")) if name else (None, None))
            if name and a.get("value") is not None:
                form["fields"].setdefault(name, a["value"])
            return
        if not name:
            return
        if kind == "checkbox":
            form["multi"].setdefault(name, []).append(a.get("value", "on"))
        if kind in ("checkbox", "radio") and "checked" not in a and name in form["fields"]:
            return
        if kind in ("checkbox", "radio") and "checked" in a:
            form["fields"][name] = a.get("value", "on")
        else:
            form["fields"].setdefault(name, a.get("value") or "")
        form["types"][name] = kind
        if tag == "select":
            self._select = name

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse(html: str) -> PageParser:
    page = PageParser()
    page.feed(html)
    return page


# Links a walk never follows: files, the Django admin (its own gate and labels), the language switch, logging out, the API.
SKIP_PREFIXES = ("/static/", "/admin/", "/i18n/", "/accounts/logout", "/api/")


def shape(path: str) -> str:
    """A page's shape: its path with the ids replaced, so /cases/12/ and /cases/97/ count as one kind of page."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def walk(client, starts: Iterable[str] = ("/",), *, limit: int, per_shape: int,
         follow: Callable[[str], bool] | None = None,
         shape_of: Callable[[str], str] = shape) -> Iterator[tuple[str, object, object]]:
    """Breadth first over the links the pages show, from `starts`: yields (url, response, parsed page or None when
    the response is not HTML) for at most `limit` pages and `per_shape` pages of one shape (`shape_of` the link; with
    or without a query), following only links `follow` accepts when given. The caller checks each response before the walk goes on (a
    generator: nothing is fetched ahead)."""
    queue = deque(dict.fromkeys(starts))
    seen, shapes = set(queue), {}
    pages = 0
    while queue and pages < limit:
        url = queue.popleft()
        response = client.get(url)
        pages += 1
        page = parse(response.content.decode()) if "text/html" in response.get("Content-Type", "") else None
        yield url, response, page
        for href in page.links if page is not None else ():
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith(SKIP_PREFIXES):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = shape_of(target) + ("?" if parts.query else "")
            if target in seen or shapes.get(kind, 0) >= per_shape or (follow and not follow(target)):
                continue
            seen.add(target)
            shapes[kind] = shapes.get(kind, 0) + 1
            queue.append(target)
