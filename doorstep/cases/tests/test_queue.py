"""The approver's queue as people use it (issue #11, item 5): search by case number, ID number or name; filter by
item, by the applicants' street and by deadline; every sort of the ledger; the user's own decisions (审批记录).
All inside the node's own queue: a filter never widens it."""

import re

import pytest
from django.test import Client

from doorstep.cases.models import Case
from doorstep.cases.selectors import approver_decisions_for_user, approver_queue_for_user
from doorstep.cases.services import case_transition
from doorstep.conftest import accept, user
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting():
    """Three promised cases proxied up to the street of 城正街 (approver_s01's queue)."""
    clerk = user("clerk_c001001")
    people = list(Resident.objects.filter(path__startswith="430302001001").order_by("id")[:3])
    cases = []
    for person in people:
        case = accept(actor=clerk, item_code="MZ-S01", applicant_id=person.pk)
        case_transition(actor=clerk, case_id=case.pk, action="forward")  # proxied up to the street
        cases.append(Case.objects.get(pk=case.pk))
    return cases


def ids(page) -> set[int]:
    return {c.pk for c in page.items}


def test_the_queue_searches_and_filters_within_the_node(waiting):
    approver = user("approver_s01")
    everything = ids(approver_queue_for_user(approver))
    assert {c.pk for c in waiting} <= everything
    first = waiting[0]
    assert ids(approver_queue_for_user(approver, q=first.number)) == {first.pk}
    assert first.pk in ids(approver_queue_for_user(approver, q=first.number[:-3]))
    assert first.pk in ids(approver_queue_for_user(approver, q=first.applicant.name))
    assert ids(approver_queue_for_user(approver, item="MZ-S01")) >= {c.pk for c in waiting}
    assert not ids(approver_queue_for_user(approver, item="WJ-C02"))  # an instant item never waits here
    assert ids(approver_queue_for_user(approver, area="430302001001")) >= {c.pk for c in waiting}
    assert not ids(approver_queue_for_user(approver, area="430302001002")) & {c.pk for c in waiting}
    # a filter never reaches outside the node: another street's approver, the same search
    assert not ids(approver_queue_for_user(user("approver"), q=first.number))  # the district's queue
    assert not ids(approver_queue_for_user(approver, area="430302002"))  - everything


def test_every_sort_keeps_the_same_rows(waiting):
    approver = user("approver_s01")

    def every(sort: str = "") -> set[int]:  # all the queue's pages: a sort orders them differently
        found, number = set(), 1
        while True:
            page = approver_queue_for_user(approver, sort=sort, page=number)
            found |= ids(page)
            if not page.has_next:
                return found
            number += 1

    base = every()
    for sort in ("id", "-id", "due_date", "-due_date", "item", "-item", "state", "-state", "nonsense"):
        assert every(sort) == base, sort


def test_the_page_filters_and_lists_own_decisions(waiting):
    client = Client()
    client.force_login(user("approver_s01"))
    body = client.get("/cases/queue/", {"q": waiting[0].number}).content.decode()
    assert waiting[0].number in body and waiting[1].number not in body
    empty = client.get("/cases/queue/", {"q": "9999999"}).content.decode()
    assert "没有符合条件的办件" in empty
    case_transition(actor=user("approver_s01"), case_id=waiting[0].pk, action="approve", note="符合条件",
                    confirm_unreceived=True)
    decided = client.get("/cases/queue/", {"tab": "decided"}).content.decode()
    assert waiting[0].number in decided and "准予" in decided and "符合条件" in decided
    others = approver_decisions_for_user(user("approver"))
    assert waiting[0].pk not in {h.case_id for h in others.items}
    assert re.search(r"共 \d+ 条", decided)
