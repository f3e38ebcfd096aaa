"""Relations when people join or leave a household (registry.changes.households): a mover into an existing
household gets the relation the form states for them, none may be a second 户主 or 配偶, and a head who leaves
members behind names the new head, the others standing to them as the family line says (else 其他). Checked when
proposed and again when approved."""

import datetime

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.registry.changes.households import NEW_HEAD_RELATIONS, relation_to_new_head
from doorstep.registry.changes.services import change_approve
from doorstep.registry.history import household_members_as_of
from doorstep.registry.models import ChangeRequest, Resident
from doorstep.registry.tests.changes_helpers import (
    community_clerk,
    family,
    id_number,
    propose,
    propose_and_approve,
    worker,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _relations(household_id) -> dict[int, str]:
    return dict(Resident.objects.filter(household_id=household_id, status="active").values_list("id", "relation"))


def _one(relation_by_id, relation) -> int:
    return sum(1 for r in relation_by_id.values() if r == relation)


def test_a_newborn_reported_as_head_of_a_household_with_a_head_is_refused_when_proposed():
    gw = worker()
    home = family(gw, relations=("head",))
    head = home["head"][0]
    before = ChangeRequest.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "birth", {"name": "周小满", "gender": "M", "birth_date": str(TODAY - 2 * DAY), "relation": "head"},
                household_id=head.household_id)
    assert refused.value.field == "relation" and "已有户主" in refused.value.message
    assert ChangeRequest.objects.count() == before


def test_a_move_in_as_a_second_spouse_is_refused_when_proposed():
    gw = worker()
    home = family(gw, relations=("head", "spouse"))
    born = datetime.date(1985, 5, 6)
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "move_in", {"name": "邱雅琴", "gender": "F", "birth_date": str(born),
                                "id_number": id_number(born, "F", region="110105", seq=44), "relation": "spouse",
                                "effective_date": str(TODAY)}, household_id=home["head"][0].household_id)
    assert refused.value.field == "relation" and "配偶" in refused.value.message


def test_a_move_into_a_household_with_a_head_asks_each_movers_relation_and_gives_it():
    """Review finding: movers kept their relation to their old head (two 配偶 in the target, the old head's children
    became the new head's 子女)."""
    gw = worker()
    source = family(gw, relations=("head", "spouse", "child"))
    target = family(gw, relations=("head", "spouse"), besides=[source["head"][0].household_id])
    target_household = target["head"][0].household_id
    spouse, child = source["spouse"][0], source["child"][0]
    data = {"members": [str(spouse.pk), str(child.pk)], "target_number": target["head"][0].household.number,
            "effective_date": str(TODAY - DAY)}
    with pytest.raises(ValidationFailed) as refused:  # no relation stated
        propose(gw, "move_within", data, resident_id=spouse.pk)
    assert refused.value.field == f"relation_{spouse.pk}" and spouse.name in refused.value.message
    for wrong in ("head", "spouse"):
        with pytest.raises(ValidationFailed) as refused:
            propose(gw, "move_within", {**data, f"relation_{spouse.pk}": wrong, f"relation_{child.pk}": "other"},
                    resident_id=spouse.pk)
        assert refused.value.field == f"relation_{spouse.pk}"
    propose_and_approve(gw, "move_within", {**data, f"relation_{spouse.pk}": "sibling",
                                            f"relation_{child.pk}": "other"}, resident_id=spouse.pk)
    spouse.refresh_from_db()
    child.refresh_from_db()
    assert (spouse.household_id, spouse.relation) == (target_household, "sibling")
    assert (child.household_id, child.relation) == (target_household, "other")
    after = _relations(target_household)
    assert _one(after, "head") == 1 and _one(after, "spouse") == 1


def test_a_merge_gives_each_member_the_relation_the_form_states_and_the_target_keeps_one_head_and_spouse():
    gw = worker()
    source = family(gw, relations=("head", "spouse", "child"))
    target = family(gw, relations=("head", "spouse"), besides=[source["head"][0].household_id])
    target_household = target["head"][0].household_id
    movers = Resident.objects.filter(household_id=source["head"][0].household_id, status="active").order_by("id")
    stated = {m.pk: {"head": "child", "spouse": "other", "child": "grandchild"}.get(m.relation, "other")
              for m in movers}
    data = {"target_number": target["head"][0].household.number, "effective_date": str(TODAY)}
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "merge", data, resident_id=source["head"][0].pk)
    assert refused.value.field.startswith("relation_")
    change = propose_and_approve(gw, "merge", {**data, **{f"relation_{pk}": r for pk, r in stated.items()}},
                                 resident_id=source["head"][0].pk)
    assert change.state == "approved"
    after = _relations(target_household)
    for pk, relation in stated.items():
        assert after[pk] == relation
    assert _one(after, "head") == 1 and _one(after, "spouse") == 1


