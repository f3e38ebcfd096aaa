"""Micro-wishes through the services (issue #15 item 2): posted by a grid worker on a visit or a resident for their
own household, checked and published by the community, claimed (one place per one-person wish, a capped number of
open claims per volunteer), fulfilled with a photo, confirmed or disputed by the household, expired and re-published
or closed, the story published only with consent; each move audited and told."""

import datetime

import pytest
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.notifications.models import Notification
from doorstep.wishes.models import CommunityPolicy, Wish, WishClaim, WishEvent
from doorstep.wishes.services.claims import wish_confirm, wish_dispute, wish_fulfil, wish_release
from doorstep.wishes.services.wishes import (
    wish_cancel,
    wish_close,
    wish_publish,
    wish_publish_story,
    wish_reject,
    wish_republish,
    wish_see,
    wishes_expire_due,
)
from doorstep.wishes.tests.helpers import (
    OTHER_COMMUNITY,
    claim,
    clerk,
    community,
    grid_worker_of,
    jpeg,
    post,
    published,
    residents_of,
    volunteer,
)

pytestmark = pytest.mark.django_db


def test_a_grid_worker_posts_a_wish_for_a_household_of_the_grid_and_the_community_hears(
        django_capture_on_commit_callbacks):
    resident = residents_of()[0]
    gw = grid_worker_of(resident)
    with django_capture_on_commit_callbacks(execute=True):
        wish = post(gw, resident, title="  一个 新书包 ")
    assert wish.state == "posted" and wish.source == "visit" and wish.title == "一个 新书包"
    assert wish.beneficiary_masked == resident.name[0] + "*" * (len(resident.name) - 1)
    assert wish.number.startswith("W430302") and wish.path == resident.path
    assert WishEvent.objects.filter(wish=wish, action="post").count() == 1
    assert AuditEvent.objects.filter(action="wishes.post", target_id=str(wish.pk)).exists()
    assert Notification.objects.filter(user=clerk(), kind="wish.posted").exists()


def test_nobody_posts_for_a_household_they_do_not_stand_in_relation_to():
    resident = residents_of()[0]
    other_gw = grid_worker_of(residents_of(OTHER_COMMUNITY)[0])
    for actor in (other_gw, clerk(OTHER_COMMUNITY), volunteer()):
        with pytest.raises(NotFound):
            post(actor, resident)
    assert not Wish.objects.filter(beneficiary=resident).exists()


@pytest.mark.parametrize(("field", "value"), [("title", "书"), ("title", "书" * 61), ("places", 0), ("places", 21),
                                              ("value", -1), ("value", "abc"), ("category", "cash")])
def test_bad_input_is_refused_in_words_and_changes_nothing(field, value):
    resident = residents_of()[0]
    kwargs = {"title": "一个新书包", "places": 1, "value": 100}
    if field == "category":
        extra = {"category": value}
    else:
        kwargs[field] = value
        extra = {}
    before = Wish.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        post(clerk(), resident, **kwargs, **extra)
    assert refused.value.message and Wish.objects.count() == before


def test_one_open_wish_per_person_and_a_replay_returns_the_first():
    resident = residents_of()[0]
    key = new_key()
    first = post(clerk(), resident, key=key)
    assert post(clerk(), resident, key=key).pk == first.pk
    with pytest.raises(Conflict):
        post(clerk(), resident, title="另一个心愿")


def test_the_community_publishes_within_its_value_limit_and_rejects_with_a_reason(
        django_capture_on_commit_callbacks):
    residents = residents_of(n=2)
    CommunityPolicy.objects.create(community=community(), value_limit_yuan=200)
    cheap = post(clerk(), residents[0], value=150)
    dear = post(clerk(), residents[1], value=800)
    now = timezone.now()
    cheap = wish_publish(actor=clerk(), wish_id=cheap.pk, now=now)
    assert cheap.state == "published" and cheap.expires_at == now + datetime.timedelta(days=30)
    with pytest.raises(Conflict) as over:
        wish_publish(actor=clerk(), wish_id=dear.pk)
    assert "上限200元" in over.value.message
    with django_capture_on_commit_callbacks(execute=True):
        dear = wish_reject(actor=clerk(), wish_id=dear.pk, reason="超过价值上限，请调整")
    assert dear.state == "rejected" and dear.state_reason == "超过价值上限，请调整"
    assert Notification.objects.filter(user=dear.posted_by, kind="wish.rejected").exists()


