"""Everything a person reads is in English when they chose English (issue #11 item 13): every page a demo role can
reach, the public pages and the printed papers, rendered with the language switch's cookie set to `en`, shows no
Chinese but the data it displays (names, addresses, the catalog's texts, what people wrote).

How "data" is told apart from product text: the text values the demo holds that pages show (DATA_MODELS, every
char/text/JSON field of each) are cut into segments at spaces and punctuation. A segment of the page that is a
segment of some value (城正街街道金地花园1栋101室, 谢小波) is data; in any other segment the longest pieces that are data
segments are taken out (谢小波 in 谢小波的家庭) and the Chinese left is an untranslated product string (的家庭). Values
are matched whole, never by their runs of Chinese, so 网格员 is not excused by 网格 (of 金地花园社区第3网格), nor a date
printed as 2026年3月1日 by an address with 年 in it; a lone character is data only with more beside it (9000元).

Content marked as Chinese on purpose (an element with lang="zh…", such as the switch back to 中文, and the language
switch's own form) is not product text to translate. The page must also say it is English (<html lang="en">,
Content-Language: en), or a screen reader reads it with a Chinese voice. The failure lists what is left by run (most pages first) and by
page, so a translator can act on each message.

Also the favicon: /favicon.ico and every <link rel="icon"> target are served (no 404 on every page)."""

import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve

from doorstep.accounts.models import User
from doorstep.core.tests.htmlpages import shape, walk
from doorstep.core.tests.test_role_crawl import ROLES

pytestmark = pytest.mark.django_db

ANONYMOUS = "(anonymous)"
PAGES_PER_ROLE = 60
PER_SHAPE = 1  # one sample page per URL shape: the words of a template are the same on each of its pages
REPORT_RUNS = 60
REPORT_PAGES = 40

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Segments of text: split at whitespace and at ASCII and CJK punctuation (what separates one value from the label
# beside it on a page).
SEPARATORS = re.compile(r"[\s!-.:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f\u2190-\u2bff\u3000-\u303f\ufe30-\ufe4f"
                        r"\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")
# A person's name as public pages mask it (doorstep_tags: 谢*波, 王*): data.
MASKED_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]\*+[\u3400-\u4dbf\u4e00-\u9fff]?")

# The models whose text values are master data or what people wrote: every CharField/TextField/JSONField of each.
# (Records of the workflow's own words — case states, actions, choice labels — are codes in the database and are
# translated where they are shown; they are not here.)
DATA_MODELS = [
    "org.OrgNode", "org.Department", "org.ServiceCenter", "org.Window", "org.Post",
    "registry.Building", "registry.Household", "registry.Resident", "registry.IncomeRecord", "registry.ChangeRequest",
    "registry.ResidentVersion",
    "accounts.User", "accounts.ApiToken",
    "workcalendar.CalendarDay",
    "catalog.Category", "catalog.LifeEvent", "catalog.ServiceItem", "catalog.MaterialRequirement",
    "catalog.ItemBundle",
    "cases.Case", "cases.CaseHistory", "cases.Certificate", "cases.CaseUpload", "cases.EligibilityReview",
    "cases.DeliveryProof",
    "notifications.Notification",
    "ratings.Rating", "ratings.FollowUp", "ratings.Appeal",
    "incidents.Category", "incidents.Incident", "incidents.DispatchOrder", "incidents.IncidentHistory",
    "incidents.Verification", "incidents.Meeting", "incidents.ExtensionRequest", "incidents.IncidentRating",
    "incidents.DispatchDecision",
    "hall.PriorityRule", "hall.WindowSession", "hall.BookingEvent", "hall.TicketEvent",
    "wishes.Volunteer", "wishes.Wish", "wishes.WishClaim", "wishes.WishEvent", "wishes.Pairing", "wishes.PairingVisit",
    "wishes.Activity", "wishes.HoursEntry",
    "audit.AuditEvent",
    "exports.ExportJob",
]
# Fields of those models that are not shown as text (hashes, keys, codes, map geometry).
NOT_SHOWN = {"password", "digest", "nonce", "mac", "geometry", "id_number_index", "phone_index", "sha256",
             "name_pinyin", "name_initials", "keywords_pinyin", "keywords_initials", "submission_key", "token", "path",
             "applicant_path", "org_path"}
# Fields of those models that hold the product's own sentences, written once in Chinese (规则：…核查数据：…结论：不符合):
# a person reading English must get them in English, so they are product text here, not data.
PRODUCT_SENTENCES = {"cases.Case.eligibility", "cases.EligibilityReview.explanation"}

# Links not worth a render here: downloads (Excel, PDF of a paper whose HTML is checked), the audited reveals.
NOT_FOLLOWED = re.compile(r"\.xlsx|format=pdf|/download|/reveal|/uploads/")


