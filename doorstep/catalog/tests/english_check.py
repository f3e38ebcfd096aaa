"""Helpers for the English page tests of the catalog, ratings, partition, exports and notifications apps: a page's
own words (its title, messages and body, not the navigation around it) carry no Chinese but data when the reader
chose English.

Data are the text values the database holds (every char and text field of every model, and the string leaves of
JSON fields). A run of Chinese characters on the page is data when it occurs inside one of them; longer runs are cut
around their longest data parts, and what remains is a product word left untranslated. Single characters count as
data only as a masked name's first character (谢**). Content marked lang="zh…" is Chinese on purpose."""

import re
from html.parser import HTMLParser

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from doorstep.demo.build import DEMO_PASSWORD

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
MASKED = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]\*+")
SEGMENTS = re.compile(r"[\s·,.:;()\[\]，。、：；（）“”《》]+")
MAIN = re.compile(r"<main\b.*?</main>", re.S)
TITLE = re.compile(r"<title>.*?</title>", re.S)
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-confirm", "value")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIP_MODELS = {"audit", "sessions", "admin", "contenttypes", "auth"}


def english_client(username: str | None) -> Client:
    client = Client()
    if username:
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self._skip = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        zh = (attrs.get("lang") or "").lower().startswith("zh") or tag in ("script", "style")
        if tag not in VOID:
            self._skip.append(zh)
        if any(self._skip) or zh:
            return
        for name in ATTRIBUTES:
            if attrs.get(name) and not (name == "value" and attrs.get("type") in ("hidden", None)
                                        and tag != "option"):
                self.texts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag not in VOID and self._skip:
            self._skip.pop()

    def handle_data(self, data):
        if not any(self._skip):
            self.texts.append(data)


def _values(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _values(v)


_data = None


def _data_text() -> str:
    global _data
    if _data is None:
        parts = []
        for model in apps.get_models():
            if model._meta.app_label in SKIP_MODELS:
                continue
            fields = [f.name for f in model._meta.concrete_fields
                      if isinstance(f, models.CharField | models.TextField | models.JSONField)]
            if fields:
                for row in model.objects.values_list(*fields):
                    parts.extend(s for v in row for s in _values(v) if CJK.search(s))
        _data = "\x00".join(parts)
    return _data


def _residue(run: str, data: str) -> list[str]:
    if len(run) >= 2 and run in data:
        return []
    for size in range(min(len(run) - 1, 40), 1, -1):
        for start in range(len(run) - size + 1):
            if run[start:start + size] in data:
                return [*_residue(run[:start], data), *_residue(run[start + size:], data)]
    return [run] if run else []


def untranslated(response, *, data_made_here=()) -> list[str]:
    """The Chinese runs left in the page's title and <main> that are no data. The database's text is read once per
    test session: a test names the data it made itself in `data_made_here`."""
    html = response.content.decode()
    if "<main" in html:
        title = TITLE.search(html)
        html = f"{title.group(0) if title else ''}{MAIN.search(html).group(0)}"
    text = _Text()
    text.feed(html)
    data = "\x00".join([_data_text(), *data_made_here])
    return [left for piece in text.texts for segment in SEGMENTS.split(MASKED.sub(" ", piece))
            if segment and segment not in data for run in CJK.findall(segment) for left in _residue(run, data)]
