"""The printed papers' pages (issue #11 item 3): the acceptance receipt, the refusal / one-time notice, the
certificate and the decision letter. Each is an A4 HTML page (print CSS) and, with ?format=pdf, the same template as
a PDF with the Chinese font embedded (cases.printing.render_pdf), downloaded under a Chinese file name.

Scope is the case page's: case_detail_for_user (staff in scope, the applicant), so a missing case and someone else's
give the same 404; a case in scope without the paper gets a 404 that says so."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.cases.printing import (
    APPEAL_DAYS_REVIEW,
    APPEAL_MONTHS_SUIT,
    PaperUnavailable,
    center_card,
    content_disposition,
    decision_of,
    qr_svg,
    receipt_papers,
    render_pdf,
    review_body,
    tracking_url,
    verification_url,
)
from doorstep.cases.selectors import case_detail_for_user
from doorstep.cases.services.papers import certificate_print
from doorstep.core.links import public_url


def _paper(request, template: str, context: dict, *, filename: str) -> HttpResponse:
    """The HTML print view, or its PDF when asked (?format=pdf). Neither is cached anywhere: papers carry personal
    data (a certificate the whole ID number)."""
    if request.GET.get("format") == "pdf":
        response = HttpResponse(render_pdf(template, context, request=request), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(filename)
    else:
        response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


def _clause(text: str) -> str:
    return (text or "").strip().rstrip("。；;，, ")


def _appeal(case) -> dict:
    return {"review_body": review_body(case), "appeal_days": APPEAL_DAYS_REVIEW, "suit_months": APPEAL_MONTHS_SUIT}


@login_required
@require_GET
def print_receipt(request, case_id: int):
    """受理回执: the center (name, address, phone, hours), the papers received, the promised date, the case number and
    query code as text beside the tracking QR, signature lines. Only for a case that was accepted."""
    case, _unused = case_detail_for_user(request.user, case_id)
    if case.accepted_at is None:
        raise PaperUnavailable(_("该办件尚未受理，没有受理回执；网上申请在服务站受理后才出具回执。"))
    url = tracking_url(case)
    return _paper(request, "cases/print_receipt.html", {
        "case": case, "center": center_card(case), "papers": receipt_papers(case),
        "track_url": url, "track_qr": qr_svg(url), "track_form_url": public_url(reverse("track-form")),
    }, filename=_("受理回执-{number}.pdf").format(number=case.number))


@login_required
@require_GET
def print_notice(request, case_id: int):
    """不予受理通知书 (a refused case) / 一次性告知书 (any other): what is missing, every material of the item, its
    conditions, legal basis and result, where to come back; for a refusal, how to challenge it."""
    case, _unused = case_detail_for_user(request.user, case_id)
    refused = case.state == "refused"
    return _paper(request, "cases/print_notice.html", {
        "case": case, "refused": refused, "materials": list(case.item.materials.all()),
        "center": center_card(case), "today": timezone.localdate(), **_appeal(case),
    }, filename=(_("不予受理通知书-{number}.pdf") if refused else _("一次性告知书-{number}.pdf")).format(
        number=case.number))


@login_required
@require_GET
def print_certificate(request, case_id: int):
    """The certificate (证照) of a concluded case: the holder's whole ID number for the holder and for staff who may
    reveal it (audited, services.papers.certificate_print), the fields the item needs, the check code as text."""
    paper = certificate_print(actor=request.user, case_id=case_id)
    cert = paper["cert"]
    url = verification_url(cert)
    return _paper(request, "cases/print_certificate.html", {
        **paper, "verify_url": url, "verify_qr": qr_svg(url),
    }, filename=f"{cert.title}-{cert.number}.pdf")


@login_required
@require_GET
def print_decision(request, case_id: int):
    """准予 / 不予批准决定书 of a promised item decided: the decision, its reasons and legal basis, what follows, and
    how to challenge it (行政复议 within 60 days, 行政诉讼 within 6 months)."""
    case, _unused = case_detail_for_user(request.user, case_id)
    decision = decision_of(case) if case.item.kind == "promised" else None
    if decision is None:
        raise PaperUnavailable(_("该办件还没有审批决定，没有决定书。"))
    approved = decision.action == "approve"
    title = _("准予批准决定书") if approved else _("不予批准决定书")
    return _paper(request, "cases/print_decision.html", {
        "case": case, "decision": decision, "approved": approved, "title": title,
        # quoted inside a sentence: without their own closing stop
        "basis": _clause(case.item.legal_basis), "reason": _clause(decision.note or case.decision_reason),
        "conditions": _clause(case.item.conditions), "center": center_card(case), **_appeal(case),
    }, filename=f"{title}-{case.number}.pdf")