def test_publishing_checks_the_household():
    resident = residents_of()[0]
    wish = post(clerk(), resident)
    type(resident).objects.filter(pk=resident.pk).update(status="deceased")
    with pytest.raises(Conflict) as refused:
        wish_publish(actor=clerk(), wish_id=wish.pk)
    assert "核实未通过" in refused.value.message


def test_only_the_communitys_own_staff_publish():
    wish = post(clerk(), residents_of()[0])
    for actor in (clerk(OTHER_COMMUNITY), volunteer()):
        with pytest.raises((NotFound, PermissionDenied)):
            wish_publish(actor=actor, wish_id=wish.pk)
    assert Wish.objects.get(pk=wish.pk).state == "posted"


def test_claim_fulfil_confirm_and_the_story(django_capture_on_commit_callbacks):
    wish = published(story_consent=True)
    v = volunteer()
    c = claim(v, wish)
    wish.refresh_from_db()
    assert c.state == "active" and wish.state == "claimed" and wish.claimed == 1
    with pytest.raises(ValidationFailed):  # a photo is required
        wish_fulfil(actor=v, wish_id=wish.pk, photos=[], idempotency_key=new_key())
    key = new_key()
    wish = wish_fulfil(actor=v, wish_id=wish.pk, note="书包已送到", photos=[jpeg()], idempotency_key=key)
    assert wish.state == "fulfilled" and wish.photos.count() == 1
    assert wish_fulfil(actor=v, wish_id=wish.pk, note="书包已送到", photos=[jpeg()], idempotency_key=key).pk == wish.pk
    assert wish.photos.count() == 1  # the replay stored nothing
    gw = grid_worker_of(wish.beneficiary)
    with django_capture_on_commit_callbacks(execute=True):
        wish = wish_confirm(actor=gw, wish_id=wish.pk)
    assert wish.state == "closed" and WishClaim.objects.get(pk=c.pk).state == "fulfilled"
    assert Notification.objects.filter(user=v, kind="wish.confirmed").exists()
    wish = wish_publish_story(actor=clerk(), wish_id=wish.pk, story="志愿者把新书包送到了孩子手里，孩子很开心。")
    assert wish.story_published_at is not None


def test_no_story_without_consent():
    wish = published(story_consent=False)
    v = volunteer()
    claim(v, wish)
    wish_fulfil(actor=v, wish_id=wish.pk, photos=[jpeg()], idempotency_key=new_key())
    wish_confirm(actor=clerk(), wish_id=wish.pk, story_consent=False)
    with pytest.raises(Conflict):
        wish_publish_story(actor=clerk(), wish_id=wish.pk, story="一个不该公开的故事，写满十个字。")


def test_a_dispute_sends_the_wish_back_to_its_claimant(django_capture_on_commit_callbacks):
    wish = published()
    v = volunteer()
    claim(v, wish)
    wish_fulfil(actor=v, wish_id=wish.pk, photos=[jpeg()], idempotency_key=new_key())
    with django_capture_on_commit_callbacks(execute=True):
        wish = wish_dispute(actor=clerk(), wish_id=wish.pk, reason="书包还没有收到")
    assert wish.state == "claimed" and wish.fulfilled_at is None
    assert Notification.objects.filter(user=v, kind="wish.disputed").exists()


def test_the_claimant_alone_fulfils_or_releases_and_the_last_release_reopens_the_wish():
    wish = published(places=2)
    a, b, stranger = volunteer(), volunteer(), volunteer()
    claim(a, wish)
    claim(b, wish)
    wish.refresh_from_db()
    assert wish.claimed == 2 and wish.state == "claimed"
    with pytest.raises(PermissionDenied):
        wish_fulfil(actor=stranger, wish_id=wish.pk, photos=[jpeg()], idempotency_key=new_key())
    with pytest.raises(Conflict):  # full
        claim(stranger, wish)
    assert wish_release(actor=a, wish_id=wish.pk).state == "claimed"
    wish = wish_release(actor=b, wish_id=wish.pk)
    assert wish.state == "published" and wish.claimed == 0


