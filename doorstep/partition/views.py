"""Grid drawing pages for district administrators: propose, review on the map, apply, undo, discard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from doorstep.core.errors import DomainError
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.paging import parse_page_number
from doorstep.partition.selectors import (
    community_features,
    current_grids,
    moves_summary,
    proposal_features,
    proposal_for_user,
    proposal_labels,
    proposals_for_user,
    scopes_for_user,
)
from doorstep.partition.services import grids_apply, grids_discard, grids_propose, grids_undo


@login_required
def proposal_list(request):
    context = {"scopes": scopes_for_user(request.user),
               "page": proposals_for_user(request.user, page=parse_page_number(request.GET.get("page")))}
    if request.method == "POST":
        post = request.POST
        try:
            tolerance = float(post.get("tolerance", "15")) / 100
        except ValueError:
            tolerance = -1
        try:
            proposal = grids_propose(actor=request.user, scope_code=post.get("scope", ""),
                                     target=post.get("target", "350"), tolerance=tolerance,
                                     gap=post.get("gap", "") or 0, keep_current=post.get("keep") == "1",
                                     idempotency_key=post.get(KEY_FIELD))
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            context["error"] = exc.message
            return render(request, "partition/list.html", context, status=400)
        messages.success(request, _("方案 {number} 已生成，请审核后再决定是否实施。").format(number=proposal.pk))
        return redirect("partition:detail", proposal_id=proposal.pk)
    return render(request, "partition/list.html", context)


@login_required
def proposal_detail(request, proposal_id: int):
    proposal = proposal_for_user(request.user, proposal_id)
    settings = proposal.report["settings"]
    from_names, labels = proposal_labels(proposal)
    current = proposal.report.get("current") or {}
    return render(request, "partition/detail.html", {
        "proposal": proposal, "report": proposal.report, "current_figures": current,
        "moves": moves_summary(proposal, labels=(from_names, labels)),
        "not_connected": [labels[key].text for key in proposal.report.get("not_connected", []) if key in labels],
        "current_not_connected": [f"{from_names.get(code, code)}（{code}）"
                                  for code in current.get("not_connected", [])],
        "proposed": {"type": "FeatureCollection", "features": proposal_features(proposal, labels)},
        "current": {"type": "FeatureCollection", "features": current_grids(
            proposal.scope, target=settings["target"], tolerance=settings["tolerance"])},
        "communities": {"type": "FeatureCollection", "features": community_features(proposal.scope)},
    })


@login_required
@require_POST
def proposal_act(request, proposal_id: int):
    action = request.POST.get("action")
    services = {"apply": grids_apply, "undo": grids_undo, "discard": grids_discard}
    if action not in services:
        messages.error(request, _("不支持的操作。"))
        return redirect("partition:detail", proposal_id=proposal_id)
    try:
        services[action](actor=request.user, proposal_id=proposal_id)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("partition:detail", proposal_id=proposal_id)
    messages.success(request, {"apply": _("方案已实施。"), "undo": _("已撤销实施，恢复到原网格。"),
                                "discard": _("方案已放弃。")}[action])
    return redirect("partition:detail", proposal_id=proposal_id)


@login_required
def proposal_moves_export(request, proposal_id: int):
    """Every household the applied proposal moved, as Excel (户号, 楼栋, 地址, 房号, 原网格, 新网格)."""
    import io

    from django.http import HttpResponse
    from openpyxl import Workbook

    from doorstep.core.spreadsheets import safe_row
    from doorstep.partition.selectors import moves_for_export

    proposal = proposal_for_user(request.user, proposal_id)
    book = Workbook(write_only=True)
    # Read by a person, never imported back: in the reader's language.
    sheet = book.create_sheet(_("调整住户"))
    sheet.append([_("户号"), pgettext("a column of the moves export", "楼栋"), _("地址"), _("房号"), _("原网格"),
                  _("新网格")])
    for row in moves_for_export(proposal):
        sheet.append(safe_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''grid-moves-{proposal.pk}.xlsx"
    return response
