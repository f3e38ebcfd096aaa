"""Sign-up races the database must settle (issue #15 item 4), on SQLite (serialized writers) and PostgreSQL (row
locks on the conditional update, the partial unique index): more volunteers than places at the same moment take
exactly the places; one volunteer pressing 报名 on two phones at once holds one sign-up."""

import pytest

from doorstep.core.errors import Conflict
from doorstep.core.idempotency import new_key
from doorstep.core.tests.races import at_once, run_concurrently
from doorstep.wishes.models import Activity, Signup
from doorstep.wishes.services.activities import activity_sign_up
from doorstep.wishes.tests.helpers import volunteer
from doorstep.wishes.tests.test_activities import BEFORE, post_activity


@pytest.mark.django_db(transaction=True)
def test_more_volunteers_than_places_at_once_take_exactly_the_places(world):
    places = 7
    a = post_activity(places=places)
    people = [volunteer() for _ in range(places + 5)]
    results, errors = run_concurrently(len(people), lambda i: activity_sign_up(
        actor=people[i], activity_id=a.pk, idempotency_key=new_key(), now=BEFORE))
    assert len(results) == places and len(errors) == 5, errors[:3]
    assert all(isinstance(e, Conflict) and "名额已满" in e.message for e in errors)
    assert Activity.objects.get(pk=a.pk).signed_up == places == Signup.objects.filter(activity=a).count()


@pytest.mark.django_db(transaction=True)
def test_one_volunteer_signing_up_twice_at_once_holds_one_place(world):
    a = post_activity(places=5)
    me = volunteer()
    results, errors = at_once(*[lambda: activity_sign_up(actor=me, activity_id=a.pk, idempotency_key=new_key(),
                                                         now=BEFORE) for _ in range(2)])
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert Activity.objects.get(pk=a.pk).signed_up == 1 == Signup.objects.filter(activity=a).count()
