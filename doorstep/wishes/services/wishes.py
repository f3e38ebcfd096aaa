"""Micro-wishes (微心愿), from a visit or a resident's request to the wall and back: post, review (publish or
reject), expire and re-publish or close, cancel, and the story. Claims and fulfilment are in services.claims.

Every move: one function, one transaction, the wish row locked, the authority table asked (wishes.authority), the
state machine asked (wishes.workflow), one WishEvent and one audit event, notifications on commit.
Sources: issue #15 item 2; 志愿服务条例 (国务院令第685号) art. 19.
"""

import datetime
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.daily_numbers import next_daily_number
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.core.ids import parse_id
from doorstep.core.masking import mask_personal_numbers
from doorstep.core.plaintext import strip_invisible
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.wishes.authority import Extra, Relation
from doorstep.wishes.models import ClaimState, Wish, WishCategory, WishEvent, WishNumberCounter, WishSource
from doorstep.wishes.services.common import (
    authorize,
    household_relations,
    mask_name,
    policy_for,
    refused,
    wish_relations,
)
from doorstep.wishes.workflow import ENDED_WISH_STATES, MoveRefused, WishAction, WishState, wish_move

MAX_PLACES = 20
MAX_VALUE_YUAN = 99999
SOURCE_BY_ROLE = {"grid_worker": WishSource.VISIT, "resident": WishSource.RESIDENT, "clerk": WishSource.COMMUNITY}


def clean_text(value, *, field: str, label: str, minimum: int = 0, limit: int) -> str:
    """A text with its whitespace folded and invisible characters dropped; ValidationFailed (in the reader's
    language) when shorter than `minimum` or longer than `limit` characters."""
    text = " ".join(strip_invisible(str(value or "")).split())
    if len(text) < minimum:
        raise ValidationFailed(gettext("请填写{label}（至少{count}个字）。").format(label=label, count=minimum),
                               field=field)
    if len(text) > limit:
        raise ValidationFailed(gettext("{label}不能超过{count}个字。").format(label=label, count=limit), field=field)
    return text


# A door or room as people write one: 3栋, 2单元, 501室, 5号楼, 12幢.
_DOOR = re.compile(r"[0-9０-９一二三四五六七八九十]+\s*(?:栋|幢|号楼|单元|室)")  # zh: a pattern matched against Chinese input


def clean_public_text(value, *, field: str, label: str, minimum: int = 0, limit: int) -> str:
    """clean_text for words the public wall shows (a wish's title and description, a story): ValidationFailed when
    they hold a phone, ID or passport number or a door number (issue #15 item 2: beneficiary masked, no address).
    The check is by shape (core.masking's patterns and 栋/单元/室): it errs towards asking the writer to rephrase."""
    text = clean_text(value, field=field, label=label, minimum=minimum, limit=limit)
    if mask_personal_numbers(text) != text or _DOOR.search(text):
        raise ValidationFailed(gettext("{label}会公开在心愿墙上：请不要写电话、证件号码或门牌地址。").format(label=label),
                               field=field)
    return text