def test_a_heads_death_needs_a_new_head_and_the_family_is_re_related_to_them():
    gw = worker()
    home = family(gw, relations=("head", "spouse", "child"))
    head, spouse, child = home["head"][0], home["spouse"][0], home["child"][0]
    died = TODAY - 2 * DAY
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "death", {"effective_date": str(died)}, resident_id=head.pk)
    assert refused.value.field == "new_head" and head.name in refused.value.message
    with pytest.raises(ValidationFailed, match="新户主须是"):
        propose(gw, "death", {"effective_date": str(died), "new_head": str(head.pk)}, resident_id=head.pk)
    change = propose_and_approve(gw, "death", {"effective_date": str(died), "new_head": str(spouse.pk)},
                                 resident_id=head.pk)
    assert change.payload["new_head_name"] == spouse.name
    after = _relations(head.household_id)
    assert after[spouse.pk] == "head" and after[child.pk] == "child" and _one(after, "head") == 1
    for pk, relation in after.items():  # everyone else: what the family line says, or 其他
        if pk not in (spouse.pk, child.pk):
            assert relation in (NEW_HEAD_RELATIONS.get(("spouse", home_relation(home, pk)), "other"),)
    then = {getattr(m, "resident_id", None) or m.pk: m.relation for m in
            household_members_as_of(head.household_id, died - DAY)}
    assert then[head.pk] == "head" and then[spouse.pk] == "spouse"
    now = {getattr(m, "resident_id", None) or m.pk: m.relation for m in household_members_as_of(head.household_id, died)}
    assert head.pk not in now and now[spouse.pk] == "head"


def home_relation(home, pk) -> str:
    return next(relation for relation, people in home.items() for p in people if p.pk == pk)


def test_a_head_moving_out_with_a_child_taking_over_makes_the_spouse_a_parent_and_the_other_children_siblings():
    gw = worker()
    home = family(gw, relations=("head", "spouse", "child"))
    head, spouse, child = home["head"][0], home["spouse"][0], home["child"][0]
    propose_and_approve(gw, "move_out", {"members": [str(head.pk)], "destination": "广东省广州市天河区",
                                         "effective_date": str(TODAY), "new_head": str(child.pk)}, resident_id=head.pk)
    after = _relations(head.household_id)
    assert after[child.pk] == "head" and after[spouse.pk] == "parent"
    for other in home["child"][1:]:
        assert after[other.pk] == "sibling"


def test_a_head_marrying_into_another_household_or_moving_within_leaves_a_named_new_head():
    gw = worker()
    home = family(gw, relations=("head", "spouse"))
    head, spouse = home["head"][0], home["spouse"][0]
    target = family(gw, relations=("head",), besides=[head.household_id])["head"][0].household
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "marriage", {"relation": "other", "target_number": target.number,
                                 "effective_date": str(TODAY)}, resident_id=head.pk)
    assert refused.value.field == "new_head"
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "move_within", {"members": [str(head.pk)], "target_number": target.number,
                                    f"relation_{head.pk}": "other", "effective_date": str(TODAY)}, resident_id=head.pk)
    assert refused.value.field == "new_head"
    propose_and_approve(gw, "marriage", {"relation": "other", "target_number": target.number,
                                         "new_head": str(spouse.pk), "effective_date": str(TODAY)},
                        resident_id=head.pk)
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert (head.household_id, head.relation) == (target.pk, "other") and spouse.relation == "head"


def test_naming_a_new_head_while_the_head_stays_is_refused():
    gw = worker()
    home = family(gw, relations=("head", "spouse", "child"))
    with pytest.raises(ValidationFailed, match="不用选新户主"):
        propose(gw, "move_out", {"members": [str(home["child"][0].pk)], "destination": "北京市",
                                 "effective_date": str(TODAY), "new_head": str(home["spouse"][0].pk)},
                resident_id=home["child"][0].pk)


