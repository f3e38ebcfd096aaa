"""Who may act in the community's volunteer work, as a table in plain Python (no Django), next to the state machines.

For each (role, action): where the actor must stand relative to the wish, volunteer, activity, sign-up or pairing —
the community's own staff (their org node is the community), a leader or administrator over it, the grid worker of
the household's grid, the resident whose household the wish is for, the person who posted it, a volunteer holding a
claim, the volunteer themself, any confirmed volunteer, the activity's coordinator, the paired volunteer. Services ask
`refusal` once; pages ask `permitted` which buttons to draw; tests walk every (role × action × relation).

Volunteers never read resident records (accounts.roles: Scope.NONE): what they see of a household is its masked
name, never its address, ID number or phone.

Sources: issue #15 items 1–4; 志愿服务条例 (国务院令第685号) art. 19; 民政部令第67号.
"""

from enum import StrEnum

from doorstep.core.authority_table import AuthorityTable
from doorstep.core.workflow_text import Label, Reason
from doorstep.wishes.workflow import (
    REGISTRATION_ACTION_CONTEXT,
    REGISTRATION_ACTION_LABELS,
    SIGNUP_ACTION_CONTEXT,
    SIGNUP_ACTION_LABELS,
    WISH_ACTION_CONTEXT,
    WISH_ACTION_LABELS,
    RegistrationAction,
    SignupAction,
    WishAction,
    pgettext_noop,
)


class Relation(StrEnum):
    COMMUNITY = "community"  # the actor's org node is the community (its station's staff)
    AREA = "area"  # the community lies at or below the actor's node (street and district leaders, administrators)
    GRID = "grid"  # the household lies in the actor's grid (grid workers)
    HOUSEHOLD = "household"  # the wish or pairing is for the actor's own household (residents)
    POSTER = "poster"  # the actor posted the wish
    CLAIMANT = "claimant"  # the actor holds an active claim on the wish (or fulfilled it)
    SELF = "self"  # the registration or sign-up is the actor's own
    VOLUNTEER = "volunteer"  # the actor is a confirmed volunteer (any community: the wall is the district's)
    COORDINATOR = "coordinator"  # the actor coordinates the activity
    PAIRED = "paired"  # the actor is the pairing's volunteer


RELATION_CONTEXT = "wish relation"
RELATION_LABELS = {
    Relation.COMMUNITY: pgettext_noop("wish relation", "本社区工作人员"),
    Relation.AREA: pgettext_noop("wish relation", "辖区领导或管理员"),
    Relation.GRID: pgettext_noop("wish relation", "所在网格的网格员"),
    Relation.HOUSEHOLD: pgettext_noop("wish relation", "心愿人本户居民"),
    Relation.POSTER: pgettext_noop("wish relation", "登记心愿的人"),
    Relation.CLAIMANT: pgettext_noop("wish relation", "认领该心愿的志愿者"),
    Relation.SELF: pgettext_noop("wish relation", "志愿者本人"),
    Relation.VOLUNTEER: pgettext_noop("wish relation", "已报到的志愿者"),
    Relation.COORDINATOR: pgettext_noop("wish relation", "活动负责人"),
    Relation.PAIRED: pgettext_noop("wish relation", "结对志愿者"),
}


class Extra(StrEnum):
    """Actions outside the three machines, checked against the same table."""

    SEE_ROSTER = "see_roster"  # the community's roster of volunteers (masked phones)
    REVEAL_PHONE = "reveal_phone"  # a volunteer's whole phone, with a reason (audited)
    SEE_WISH = "see_wish"  # a wish with its household and beneficiary (not the wall's masked card)
    POST_ACTIVITY = "post_activity"  # post or cancel an activity or service post
    SIGN_UP = "sign_up"  # sign up for an activity
    PAIR = "pair"  # start a pairing (结对) with a household
    END_PAIRING = "end_pairing"
    LOG_VISIT = "log_visit"  # log a pairing visit
    SEE_PAIRING = "see_pairing"  # a pairing with its visits and the needs found
    SEE_HOURS = "see_hours"  # a volunteer's hours ledger and certificate
    KEEP_POLICY = "keep_policy"  # the community's value limit, expiry, claim cap


