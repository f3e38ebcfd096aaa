"""Printed papers (issue #11 item 3): the acceptance receipt (受理回执), the refusal / one-time notice (不予受理通知书 /
一次性告知书), the certificate (证照) and the decision letter (准予 / 不予批准决定书).

Each paper is one template under cases/print_*.html on an A4 page of its own (print_base.html, static print.css);
the same template gives the HTML print view and, through WeasyPrint, the PDF for archiving and sending, with the
Chinese font (Noto Sans SC, from the npm package @embedpdf/fonts-sc copied into static/vendor/fonts at setup)
embedded. What is read here is read only: revealing an ID number for a certificate is a write
(cases.services.papers, audited).

The QR codes (tracking on the receipt, verification on the certificate) encode addresses that start with the public
base URL (doorstep.core.links.public_url), never the address the clerk's browser used, and are printed as text
beside the code."""

import datetime
import itertools
import mimetypes
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from doorstep.core.errors import DomainError
from doorstep.core.links import public_url

# the font files the PDF embeds (static paths; scripts/build_static.py copies them from node_modules)
PDF_FONT_FILES = ("vendor/fonts/NotoSansSC-Regular.otf", "vendor/fonts/NotoSansSC-Bold.otf")
PDF_FONT_FAMILY = "Doorstep Noto Sans SC"

WEEKDAYS = (gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"), gettext_lazy("周五"),
            gettext_lazy("周六"), gettext_lazy("周日"))

# How to challenge a decision, printed on every decision letter and refusal notice. Sources: 中华人民共和国行政复议法
# (revised 2023-09-01, in force 2024-01-01) art. 20 (sixty days from knowing of the act) and art. 24 (the county-level
# government hears cases against its departments and its 派出机关 — the street offices); 中华人民共和国行政诉讼法
# (2017) art. 46 (six months from knowing of the act, when suing directly).
APPEAL_DAYS_REVIEW = 60
APPEAL_MONTHS_SUIT = 6


class PaperUnavailable(DomainError):
    """The case is in the actor's scope but has no such paper (a receipt before acceptance, a certificate before
    conclusion, a decision letter before a decision)."""

    status = 404


class PdfUnavailable(DomainError):
    """The PDF cannot be made on this machine (the font was not installed by setup)."""

    status = 503


def tracking_url(case) -> str:
    """The receipt's address for following a case without logging in: <public base>/t/<public code>/."""
    return public_url(reverse("track", args=[case.public_code]))


def verification_url(cert) -> str:
    """The certificate's address for checking that it is genuine: <public base>/verify/<verify code>/."""
    return public_url(reverse("verify", args=[cert.verify_code]))


def qr_svg(url: str, *, scale: int = 3) -> SafeString:
    # segno writes the SVG itself from a URL we built; nothing user-typed goes into it.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=scale, title=_("二维码")))  # noqa: S308


# ---- what the papers say -----------------------------------------------------------------------------------------

def _clock(t: datetime.time) -> str:
    return f"{t:%H:%M}"


def _days_label(days: list[int]) -> str:
    """[0, 1, 2, 3, 4] → 周一至周五; [5] → 周六; [0, 2] → 周一、周三."""
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return _("{first}至{last}").format(first=WEEKDAYS[days[0]], last=WEEKDAYS[days[-1]])
    return pgettext("list separator", "、").join(str(WEEKDAYS[d]) for d in days)


def hours_lines(center) -> list[str]:
    """The center's opening hours as lines for a paper: weekdays with the same times grouped ("周一至周五
    08:30–12:00、14:00–17:30"), Saturday on its own, staggered hours (错时延时) last. Empty when none are kept."""
    if center is None:
        return []
    rows = list(center.opening_hours.all())
    lines = []
    for kind, prefix in (("regular", ""), ("staggered", _("错时延时："))):
        by_day: dict[int, tuple[str, ...]] = {}
        for r in rows:  # ordered by weekday, then opening time
            if r.kind == kind:
                by_day[r.weekday] = (*by_day.get(r.weekday, ()), f"{_clock(r.opens)}–{_clock(r.closes)}")
        for spans, group in itertools.groupby(sorted(by_day), key=lambda d: by_day[d]):
            lines.append(f"{prefix}{_days_label(list(group))} {pgettext('list separator', '、').join(spans)}")
    return lines


def paper_center(case):
    """The service center a paper speaks for: the one that took the case in, else one at the node holding it."""
    center = case.center
    if center is None:
        center = case.review_node.service_centers.first()
    return center