def test_approval_checks_the_head_again_when_the_household_changed_meanwhile():
    """A birth reported as 户主 of a household whose head died meanwhile passes the proposal; when the household
    has a head again by approval (the new head named with the death), it is refused and nothing is added."""
    gw = worker()
    home = family(gw, relations=("head", "spouse"))
    head, spouse = home["head"][0], home["spouse"][0]
    propose_and_approve(gw, "move_out", {"members": [str(head.pk)], "destination": "北京市",
                                         "effective_date": str(TODAY), "new_head": str(spouse.pk)}, resident_id=head.pk)
    Resident.objects.filter(pk=spouse.pk).update(relation="spouse")  # as if the household had no head for a while
    birth = propose(gw, "birth", {"name": "周一诺", "gender": "F", "birth_date": str(TODAY - DAY), "relation": "head"},
                    household_id=head.household_id)
    Resident.objects.filter(pk=spouse.pk).update(relation="head")
    with pytest.raises(Conflict, match="已有户主"):
        change_approve(actor=community_clerk(head.path), change_id=birth.pk)
    assert not Resident.objects.filter(household_id=head.household_id, name="周一诺").exists()


def test_the_new_head_table_names_only_the_plain_family_lines():
    assert relation_to_new_head("spouse", "child") == "child"
    assert relation_to_new_head("child", "spouse") == "parent"
    assert relation_to_new_head("child", "child") == "sibling"
    assert relation_to_new_head("spouse", "parent") == "other"  # the head's parent: an in-law, which has no code
    assert relation_to_new_head("other", "child") == "other"


def test_a_split_taking_the_old_head_along_leaves_one_head_in_each_household():
    """The resident who splits off heads the new household; the old head going with them is their parent there
    (not a second 户主), and the household left behind gets the new head the form names."""
    gw = worker()
    home = family(gw, relations=("head", "spouse", "child"))
    head, spouse, child = home["head"][0], home["spouse"][0], home["child"][0]
    old_household = head.household_id
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "split", {"members": [str(child.pk), str(head.pk)], "effective_date": str(TODAY)},
                resident_id=child.pk)
    assert refused.value.field == "new_head"
    propose_and_approve(gw, "split", {"members": [str(child.pk), str(head.pk)], "effective_date": str(TODAY),
                                      "new_head": str(spouse.pk)}, resident_id=child.pk)
    child.refresh_from_db()
    new = _relations(child.household_id)
    assert new == {child.pk: "head", head.pk: "parent"}
    old = _relations(old_household)
    assert old[spouse.pk] == "head" and _one(old, "head") == 1


def test_movers_into_a_new_household_without_stated_relations_stand_to_whoever_heads_it():
    from doorstep.registry.models import Building

    gw = worker()
    home = family(gw, relations=("head", "spouse", "child"))
    spouse, child = home["spouse"][0], home["child"][0]
    building = Building.objects.filter(path=gw.org_node.code).order_by("id").first()
    propose_and_approve(gw, "move_within", {"members": [str(spouse.pk), str(child.pk)], "building": str(building.pk),
                                            "room": "9单元903室", "effective_date": str(TODAY)}, resident_id=spouse.pk)
    spouse.refresh_from_db()
    moved = _relations(spouse.household_id)
    first, second = sorted([spouse, child], key=lambda r: r.pk)
    assert moved[first.pk] == "head" and _one(moved, "head") == 1
    assert moved[second.pk] == ("child" if first is spouse else "parent")


def test_a_move_into_another_district_is_refused_before_anything_is_said_of_the_household():
    gw = worker()
    home = family(gw, relations=("head", "spouse"))
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "move_within", {"members": [str(home["spouse"][0].pk)], "target_number": "OTHER-H1",
                                    "effective_date": str(TODAY)}, resident_id=home["spouse"][0].pk)
    assert refused.value.field == "target_number" and "本区" in refused.value.message


def test_a_correction_of_the_heads_relation_names_the_new_head_so_the_two_can_be_swapped():
    """A household whose head and spouse were recorded the wrong way round: correcting the head to 配偶 names the
    spouse as new head; without one it is refused, and a correction naming a new head while the head stays is too."""
    gw = worker()
    home = family(gw, relations=("head", "spouse"))
    head, spouse = home["head"][0], home["spouse"][0]
    note = "户口本上户主与配偶登记反了"
    with pytest.raises(ValidationFailed) as refused:
        propose(gw, "correction", {"relation": "spouse", "note": note}, resident_id=head.pk)
    assert refused.value.field == "new_head"
    with pytest.raises(ValidationFailed, match="不用选新户主"):
        propose(gw, "correction", {"name": spouse.name + "华", "new_head": str(head.pk), "note": note},
                resident_id=spouse.pk)
    propose_and_approve(gw, "correction", {"relation": "spouse", "new_head": str(spouse.pk), "note": note},
                        resident_id=head.pk)
    after = _relations(head.household_id)
    assert after[head.pk] == "spouse" and after[spouse.pk] == "head"
    assert _one(after, "head") == 1 and _one(after, "spouse") == 1
