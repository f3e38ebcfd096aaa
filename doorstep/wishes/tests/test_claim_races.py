"""Claim races the database must settle (issue #15 items 2 and 7), on SQLite (serialized writers) and PostgreSQL
(row locks, the conditional update, the partial unique index; CI runs this file on both): two volunteers claiming a
one-person wish at the same moment — exactly one wins; twenty at a group wish of five places — exactly five; one
volunteer's twenty double-clicks — one claim."""

import pytest

from doorstep.core.errors import Conflict
from doorstep.core.idempotency import new_key
from doorstep.core.tests.races import run_concurrently
from doorstep.wishes.models import Wish, WishClaim
from doorstep.wishes.services.claims import wish_claim
from doorstep.wishes.tests.helpers import published, volunteer


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", [5])
def test_two_volunteers_claiming_one_wish_at_once_one_wins(world, rounds):
    for _ in range(rounds):
        wish = published()
        people = [volunteer(), volunteer()]
        results, errors = run_concurrently(2, lambda i, people=people, wish=wish: wish_claim(
            actor=people[i], wish_id=wish.pk, idempotency_key=new_key()))
        assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
        wish.refresh_from_db()
        assert wish.claimed == 1 and wish.state == "claimed"
        assert WishClaim.objects.filter(wish=wish, state="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_at_a_group_wish_of_five_places_take_exactly_five(world):
    wish = published(places=5)
    people = [volunteer() for _ in range(20)]
    results, errors = run_concurrently(20, lambda i: wish_claim(actor=people[i], wish_id=wish.pk,
                                                                idempotency_key=new_key()))
    assert len(results) == 5 and len(errors) == 15 and all(isinstance(e, Conflict) for e in errors), errors[:3]
    assert Wish.objects.get(pk=wish.pk).claimed == 5
    assert WishClaim.objects.filter(wish=wish, state="active").count() == 5


@pytest.mark.django_db(transaction=True)
def test_one_volunteers_double_clicks_make_one_claim(world):
    wish = published(places=3)
    me = volunteer()
    key = new_key()
    results, errors = run_concurrently(20, lambda i: wish_claim(actor=me, wish_id=wish.pk, idempotency_key=key))
    assert not errors, errors[:3]
    assert len({r.pk for r in results}) == 1
    assert Wish.objects.get(pk=wish.pk).claimed == 1
