"""The grid worker's side of the one window (issue #11 item 6): collecting an application at the doorstep with
photos of the papers (代收), and delivering a result home with the recipient and a photo or signature as proof."""

import base64
import binascii

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.cases.authority import permitted
from doorstep.cases.models import DeliveryProof
from doorstep.cases.selectors import case_detail_for_user, case_facts, case_relations
from doorstep.cases.services import DeliveryProofIn, case_collect, case_transition
from doorstep.cases.staging import discard_staged, stage_uploads, staged_uploads
from doorstep.cases.workflow import Action, allowed_actions
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed

SIGNATURE_PREFIX = "data:image/png;base64,"


def uploaded_and_staged(request) -> tuple[dict, dict]:
    """The form's new files ({material id: UploadedFile}, from material_<id>) and the tokens of files kept from an
    earlier try ({material id: token}, from staged_<id>, only where no new file replaces it)."""
    files, tokens = {}, {}
    for key, upload in request.FILES.items():
        if key.startswith("material_") and key[9:].isdigit():
            files[int(key[9:])] = upload
    for key, token in request.POST.items():
        if key.startswith("staged_") and key[7:].isdigit() and int(key[7:]) not in files:
            tokens[int(key[7:])] = token[:2000]
    return files, tokens


@workspace_page("window")
@require_POST
def window_collect(request):
    """代收: the photos (or the ones kept from a try sent back), consent and delivery → a submitted case at the
    station. A refused try shows the window again with everything kept."""
    from doorstep.cases.views import _window_failed

    files, tokens = uploaded_and_staged(request)
    kept = staged_uploads(request.user, tokens)
    try:
        case = case_collect(actor=request.user, item_code=request.POST.get("item", ""),
                            applicant_id=request.POST.get("resident"), consent=request.POST.get("consent") == "1",
                            files={**{m: f for m, (f, _) in kept.items()}, **files},
                            delivery=request.POST.get("delivery", "pickup"),
                            delivery_address=request.POST.get("address", ""),
                            idempotency_key=request.POST.get(KEY_FIELD))
    except DomainError as exc:
        staged = {m: s for m, (_, s) in kept.items()}
        staged.update(stage_uploads(request.user, files))
        return _window_failed(request, exc, kind="item", staged=staged)
    discard_staged(request.user)
    again = _("这张表单已经提交过，未重复办理。") if was_replayed(case) else ""
    messages.success(request, again + _("已代收并提交服务站，办件编号 {number}。服务站受理后开始计时。").format(
        number=case.number))
    return redirect("cases:detail", case_id=case.pk)


def _signature_png(raw: str) -> bytes:
    """The signature pad's data URL as PNG bytes; b"" when none was drawn or it cannot be read (the service then
    asks for a photo or a signature)."""
    raw = (raw or "").strip()
    if not raw.startswith(SIGNATURE_PREFIX) or len(raw) > 800_000:
        return b""
    try:
        return base64.b64decode(raw[len(SIGNATURE_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return b""


@login_required
@require_http_methods(["GET", "POST"])
def case_deliver(request, case_id: int):
    """送达: who received it (name, relation) and a photo or the recipient's signature, then the deliver transition.
    Says it worked (or why not) and goes back to the delivery list for a grid worker, to the case for others."""
    case, _unused = case_detail_for_user(request.user, case_id)
    held = case_relations(request.user, case)
    if Action.DELIVER not in allowed_actions(case_facts(case), request.user.role) or not permitted(
            request.user.role, Action.DELIVER, held):
        raise PermissionDenied(_("这件办件现在不能由您送达。"))
    ctx = {"case": case, "relations": DeliveryProof.Relation.choices, "kept": {}}
    if request.method == "POST":
        post = request.POST
        proof = DeliveryProofIn(recipient_name=post.get("recipient_name", ""), relation=post.get("relation", ""),
                                photo=request.FILES.get("photo"), signature_png=_signature_png(post.get("signature")))
        try:
            case_transition(actor=request.user, case_id=case.pk, action=Action.DELIVER.value, proof=proof)
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx.update(error=exc.message, kept={"recipient_name": proof.recipient_name[:50],
                                                "relation": proof.relation})
            return render(request, "cases/deliver.html", ctx, status=exc.status)
        messages.success(request, _("已送达：{item}，签收人 {recipient}。申请人会收到通知。").format(
            item=case.item.name, recipient=" ".join(proof.recipient_name.split())[:50]))
        return redirect("cases:deliveries" if request.user.role == "grid_worker" else "cases:detail",
                        **({} if request.user.role == "grid_worker" else {"case_id": case.pk}))
    return render(request, "cases/deliver.html", ctx)