def center_card(case) -> dict:
    """{"name", "address", "phone", "hours": [str]} of the paper's center; the holding node's name when the node
    has no center."""
    center = paper_center(case)
    if center is None:
        return {"name": case.review_node.name, "address": "", "phone": "", "hours": []}
    return {"name": center.name, "address": center.address, "phone": center.phone, "hours": hours_lines(center)}


def receipt_papers(case) -> list[dict]:
    """What the applicant handed in or had checked, as the receipt lists it: [{"name", "how"}]. Acceptance needs
    every paper material ticked (services.common.case_intake_check), so each is listed as received in its form;
    shared-data materials read as verified, or as received on paper when the check failed and the clerk ticked
    the paper instead; a paper uploaded online as uploaded, one photographed where it was collected (代收) as
    received with its photo kept."""
    checks = {c.get("material_id"): c for c in case.shared_checks or []}
    uploaded = {u.material_id for u in case.uploads.all() if u.material_id}
    online = case.channel == "online"
    rows = []
    for m in case.item.materials.all():
        check = checks.get(m.id)
        if m.shared_data and check is not None and check.get("ok"):
            how = _("数据共享核验通过，无需提交")
        elif m.id in uploaded and online:
            how = _("网上提交")
        elif m.shared_data and check is None and online:
            how = _("数据共享核验")
        else:
            how = (_("已收（{form}），已拍照留存") if m.id in uploaded else _("已收（{form}）")).format(
                form=m.form or _("原件"))
        rows.append({"name": m.name, "how": how})
    return rows


def decision_of(case):
    """The case's decision as a history row (action approve or reject, actor, at, note), or None."""
    return (case.history.filter(action__in=("approve", "reject")).select_related("actor").order_by("-id").first())


def review_body(case) -> str:
    """Who hears an administrative review of this case's decision: the district's people's government (行政复议法
    2023 art. 24: the county-level government for its departments and its 派出机关, the street offices)."""
    from doorstep.org.models import OrgNode

    district = OrgNode.objects.filter(code=case.review_node.code[:6]).values_list("name", flat=True).first()
    return _("{district}人民政府").format(district=district or "")


# ---- the same template as a PDF ----------------------------------------------------------------------------------

def _static_file(url: str) -> str | None:
    """A /static/… URL as the file it serves (the finders, as in development, else STATIC_ROOT); None otherwise."""
    from urllib.parse import unquote, urlsplit

    path = urlsplit(url).path
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    if not path.startswith(prefix):
        return None
    name = unquote(path[len(prefix):])
    if ".." in name.split("/"):
        return None
    found = finders.find(name)
    if found:
        return found
    root = getattr(settings, "STATIC_ROOT", None)
    if root:
        from pathlib import Path

        candidate = Path(root) / name
        if candidate.is_file():
            return str(candidate)
    return None


def font_files() -> list[str]:
    """The PDF font's files on disk. Raises PdfUnavailable when setup did not install them."""
    files = [finders.find(f) for f in PDF_FONT_FILES]
    if not all(files):
        raise PdfUnavailable(_("PDF 所需的中文字体未安装：请运行 make setup（会从 npm 安装 Noto Sans SC），"
                               "或先打印网页版。"))
    return files


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """The paper's template rendered to PDF: A4 and the bundled font's @font-face from print.css, the text in that
    font only (embedded, subset). Only files under STATIC_URL are fetched, from disk; nothing from the network,
    whatever the page links. Raises PdfUnavailable without the font. Measured 0.2–0.6 s a paper on the 2-core
    machine, 1.4–1.7 s for a process's first (docs/decisions.md)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    font_files()

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = _static_file(url)
            if path is None:
                raise ValueError("only static files are fetched for a paper")
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            # WeasyPrint closes the file once read
            return URLFetcherResponse(url, body=open(path, "rb"), headers={"Content-Type": kind})  # noqa: SIM115

    html = render_to_string(template, {**context, "for_pdf": True}, request=request)
    fonts = FontConfiguration()
    fetcher = StaticOnly()
    # the archived paper must not depend on the fonts of the machine that made it
    only_bundled = CSS(string=f'html, body, .ds-paper .ds-code {{ font-family: "{PDF_FONT_FAMILY}" !important; }}',
                       font_config=fonts)
    document = HTML(string=html, base_url="http://paper.invalid/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[only_bundled], font_config=fonts)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition header with the Chinese filename kept (RFC 6266 / RFC 5987 filename*) and an ASCII
    fallback for old clients."""
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "_" for ch in filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
