"""What every incident write shares: the authority check, the loop step, incident numbers, history rows with their
audit event, photos stored without EXIF, and who hears about a change."""

import datetime
import hashlib
from dataclasses import replace

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext, gettext_noop, pgettext

from doorstep.audit.services import audit_record
from doorstep.core.daily_numbers import next_daily_number
from doorstep.core.errors import Conflict, PermissionDenied, ValidationFailed
from doorstep.core.plaintext import strip_invisible
from doorstep.incidents.authority import ANY_ACTION, refusal
from doorstep.incidents.models import Incident, IncidentHistory, IncidentNumberCounter, IncidentPhoto
from doorstep.incidents.selectors import incident_facts, incident_relations
from doorstep.incidents.workflow import (
    STATE_CONTEXT,
    STATE_LABELS,
    Action,
    IncidentFacts,
    Reason,
    State,
    TransitionNotAllowed,
    advance,
)
from doorstep.notifications.services import notify
from doorstep.notifications.words import label, said


def reason_text(reason: Reason) -> str:
    """A refusal of the loop or the authority table in the reader's language."""
    return reason.text(gettext, pgettext)


def incident_authorize(actor, incident: Incident, action: ANY_ACTION) -> None:
    """Raise PermissionDenied unless the authority table (incidents.authority.INCIDENT_AUTHORITY) lets this actor
    take this action on this incident from where they stand. The loop is checked separately (Conflict)."""
    reason = refusal(actor.role, action, incident_relations(actor, incident))
    if reason:
        raise PermissionDenied(reason_text(reason))


def incident_step(actor, incident: Incident, action: Action, *, now: datetime.datetime,
                  **overrides) -> IncidentFacts:
    """Authority, then the loop: the facts after the action, or PermissionDenied / Conflict with the reason.
    `overrides` replace facts the same step is about to write (the resolution a handling records, the orders a
    dispatch creates)."""
    incident_authorize(actor, incident, action)
    facts = replace(incident_facts(incident, now=now), **overrides)
    try:
        return advance(facts, action, actor.role)
    except TransitionNotAllowed as exc:
        raise Conflict(reason_text(exc.reason)) from None


def incident_next_number(*, district: str, day: datetime.date) -> str:
    """E + district code + date + 5-digit daily sequence, e.g. E4303022026120100042 (E: 事件, so it is never
    mistaken for a case number). One statement takes the number; call it late in the transaction (the counter row
    stays locked until commit)."""
    return next_daily_number(IncidentNumberCounter, district=district, day=day, prefix="E")


def record(incident: Incident, *, actor, before: str, action: str, at: datetime.datetime, note: str = "",
           order=None, data: dict | None = None) -> None:
    """One history row and its audit event (incident.<action>), in the caller's transaction."""
    IncidentHistory.objects.create(incident=incident, from_state=before, action=action, to_state=incident.state,
                                   actor=actor, order=order, at=at, note=note[:500], data=data or {})
    audit_record(actor=actor, action=f"incident.{action}", target=incident, reason=note[:300],
                 summary={"from": before, "to": incident.state, "number": incident.number, **(data or {})})


def checked_photos(files, *, required: bool = False, field: str = "photos") -> list:
    """Uploaded photos checked and re-encoded without EXIF (incidents.photos.clean_photo), before any row is locked.
    At most DOORSTEP_INCIDENT_MAX_PHOTOS, each at most DOORSTEP_INCIDENT_PHOTO_MAX_BYTES. Returns CleanPhoto values;
    ValidationFailed in the reader's words."""
    from doorstep.incidents.photos import clean_photo

    files = [f for f in (files or []) if f is not None]
    if len(files) > settings.DOORSTEP_INCIDENT_MAX_PHOTOS:
        raise ValidationFailed(gettext("最多上传{count}张照片。").format(count=settings.DOORSTEP_INCIDENT_MAX_PHOTOS),
                               field=field)
    if required and not files:
        raise ValidationFailed(gettext("请至少拍一张照片。"), field=field)
    cleaned = []
    for f in files:
        if isinstance(f, bytes | bytearray):
            data, name = bytes(f), ""
        else:  # never more than one byte past the limit in memory: clean_photo refuses it by its length
            data, name = f.read(settings.DOORSTEP_INCIDENT_PHOTO_MAX_BYTES + 1), str(getattr(f, "name", ""))[:60]
        cleaned.append(clean_photo(data, max_bytes=settings.DOORSTEP_INCIDENT_PHOTO_MAX_BYTES, name=name))
    return cleaned


def store_photos(incident: Incident, photos: list, *, stage: str, actor, order=None, verification=None) -> int:
    """Save the cleaned photos (content-addressed file names) as IncidentPhoto rows. Returns how many."""
    for photo in photos:
        digest = photo.sha256 or hashlib.sha256(photo.data).hexdigest()
        row = IncidentPhoto(incident=incident, stage=stage, order=order, verification=verification,
                            content_type=photo.content_type, sha256=digest, size=len(photo.data),
                            width=photo.width, height=photo.height, uploaded_by=actor)
        row.file.save(f"{digest}{photo.extension}", ContentFile(photo.data), save=False)
        row.save()
    return len(photos)


def tell_reporter(incident: Incident, *, kind: str, title: str, note: str = "") -> None:
    """The reporter (and the reporters of reports merged into this one) hear where their report stands: stored in
    Chinese with its words, shown in the reader's language (notifications.words)."""
    from doorstep.accounts.models import User

    reports = [incident, *Incident.objects.filter(merged_into=incident)]
    user_ids = {r.reporter_user_id for r in reports if r.reporter_user_id}
    resident_ids = {r.reporter_resident_id for r in reports if r.reporter_resident_id}
    users = list(User.objects.filter(pk__in=user_ids, is_active=True)) + list(
        User.objects.filter(resident_id__in=resident_ids, is_active=True).exclude(pk__in=user_ids))
    state = label(STATE_LABELS[State(incident.state)], STATE_CONTEXT)
    body = said(gettext_noop("编号 {number}，当前状态：{state}。{note}"), number=incident.number, state=state,
                note=note) if note else said(gettext_noop("编号 {number}，当前状态：{state}。"),
                                             number=incident.number, state=state)
    notify(users, kind=kind, title=said(title, number=incident.number), body=body, link=f"/incidents/{incident.pk}/")


def clean_note(text, *, field: str = "note", required: bool = False, limit: int = 500, missing: str = "") -> str:
    """A note or reason with its whitespace folded, cut to `limit`; when required, at least two characters, else
    ValidationFailed with `missing` (the reader's words for what to write; "请填写理由。" by default)."""
    note = " ".join(strip_invisible(str(text or "")).split())[:limit]
    if required and len(note) < 2:
        raise ValidationFailed(missing or gettext("请填写理由。"), field=field)
    return note