def clean_int(value, *, field: str, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(gettext("{label}应为整数。").format(label=label), field=field) from None
    if not low <= number <= high:
        raise ValidationFailed(gettext("{label}应在{low}到{high}之间。").format(label=label, low=low, high=high),
                               field=field)
    return number


def record(wish: Wish, *, actor, before: str, action: WishAction, at: datetime.datetime, note: str = "",
           summary: dict | None = None) -> None:
    """One history row and its audit event (wishes.<action>), in the caller's transaction."""
    WishEvent.objects.create(wish=wish, action=action, from_state=before, to_state=wish.state,
                             actor=actor if getattr(actor, "pk", None) else None, at=at, note=note[:500])
    audit_record(actor=actor, action=f"wishes.{action}", target=wish, reason=note[:300],
                 actor_label="" if actor is not None else "doorstep",
                 summary={"from": before, "to": wish.state, "number": wish.number, **(summary or {})})


def wish_locked(wish_id) -> Wish:
    """The wish row locked for the rest of the transaction; NotFound for a malformed or missing id."""
    pk = parse_id(wish_id)
    wish = Wish.objects.select_for_update(of=("self",)).select_related("community", "household").filter(
        pk=pk).first()
    if wish is None:
        raise NotFound()
    return wish


def community_staff(community):
    from doorstep.accounts.models import User

    return list(User.objects.filter(org_node_id=community.pk, role="clerk", is_active=True))


def beneficiary_accounts(wish: Wish):
    from doorstep.accounts.models import User

    return list(User.objects.filter(resident__household_id=wish.household_id, role="resident", is_active=True))


def tell(users, wish: Wish, title: str, kind: str) -> None:
    """Tell the people concerned (on commit). Each reader's link opens a page they may open: a volunteer's own
    claims; for staff, the grid worker and the household, the wish's page with its history."""
    users = [u for u in users if u is not None]
    body = said(gettext_noop("心愿编号 {number}。"), number=wish.number)
    volunteers = [u for u in users if u.role == "volunteer"]
    others = [u for u in users if u.role != "volunteer"]
    if volunteers:
        notify(volunteers, kind=kind, title=said(title, title=wish.title), body=body, link="/wishes/claims/")
    if others:
        notify(others, kind=kind, title=said(title, title=wish.title), body=body, link=f"/wishes/{wish.pk}/manage/")


def wish_post(*, actor, beneficiary_id, title, description="", category=WishCategory.GOODS, value_yuan=0,
              places=1, story_consent=False, idempotency_key, now: datetime.datetime | None = None) -> Wish:
    """Register a micro-wish for a resident: a grid worker for a household of their grid (on a visit), a resident
    for a member of their own household, the community's staff for a household of the community. The wish starts
    posted (待审核) and waits for the community's review.

    Errors: NotFound for a resident the actor does not stand in relation to (the same as a missing one);
    ValidationFailed for a title of 2–60 characters missing, a description over 500, an unknown category, a value
    outside 0–99,999 yuan, places outside 1–20; Conflict when the beneficiary already has an open wish (一人一愿).
    Side effects: a WishEvent, an audit event (wishes.post), the community's staff notified on commit.
    """
    from doorstep.org.models import OrgNode
    from doorstep.registry.models import Resident

    now = now or timezone.now()
    pk = parse_id(beneficiary_id)
    resident = Resident.objects.select_related("household").filter(pk=pk, status="active").first()
    if resident is None:
        raise NotFound()
    community = OrgNode.objects.filter(code=resident.path[:12], level="community").first()
    if community is None:
        raise NotFound()
    held = household_relations(actor, community=community, path=resident.path, household_id=resident.household_id)
    if not held:
        raise NotFound()
    authorize(actor, WishAction.POST, held)
    title = clean_public_text(title, field="title", label=gettext("心愿"), minimum=2, limit=60)
    description = clean_public_text(description, field="description", label=gettext("说明"), limit=500)
    if category not in WishCategory.values:
        raise ValidationFailed(gettext("请选择心愿类别。"), field="category")
    value = clean_int(0 if value_yuan in (None, "") else value_yuan, field="value_yuan", label=gettext("估价"), low=0, high=MAX_VALUE_YUAN)
    places = clean_int(1 if places in (None, "") else places, field="places", label=gettext("认领名额"), low=1, high=MAX_PLACES)
    inputs = {"beneficiary": pk, "title": title, "description": description, "category": category, "value": value,
              "places": places, "story_consent": bool(story_consent)}

    def create() -> Wish:
        open_states = [s for s in WishState if s not in ENDED_WISH_STATES and s != WishState.EXPIRED]
        if Wish.objects.filter(beneficiary_id=pk, state__in=open_states).exists():
            raise Conflict(gettext("这位居民已有一个未完成的心愿，请等它圆梦或关闭后再登记新的。"),
                           field="beneficiary_id")
        wish = Wish(community=community, path=resident.path, household_id=resident.household_id,
                    beneficiary=resident, beneficiary_masked=mask_name(resident.name), title=title,
                    description=description, category=category, value_yuan=value, places=places,
                    source=SOURCE_BY_ROLE.get(actor.role, WishSource.COMMUNITY), posted_by=actor, posted_at=now,
                    story_consent=bool(story_consent))
        wish.number = next_daily_number(WishNumberCounter, district=community.code[:6],
                                        day=timezone.localdate(now), prefix="W")
        wish.save()
        record(wish, actor=actor, before="", action=WishAction.POST, at=now)
        tell(community_staff(community), wish, gettext_noop("新心愿待审核：{title}"), "wish.posted")
        return wish

    wish, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="wishes.post", inputs=inputs,
                                        create=create)
    return wish