EXTRA_CONTEXT = "volunteer action"
EXTRA_LABELS = {
    Extra.SEE_ROSTER: pgettext_noop("volunteer action", "查看志愿者名册"),
    Extra.REVEAL_PHONE: pgettext_noop("volunteer action", "查看完整电话"),
    Extra.SEE_WISH: pgettext_noop("volunteer action", "查看心愿详情"),
    Extra.POST_ACTIVITY: pgettext_noop("volunteer action", "发布活动"),
    Extra.SIGN_UP: pgettext_noop("volunteer action", "报名活动"),
    Extra.PAIR: pgettext_noop("volunteer action", "结对帮扶"),
    Extra.END_PAIRING: pgettext_noop("volunteer action", "结束结对"),
    Extra.LOG_VISIT: pgettext_noop("volunteer action", "记录走访"),
    Extra.SEE_PAIRING: pgettext_noop("volunteer action", "查看结对帮扶"),
    Extra.SEE_HOURS: pgettext_noop("volunteer action", "查看服务时长"),
    Extra.KEEP_POLICY: pgettext_noop("volunteer action", "设置心愿规则"),
}

ANY_ACTION = WishAction | RegistrationAction | SignupAction | Extra

_R = Relation
_COMMUNITY = frozenset({_R.COMMUNITY})
_AREA = frozenset({_R.AREA})
_STAFF = frozenset({_R.COMMUNITY, _R.AREA})

