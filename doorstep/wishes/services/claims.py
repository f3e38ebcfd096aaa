"""Claiming and fulfilling a wish (认领, 圆梦): a confirmed volunteer claims a place, gives it back, fulfils the
wish with a photo; the beneficiary — or the grid worker or the community on their word — confirms it or says it did
not happen.

Never claimed twice, by the database: a place is taken by `UPDATE wish SET claimed = claimed + 1, state = 'claimed'
WHERE id = … AND state IN ('published', 'claimed') AND claimed < places`, which on PostgreSQL waits for a concurrent
taker's row lock and re-reads the row, and on SQLite runs with writers serialized; the CHECK claimed ≤ places and
the partial unique index (one active claim per volunteer and wish) refuse anything else. A volunteer's own row is
locked first, so their cap on open claims (CommunityPolicy.open_claims_cap) holds against their own double clicks.
Sources: issue #15 item 2.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.core.errors import Conflict, NotFound, PermissionDenied
from doorstep.core.idempotency import idempotent_create
from doorstep.core.ids import parse_id
from doorstep.wishes.authority import Relation
from doorstep.wishes.models import ClaimState, Volunteer, Wish, WishClaim, WishPhoto
from doorstep.wishes.services.common import authorize, policy_for, refused, volunteer_of, wish_relations
from doorstep.wishes.services.wishes import (
    beneficiary_accounts,
    clean_text,
    community_staff,
    record,
    tell,
    wish_locked,
)
from doorstep.wishes.workflow import (
    CLAIMABLE_STATES,
    MoveRefused,
    WishAction,
    WishState,
    release_to,
    wish_move,
)


def _volunteer_required(actor) -> Volunteer:
    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise PermissionDenied(gettext("只有已报到并经社区确认的志愿者可以认领心愿。"))
    return volunteer


def wish_claim(*, actor, wish_id, group_name="", idempotency_key, now: datetime.datetime | None = None) -> WishClaim:
    """Claim one place of a published wish. A one-person wish is claimed once: of two claims at the same moment
    exactly one wins, the other is told it is taken. A group wish takes claims until its places are full.

    Errors: PermissionDenied for anyone but a confirmed volunteer; NotFound for a malformed or missing id or a wish
    not on the wall; Conflict when it is taken or full, expired, already claimed by this volunteer, or the
    volunteer holds open_claims_cap open claims. Side effects: a WishClaim, a WishEvent, an audit event
    (wishes.claim); the community's staff and the poster hear on commit. Idempotent per key."""
    now = now or timezone.now()
    volunteer = _volunteer_required(actor)
    pk = parse_id(wish_id)
    group_name = clean_text(group_name, field="group_name", label=gettext("认领团队"), limit=60)

    def create() -> WishClaim:
        me = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        wish = Wish.objects.select_related("community").filter(pk=pk).first()
        if wish is None or wish.state not in CLAIMABLE_STATES:
            if wish is None or wish.state == WishState.POSTED:
                raise NotFound()
            raise Conflict(gettext("该心愿已不在认领中。"))
        authorize(actor, WishAction.CLAIM, wish_relations(actor, wish, volunteer=me))
        if WishClaim.objects.filter(wish_id=pk, volunteer=me, state=ClaimState.ACTIVE).exists():
            raise Conflict(gettext("您已认领该心愿。"))
        cap = policy_for(me.community).open_claims_cap
        if WishClaim.objects.filter(volunteer=me, state=ClaimState.ACTIVE).count() >= cap:
            raise Conflict(gettext("您已有{count}个认领中的心愿，请先圆梦或放弃其中一个再认领。").format(count=cap))
        if wish.expires_at and wish.expires_at <= now:
            raise Conflict(gettext("该心愿已到认领截止时间。"))
        taken = Wish.objects.filter(pk=pk, state__in=list(CLAIMABLE_STATES), claimed__lt=F("places")).update(
            claimed=F("claimed") + 1, state=WishState.CLAIMED)
        if not taken:
            raise Conflict(gettext("手慢了：该心愿已被认领。") if wish.places == 1
                           else gettext("该心愿的认领名额已满。"))
        try:
            with transaction.atomic():
                claim = WishClaim.objects.create(wish=wish, volunteer=me, group_name=group_name, claimed_at=now)
        except IntegrityError:
            raise Conflict(gettext("您已认领该心愿。")) from None
        before = wish.state
        wish.refresh_from_db(fields=["state", "claimed"])
        record(wish, actor=actor, before=before, action=WishAction.CLAIM, at=now,
               summary={"volunteer": me.number, "group": group_name})
        tell([wish.posted_by, *community_staff(wish.community)], wish, gettext_noop("心愿已被认领：{title}"),
              "wish.claimed")
        return claim

    claim, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="wishes.claim",
                                         inputs={"wish": pk, "group": group_name}, create=create)
    return claim


def _my_active_claim(actor, wish: Wish) -> WishClaim:
    volunteer = _volunteer_required(actor)
    claim = wish.claims.filter(volunteer=volunteer, state=ClaimState.ACTIVE).first()
    if claim is None:
        raise PermissionDenied(gettext("您没有认领该心愿。"))
    return claim


