"""Who may act on a rating, as a table in plain Python (no Django), like cases/authority.py for cases.

`(role, action) → relations`: where the actor must stand relative to the rating — the node that owes the follow-up
(the center that served) or one above it, the district that reviews appeals, or being the rated staff member.
`FORBIDDEN` lists relations that refuse an action whatever else holds: the rated staff member never answers or
decides on their own bad rating. A service asks `refusal` once; a page asks `permitted` which forms to draw.

Sources: 国办发〔2019〕51号《关于建立政务服务“好差评”制度提高政务服务水平的意见》 — a bad rating is checked by
someone the service center assigns (专人回访核实) and the unit is urged to put it right (督促整改), with feedback to
the resident; mistaken and malicious bad ratings are excluded after review (申诉复核, 排除误评和“恶意”差评). The
review is the district's (区政务服务管理机构), above the center whose staff are rated.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class RatingAction(StrEnum):
    ANSWER = "answer"  # 整改答复: the center's answer to a bad rating
    APPEAL = "appeal"  # 申诉: the rated staff member disputes a bad rating
    DECIDE_APPEAL = "decide_appeal"  # 复核: upheld or dismissed, with a reason


ACTION_LABELS = {RatingAction.ANSWER: gettext_lazy("答复差评"), RatingAction.APPEAL: gettext_lazy("申诉"),
                 RatingAction.DECIDE_APPEAL: gettext_lazy("复核申诉")}


class Relation(StrEnum):
    RATED_STAFF = "rated_staff"  # the actor is the staff member the rating is about
    OVER_CENTER = "over_center"  # the follow-up is owed by the actor's node or a node below it
    DISTRICT = "district"  # the actor works at the district node the rated center belongs to


RELATION_LABELS = {Relation.RATED_STAFF: gettext_lazy("被评价人本人"),
                   Relation.OVER_CENTER: gettext_lazy("服务中心所在单位及上级的监督员、领导"),
                   Relation.DISTRICT: gettext_lazy("区级领导")}

_R = Relation
# (role, action) → the relations that allow it. Not here: never allowed. The center's supervisor or leader answers
# (never the clerk who was rated, nor a colleague at the same window); whoever was rated may appeal; a leader of
# the district decides appeals.
RATING_AUTHORITY: dict[tuple[str, RatingAction], frozenset[Relation]] = {
    ("supervisor", RatingAction.ANSWER): frozenset({_R.OVER_CENTER}),
    ("leader", RatingAction.ANSWER): frozenset({_R.OVER_CENTER}),
    ("clerk", RatingAction.APPEAL): frozenset({_R.RATED_STAFF}),
    ("approver", RatingAction.APPEAL): frozenset({_R.RATED_STAFF}),
    ("grid_worker", RatingAction.APPEAL): frozenset({_R.RATED_STAFF}),
    ("leader", RatingAction.DECIDE_APPEAL): frozenset({_R.DISTRICT}),
}
# Relations that refuse an action whatever else holds: nobody answers for, or judges, a rating of themselves.
FORBIDDEN: dict[RatingAction, frozenset[Relation]] = {
    RatingAction.ANSWER: frozenset({_R.RATED_STAFF}),
    RatingAction.DECIDE_APPEAL: frozenset({_R.RATED_STAFF}),
}


@dataclass(frozen=True)
class RatingRef:
    """Where the rating stands: the staff member rated and the code of the node that owes its follow-up."""

    staff_id: int | None
    node_code: str


def relations(*, user_id: int | None, node_code: str, node_level: str, rating: RatingRef) -> frozenset[Relation]:
    """Every relation that holds between the actor (their id, node code and level) and the rating."""
    found = set()
    if user_id is not None and user_id == rating.staff_id:
        found.add(Relation.RATED_STAFF)
    if node_code and rating.node_code.startswith(node_code):
        found.add(Relation.OVER_CENTER)
        if node_level == "district":
            found.add(Relation.DISTRICT)
    return frozenset(found)


def permitted(role: str, action: RatingAction, held: frozenset[Relation]) -> bool:
    """Whether the table lets this role take this action given the relations that hold."""
    if FORBIDDEN.get(action, frozenset()) & held:
        return False
    return bool(RATING_AUTHORITY.get((role, action), frozenset()) & held)


def refusal(role: str, action: RatingAction, held: frozenset[Relation]) -> str | None:
    """None when permitted; else the reason in Chinese, naming who may."""
    label = ACTION_LABELS[action]
    if FORBIDDEN.get(action, frozenset()) & held:
        if action == RatingAction.ANSWER:
            return _("这是对您本人的评价，不能由您{action}：由服务中心的监督员或领导{action}。").format(action=label)
        return _("这是对您本人的评价，不能由您{action}。").format(action=label)
    needed = RATING_AUTHORITY.get((role, action))
    if not needed:
        return _("您的角色不能{action}。").format(action=label)
    if needed & held:
        return None
    who = _("、").join(str(RELATION_LABELS[r]) for r in sorted(needed))
    return _("只有{who}可以{action}。").format(who=who, action=label)