def test_a_volunteer_cannot_claim_the_same_wish_twice_or_more_than_the_cap():
    CommunityPolicy.objects.create(community=community(), open_claims_cap=2)
    v = volunteer()
    group = published(places=3)
    claim(v, group)
    with pytest.raises(Conflict):
        claim(v, group)
    claim(v, published())
    with pytest.raises(Conflict) as capped:
        claim(v, published())
    assert "2个认领中" in capped.value.message
    assert WishClaim.objects.filter(volunteer__user=v, state="active").count() == 2


def test_unconfirmed_volunteers_and_staff_cannot_claim():
    wish = published()
    for actor in (volunteer(active=False), clerk(), grid_worker_of(wish.beneficiary)):
        with pytest.raises(PermissionDenied):
            claim(actor, wish)
    assert Wish.objects.get(pk=wish.pk).claimed == 0


def test_a_posted_wish_is_not_claimable_and_reads_as_missing():
    wish = post(clerk(), residents_of()[0])
    with pytest.raises(NotFound):
        claim(volunteer(), wish)


def test_unclaimed_wishes_expire_then_come_back_once_or_close():
    wish = published()
    later = wish.expires_at + datetime.timedelta(minutes=1)
    claimed = published()
    claim(volunteer(), claimed)
    assert wishes_expire_due(now=later) >= 1
    wish.refresh_from_db()
    claimed.refresh_from_db()
    assert wish.state == "expired" and claimed.state == "claimed"
    with pytest.raises(Conflict):
        claim(volunteer(), wish)
    wish = wish_republish(actor=clerk(), wish_id=wish.pk, now=later)
    assert wish.state == "published" and wish.republished == 1
    wishes_expire_due(now=wish.expires_at + datetime.timedelta(minutes=1))
    with pytest.raises(Conflict):  # the default allows one re-publication
        wish_republish(actor=clerk(), wish_id=wish.pk)
    wish = wish_close(actor=clerk(), wish_id=wish.pk, reason="居民已不需要")
    assert wish.state == "cancelled"


def test_cancelling_a_claimed_wish_ends_its_claims_and_tells_the_claimant(django_capture_on_commit_callbacks):
    wish = published()
    v = volunteer()
    claim(v, wish)
    with django_capture_on_commit_callbacks(execute=True):
        wish = wish_cancel(actor=clerk(), wish_id=wish.pk, reason="居民搬走了")
    assert wish.state == "cancelled" and wish.claimed == 0
    assert WishClaim.objects.get(wish=wish).state == "cancelled"
    assert Notification.objects.filter(user=v, kind="wish.cancelled").exists()


def test_seeing_the_household_behind_a_wish_is_for_the_table_and_audited():
    wish = published()
    assert wish_see(actor=clerk(), wish_id=wish.pk).beneficiary_id == wish.beneficiary_id
    assert AuditEvent.objects.filter(action="wishes.see", target_id=str(wish.pk)).exists()
    v = volunteer()
    claim(v, wish)
    for actor in (v, clerk(OTHER_COMMUNITY)):
        with pytest.raises((NotFound, PermissionDenied)):
            wish_see(actor=actor, wish_id=wish.pk)
    for bad in ("abc", "99999999999999999999", -1):
        with pytest.raises(NotFound):
            wish_see(actor=clerk(), wish_id=bad)


@pytest.mark.parametrize("text", ["联系我13800000001", "身份证430302199001011234", "家住3栋2单元501室", "５号楼"])
def test_the_wall_never_carries_a_phone_an_id_number_or_a_door(text):
    resident = residents_of()[0]
    for fields in ({"title": "书包" + text}, {"description": text}):
        with pytest.raises(ValidationFailed) as refused:
            post(clerk(), resident, **fields)
        assert "心愿墙" in refused.value.message
    assert not Wish.objects.filter(beneficiary=resident).exists()


def test_a_volunteer_claiming_a_wish_twice_is_told_so_not_that_it_is_taken():
    wish = published()
    me = volunteer()
    claim(me, wish)
    with pytest.raises(Conflict) as again:
        claim(me, wish)
    assert again.value.message == "您已认领该心愿。"
