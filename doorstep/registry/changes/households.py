"""Who heads a household and how its members stand to the head while changes move people (registry.changes): the
rules the proposal checks (kinds.py) and the approval checks again (services/apply.py), since a household may
change between the two. Each check raises ValidationFailed on the form field at fault.

- A household has one 户主 and at most one 配偶 (the head's spouse).
- Someone who joins an existing household gets the relation the form states for them: a birth, a move in from
  outside and a marriage have their own relation field; a move within the district and a merge ask one per moved
  member (`relation_<id>`). Where the household joined has a head, every mover's relation is required and none may
  be 户主.
- Movers into a new household (or an existing one without a head; a split): the one the form states as 户主 heads
  it, else the moving head, else the first of them (a split: the resident who splits off). The others keep their
  relation where their old head still leads them, and otherwise are re-related to the new head as below.
- When the head leaves a household where members remain (a death, a move out, a marriage into another household,
  a move within, a split), the form names the member who becomes head (新户主, field `new_head`). The others are
  re-related to the new head where the family line says it plainly (NEW_HEAD_RELATIONS: the old head's children
  are the children of the old head's spouse, …) and become 其他 otherwise, for a correction to put right where the
  family knows better. The old relations were to the old head, so keeping them would be wrong more often than not.
"""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doorstep.core.errors import ValidationFailed
from doorstep.registry.models import Household, Relation, Resident, ResidentStatus

R = Relation
# (the new head's relation to the old head, a member's relation to the old head) → the member's relation to the new
# head, where it follows from the family line; anything else becomes 其他.
NEW_HEAD_RELATIONS: dict[tuple[str, str], str] = {
    (R.SPOUSE, R.CHILD): R.CHILD,  # the head's children are their other parent's children
    (R.SPOUSE, R.GRANDCHILD): R.GRANDCHILD,
    (R.CHILD, R.SPOUSE): R.PARENT,  # a child taking over: the head's spouse is their parent
    (R.CHILD, R.CHILD): R.SIBLING,
    (R.PARENT, R.CHILD): R.GRANDCHILD,  # a parent taking over: the head's children are their grandchildren
    (R.PARENT, R.SIBLING): R.CHILD,
    (R.SIBLING, R.PARENT): R.PARENT,
    (R.SIBLING, R.SIBLING): R.SIBLING,
    # the old head moving along with a new head (a split, a move into a new household)
    (R.SPOUSE, R.HEAD): R.SPOUSE,
    (R.CHILD, R.HEAD): R.PARENT,
    (R.PARENT, R.HEAD): R.CHILD,
    (R.SIBLING, R.HEAD): R.SIBLING,
}


def relation_to_new_head(new_head_was: str, member_was: str) -> str:
    return NEW_HEAD_RELATIONS.get((new_head_was, member_was), Relation.OTHER)


def active_members(household_id: int) -> list[Resident]:
    return list(Resident.objects.filter(household_id=household_id, status=ResidentStatus.ACTIVE).order_by("id"))


def relation_field(resident_id: int) -> str:
    """The form field of a moved member's relation in the household they join."""
    return f"relation_{resident_id}"


def _listed(names) -> str:
    return pgettext("list separator", "、").join(names)


def check_joining(target: Household | None, joining: dict[int, str], *, names: dict[int, str],
                  staying: list[Resident] | None = None, field=relation_field) -> None:
    """People (id → stated relation, "" for none stated) joining `target`, whose current members are `staying`
    (read when None; [] for a new household): none is 户主 where the household has one, and the household keeps at
    most one 户主 and one 配偶. `field(id)` names the form field of each person's relation. The messages do not name
    the household's members: a household number typed in a form may be anyone's in the district."""
    if staying is None:
        staying = active_members(target.pk) if target is not None else []
    staying = [m for m in staying if m.pk not in joining]
    head = next((m for m in staying if m.relation == Relation.HEAD), None)
    spouse = next((m for m in staying if m.relation == Relation.SPOUSE), None)
    for pk, relation in joining.items():
        if head is not None and not relation:
            raise ValidationFailed(_("迁入的户已有户主：请选择{name}在该户中的与户主关系。").format(name=names[pk]),
                                   field=field(pk))
        if head is not None and relation == Relation.HEAD:
            raise ValidationFailed(_("该户已有户主，{name}不能再登记为户主：请选择其与户主的关系。").format(
                name=names[pk]), field=field(pk))
        if spouse is not None and relation == Relation.SPOUSE:
            raise ValidationFailed(_("该户已登记户主的配偶，{name}不能也登记为配偶。").format(name=names[pk]),
                                   field=field(pk))
    stated = [pk for pk, relation in joining.items() if relation == Relation.HEAD]
    if len(stated) > 1:
        raise ValidationFailed(_("一户只能有一个户主：{names}不能都是户主。").format(
            names=_listed(names[pk] for pk in stated)), field=field(stated[1]))
    spouses = [pk for pk, relation in joining.items() if relation == Relation.SPOUSE]
    if len(spouses) > 1:
        raise ValidationFailed(_("户主只能有一位配偶：{names}不能都是配偶。").format(
            names=_listed(names[pk] for pk in spouses)), field=field(spouses[1]))


