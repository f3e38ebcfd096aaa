"""The community's state machines as tables, in plain Python (no Django): a micro-wish (微心愿), a volunteer's
registration with a community, and a sign-up for an activity or service post. Services look a move up here once;
tests walk every (state × action).

Wish: posted (collected by a grid worker on a visit, or posted by the resident) → published (the community checked
the household and the value) | rejected (with the reason). A published wish is claimed (认领) by volunteers until its
places are taken (one place for a one-person wish, more for a group wish); a claimed wish whose claims are all
released goes back to published. The claimant fulfils it (圆梦) with a photo → fulfilled; the beneficiary (or the
grid worker or community on their word) confirms → closed, or says it did not happen → back to claimed. A published
wish nobody claims expires at its date → expired; the community re-publishes it (once more by default) or closes it
unmet (cancelled). The community may cancel a wish that is no longer needed before it is fulfilled.

Registration: applied → active (the community confirmed; a volunteer number is given) | rejected (with the reason);
active → left (the volunteer leaves, or the community removes them, with the reason).

Sign-up: signed_up → checked_in (by the QR code at the place) → confirmed (the coordinator confirmed the minutes;
only then do hours count) | absent; signed_up → cancelled (before the start) | absent (never came).

Sources: issue #15; 志愿服务条例 (国务院令第685号, 2017) art. 19–20; 志愿服务记录与证明出具办法（试行）(民政部令第67号,
2020): records true, complete, unpaid and timely, hours from the time actually served, certificates on request;
MZ/T 061-2015 志愿服务记录规范.
"""

from enum import StrEnum

from doorstep.core.workflow_text import Label, Reason, gettext_noop, pgettext_noop


class WishState(StrEnum):
    POSTED = "posted"
    PUBLISHED = "published"
    CLAIMED = "claimed"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


WISH_STATE_CONTEXT = "wish state"
WISH_STATE_LABELS = {
    WishState.POSTED: pgettext_noop("wish state", "待审核"),
    WishState.PUBLISHED: pgettext_noop("wish state", "待认领"),
    WishState.CLAIMED: pgettext_noop("wish state", "已认领"),
    WishState.FULFILLED: pgettext_noop("wish state", "待确认"),
    WishState.CLOSED: pgettext_noop("wish state", "已圆梦"),
    WishState.REJECTED: pgettext_noop("wish state", "未通过"),
    WishState.EXPIRED: pgettext_noop("wish state", "已过期"),
    WishState.CANCELLED: pgettext_noop("wish state", "已关闭"),
}
# Shown on the public wall: open for claims, or claimed and on its way.
WALL_STATES = frozenset({WishState.PUBLISHED, WishState.CLAIMED})
# A claim may be made while places remain (the service's conditional update checks the count).
CLAIMABLE_STATES = frozenset({WishState.PUBLISHED, WishState.CLAIMED})
ENDED_WISH_STATES = frozenset({WishState.CLOSED, WishState.REJECTED, WishState.CANCELLED})


class WishAction(StrEnum):
    POST = "post"
    PUBLISH = "publish"
    REJECT = "reject"
    CLAIM = "claim"
    RELEASE = "release"  # a claimant gives their place back
    FULFIL = "fulfil"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    EXPIRE = "expire"
    REPUBLISH = "republish"
    CLOSE = "close"  # close an expired wish unmet
    CANCEL = "cancel"
    PUBLISH_STORY = "publish_story"


WISH_ACTION_CONTEXT = "wish action"
WISH_ACTION_LABELS = {
    WishAction.POST: pgettext_noop("wish action", "登记心愿"),
    WishAction.PUBLISH: pgettext_noop("wish action", "审核发布"),
    WishAction.REJECT: pgettext_noop("wish action", "不予发布"),
    WishAction.CLAIM: pgettext_noop("wish action", "认领"),
    WishAction.RELEASE: pgettext_noop("wish action", "放弃认领"),
    WishAction.FULFIL: pgettext_noop("wish action", "提交圆梦"),
    WishAction.CONFIRM: pgettext_noop("wish action", "确认圆梦"),
    WishAction.DISPUTE: pgettext_noop("wish action", "未收到"),
    WishAction.EXPIRE: pgettext_noop("wish action", "到期"),
    WishAction.REPUBLISH: pgettext_noop("wish action", "重新发布"),
    WishAction.CLOSE: pgettext_noop("wish action", "关闭心愿"),
    WishAction.CANCEL: pgettext_noop("wish action", "撤销心愿"),
    WishAction.PUBLISH_STORY: pgettext_noop("wish action", "发布圆梦故事"),
}