WISHES_AUTHORITY: dict[tuple[str, ANY_ACTION], frozenset[Relation]] = {
    # residents: their own household's wishes
    ("resident", WishAction.POST): frozenset({_R.HOUSEHOLD}),
    ("resident", WishAction.CANCEL): frozenset({_R.POSTER}),
    ("resident", WishAction.CONFIRM): frozenset({_R.HOUSEHOLD}),
    ("resident", WishAction.DISPUTE): frozenset({_R.HOUSEHOLD}),
    ("resident", Extra.SEE_WISH): frozenset({_R.HOUSEHOLD}),
    ("resident", Extra.SEE_PAIRING): frozenset({_R.HOUSEHOLD}),
    # grid workers: collected on a visit, confirmed on the beneficiary's word, pairings in their grid
    ("grid_worker", WishAction.POST): frozenset({_R.GRID}),
    ("grid_worker", WishAction.CANCEL): frozenset({_R.POSTER}),
    ("grid_worker", WishAction.CONFIRM): frozenset({_R.GRID}),
    ("grid_worker", WishAction.DISPUTE): frozenset({_R.GRID}),
    ("grid_worker", Extra.SEE_WISH): frozenset({_R.GRID}),
    ("grid_worker", Extra.SEE_PAIRING): frozenset({_R.GRID}),
    # the community's staff (the station's 全科服务员): review, publish, confirm, roster, activities, pairings
    ("clerk", WishAction.POST): _COMMUNITY,
    ("clerk", WishAction.PUBLISH): _COMMUNITY,
    ("clerk", WishAction.REJECT): _COMMUNITY,
    ("clerk", WishAction.CONFIRM): _COMMUNITY,
    ("clerk", WishAction.DISPUTE): _COMMUNITY,
    ("clerk", WishAction.REPUBLISH): _COMMUNITY,
    ("clerk", WishAction.CLOSE): _COMMUNITY,
    ("clerk", WishAction.CANCEL): _COMMUNITY,
    ("clerk", WishAction.PUBLISH_STORY): _COMMUNITY,
    ("clerk", Extra.SEE_WISH): _COMMUNITY,
    ("clerk", RegistrationAction.CONFIRM): _COMMUNITY,
    ("clerk", RegistrationAction.REJECT): _COMMUNITY,
    ("clerk", RegistrationAction.LEAVE): _COMMUNITY,
    ("clerk", Extra.SEE_ROSTER): _COMMUNITY,
    ("clerk", Extra.REVEAL_PHONE): _COMMUNITY,
    ("clerk", Extra.POST_ACTIVITY): _COMMUNITY,
    ("clerk", SignupAction.CONFIRM): frozenset({_R.COORDINATOR, _R.COMMUNITY}),
    ("clerk", SignupAction.MARK_ABSENT): frozenset({_R.COORDINATOR, _R.COMMUNITY}),
    ("clerk", Extra.PAIR): _COMMUNITY,
    ("clerk", Extra.END_PAIRING): _COMMUNITY,
    ("clerk", Extra.SEE_PAIRING): _COMMUNITY,
    ("clerk", Extra.SEE_HOURS): _COMMUNITY,
    # administrators over the community act as its staff; leaders read
    ("admin", WishAction.PUBLISH): _AREA,
    ("admin", WishAction.REJECT): _AREA,
    ("admin", WishAction.REPUBLISH): _AREA,
    ("admin", WishAction.CLOSE): _AREA,
    ("admin", WishAction.CANCEL): _AREA,
    ("admin", WishAction.PUBLISH_STORY): _AREA,
    ("admin", Extra.SEE_WISH): _AREA,
    ("admin", RegistrationAction.CONFIRM): _AREA,
    ("admin", RegistrationAction.REJECT): _AREA,
    ("admin", RegistrationAction.LEAVE): _AREA,
    ("admin", Extra.SEE_ROSTER): _AREA,
    ("admin", Extra.POST_ACTIVITY): _AREA,
    ("admin", SignupAction.CONFIRM): frozenset({_R.COORDINATOR}),
    ("admin", SignupAction.MARK_ABSENT): frozenset({_R.COORDINATOR}),
    ("admin", Extra.SEE_PAIRING): _AREA,
    ("admin", Extra.SEE_HOURS): _AREA,
    ("admin", Extra.KEEP_POLICY): _AREA,
    ("leader", Extra.SEE_ROSTER): _AREA,
    ("leader", Extra.SEE_WISH): _AREA,
    ("leader", Extra.SEE_PAIRING): _AREA,
    ("leader", Extra.SEE_HOURS): _AREA,
    # volunteers: claim and fulfil, sign up and check in, their own registration, hours and pairings
    ("volunteer", WishAction.CLAIM): frozenset({_R.VOLUNTEER}),
    ("volunteer", WishAction.RELEASE): frozenset({_R.CLAIMANT}),
    ("volunteer", WishAction.FULFIL): frozenset({_R.CLAIMANT}),
    ("volunteer", RegistrationAction.LEAVE): frozenset({_R.SELF}),
    ("volunteer", Extra.SIGN_UP): frozenset({_R.VOLUNTEER}),
    ("volunteer", SignupAction.CHECK_IN): frozenset({_R.SELF}),
    ("volunteer", SignupAction.CANCEL): frozenset({_R.SELF}),
    ("volunteer", Extra.PAIR): frozenset({_R.CLAIMANT}),
    ("volunteer", Extra.LOG_VISIT): frozenset({_R.PAIRED}),
    ("volunteer", Extra.END_PAIRING): frozenset({_R.PAIRED}),
    ("volunteer", Extra.SEE_PAIRING): frozenset({_R.PAIRED}),
    ("volunteer", Extra.SEE_HOURS): frozenset({_R.SELF}),
}


def action_label(action: ANY_ACTION) -> Label:
    if isinstance(action, WishAction):
        return Label(WISH_ACTION_LABELS[action], WISH_ACTION_CONTEXT)
    if isinstance(action, RegistrationAction):
        return Label(REGISTRATION_ACTION_LABELS[action], REGISTRATION_ACTION_CONTEXT)
    if isinstance(action, SignupAction):
        return Label(SIGNUP_ACTION_LABELS[action], SIGNUP_ACTION_CONTEXT)
    return Label(EXTRA_LABELS[action], EXTRA_CONTEXT)


_TABLE = AuthorityTable(WISHES_AUTHORITY, RELATION_LABELS, RELATION_CONTEXT, action_label)


def permitted(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> bool:
    """Whether the table lets this role take this action given the relations that hold."""
    return _TABLE.permitted(role, action, held)


def refusal(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> Reason | None:
    """None when permitted; else the reason, naming who may."""
    return _TABLE.refusal(role, action, held)
