"""What the change services share: the authority check, the kinds' labels as stored words, notifications."""

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.notifications.services import notify
from doorstep.notifications.words import label, said
from doorstep.registry.changes.authority import Relation, SubjectRef, refusal, relations
from doorstep.registry.changes.selectors import actor_facts
from doorstep.registry.changes.workflow import Action

# The kinds' names as msgids (the same as ChangeKind's labels), for stored words and refusals.
KIND_LABELS = {
    "birth": gettext_noop("出生登记"), "death": gettext_noop("死亡注销"), "move_in": gettext_noop("区外迁入"),
    "move_within": gettext_noop("区内迁移"), "move_out": gettext_noop("迁出本区"), "marriage": gettext_noop("婚姻变动"),
    "split": gettext_noop("分户"), "merge": gettext_noop("并户"), "phone": gettext_noop("电话变更"),
    "flags": gettext_noop("人群标签变更"), "correction": gettext_noop("信息更正"),
}
# Relations that let the actor see the subject at all: without one, a refusal is NotFound (nothing leaks).
_REACH = frozenset({Relation.SUBJECT_SUBTREE, Relation.OWN_HOUSEHOLD, Relation.PROPOSER})


def authorize(actor, action: Action, subject: SubjectRef, *, kind: str = "") -> None:
    held = relations(actor_facts(actor), subject)
    reason = refusal(actor.role, action, held, kind=kind, kind_label=KIND_LABELS.get(kind, kind))
    if reason is None:
        return
    if not (held & _REACH):
        raise NotFound()
    raise PermissionDenied(reason.text(gettext))


def tell_proposer(change, *, title: str, body: str = "", **values) -> None:
    """The proposer's inbox message about their request (stored in Chinese with its words)."""
    kind = label(KIND_LABELS[change.kind])
    subject = change.payload.get("name") or (change.resident.name if change.resident_id else "")
    notify([change.proposer], kind=f"registry.change_{change.state}",
           title=said(title, kind=kind, name=subject),
           body=said(body, **values) if body else "", link=reverse("registry:change", kwargs={"change_id": change.pk}))