def movers_relations(movers: list[Resident], stated: dict[int, str], *, target_has_head: bool) -> dict[int, str]:
    """Each mover's relation in the household they join: what the form states. Where it states none: in a household
    with a head, 其他 (a member added since the proposal). In a new household or one without a head, someone heads
    it — the one stated 户主, else the moving head, else the first mover — and the others keep their relation when
    their old head leads them still, or else stand to the new head as the family line says (NEW_HEAD_RELATIONS)."""
    if target_has_head:
        return {m.pk: stated.get(m.pk) or Relation.OTHER for m in movers}
    if not movers:
        return {}
    head = (next((m for m in movers if stated.get(m.pk) == Relation.HEAD), None)
            or next((m for m in movers if m.relation == Relation.HEAD and not stated.get(m.pk)), None)
            or movers[0])
    result = {}
    for m in movers:
        if m is head:
            result[m.pk] = Relation.HEAD
        elif stated.get(m.pk):
            result[m.pk] = stated[m.pk]
        elif head.relation == Relation.HEAD:  # their relations were to this same person
            result[m.pk] = m.relation
        else:
            result[m.pk] = relation_to_new_head(head.relation, m.relation)
    return result


def new_head_plan(household_id: int, *, leaving: set[int], new_head_id: int | None, members=None,
                  head_steps_down: bool = False) -> dict[int, str]:
    """What becomes of household `household_id` when `leaving` (ids) leave it (or its head takes another relation:
    `head_steps_down`): the relations of the members who remain that change, as {id: new relation}. Empty when the
    head stays or nobody remains. Otherwise `new_head_id` must name a remaining member; they become 户主 and the
    others are re-related to them (NEW_HEAD_RELATIONS). `members`: the household's active members, read when None.
    ValidationFailed (field new_head) when the new head is missing or not a remaining member, or is named although
    the head stays."""
    members = active_members(household_id) if members is None else members
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    head_leaves = head is not None and (head.pk in leaving or head_steps_down)
    remaining = [m for m in members if m.pk not in leaving and not (head_leaves and m.pk == head.pk)]
    if not head_leaves or not remaining:
        if new_head_id:
            raise ValidationFailed(_("户主仍在本户（或本户已无人留下），不用选新户主。"), field="new_head")
        return {}
    new_head = next((m for m in remaining if m.pk == new_head_id), None)
    if new_head is None:
        if new_head_id:
            raise ValidationFailed(_("新户主须是留在本户的在册成员。"), field="new_head")
        raise ValidationFailed(_("户主{head}离开后本户还有{count}人：请选择由谁当新户主。").format(
            head=head.name, count=len(remaining)), field="new_head")
    plan = {new_head.pk: Relation.HEAD}
    for m in remaining:
        if m is not new_head:
            relation = relation_to_new_head(new_head.relation, m.relation)
            if relation != m.relation:
                plan[m.pk] = relation
    return plan


def as_regrouped(members: list[Resident], plan: dict[int, str]) -> list:
    """The members as they will stand once `plan` (new_head_plan) is applied: what check_joining should see when
    one of them takes another relation in the same household (a head corrected or married to another relation,
    whose spouse becomes the head)."""
    return [SimpleNamespace(pk=m.pk, name=m.name, relation=plan.get(m.pk, m.relation)) for m in members]
