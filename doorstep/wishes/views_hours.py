"""Service-hours pages under /activities/hours/ (issue #15 item 4): a volunteer's own ledger (我的服务时长) on the
phone, a volunteer's ledger for the staff over their community (with 更正), the certificate of service hours
(志愿服务记录证明, 民政部令第67号) as an A4 page and, with ?format=pdf, the same template as a PDF; the public page
behind the certificate's verification code; and the Excel export of a community's totals per volunteer."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.cases.printing import content_disposition, qr_svg, render_pdf
from doorstep.core.errors import DomainError, NotFound, PermissionDenied
from doorstep.core.links import public_url
from doorstep.wishes.authority import permitted
from doorstep.wishes.exports import about_sheet, fill_about
from doorstep.wishes.models import HoursEntry
from doorstep.wishes.selectors.activities import is_activity_staff
from doorstep.wishes.selectors.hours import (
    certificate_verify,
    community_totals,
    hours_communities,
    hours_text,
    ledger,
    parse_day,
    volunteer_for_hours,
)
from doorstep.wishes.services.common import activity_relations, get_or_404
from doorstep.wishes.services.hours import hours_certificate_issue, hours_correct
from doorstep.wishes.workflow import SignupAction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ledger_page(request, volunteer, *, error: str = "", status: int = 200):
    rows, total = ledger(volunteer)
    staff = volunteer.user_id != request.user.pk
    for r in rows:  # 更正: only an original row, for whoever may confirm the activity's sign-ups
        r.correctable = staff and r.signup_id is not None and permitted(
            request.user.role, SignupAction.CONFIRM, activity_relations(request.user, r.activity))
    return render(request, "wishes/hours/ledger.html", {
        "volunteer": volunteer, "rows": rows, "total_minutes": total, "total_hours": hours_text(total),
        "staff": staff, "error": error,
        "certificate_url": (reverse("activities:volunteer-certificate", args=[volunteer.pk]) if staff
                            else reverse("activities:certificate"))}, status=status)


@workspace_page("activities:hours")
@require_GET
def my_hours(request):
    """我的服务时长: the volunteer's ledger (date, activity, minutes, confirmed by) and the total in hours."""
    return _ledger_page(request, volunteer_for_hours(request.user))


@login_required
@require_GET
def volunteer_hours(request, volunteer_id: int):
    """A volunteer's ledger for the staff the table lets see it (Extra.SEE_HOURS); NotFound for anyone else."""
    return _ledger_page(request, volunteer_for_hours(request.user, volunteer_id))


@login_required
@require_POST
def correct(request, entry_id: int):
    """更正 a ledger row (a row with negative minutes and the reason), back to the volunteer's ledger."""
    entry = get_or_404(HoursEntry.objects.select_related("volunteer__community", "volunteer__user"), entry_id)
    volunteer = volunteer_for_hours(request.user, entry.volunteer_id)  # NotFound for a reader out of reach
    try:
        hours_correct(actor=request.user, entry_id=entry.pk, minutes_delta=request.POST.get("minutes_delta"),
                      reason=str(request.POST.get("reason", ""))[:1000])
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _ledger_page(request, volunteer, error=exc.message, status=exc.status)
    messages.success(request, _("已更正，更正记录已加入志愿服务记录。"))
    return HttpResponseRedirect(reverse("activities:volunteer-hours", args=[volunteer.pk]), status=303)


def _certificate(request, volunteer):
    fmt = "pdf" if request.GET.get("format") == "pdf" else "html"
    start = parse_day(request.GET.get("from"), field="from")
    end = parse_day(request.GET.get("to"), field="to")
    cert = hours_certificate_issue(actor=request.user, volunteer_id=volunteer.pk, start=start, end=end, fmt=fmt)
    verify = public_url(reverse("activities:verify", args=[cert.code]))
    ctx = {"cert": cert, "v": cert.volunteer, "verify_url": verify, "verify_qr": qr_svg(verify),
           "back": request.path.replace("certificate/", "")}
    template = "wishes/hours/certificate.html"
    if fmt == "pdf":
        response = HttpResponse(render_pdf(template, ctx, request=request), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(
            _("志愿服务记录证明-{number}.pdf").format(number=cert.volunteer.number))
    else:
        response = render(request, template, ctx)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_certificate(request):
    """The volunteer's own certificate (?from=, ?to= YYYY-MM-DD; ?format=pdf). Issuing is audited."""
    return _certificate(request, volunteer_for_hours(request.user))


@login_required
@require_GET
def volunteer_certificate(request, volunteer_id: int):
    return _certificate(request, volunteer_for_hours(request.user, volunteer_id))


@require_GET
def verify(request, code: str):
    """The public page behind a certificate's QR code: who (name masked, volunteer number), which community, the
    period and hours it states, and whether the ledger still says so. Nothing else personal."""
    found = certificate_verify(code)
    if found is None:
        raise NotFound(_("核验码无效：该证明不是本系统出具的，或已被改动。"))
    return render(request, "wishes/hours/verify.html", {"c": found})


@login_required
@require_GET
def export(request):
    """Excel: each volunteer's net hours for a period (?from=, ?to=) in the communities the staff member may see
    (Extra.SEE_HOURS), one sheet."""
    if not is_activity_staff(request.user):
        raise PermissionDenied(_("您的角色不能使用这个页面。"))
    start = parse_day(request.GET.get("from"), field="from")
    end = parse_day(request.GET.get("to"), field="to")
    communities = hours_communities(request.user)
    if not communities:
        raise PermissionDenied(_("您不能导出服务时长。"))
    from openpyxl import Workbook

    from doorstep.core.spreadsheets import safe_row

    wb = Workbook(write_only=True)
    about = about_sheet(wb)
    sheet = wb.create_sheet(_("服务时长"))
    sheet.append(safe_row(sheet, [_("社区"), _("志愿者编号"), _("姓名"), _("身份"), _("服务次数"), _("时长（分钟）"),
                                  _("时长（小时）")]))
    count = 0
    for r in community_totals(communities, start, end):
        sheet.append(safe_row(sheet, [r["community"], r["number"], r["name"], str(r["kind"]), r["activities"],
                                      r["minutes"], float(r["hours"])]))
        count += 1
    period = f"{start:%Y%m%d}" if start else _("起始")
    period += "-" + (f"{end:%Y%m%d}" if end else f"{timezone.localdate():%Y%m%d}")
    names = "、".join(c.name for c in communities[:10]) + (_("等{n}个社区").format(n=len(communities))
                                                           if len(communities) > 10 else "")
    fill_about(about, what=_("志愿服务时长（{period}）").format(period=period), scope=names, rows=count,
               note=_("每行一名志愿者在该期间经确认的服务时长（已扣除更正）；时长自签到（或活动开始）起至活动结束，"
                      "活动结束后由负责人确认。"))
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(_("志愿服务时长-{period}.xlsx").format(period=period))
    response["Cache-Control"] = "private, no-store"
    return response

