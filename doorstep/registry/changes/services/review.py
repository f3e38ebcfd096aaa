"""The community's review: approving applies the request to the registry in the same transaction; rejecting says
why. Two reviewers at once: the request row is locked (select_for_update; SQLite serializes writers), so the second
finds it decided and is refused with who decided it and when."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.registry.changes.authority import SubjectRef
from doorstep.registry.changes.selectors import change_get_for_user
from doorstep.registry.changes.services.apply import apply_change
from doorstep.registry.changes.services.common import authorize, tell_proposer
from doorstep.registry.changes.workflow import STATE_LABELS, Action, State, TransitionNotAllowed, advance
from doorstep.registry.models import ChangeRequest

MIN_REASON_LENGTH = 4
REVIEW_NOTE_MAX = 300


def _locked_for(actor, change_id, action: Action) -> ChangeRequest:
    change = change_get_for_user(actor, change_id, for_update=True)
    authorize(actor, action, SubjectRef(path=change.path, household_id=change.household_id,
                                        proposer_id=change.proposer_id), kind=change.kind)
    try:
        change.state = advance(change.state, action, actor.role)
    except TransitionNotAllowed as exc:
        raise Conflict(_already(change) or exc.reason.text(_)) from None
    return change


def _already(change: ChangeRequest) -> str:
    """Who decided a request that is no longer pending, and when (the second of two reviewers reads this)."""
    if change.state == State.PROPOSED:
        return ""
    when = timezone.localtime(change.reviewed_at).strftime("%Y-%m-%d %H:%M") if change.reviewed_at else ""
    from doorstep.accounts.models import User

    # read afresh: on PostgreSQL a row re-read after waiting for the lock comes with its outer joins empty
    person = User.objects.filter(pk=change.reviewer_id or change.proposer_id).first()
    who = (person.full_name or person.username) if person else ""
    return _("该申请已由{who}于{when}处理（{state}），无需重复操作。").format(
        who=who, when=when, state=_(STATE_LABELS[State(change.state)]))


def change_approve(*, actor, change_id) -> ChangeRequest:
    """Approve a pending request and apply it (apply.apply_change): one transaction with the request and every row
    it changes locked. Errors: NotFound (not in the actor's queue), PermissionDenied (the authority table),
    Conflict (decided meanwhile; the subject died or moved out meanwhile; a document registered meanwhile),
    ValidationFailed (a date before the subject's latest change). Audit: registry.change_approve. Notifies the
    proposer."""
    with transaction.atomic():
        change = _locked_for(actor, change_id, Action.APPROVE)
        applied = apply_change(change, actor=actor)
        change.reviewer, change.reviewed_at = actor, timezone.now()
        change.save(update_fields=["state", "reviewer", "reviewed_at", "result_resident"])
        audit_record(actor=actor, action="registry.change_approve", target=change,
                     summary={"kind": change.kind, "residents": applied})
        tell_proposer(change, title=gettext_noop("人口变更申请已通过：{kind}（{name}）"))
    return change


def change_reject(*, actor, change_id, reason: str) -> ChangeRequest:
    """Reject a pending request with a reason the proposer reads. Errors as change_approve, checked first;
    then ValidationFailed for a reason shorter than MIN_REASON_LENGTH or longer than REVIEW_NOTE_MAX. Audit:
    registry.change_reject. Notifies the proposer with the reason."""
    reason = " ".join(str(reason or "").split())
    with transaction.atomic():
        # who is asking first (NotFound as for a missing request, PermissionDenied, Conflict), the reason after: else
        # anyone could tell a request exists by the answer to a short reason
        change = _locked_for(actor, change_id, Action.REJECT)
        if len(reason) < MIN_REASON_LENGTH:
            raise ValidationFailed(_("请填写驳回理由（至少{count}个字），申请人会看到。").format(
                count=MIN_REASON_LENGTH), field="reason")
        if len(reason) > REVIEW_NOTE_MAX:
            raise ValidationFailed(_("驳回理由不能超过{count}个字。").format(count=REVIEW_NOTE_MAX), field="reason")
        change.reviewer, change.reviewed_at, change.review_note = actor, timezone.now(), reason
        change.save(update_fields=["state", "reviewer", "reviewed_at", "review_note"])
        audit_record(actor=actor, action="registry.change_reject", target=change, reason=reason,
                     summary={"kind": change.kind})
        tell_proposer(change, title=gettext_noop("人口变更申请被驳回：{kind}（{name}）"),
                      body=gettext_noop("驳回理由：{reason}"), reason=reason)
    return change
