"""Reads behind the micro-wish pages (issue #15 items 2 and 5): the public wall and its stories, a volunteer's
claimable wishes (own community first) and claims, a household's and a grid's wishes, the community's review tabs
with their counts, a wish's history and claims, and which buttons a reader gets (the state machine's actions from
the wish's state that the authority table permits).

What the wall reads is only what it shows: title, category, masked beneficiary, community name, value, places,
dates, the story. Never the household, path, address or the beneficiary's name (`WALL_FIELDS`).
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext, gettext_lazy, pgettext

from doorstep.core.errors import NotFound
from doorstep.core.ids import parse_id
from doorstep.wishes.authority import Relation, permitted
from doorstep.wishes.models import ClaimState, Wish, WishCategory, WishClaim, WishEvent, WishPhoto
from doorstep.wishes.workflow import (
    CLAIMABLE_STATES,
    WALL_STATES,
    WISH_ACTION_CONTEXT,
    WISH_ACTION_LABELS,
    WishAction,
    WishState,
    wish_actions,
)

SEARCH_MAX = 60
# The columns a public card may read (the rest of a wish row is about a household).
WALL_FIELDS = ("id", "number", "title", "description", "category", "value_yuan", "places", "claimed", "state",
               "beneficiary_masked", "story_consent", "published_at", "expires_at", "closed_at", "story", "story_published_at",
               "community__id", "community__name", "community__code")
# Relations that let a reader see a wish's photos before a story is published.
PHOTO_RELATIONS = frozenset({Relation.CLAIMANT, Relation.COMMUNITY, Relation.AREA, Relation.GRID,
                             Relation.HOUSEHOLD})

REVIEW_TABS = {
    "posted": (WishState.POSTED,),
    "published": (WishState.PUBLISHED,),
    "claimed": (WishState.CLAIMED,),
    "fulfilled": (WishState.FULFILLED,),
    "expired": (WishState.EXPIRED,),
    "closed": (WishState.CLOSED,),
    "all": (),
}
REVIEW_SORTS = {"-posted_at": ("-posted_at", "-id"), "posted_at": ("posted_at", "id")}
CLAIM_TABS = {"active": (ClaimState.ACTIVE,), "fulfilled": (ClaimState.FULFILLED,),
              "ended": (ClaimState.RELEASED, ClaimState.CANCELLED)}


def clean_query(raw) -> str:
    return " ".join(str(raw or "").split())[:SEARCH_MAX]


def days_left(wish, now: datetime.datetime) -> int | None:
    """Whole days left to claim a place (None when no place is open)."""
    if wish.expires_at is None or wish.state not in CLAIMABLE_STATES or wish.places_left <= 0:
        return None
    return max(0, math.ceil((wish.expires_at - now).total_seconds() / 86400))


def decorate(wishes, *, now: datetime.datetime) -> list:
    """Set what a card shows beside the row: days left to claim."""
    for w in wishes:
        w.days_left = days_left(w, now)
    return wishes


# ---- the public wall ------------------------------------------------------------------------------------------------

def wall_areas():
    """Streets with their communities for the wall's filter: [(street, [community, …]), …]. One query."""
    from doorstep.org.models import OrgNode

    nodes = list(OrgNode.objects.filter(level__in=("street", "community")).order_by("code").only(
        "id", "code", "name", "level"))
    streets = [(n, []) for n in nodes if n.level == "street"]
    by_code = {s.code: kids for s, kids in streets}
    for n in nodes:
        if n.level == "community" and n.code[:9] in by_code:
            by_code[n.code[:9]].append(n)
    return streets


def _area_filter(qs, area: str):
    area = str(area or "")
    if area.isdigit() and len(area) in (9, 12):
        return qs.filter(community__code__startswith=area)
    return qs


def wall_wishes(*, area: str = "", category: str = "", q: str = ""):
    """The wall: published and claimed wishes, newest first (by publication)."""
    qs = Wish.objects.filter(state__in=list(WALL_STATES)).select_related("community").only(*WALL_FIELDS)
    qs = _area_filter(qs, area)
    if category in WishCategory.values:
        qs = qs.filter(category=category)
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-published_at", "-id")