# ---- what a person sees on a page ---------------------------------------------------------------------------------

VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "aria-description", "alt", "label", "data-confirm",
                      "hx-confirm")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a person reads or hears: text outside <script>/<style>, the attributes shown as tooltips, placeholders
    and confirmations or read by screen readers, button values; entities decoded. Elements marked lang="zh…" (not
    the root) and the language switch are skipped: Chinese on purpose."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.root_lang: str | None = None  # None: a fragment, no <html>
        self._hidden = 0  # inside <script>/<style>
        self._skip: list = []  # [tag, depth] while inside an element that is Chinese on purpose

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if self._skip:
            if tag == self._skip[0]:
                self._skip[1] += 1
            return
        if tag == "html":
            self.root_lang = a.get("lang", "")
        elif (a.get("lang", "").lower().startswith("zh") or "setlang" in a.get("action", "")) and tag not in VOID:
            self._skip = [tag, 1]
            return
        if tag in ("script", "style"):
            self._hidden += 1
            return
        if tag == "input" and a.get("type", "").lower() == "hidden":
            return
        self.texts.extend(a[name] for name in VISIBLE_ATTRIBUTES if a.get(name))
        if tag == "input" and a.get("type", "").lower() in ("submit", "button", "reset") and a.get("value"):
            self.texts.append(a["value"])

    def handle_endtag(self, tag):
        if self._skip:
            if tag == self._skip[0]:
                self._skip[1] -= 1
                if not self._skip[1]:
                    self._skip = []
            return
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and not self._skip:
            self.texts.append(data)


# ---- what the demo holds ------------------------------------------------------------------------------------------

def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def data_segments() -> set[str]:
    """The segments of every Chinese-bearing text value of DATA_MODELS in the database."""
    segments = set()
    for label in DATA_MODELS:
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if (field.name in NOT_SHOWN or f"{label}.{field.name}" in PRODUCT_SENTENCES
                    or not isinstance(field, (models.CharField, models.TextField, models.JSONField))):
                continue
            values = model.objects.exclude(**{f"{field.name}__isnull": True}).values_list(field.name, flat=True)
            if not isinstance(field, models.JSONField):
                values = values.distinct()
            for value in values.iterator(chunk_size=5000):
                for text in _strings(value):
                    if CJK.search(text):
                        segments.update(s for s in SEPARATORS.split(text) if CJK.search(s))
    return segments


class Untranslated:
    """Splits a page's Chinese into data and untranslated product strings (module docstring)."""

    LONGEST = 60  # pieces of a segment looked up; a longer value inside a longer segment is not cut out

    def __init__(self, segments: set[str]):
        self.segments = segments
        self._memo: dict[str, list[str]] = {}

    def in_text(self, text: str) -> list[str]:
        found = []
        for segment in SEPARATORS.split(MASKED_NAME.sub(" ", text)):
            if CJK.search(segment):
                found.extend(self._left(segment))
        return found

    def _left(self, segment: str) -> list[str]:
        if segment not in self._memo:
            self._memo[segment] = self._cut(segment)
        return self._memo[segment]

    def _cut(self, segment: str) -> list[str]:
        """The Chinese of `segment` left when its longest data pieces are taken out: three characters or more
        anywhere, two only at either end (a two-character name before 的家庭; but 民政, a category, is no data in
        人民政府)."""
        if segment in self.segments:
            return []
        for size in range(min(len(segment) - 1, self.LONGEST), 1, -1):
            for start in range(len(segment) - size + 1) if size > 2 else {0, len(segment) - 2}:
                if segment[start:start + size] in self.segments:
                    return [*self._left(segment[:start]), *self._left(segment[start + size:])]
        return CJK.findall(segment)


# ---- the pages ----------------------------------------------------------------------------------------------------