def _move(*, actor, wish_id, action: WishAction, now, note: str = "", check=None) -> tuple[Wish, str]:
    """Lock, ask the table and the machine, apply; `check(wish)` may refuse first. Returns (wish, state before)."""
    wish = wish_locked(wish_id)
    held = wish_relations(actor, wish)
    if not held:
        raise NotFound()
    authorize(actor, action, held)
    try:
        after = wish_move(wish.state, action)
    except MoveRefused as exc:
        raise refused(exc) from None
    if check is not None:
        check(wish)
    before = wish.state
    wish.state = after
    return wish, before


def wish_publish(*, actor, wish_id, now: datetime.datetime | None = None) -> Wish:
    """The community publishes a posted wish to the wall after checking it: the beneficiary still lives in the
    household and is active (household verified), and the value is within the community's limit
    (CommunityPolicy.value_limit_yuan). The wish expires after publish_days unless claimed.
    Errors: Conflict with what failed the check (the page then offers 不予发布 with the reason)."""
    now = now or timezone.now()

    def check(wish: Wish) -> None:
        beneficiary = wish.beneficiary
        if beneficiary.status != "active" or beneficiary.household_id != wish.household_id:
            raise Conflict(gettext("核实未通过：心愿人已不在该户或不在册，请不予发布。"))
        limit = policy_for(wish.community).value_limit_yuan
        if wish.value_yuan > limit:
            raise Conflict(gettext("估价{value}元超过本社区心愿价值上限{limit}元，请不予发布或与居民商量调整。").format(
                value=wish.value_yuan, limit=limit))

    with transaction.atomic():
        wish, before = _move(actor=actor, wish_id=wish_id, action=WishAction.PUBLISH, now=now, check=check)
        policy = policy_for(wish.community)
        wish.published_at = now
        wish.expires_at = now + datetime.timedelta(days=policy.publish_days)
        wish.state_reason = ""
        wish.save(update_fields=["state", "published_at", "expires_at", "state_reason"])
        record(wish, actor=actor, before=before, action=WishAction.PUBLISH, at=now)
        tell([wish.posted_by, *beneficiary_accounts(wish)], wish, gettext_noop("心愿已发布：{title}"),
              "wish.published")
    return wish


def wish_reject(*, actor, wish_id, reason, now: datetime.datetime | None = None) -> Wish:
    """The community declines to publish (household not verified, over the value limit, not a micro-wish), with a
    reason the poster reads."""
    now = now or timezone.now()
    reason = clean_text(reason, field="reason", label=gettext("理由"), minimum=2, limit=300)
    with transaction.atomic():
        wish, before = _move(actor=actor, wish_id=wish_id, action=WishAction.REJECT, now=now)
        wish.state_reason = reason
        wish.save(update_fields=["state", "state_reason"])
        record(wish, actor=actor, before=before, action=WishAction.REJECT, at=now, note=reason)
        tell([wish.posted_by, *beneficiary_accounts(wish)], wish, gettext_noop("心愿未通过审核：{title}"),
              "wish.rejected")
    return wish


def wish_republish(*, actor, wish_id, now: datetime.datetime | None = None) -> Wish:
    """An expired wish goes back on the wall for another publish_days, at most republish_limit times."""
    now = now or timezone.now()

    def check(wish: Wish) -> None:
        limit = policy_for(wish.community).republish_limit
        if wish.republished >= limit:
            raise Conflict(gettext("该心愿已重新发布{count}次，不能再发布，请关闭或联系居民调整心愿。").format(
                count=wish.republished))

    with transaction.atomic():
        wish, before = _move(actor=actor, wish_id=wish_id, action=WishAction.REPUBLISH, now=now, check=check)
        wish.republished += 1
        wish.published_at = now
        wish.expires_at = now + datetime.timedelta(days=policy_for(wish.community).publish_days)
        wish.save(update_fields=["state", "republished", "published_at", "expires_at"])
        record(wish, actor=actor, before=before, action=WishAction.REPUBLISH, at=now)
    return wish