def wall_stories(*, area: str = "", q: str = ""):
    """圆梦故事: closed wishes whose story the community published (with the beneficiary's consent)."""
    qs = Wish.objects.filter(state=WishState.CLOSED, story_published_at__isnull=False).select_related(
        "community").only(*WALL_FIELDS)
    qs = _area_filter(qs, area)
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(story__icontains=q))
    return qs.order_by("-story_published_at", "-id")


def story_photos(wishes) -> dict[int, list[int]]:
    """Photo ids of the wishes with a published story: {wish id: [photo id, …]}. One query."""
    ids = [w.pk for w in wishes if w.story_published_at]
    found: dict[int, list[int]] = {}
    for wish_id, pk in WishPhoto.objects.filter(wish_id__in=ids).order_by("id").values_list("wish_id", "id"):
        found.setdefault(wish_id, []).append(pk)
    return found


def wall_card(wish_id) -> Wish:
    """One public card: a wish on the wall or a published story; NotFound for anything else."""
    pk = parse_id(wish_id)
    wish = Wish.objects.select_related("community").only(*WALL_FIELDS).filter(
        Q(state__in=list(WALL_STATES)) | Q(state=WishState.CLOSED, story_published_at__isnull=False), pk=pk).first()
    if wish is None:
        raise NotFound()
    return wish


def photo_for_reader(user, photo_id) -> WishPhoto:
    """A fulfilment photo for a reader: anyone once the story is published; before that the claimant, the
    community's staff (and leaders over it), the grid worker of the household's grid, the household. NotFound for
    anyone else, as for a missing photo."""
    from doorstep.wishes.services.common import wish_relations

    pk = parse_id(photo_id)
    photo = WishPhoto.objects.select_related("wish__community").filter(pk=pk).first()
    if photo is None:
        raise NotFound()
    wish = photo.wish
    if wish.state == WishState.CLOSED and wish.story_published_at:
        return photo
    if not getattr(user, "is_authenticated", False) or not wish_relations(user, wish) & PHOTO_RELATIONS:
        raise NotFound()
    return photo


# ---- volunteers -----------------------------------------------------------------------------------------------------

def claimable_for_volunteer(volunteer, *, now: datetime.datetime, category: str = "", q: str = ""):
    """Wishes the volunteer may claim now: on the wall with a place left, not past their date, not already claimed
    by them; their own community first, then their street, then the rest of the district."""
    code = volunteer.community.code
    mine = WishClaim.objects.filter(wish=OuterRef("pk"), volunteer=volunteer, state=ClaimState.ACTIVE)
    qs = (Wish.objects.filter(state__in=list(CLAIMABLE_STATES), community__code__startswith=code[:6])
          .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
          .exclude(claimed__gte=F("places")).exclude(Exists(mine))
          .select_related("community").only(*WALL_FIELDS)
          .annotate(nearness=Case(When(community_id=volunteer.community_id, then=Value(0)),
                                  When(community__code__startswith=code[:9], then=Value(1)),
                                  default=Value(2), output_field=IntegerField())))
    if category in WishCategory.values:
        qs = qs.filter(category=category)
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs.order_by("nearness", "-published_at", "-id")


def my_claims(volunteer, *, tab: str):
    states = CLAIM_TABS.get(tab, CLAIM_TABS["active"])
    return (WishClaim.objects.filter(volunteer=volunteer, state__in=list(states))
            .select_related("wish__community")
            .only("id", "state", "group_name", "claimed_at", "ended_at", "wish_id", "volunteer_id",
                  *(f"wish__{f}" for f in WALL_FIELDS))
            .order_by("-claimed_at", "-id"))


def claim_counts(volunteer) -> dict[str, int]:
    rows = dict(WishClaim.objects.filter(volunteer=volunteer).values_list("state").annotate(n=Count("id")))
    return {tab: sum(rows.get(s, 0) for s in states) for tab, states in CLAIM_TABS.items()}


# ---- residents and grid workers -------------------------------------------------------------------------------------

def household_wishes(household_id: int):
    return (Wish.objects.filter(household_id=household_id).select_related("beneficiary", "community")
            .order_by("-posted_at", "-id"))


def grid_wishes(grid_code: str, *, state: str = "", q: str = ""):
    qs = Wish.objects.filter(path__startswith=grid_code).select_related("beneficiary", "community")
    if state in {s.value for s in WishState}:
        qs = qs.filter(state=state)
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(title__icontains=q))
    return qs.order_by("-posted_at", "-id")