def _english_client(username: str | None) -> Client:
    client = Client()
    if username:  # the login page itself is checked as the anonymous visitor's; hashing a password costs 0.5 s
        client.force_login(User.objects.get(username=username))
    # what the navigation bar's switch leaves (django.views.i18n.set_language), read by ChosenLanguageMiddleware
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _samples() -> dict[str, list[str]]:
    """Pages the link walk may not meet by chance, by the role that may open them: the printed papers, the public
    tracking, verification and SMS rating pages, the rating pad, search results (forms the walk does not fill), a
    bundle, an error page."""
    from doorstep.cases.models import Bundle, Case, CaseHistory, Certificate
    from doorstep.ratings.selectors import pad_token_for, rating_link_token

    def case_where(**kwargs):
        return Case.objects.filter(**kwargs).order_by("id").first()

    accepted = case_where(accepted_at__isnull=False, item__kind="promised")
    refused = case_where(state="refused")
    certificate = Certificate.objects.select_related("case").order_by("id").first()
    decided = {a: CaseHistory.objects.filter(action=a).order_by("id").values_list("case_id", flat=True).first()
               for a in ("approve", "reject")}
    papers = [f"/cases/{accepted.pk}/receipt/", f"/cases/{certificate.case_id}/certificate/",
              *(f"/cases/{pk}/decision/" for pk in decided.values() if pk)]
    if refused:
        papers.append(f"/cases/{refused.pk}/notice/")
    bundle = Bundle.objects.order_by("id").values_list("id", flat=True).first()
    if bundle:
        papers.append(f"/cases/bundles/{bundle}/")
    from doorstep.catalog.models import ItemBundle
    from doorstep.registry.models import Resident

    clerk = User.objects.get(username="clerk_s01a")
    xie = Resident.objects.get(name="谢小波", path__startswith="430302").pk  # the README's search: xxb
    bundle_code = ItemBundle.objects.order_by("code").values_list("code", flat=True).first()
    return {
        ANONYMOUS: ["/", "/accounts/login/", "/services/", "/t/", f"/t/{accepted.public_code}/",
                    f"/verify/{certificate.verify_code}/", f"/r/{rating_link_token(accepted.pk)}/",
                    "/no-such-page/", "/services/?q=dbsq", "/services/?q=zzzz"],
        "admin": [*papers, "/accounts/tokens/", "/residents/?q=xxb", "/audit/?q=zzzz"],
        "clerk_s01a": ["/ratings/pad/", f"/ratings/pad/{pad_token_for(clerk)}/", "/window/?q=xxb",
                       "/window/?q=zzzz", f"/window/?resident={xie}&item=MZ-D01",  # the material check
                       f"/window/?resident={xie}&item=JY-C01", f"/window/?resident={xie}&bundle={bundle_code}"],
    }


def route(url: str) -> str:
    """A page's kind: its URL pattern (/services/<str:code>/), so one item's notice stands for all 49."""
    try:
        return "/" + resolve(urlsplit(url).path).route
    except Resolver404:
        return shape(url)


def kind(url: str) -> str:
    """The walk's shape of a link: its URL pattern and the names in its query (/window/?q= and /window/?item=&resident=
    show different parts of one template; a second ?page= shows nothing new)."""
    return route(url) + "?" + ",".join(sorted(parse_qs(urlsplit(url).query)))


def english_pages():
    """(who, url, response) for every page each role is shown, in English: the pages that open (a redirect's target
    is met as a link) and the samples, error pages included."""
    samples = _samples()
    variants: set[str] = set()

    def followed(url: str) -> bool:
        """Not downloads; a filter, sort or page of a list (a query) once for all roles, as its words are the same
        for each (the walk asks this last, just before it takes the link)."""
        if NOT_FOLLOWED.search(url) or ("?" in url and kind(url) in variants):
            return False
        if "?" in url:
            variants.add(kind(url))
        return True

    for username in [ANONYMOUS, *ROLES]:
        client = _english_client(None if username == ANONYMOUS else username)
        starts = ["/", *samples.get(username, [])]
        for url, response, page in walk(client, starts, limit=PAGES_PER_ROLE + len(starts), per_shape=PER_SHAPE,
                                        follow=followed, shape_of=kind):
            if page is not None and (response.status_code == 200 or url in starts):
                yield username, url, response


def test_every_page_a_role_reads_in_english_has_no_untranslated_chinese():
    checker = Untranslated(data_segments())
    by_run: dict[str, set[str]] = defaultdict(set)
    by_page: dict[str, Counter] = {}
    rendered = 0
    for username, url, response in english_pages():
        rendered += 1
        where = f"{username} {url}"
        text = VisibleText()
        text.feed(response.content.decode())
        found = Counter()
        for piece in text.texts:
            found.update(checker.in_text(piece))
        if text.root_lang is not None and not text.root_lang.lower().startswith("en"):
            found[f'<html lang="{text.root_lang}">'] += 1
        if response.get("Content-Language") != "en":
            found[f"Content-Language: {response.get('Content-Language')}"] += 1
        if found:
            by_page[where] = found
            for run in found:
                by_run[run].add(where)
    assert rendered > 100, rendered  # the walk met the pages (each role's home and what lies behind it)
    # data the walk itself wrote (printing a certificate records a reveal with its reason) is data too
    fresh = Untranslated(data_segments())
    by_run = defaultdict(set, {run: pages for run, pages in by_run.items() if fresh.in_text(run)})
    by_page = {where: Counter({r: n for r, n in found.items() if r in by_run or r.startswith(("<html", "Content"))})
               for where, found in by_page.items()}
    by_page = {where: found for where, found in by_page.items() if found}
    # and the check is not blind: the same page in Chinese is full of product strings
    chinese = Client().get("/services/")
    text = VisibleText()
    text.feed(chinese.content.decode())
    assert len({run for piece in text.texts for run in checker.in_text(piece)}) >= 10
    assert not by_run, _report(by_run, by_page)