_W = WishState
_A = WishAction
# (state, action) -> the state after. CLAIM from claimed stays claimed (another place of a group wish); RELEASE of
# the last claim goes back to published, of any other stays claimed: the service picks by the count (`release_to`).
WISH_MOVES: dict[tuple[WishState, WishAction], WishState] = {
    (_W.POSTED, _A.PUBLISH): _W.PUBLISHED,
    (_W.POSTED, _A.REJECT): _W.REJECTED,
    (_W.POSTED, _A.CANCEL): _W.CANCELLED,
    (_W.PUBLISHED, _A.CLAIM): _W.CLAIMED,
    (_W.PUBLISHED, _A.EXPIRE): _W.EXPIRED,
    (_W.PUBLISHED, _A.CANCEL): _W.CANCELLED,
    (_W.CLAIMED, _A.CLAIM): _W.CLAIMED,
    (_W.CLAIMED, _A.RELEASE): _W.CLAIMED,
    (_W.CLAIMED, _A.FULFIL): _W.FULFILLED,
    (_W.CLAIMED, _A.CANCEL): _W.CANCELLED,
    (_W.FULFILLED, _A.CONFIRM): _W.CLOSED,
    (_W.FULFILLED, _A.DISPUTE): _W.CLAIMED,
    (_W.EXPIRED, _A.REPUBLISH): _W.PUBLISHED,
    (_W.EXPIRED, _A.CLOSE): _W.CANCELLED,
    (_W.CLOSED, _A.PUBLISH_STORY): _W.CLOSED,
}


class MoveRefused(Exception):
    """An action the machine does not allow from the current state; `reason` says why in the reader's words."""

    def __init__(self, reason: Reason):
        super().__init__(reason.text())
        self.reason = reason


def _refuse(state_labels: dict, state_context: str, action_label: Label, state) -> MoveRefused:
    return MoveRefused(Reason(gettext_noop("当前状态为“{state}”，不能“{action}”。"),
                              (("state", Label(state_labels[state], state_context)), ("action", action_label))))


def wish_move(state: WishState | str, action: WishAction) -> WishState:
    """The state after `action`; MoveRefused when the table has no such move."""
    state = WishState(state)
    after = WISH_MOVES.get((state, action))
    if after is None:
        raise _refuse(WISH_STATE_LABELS, WISH_STATE_CONTEXT,
                      Label(WISH_ACTION_LABELS[action], WISH_ACTION_CONTEXT), state)
    return after


def release_to(claims_left: int) -> WishState:
    """Where a claimed wish stands after a release: still claimed while someone holds a place, else published."""
    return WishState.CLAIMED if claims_left > 0 else WishState.PUBLISHED


def wish_actions(state: WishState | str) -> list[WishAction]:
    """Every action the machine allows from `state` (pages intersect it with the authority table)."""
    state = WishState(state)
    return [action for (s, action) in WISH_MOVES if s == state]


class RegistrationState(StrEnum):
    APPLIED = "applied"
    ACTIVE = "active"
    REJECTED = "rejected"
    LEFT = "left"


REGISTRATION_STATE_CONTEXT = "volunteer state"
REGISTRATION_STATE_LABELS = {
    RegistrationState.APPLIED: pgettext_noop("volunteer state", "待确认"),
    RegistrationState.ACTIVE: pgettext_noop("volunteer state", "在册"),
    RegistrationState.REJECTED: pgettext_noop("volunteer state", "未通过"),
    RegistrationState.LEFT: pgettext_noop("volunteer state", "已退出"),
}


