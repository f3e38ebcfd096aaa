"""The links and forms of an HTML page, as a person's browser would send them: one parser for the role crawler
(test_role_crawl.py: presses every button) and the form fuzzer (test_form_fuzz.py: mutates every field).

A form is a dict: action, method ("get"/"post"), fields (name → the value the page gives: an input's value, the
first checked — else first — checkbox or radio, a select's first non-empty option, "" for a textarea), types
(name → input type, or "select"/"textarea"), multi (checkbox name → every value), file (has a file input),
buttons ((name, value) of each submit button, unnamed ones as (None, None))."""

from html.parser import HTMLParser

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
