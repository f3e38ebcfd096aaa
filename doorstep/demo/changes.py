"""The demo's change requests (issue #12, item 5): what a community's queue holds on an ordinary day — proposals of
its grid workers waiting for review (a birth, a new phone, a flag, a move between grids) — and a few it already
decided (one approved, one rejected with its reason), so that /residents/changes/ and a resident's history show
real entries on the first visit. Everything goes through the services (registry.changes), as a grid worker's phone
and a clerk's review would."""

import datetime

from doorstep.accounts.models import User
from doorstep.core.idempotency import new_key
from doorstep.demo.build import STORY_NAMES
from doorstep.registry.changes.services import change_approve, change_propose, change_reject
from doorstep.registry.models import Household, Resident

# the story community (430302001001, its clerk clerk_c001001) and two of its grid workers
COMMUNITY = "430302001001"


def build_change_requests(*, today: datetime.date) -> int:
    """Propose (and decide some of) the demo's change requests. Returns how many were made."""
    workers = list(User.objects.filter(role="grid_worker", org_node__code__startswith=COMMUNITY)
                   .select_related("org_node").order_by("org_node__code")[:2])
    clerk = User.objects.filter(role="clerk", org_node__code=COMMUNITY).order_by("id").first()
    if len(workers) < 2 or clerk is None:
        return 0
    first, second = workers
    # never the story's people or anyone with an account (the journeys and the tour log in as them)
    mine = (Resident.objects.filter(path=first.org_node.code, status="active")
            .exclude(pk__in=User.objects.filter(resident__isnull=False).values("resident_id"))
            .exclude(name__in=STORY_NAMES).order_by("id"))
    heads = list(mine.filter(relation="head")[:6])
    with_phone = mine.exclude(phone_index="").filter(relation="spouse").first()
    elder = mine.filter(is_elderly_alone=False, birth_date__lte=today - datetime.timedelta(days=80 * 365)).first()
    child = mine.filter(relation="child").order_by("-id").first()
    target = Household.objects.filter(path=second.org_node.code).order_by("id").first()
    if len(heads) < 3 or not (with_phone and child and target):
        return 0

    def propose(kind: str, data: dict, actor=first, **subject):
        return change_propose(actor=actor, kind=kind, data=data, idempotency_key=new_key(), **subject)

    made = [
        # waiting for the clerk
        propose("birth", {"name": "阚小朵", "gender": "F", "birth_date": str(today - datetime.timedelta(days=6)),
                          "relation": "child", "note": "入户走访时家长告知，出生医学证明已核看"},
                household_id=heads[0].household_id),
        propose("phone", {"phone": "+86 139 0731 0520", "note": "本人换了新手机号"}, resident_id=with_phone.pk),
        propose("move_within", {"members": [str(child.pk)], "target_number": target.number,
                                f"relation_{child.pk}": "grandchild",  # joining a household: its own relation there
                                "effective_date": str(today - datetime.timedelta(days=2)),
                                "note": "随祖父母居住，已在新住址核实"}, resident_id=child.pk),
    ]
    if elder is not None:
        made.append(propose("flags", {"flags": ["is_elderly_alone"], "note": "子女均在外地工作，本人独居"},
                            resident_id=elder.pk))
    # decided already: a phone approved (its history shows on the resident's page), a death report rejected
    approved = propose("phone", {"phone": "0731-5822 6688", "note": "家中座机，便于联系"}, resident_id=heads[1].pk)
    change_approve(actor=clerk, change_id=approved.pk)
    # a head's death names who heads the household after them (registry.changes.households)
    successor = (Resident.objects.filter(household_id=heads[2].household_id, status="active")
                 .exclude(pk=heads[2].pk).order_by("id").first())
    wrong = propose("death", {"effective_date": str(today - datetime.timedelta(days=1)), "note": "邻居反映",
                              "new_head": str(successor.pk) if successor else ""}, resident_id=heads[2].pk)
    change_reject(actor=clerk, change_id=wrong.pk, reason="经电话核实本人健在，系误报，请核实后再报")
    return len(made) + 2