def _end(*, actor, wish_id, action: WishAction, reason, now, title: str, kind: str) -> Wish:
    now = now or timezone.now()
    reason = clean_text(reason, field="reason", label=gettext("理由"), minimum=2, limit=300)
    with transaction.atomic():
        wish, before = _move(actor=actor, wish_id=wish_id, action=action, now=now)
        claimants = [c.volunteer.user for c in wish.claims.filter(state=ClaimState.ACTIVE).select_related(
            "volunteer__user")]
        wish.claims.filter(state=ClaimState.ACTIVE).update(state=ClaimState.CANCELLED, ended_at=now)
        wish.claimed = 0
        wish.state_reason = reason
        wish.save(update_fields=["state", "claimed", "state_reason"])
        record(wish, actor=actor, before=before, action=action, at=now, note=reason)
        tell([wish.posted_by, *claimants], wish, title, kind)
    return wish


def wish_close(*, actor, wish_id, reason, now: datetime.datetime | None = None) -> Wish:
    """Close an expired wish unmet (关闭), with the reason."""
    return _end(actor=actor, wish_id=wish_id, action=WishAction.CLOSE, reason=reason, now=now,
                title=gettext_noop("心愿已关闭：{title}"), kind="wish.closed")


def wish_cancel(*, actor, wish_id, reason, now: datetime.datetime | None = None) -> Wish:
    """Withdraw a wish no longer needed, before it is fulfilled (its poster, or the community); claimants hear."""
    return _end(actor=actor, wish_id=wish_id, action=WishAction.CANCEL, reason=reason, now=now,
                title=gettext_noop("心愿已撤销：{title}"), kind="wish.cancelled")


def wishes_expire_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: published wishes past their date with no claim expire (到期); the community decides to
    re-publish or close them. Returns how many expired. Each is its own transaction (a claim racing the sweep wins or
    loses cleanly: the wish row is locked and the state re-read)."""
    now = now or timezone.now()
    due = list(Wish.objects.filter(state=WishState.PUBLISHED, expires_at__lte=now, claimed=0).values_list(
        "pk", flat=True)[:1000])
    count = 0
    for pk in due:
        with transaction.atomic():
            wish = wish_locked(pk)
            if wish.state != WishState.PUBLISHED or wish.claimed or wish.expires_at > now:
                continue
            before = wish.state
            wish.state = wish_move(before, WishAction.EXPIRE)
            wish.save(update_fields=["state"])
            record(wish, actor=None, before=before, action=WishAction.EXPIRE, at=now)
            tell([wish.posted_by, *community_staff(wish.community)], wish, gettext_noop("心愿到期无人认领：{title}"),
                  "wish.expired")
            count += 1
    return count


def wish_publish_story(*, actor, wish_id, story, now: datetime.datetime | None = None) -> Wish:
    """Publish the story of a closed wish on the wall, only when the beneficiary agreed (story_consent)."""
    now = now or timezone.now()
    story = clean_public_text(story, field="story", label=gettext("圆梦故事"), minimum=10, limit=1000)

    def check(wish: Wish) -> None:
        if not wish.story_consent:
            raise Conflict(gettext("心愿人未同意公开圆梦故事，不能发布。"))

    with transaction.atomic():
        wish, before = _move(actor=actor, wish_id=wish_id, action=WishAction.PUBLISH_STORY, now=now, check=check)
        wish.story = story
        wish.story_published_at = now
        wish.save(update_fields=["story", "story_published_at"])
        record(wish, actor=actor, before=before, action=WishAction.PUBLISH_STORY, at=now)
    return wish


def wish_see(*, actor, wish_id) -> Wish:
    """A wish with its household and beneficiary for those the table lets see it (Extra.SEE_WISH); NotFound for
    anyone else. Audited as a look at personal data (wishes.see)."""
    pk = parse_id(wish_id)
    wish = Wish.objects.select_related("community", "household", "beneficiary", "posted_by").filter(pk=pk).first()
    if wish is None:
        raise NotFound()
    held = wish_relations(actor, wish)
    if not held - {Relation.VOLUNTEER}:  # being a volunteer says nothing of a wish: it reads as missing
        raise NotFound()
    authorize(actor, Extra.SEE_WISH, held)
    audit_record(actor=actor, action="wishes.see", target=wish, summary={"number": wish.number})
    return wish