# The three machines' action values are distinct strings: the authority table is one dict keyed by (role, action),
# and a StrEnum member hashes as its value, so a "confirm" of two machines would be one key.
class RegistrationAction(StrEnum):
    CONFIRM = "registration_confirm"
    REJECT = "registration_reject"
    LEAVE = "registration_leave"


REGISTRATION_ACTION_CONTEXT = "volunteer action"
REGISTRATION_ACTION_LABELS = {
    RegistrationAction.CONFIRM: pgettext_noop("volunteer action", "确认报到"),
    RegistrationAction.REJECT: pgettext_noop("volunteer action", "退回报到"),
    RegistrationAction.LEAVE: pgettext_noop("volunteer action", "退出"),
}
_R = RegistrationState
REGISTRATION_MOVES: dict[tuple[RegistrationState, RegistrationAction], RegistrationState] = {
    (_R.APPLIED, RegistrationAction.CONFIRM): _R.ACTIVE,
    (_R.APPLIED, RegistrationAction.REJECT): _R.REJECTED,
    (_R.ACTIVE, RegistrationAction.LEAVE): _R.LEFT,
}


def registration_move(state: RegistrationState | str, action: RegistrationAction) -> RegistrationState:
    state = RegistrationState(state)
    after = REGISTRATION_MOVES.get((state, action))
    if after is None:
        raise _refuse(REGISTRATION_STATE_LABELS, REGISTRATION_STATE_CONTEXT,
                      Label(REGISTRATION_ACTION_LABELS[action], REGISTRATION_ACTION_CONTEXT), state)
    return after


class SignupState(StrEnum):
    SIGNED_UP = "signed_up"
    CHECKED_IN = "checked_in"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ABSENT = "absent"


SIGNUP_STATE_CONTEXT = "signup state"
SIGNUP_STATE_LABELS = {
    SignupState.SIGNED_UP: pgettext_noop("signup state", "已报名"),
    SignupState.CHECKED_IN: pgettext_noop("signup state", "已签到"),
    SignupState.CONFIRMED: pgettext_noop("signup state", "时长已确认"),
    SignupState.CANCELLED: pgettext_noop("signup state", "已取消"),
    SignupState.ABSENT: pgettext_noop("signup state", "缺席"),
}
# A sign-up holding a place (counts against the activity's places; one per volunteer and activity).
ACTIVE_SIGNUP_STATES = frozenset({SignupState.SIGNED_UP, SignupState.CHECKED_IN, SignupState.CONFIRMED})


class SignupAction(StrEnum):
    CHECK_IN = "signup_check_in"
    CONFIRM = "signup_confirm"
    CANCEL = "signup_cancel"
    MARK_ABSENT = "signup_mark_absent"


SIGNUP_ACTION_CONTEXT = "signup action"
SIGNUP_ACTION_LABELS = {
    SignupAction.CHECK_IN: pgettext_noop("signup action", "扫码签到"),
    SignupAction.CONFIRM: pgettext_noop("signup action", "确认时长"),
    SignupAction.CANCEL: pgettext_noop("signup action", "取消报名"),
    SignupAction.MARK_ABSENT: pgettext_noop("signup action", "记为缺席"),
}
_S = SignupState
SIGNUP_MOVES: dict[tuple[SignupState, SignupAction], SignupState] = {
    (_S.SIGNED_UP, SignupAction.CHECK_IN): _S.CHECKED_IN,
    (_S.SIGNED_UP, SignupAction.CANCEL): _S.CANCELLED,
    (_S.SIGNED_UP, SignupAction.MARK_ABSENT): _S.ABSENT,
    (_S.CHECKED_IN, SignupAction.CONFIRM): _S.CONFIRMED,
    (_S.CHECKED_IN, SignupAction.MARK_ABSENT): _S.ABSENT,
}


def signup_move(state: SignupState | str, action: SignupAction) -> SignupState:
    state = SignupState(state)
    after = SIGNUP_MOVES.get((state, action))
    if after is None:
        raise _refuse(SIGNUP_STATE_LABELS, SIGNUP_STATE_CONTEXT,
                      Label(SIGNUP_ACTION_LABELS[action], SIGNUP_ACTION_CONTEXT), state)
    return after