# ---- the community's review -----------------------------------------------------------------------------------------

def staff_communities(user):
    """The communities a staff member reviews: a community clerk's own; an administrator's or leader's every
    community at or under their node. One query."""
    from doorstep.org.models import OrgNode

    node = getattr(user, "org_node", None)
    if node is None or user.role not in ("clerk", "admin", "leader"):
        return []
    if user.role == "clerk":
        return [node] if node.level == "community" else []
    return list(OrgNode.objects.filter(level="community", code__startswith=node.code).order_by("code"))


def review_wishes(community, *, tab: str, q: str = "", sort: str = "-posted_at"):
    qs = Wish.objects.filter(community=community).select_related("community")
    states = REVIEW_TABS.get(tab, ())
    if states:
        qs = qs.filter(state__in=list(states))
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(title__icontains=q))
    return qs.order_by(*REVIEW_SORTS.get(sort, REVIEW_SORTS["-posted_at"]))


def review_counts(community) -> dict[str, int]:
    """The count behind each tab, in one query."""
    counts = Wish.objects.filter(community=community).aggregate(
        all=Count("id"), **{tab: Count("id", filter=Q(state__in=list(states)))
                            for tab, states in REVIEW_TABS.items() if states})
    return counts


def wish_history(wish) -> list[WishEvent]:
    return list(wish.events.select_related("actor").order_by("at", "id"))


def wish_claims(wish) -> list[WishClaim]:
    return list(wish.claims.select_related("volunteer").order_by("claimed_at", "id"))


def wish_photo_ids(wish) -> list[int]:
    return list(wish.photos.order_by("id").values_list("id", flat=True))


# ---- buttons --------------------------------------------------------------------------------------------------------

# Moves that take a line of text: (action, field, what the field asks, required).
REASONED = (
    (WishAction.REJECT, "reason", gettext_lazy("不予发布的原因（登记人会看到）"), True),
    (WishAction.DISPUTE, "reason", gettext_lazy("还没实现的原因"), True),
    (WishAction.CLOSE, "reason", gettext_lazy("关闭的原因"), True),
    (WishAction.CANCEL, "reason", gettext_lazy("撤销的原因"), True),
    (WishAction.RELEASE, "reason", gettext_lazy("放弃的原因（选填）"), False),
    (WishAction.PUBLISH_STORY, "story", gettext_lazy("圆梦故事（10–1000字，不写姓名、门牌）"), True),
)


def action_label(action: WishAction) -> str:
    if action == WishAction.DISPUTE:
        return gettext("还没实现")
    return pgettext(WISH_ACTION_CONTEXT, WISH_ACTION_LABELS[action])


@dataclass
class Buttons:
    """The moves a reader gets on one wish: the machine's actions from its state that the table permits them, less
    what the row already rules out (no place left, no consent for the story, a claim not theirs any more)."""

    actions: frozenset

    def __contains__(self, action) -> bool:
        return action in self.actions

    def __bool__(self) -> bool:
        return bool(self.actions)

    @property
    def reasoned(self) -> list[tuple]:
        """The moves with a text field, as the actions partial draws them."""
        return [(a.value, action_label(a), field, ask, required) for a, field, ask, required in REASONED
                if a in self.actions]

    def __getattr__(self, name: str) -> bool:
        try:
            return WishAction(name) in self.actions
        except ValueError:
            raise AttributeError(name) from None


def wish_buttons(user, wish, held, *, offered, active_claim: bool = False) -> Buttons:
    """`held`: the reader's relations to the wish (services.common.wish_relations); `offered`: the actions the page
    takes (a button the page would refuse is never drawn); `active_claim`: the reader holds an active claim on it
    (release and fulfil need one, not a fulfilled one)."""
    if not getattr(user, "is_authenticated", False):
        return Buttons(frozenset())
    found = {a for a in wish_actions(wish.state) if a in offered and permitted(user.role, a, held)}
    if wish.places_left <= 0 or active_claim:
        found.discard(WishAction.CLAIM)
    if not active_claim:
        found -= {WishAction.RELEASE, WishAction.FULFIL}
    if not wish.story_consent or wish.story_published_at:
        found.discard(WishAction.PUBLISH_STORY)
    return Buttons(frozenset(found))