def _report(by_run: dict[str, set[str]], by_page: dict[str, Counter]) -> str:
    """By string, the most widespread first (kinds of page, then pages), with the kinds of page; then by kind of page
    (URL pattern), the roles that saw it and its strings, most frequent first."""
    kinds = {run: sorted({route(where.split(" ", 1)[1]) for where in wheres}) for run, wheres in by_run.items()}
    ranked = sorted(by_run, key=lambda run: (-len(kinds[run]), -len(by_run[run]), run))
    lines = [f"{len(by_run)} untranslated Chinese strings on {len(by_page)} pages read in English.",
             f"By string (kinds of page × pages; top {REPORT_RUNS} of {len(ranked)}):"]
    for run in ranked[:REPORT_RUNS]:
        lines.append(f"  {run}  ×{len(kinds[run])}/{len(by_run[run])}: {', '.join(kinds[run][:5])}"
                     + (" …" if len(kinds[run]) > 5 else ""))
    pages: dict[str, Counter] = defaultdict(Counter)
    seen_by: dict[str, set[str]] = defaultdict(set)
    for where, found in by_page.items():
        username, url = where.split(" ", 1)
        pages[route(url)].update(found)
        seen_by[route(url)].add(username)
    lines.append(f"By kind of page (most strings first; top {REPORT_PAGES} of {len(pages)}):")
    for kind, found in sorted(pages.items(), key=lambda item: (-len(item[1]), item[0]))[:REPORT_PAGES]:
        lines.append(f"  {kind} [{', '.join(sorted(seen_by[kind])[:3])}{' …' if len(seen_by[kind]) > 3 else ''}]"
                     f" ({len(found)}): {' | '.join(run for run, _ in found.most_common(30))}"
                     + (" …" if len(found) > 30 else ""))
    return "\n".join(lines)


# ---- the tools themselves -----------------------------------------------------------------------------------------

def test_the_checker_tells_data_from_untranslated_words():  # noqa: RUF001 (fullwidth punctuation is the point)
    checker = Untranslated({"城正街街道金地花园1栋101室", "谢小波", "金地花园社区第3网格", "城正街街道", "金地花园社区",
                            "民政", "低于当地低保标准", "9000元/年"})
    assert checker.in_text("Address: 城正街街道金地花园1栋101室") == []
    assert checker.in_text("Applicant 谢小波 (masked), 城正街街道金地花园社区") == []
    assert checker.in_text("谢小波的家庭") == ["的家庭"]
    assert checker.in_text("网格员 · 金地花园社区第3网格") == ["网格员"]
    assert checker.in_text("城正街街道人民政府") == ["人民政府"]  # 民政 (a category) is not cut out of the middle
    assert checker.in_text("申请人 谢*波、王*") == ["申请人"]
    assert checker.in_text("Rule: 低于当地低保标准（9000元/年）") == []
    assert checker.in_text("3 栋 in total") == ["栋"]  # a lone character outside a whole data value is product text
    assert checker.in_text("共 12 条，2026年3月1日") == ["共", "条", "年", "月", "日"]
    page = VisibleText()
    page.feed('<html lang="en"><head><title>办件</title><script>var a="脚本";</script><style>p:after{content:"样式"}</style>'
              '</head><body><p title="提示">正文 &amp; 实体&#x4E2D;</p><input type="hidden" value="隐藏">'
              '<input type="submit" value="提交"><input placeholder="请输入"><img alt="图片">'
              '<form action="/i18n/setlang/" method="post"><button>中文</button></form>'
              '<span lang="zh-Hans">简体<b>中文</b></span><a aria-label="标签" data-confirm="确认吗">x</a></body></html>')
    assert page.root_lang == "en"
    assert CJK.findall(" ".join(page.texts)) == ["办件", "提示", "正文", "实体中", "提交", "请输入", "图片", "标签", "确认吗"]


# ---- the favicon --------------------------------------------------------------------------------------------------

ICON_LINK = re.compile(r"""<link[^>]*rel=["'](?:shortcut )?icon["'][^>]*href=["']\{% static ['"]([^'"]+)['"] %\}""")


def test_the_favicon_and_every_icon_a_template_links_are_served():
    client = Client()
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200 and response.redirect_chain in ([], [("/static/favicon.ico", 301)])
    icons = {m for template in Path(settings.BASE_DIR, "doorstep").rglob("*.html")
             for m in ICON_LINK.findall(template.read_text(encoding="utf-8"))}
    assert "favicon.ico" in icons or "favicon.svg" in icons, icons
    for icon in icons:
        assert finders.find(icon), icon
        response = client.get(settings.STATIC_URL + icon)
        assert response.status_code == 200, (icon, response.status_code)
        assert urlsplit(response.request["PATH_INFO"]).path.endswith(icon)