def wish_release(*, actor, wish_id, reason="", now: datetime.datetime | None = None) -> Wish:
    """The claimant gives their place back (放弃认领) before fulfilling; the last release puts the wish back on the
    wall (published)."""
    now = now or timezone.now()
    reason = clean_text(reason, field="reason", label=gettext("理由"), limit=300)
    with transaction.atomic():
        wish = wish_locked(wish_id)
        claim = _my_active_claim(actor, wish)
        authorize(actor, WishAction.RELEASE, wish_relations(actor, wish, volunteer=claim.volunteer))
        try:
            wish_move(wish.state, WishAction.RELEASE)
        except MoveRefused as exc:
            raise refused(exc) from None
        before = wish.state
        claim.state, claim.ended_at = ClaimState.RELEASED, now
        claim.save(update_fields=["state", "ended_at"])
        wish.claimed -= 1
        wish.state = release_to(wish.claimed)
        wish.save(update_fields=["claimed", "state"])
        record(wish, actor=actor, before=before, action=WishAction.RELEASE, at=now, note=reason)
        tell([wish.posted_by, *community_staff(wish.community)], wish, gettext_noop("志愿者放弃认领：{title}"),
              "wish.released")
    return wish


def wish_fulfil(*, actor, wish_id, note="", photos=None, idempotency_key,
                now: datetime.datetime | None = None) -> Wish:
    """A claimant reports the wish fulfilled (圆梦) with at least one photo (stored without EXIF); the beneficiary
    is asked to confirm. For a group wish any claimant reports for the group. Idempotent per key (the photos are
    stored once)."""
    from doorstep.incidents.services.common import checked_photos

    now = now or timezone.now()
    note = clean_text(note, field="note", label=gettext("说明"), limit=500)
    cleaned = checked_photos(photos, required=True)
    pk = parse_id(wish_id)

    def create() -> Wish:
        wish = wish_locked(pk)
        claim = _my_active_claim(actor, wish)
        authorize(actor, WishAction.FULFIL, wish_relations(actor, wish, volunteer=claim.volunteer))
        try:
            after = wish_move(wish.state, WishAction.FULFIL)
        except MoveRefused as exc:
            raise refused(exc) from None
        before, wish.state, wish.fulfilled_at = wish.state, after, now
        wish.save(update_fields=["state", "fulfilled_at"])
        _store(wish, cleaned, actor=actor)
        record(wish, actor=actor, before=before, action=WishAction.FULFIL, at=now, note=note,
               summary={"photos": len(cleaned)})
        tell([*beneficiary_accounts(wish), wish.posted_by, *community_staff(wish.community)], wish,
              gettext_noop("请确认心愿是否已实现：{title}"), "wish.fulfilled")
        return wish

    wish, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="wishes.fulfil",
                                        inputs={"wish": pk, "note": note, "photos": [p.sha256 for p in cleaned]},
                                        create=create)
    return wish


def _store(wish: Wish, photos: list, *, actor) -> None:
    import hashlib

    from django.core.files.base import ContentFile

    for photo in photos:
        digest = photo.sha256 or hashlib.sha256(photo.data).hexdigest()
        row = WishPhoto(wish=wish, content_type=photo.content_type, sha256=digest, size=len(photo.data),
                        width=photo.width, height=photo.height, uploaded_by=actor)
        row.file.save(f"{digest}{photo.extension}", ContentFile(photo.data), save=False)
        row.save()


def _answer(*, actor, wish_id, action: WishAction, now, note: str = "") -> tuple[Wish, str, list]:
    wish = wish_locked(wish_id)
    held = wish_relations(actor, wish)
    if not held - {Relation.VOLUNTEER}:
        raise NotFound()
    authorize(actor, action, held)
    try:
        after = wish_move(wish.state, action)
    except MoveRefused as exc:
        raise refused(exc) from None
    claimants = [c.volunteer.user for c in wish.claims.filter(state=ClaimState.ACTIVE).select_related(
        "volunteer__user")]
    before, wish.state = wish.state, after
    return wish, before, claimants


def wish_confirm(*, actor, wish_id, story_consent=None, now: datetime.datetime | None = None) -> Wish:
    """The beneficiary's household confirms the wish came true (or the grid worker or the community records their
    word): fulfilled → closed, the claims fulfilled. `story_consent` (True/False) records whether the story may be
    published; None leaves what was said at the posting."""
    now = now or timezone.now()
    with transaction.atomic():
        wish, before, claimants = _answer(actor=actor, wish_id=wish_id, action=WishAction.CONFIRM, now=now)
        wish.claims.filter(state=ClaimState.ACTIVE).update(state=ClaimState.FULFILLED, ended_at=now)
        wish.closed_at = now
        if story_consent is not None:
            wish.story_consent = bool(story_consent)
        wish.save(update_fields=["state", "closed_at", "story_consent"])
        record(wish, actor=actor, before=before, action=WishAction.CONFIRM, at=now,
               summary={"story_consent": wish.story_consent})
        tell([*claimants, *community_staff(wish.community)], wish, gettext_noop("心愿圆梦已确认：{title}"),
              "wish.confirmed")
    return wish


def wish_dispute(*, actor, wish_id, reason, now: datetime.datetime | None = None) -> Wish:
    """The household says the wish has not come true: back to claimed, the claimants and the community hear why."""
    now = now or timezone.now()
    reason = clean_text(reason, field="reason", label=gettext("理由"), minimum=2, limit=300)
    with transaction.atomic():
        wish, before, claimants = _answer(actor=actor, wish_id=wish_id, action=WishAction.DISPUTE, now=now)
        wish.fulfilled_at = None
        wish.save(update_fields=["state", "fulfilled_at"])
        record(wish, actor=actor, before=before, action=WishAction.DISPUTE, at=now, note=reason)
        tell([*claimants, *community_staff(wish.community)], wish, gettext_noop("心愿人反馈尚未实现：{title}"),
              "wish.disputed")
    return wish
