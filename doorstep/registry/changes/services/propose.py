"""Proposing a change (a grid worker's report, a resident's correction) and withdrawing it before review."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.crypto import encrypt
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.notifications.services import notify
from doorstep.notifications.words import label, said
from doorstep.registry.changes.authority import PROPOSABLE_KINDS, SubjectRef
from doorstep.registry.changes.kinds import RESIDENT_KINDS, check_new_birth, clean, pending_document_check
from doorstep.registry.changes.selectors import change_get_for_user
from doorstep.registry.changes.services.common import KIND_LABELS, authorize
from doorstep.registry.changes.workflow import Action, TransitionNotAllowed, advance
from doorstep.registry.models import ChangeRequest, ChangeState, Household
from doorstep.registry.selectors import resident_get_for_user


def change_propose(*, actor, kind: str, data, idempotency_key: str, resident_id=None,
                   household_id=None) -> ChangeRequest:
    """Propose one change for the community to review.

    `kind`: a ChangeKind value; `data`: the form's fields (kinds.FIELDS); `resident_id`: the subject of a resident
    kind (birth and move in take the household instead: `household_id`, or a field of `data`).
    Preconditions: the actor's role may propose this kind (authority.PROPOSABLE_KINDS) for a subject where they
    stand (a grid worker: their own grid; a resident: their own household, corrections only); the input passes the
    kind's checks (kinds.clean: including those the approval makes again — one head and one spouse per household, a
    new head named where the head leaves, the date against later history); no other pending request of the same
    kind about the same resident, nor one carrying the same document number.
    Errors: NotFound for a subject out of reach (same as missing), PermissionDenied, ValidationFailed (field at
    fault), Conflict (a pending duplicate; an idempotency key reused for different content).
    Result: the ChangeRequest (the first one, when the key was used before). Audit: registry.change_propose (kind and
    ids only). Notifies the community's station staff.
    """
    if kind not in PROPOSABLE_KINDS.get(actor.role, frozenset()):
        raise PermissionDenied(_("您的角色不能提交“{kind}”申请。").format(kind=_(KIND_LABELS.get(kind, kind)))
                               if kind in KIND_LABELS else _("不支持的变更类型。"))
    resident = household = None
    if kind in RESIDENT_KINDS:
        if resident_id is None:
            raise ValidationFailed(_("请先选择居民。"), field="resident")
        resident = resident_get_for_user(actor, resident_id)
    elif household_id is not None:
        household = _household_for_user(actor, household_id)
    proposal = clean(kind, data, resident=resident, household=household)
    authorize(actor, Action.PROPOSE, SubjectRef(path=proposal.path, household_id=proposal.household.pk
                                                if proposal.household else None), kind=kind)
    for key in ("target",):
        target_id = proposal.payload.get(key)
        if target_id and not Household.objects.filter(pk=target_id, path__startswith=proposal.path[:6]).exists():
            raise ValidationFailed(_("只能迁入本区的户；迁往区外请提交“迁出本区”。"), field="target_number")

    def create() -> ChangeRequest:
        if kind == "birth":
            check_new_birth(proposal.household, name=proposal.payload["name"],
                            birth=datetime.date.fromisoformat(proposal.payload["birth_date"]))
        if proposal.secret.get("index_value"):  # one number, one pending request: else one of them cannot pass
            pending_document_check(proposal.secret["index_value"])
        if resident is not None and ChangeRequest.objects.filter(resident_id=resident.pk, kind=kind,
                                                                 state=ChangeState.PROPOSED).exists():
            raise Conflict(_("该居民已有一份待审核的“{kind}”申请，请等社区审核后再提交。").format(
                kind=_(KIND_LABELS[kind])))
        change = ChangeRequest.objects.create(
            kind=kind, path=proposal.path, resident=resident, household=proposal.household,
            payload=proposal.payload, secret_enc=encrypt(_secret_json(proposal.secret)) if proposal.secret else None,
            effective_date=proposal.effective_date, note=proposal.note, proposer=actor, proposed_at=timezone.now())
        audit_record(actor=actor, action="registry.change_propose", target=change,
                     summary={"kind": kind, "resident": resident.pk if resident else None,
                              "household": proposal.household.number if proposal.household else ""})
        _tell_reviewers(change)
        return change

    change, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="registry.change_propose",
                                          inputs=proposal.fingerprint_inputs(), create=create)
    return change


def _secret_json(secret: dict) -> str:
    import json

    return json.dumps(secret, ensure_ascii=False, sort_keys=True)


def _household_for_user(actor, household_id) -> Household:
    """A household the actor may propose for: at or below their node (a grid worker: their grid). NotFound else."""
    try:
        pk = int(household_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    node = actor.org_node if actor.org_node_id else None
    household = Household.objects.filter(pk=pk).select_related("building").first()
    if household is None or node is None or not household.path.startswith(node.code):
        raise NotFound()
    return household


def _tell_reviewers(change: ChangeRequest) -> None:
    from doorstep.accounts.models import User

    community = change.path[:12]
    reviewers = list(User.objects.filter(role="clerk", org_node__code=community, is_active=True))
    notify(reviewers, kind="registry.change_proposed",
           title=said(gettext_noop("新的人口变更申请待审核：{kind}"), kind=label(KIND_LABELS[change.kind])),
           link=reverse("registry:change", kwargs={"change_id": change.pk}))


def change_withdraw(*, actor, change_id) -> ChangeRequest:
    """The proposer withdraws their request before it is reviewed. Errors: NotFound, PermissionDenied (not the
    proposer), Conflict (already reviewed or withdrawn). Audit: registry.change_withdraw."""
    with transaction.atomic():
        change = change_get_for_user(actor, change_id, for_update=True)
        authorize(actor, Action.WITHDRAW, SubjectRef(path=change.path, household_id=change.household_id,
                                                     proposer_id=change.proposer_id), kind=change.kind)
        try:
            change.state = advance(change.state, Action.WITHDRAW, actor.role)
        except TransitionNotAllowed as exc:
            raise Conflict(exc.reason.text(_)) from None
        change.reviewed_at = timezone.now()
        change.save(update_fields=["state", "reviewed_at"])
        audit_record(actor=actor, action="registry.change_withdraw", target=change, summary={"kind": change.kind})
    return change


