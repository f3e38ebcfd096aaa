"""The micro-wish pages over HTTP (issue #15 items 2 and 5): every move through the pages (post, publish, reject,
claim, release, fulfil with a real JPEG, confirm, dispute, republish, close, story), each role seeing only the buttons
the authority table allows, 404 for a wish outside the reader's community or grid, bad input answered in Chinese
with nothing changed, a doubled submission making one wish or one claim, bounded query counts, and no resident data
for a volunteer anywhere."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from doorstep.conftest import user
from doorstep.wishes.models import Wish, WishClaim, WishPhoto
from doorstep.wishes.services import wishes
from doorstep.wishes.tests.page_helpers import (
    claimed,
    clerk,
    client_for,
    closed,
    community_code,
    fulfilled,
    grid_code,
    grid_worker,
    grid_worker_of,
    jpeg,
    key,
    neighbours,
    other_clerk,
    other_community_code,
    other_grid_worker,
    other_resident,
    page,
    post,
    published,
    volunteer,
    xie,
)

pytestmark = pytest.mark.django_db


def error_of(response) -> str:
    found = re.search(r'data-testid="wish-error">([^<]*)', page(response))
    return found.group(1) if found else ""


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-testid="btn-([a-z_]+)"', html))


def expire(wish: Wish) -> Wish:
    Wish.objects.filter(pk=wish.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    wishes.wishes_expire_due()
    return Wish.objects.get(pk=wish.pk)


# ---- a resident's 微心愿 ----------------------------------------------------------------------------------------------

def test_a_resident_posts_a_wish_for_a_member_of_the_household_once_however_often_the_form_is_sent():
    me = xie()
    client = client_for(me)
    html = page(client.get("/wishes/mine/"))
    assert 'name="beneficiary"' in html and me.resident.name[0] + "**" in html and 'name="story_consent"' in html
    form = {"action": "post", "beneficiary": me.resident.pk, "title": "一辆自行车", "category": "goods",
            "value_yuan": "300", "places": "1", "story_consent": "1", "idempotency_key": "k-post-twice-1"}
    first = client.post("/wishes/mine/", form)
    again = client.post("/wishes/mine/", form)
    assert first.status_code == again.status_code == 303
    made = Wish.objects.filter(beneficiary=me.resident, state="posted")
    assert made.count() == 1 and made[0].state == "posted" and made[0].source == "resident" and made[0].story_consent
    assert "一辆自行车" in page(client.get("/wishes/mine/"))


def test_a_resident_cannot_post_for_someone_outside_the_household():
    stranger = other_resident().resident
    response = client_for(xie()).post("/wishes/mine/", {"action": "post", "beneficiary": stranger.pk,
                                                        "title": "一辆自行车", "category": "goods",
                                                        "idempotency_key": "k-post-stranger"})
    assert response.status_code == 404 and not Wish.objects.filter(beneficiary=stranger).exists()


@pytest.mark.parametrize("field,value,words", [
    ("title", "", "请填写心愿"), ("title", "长" * 5000, "不能超过"), ("value_yuan", "abc", "估价应为整数"),
    ("places", "999", "认领名额应在"), ("category", "<script>", "请选择心愿类别"), ("idempotency_key", "", "提交编号"),
    ("beneficiary", "99999999999999999999", "未找到"),
])
def test_bad_input_on_the_wish_form_is_answered_in_chinese_and_posts_nothing(field, value, words):
    me = xie()
    form = {"action": "post", "beneficiary": me.resident.pk, "title": "一辆自行车", "category": "goods",
            "value_yuan": "10", "places": "1", "idempotency_key": "k-bad-input-1"}
    form[field] = value
    response = client_for(me).post("/wishes/mine/", form)
    assert 400 <= response.status_code < 500 and words in page(response)
    assert not Wish.objects.filter(household_id=me.resident.household_id, state="posted").exists()


def test_the_household_confirms_a_fulfilled_wish_with_consent_or_says_it_has_not_come_true():
    me = xie()
    wish = fulfilled()
    client = client_for(me)
    html = page(client.get("/wishes/mine/"))
    assert {"confirm", "dispute"} <= buttons(html) and "claim" not in buttons(html)
    refused = client.post("/wishes/mine/", {"action": "dispute", "wish": wish.pk, "reason": ""})
    assert refused.status_code == 400 and "理由" in error_of(refused)
    disputed = client.post("/wishes/mine/", {"action": "dispute", "wish": wish.pk, "reason": "书包还没收到"})
    assert disputed.status_code == 303 and Wish.objects.get(pk=wish.pk).state == "claimed"
    from doorstep.wishes.services import claims

    claims.wish_fulfil(actor=wish.claimant, wish_id=wish.pk, photos=[jpeg()], idempotency_key=key())
    confirmed = client.post("/wishes/mine/", {"action": "confirm", "wish": wish.pk, "consent_asked": "1"})
    wish.refresh_from_db()
    assert confirmed.status_code == 303 and wish.state == "closed" and wish.story_consent is False
    assert WishClaim.objects.get(wish=wish).state == "fulfilled"


def test_a_resident_of_another_household_gets_nothing_of_the_wish():
    wish = fulfilled()
    stranger = client_for(other_resident())
    assert str(wish.number) not in page(stranger.get("/wishes/mine/"))
    assert stranger.get(f"/wishes/{wish.pk}/manage/").status_code == 404
    response = stranger.post("/wishes/mine/", {"action": "confirm", "wish": wish.pk, "consent_asked": "1"})
    assert response.status_code == 404 and Wish.objects.get(pk=wish.pk).state == "fulfilled"


# ---- a grid worker --------------------------------------------------------------------------------------------------

def test_a_grid_worker_finds_a_resident_of_the_grid_and_collects_the_wish():
    gw, me = grid_worker(), xie()
    client = client_for(gw)
    found = page(client.get("/wishes/collect/", {"q": me.resident.name}))
    assert f'data-resident="{me.resident.pk}"' in found
    form = page(client.get("/wishes/collect/", {"resident": me.resident.pk}))
    assert 'data-testid="wish-form"' in form and me.resident.name in form
    assert gw == grid_worker_of(me.resident)
    response = client.post("/wishes/collect/", {"action": "post", "beneficiary": me.resident.pk, "title": "轮椅出游一天",
                                                "category": "company", "places": "3", "idempotency_key": "k-gw-post-1"})
    assert response.status_code == 303, error_of(response)
    wish = Wish.objects.get(beneficiary=me.resident, state="posted")
    assert response.status_code == 303 and response["Location"] == f"/wishes/{wish.pk}/manage/"
    assert wish.source == "visit" and wish.places == 3 and wish.posted_by == gw
    assert "轮椅出游一天" in page(client.get("/wishes/grid/"))


def test_a_grid_worker_of_another_grid_can_neither_pick_nor_see_the_resident_or_the_wish():
    wish = fulfilled()
    client = client_for(other_grid_worker())
    assert client.get("/wishes/collect/", {"resident": xie().resident.pk}).status_code == 404
    assert client.get(f"/wishes/{wish.pk}/manage/").status_code == 404
    assert str(wish.number) not in page(client.get("/wishes/grid/"))
    assert client.post("/wishes/grid/", {"action": "confirm", "wish": wish.pk}).status_code == 404


def test_the_grid_worker_confirms_on_the_beneficiarys_word():
    wish = fulfilled()
    client = client_for(grid_worker())
    assert {"confirm", "dispute"} <= buttons(page(client.get("/wishes/grid/")))
    response = client.post("/wishes/grid/", {"action": "confirm", "wish": wish.pk, "consent_asked": "1",
                                             "story_consent": "1"})
    assert response.status_code == 303 and Wish.objects.get(pk=wish.pk).state == "closed"


# ---- a volunteer ----------------------------------------------------------------------------------------------------

def test_near_me_lists_the_volunteers_own_community_first_and_claims_once_per_key():
    (a,) = neighbours(1)
    street = published(beneficiary=a, title="测试心愿：同街道")  # the same street as the volunteer's community
    (far,) = neighbours(1, other_community_code())
    own = published(beneficiary=far, title="测试心愿：本社区")
    client = client_for(volunteer(other_community_code()))  # reports to the other community
    html = page(client.get("/wishes/near/", {"q": "测试心愿"}))
    order = [int(i) for i in re.findall(r'data-testid="wish-card" data-wish="(\d+)"', html)]
    assert order.index(own.pk) < order.index(street.pk) and "btn-claim" in html
    form = {"action": "claim", "wish": street.pk, "idempotency_key": "k-claim-twice-1"}
    first, again = client.post("/wishes/near/", form), client.post("/wishes/near/", form)
    assert first.status_code == again.status_code == 303 and first["Location"] == "/wishes/claims/"
    assert WishClaim.objects.filter(wish=street).count() == 1 and Wish.objects.get(pk=street.pk).claimed == 1
    assert f'data-wish="{street.pk}"' not in page(client.get("/wishes/near/"))  # claimed by me: off my list


def test_a_volunteer_sees_no_resident_data_on_any_wish_page():
    me = xie()
    wish = claimed()
    secrets = [me.resident.name, me.resident.household.number, me.resident.household.building.address, grid_code()]
    if me.resident.id_number_masked:
        secrets.append(me.resident.id_number_masked)
    client = client_for(wish.claimant)
    for path in ("/wishes/", "/wishes/near/", "/wishes/claims/", f"/wishes/{wish.pk}/", "/wishes/claims/?tab=ended"):
        html = page(client.get(path))
        for secret in secrets:
            assert secret not in html, (path, secret)
    assert client.get(f"/wishes/{wish.pk}/manage/").status_code in (403, 404)
    for path in ("/wishes/mine/", "/wishes/collect/", "/wishes/grid/", "/wishes/review/"):
        assert client.get(path).status_code == 403


def test_the_claimant_fulfils_with_a_photo_and_a_non_image_is_refused_with_nothing_changed():
    wish = claimed()
    client = client_for(wish.claimant)
    html = page(client.get("/wishes/claims/"))
    assert {"release", "fulfil"} <= buttons(html) and 'capture="environment"' in html and 'accept="image/*"' in html
    bad = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    refused = client.post("/wishes/claims/", {"action": "fulfil", "wish": wish.pk, "photos": bad,
                                              "idempotency_key": "k-fulfil-bad"})
    assert refused.status_code == 400 and "图片" in error_of(refused)
    none = client.post("/wishes/claims/", {"action": "fulfil", "wish": wish.pk, "idempotency_key": "k-fulfil-none"})
    assert none.status_code == 400 and "照片" in error_of(none)
    assert Wish.objects.get(pk=wish.pk).state == "claimed" and not WishPhoto.objects.filter(wish=wish).exists()
    done = client.post("/wishes/claims/", {"action": "fulfil", "wish": wish.pk, "photos": jpeg(), "note": "已送到",
                                           "idempotency_key": "k-fulfil-ok"})
    assert done.status_code == 303 and Wish.objects.get(pk=wish.pk).state == "fulfilled"
    assert WishPhoto.objects.filter(wish=wish).count() == 1
    assert 'data-testid="claim-waiting"' in page(client.get("/wishes/claims/"))


def test_the_claimant_releases_and_the_wish_goes_back_on_the_wall():
    wish = claimed()
    client = client_for(wish.claimant)
    response = client.post("/wishes/claims/", {"action": "release", "wish": wish.pk, "reason": ""})
    assert response.status_code == 303 and Wish.objects.get(pk=wish.pk).state == "published"
    assert WishClaim.objects.get(wish=wish).state == "released"
    assert f'data-wish="{wish.pk}"' in page(client.get("/wishes/claims/?tab=ended"))


def test_a_volunteer_without_a_confirmed_registration_is_sent_to_report_and_cannot_claim():
    wish = published()
    client = client_for(volunteer(state="applied"))
    assert 'data-testid="not-registered"' in page(client.get("/wishes/near/"))
    response = client.post("/wishes/near/", {"action": "claim", "wish": wish.pk, "idempotency_key": "k-unreg-1"})
    assert response.status_code == 403 and "志愿者" in error_of(response) and Wish.objects.get(pk=wish.pk).claimed == 0


# ---- the community's review -----------------------------------------------------------------------------------------

def test_the_clerk_publishes_and_rejects_from_the_review_tabs_with_counts():
    a, b = neighbours(2)
    first, second = post(beneficiary=a), post(beneficiary=b, title="一台电视机")
    client = client_for(clerk())
    html = page(client.get("/wishes/review/"))
    assert re.search(r'data-testid="count-posted">(\d+)<', html).group(1) == str(
        Wish.objects.filter(community__code=community_code(), state="posted").count())
    assert {"publish", "reject", "cancel"} <= buttons(html)
    response = client.post("/wishes/review/", {"action": "publish", "wish": first.pk, "tab": "posted"})
    assert response.status_code == 303 and response["Location"] == "/wishes/review/?tab=posted"
    assert Wish.objects.get(pk=first.pk).state == "published"
    refused = client.post("/wishes/review/", {"action": "reject", "wish": second.pk, "reason": "x"})
    assert refused.status_code == 400 and Wish.objects.get(pk=second.pk).state == "posted"
    done = client.post("/wishes/review/", {"action": "reject", "wish": second.pk, "reason": "超出微心愿范围"})
    assert done.status_code == 303 and Wish.objects.get(pk=second.pk).state == "rejected"
    again = client.post("/wishes/review/", {"action": "publish", "wish": second.pk})
    assert again.status_code == 409 and "不能" in error_of(again)
    withdrawn = client.post("/wishes/review/", {"action": "cancel", "wish": first.pk, "reason": "居民已自行解决"})
    assert withdrawn.status_code == 303 and Wish.objects.get(pk=first.pk).state == "cancelled"
    odd = client.post("/wishes/review/", {"action": "claim", "wish": first.pk})
    assert odd.status_code == 400 and "不能进行该操作" in error_of(odd)


def test_the_clerk_of_another_community_gets_404_and_no_row():
    wish = post()
    client = client_for(other_clerk())
    assert client.get(f"/wishes/{wish.pk}/manage/").status_code == 404
    assert f'data-wish="{wish.pk}"' not in page(client.get("/wishes/review/?tab=all"))
    assert client.post("/wishes/review/", {"action": "publish", "wish": wish.pk}).status_code == 404
    assert Wish.objects.get(pk=wish.pk).state == "posted"


def test_the_manage_page_shows_household_history_claims_and_photos_with_the_permitted_buttons():
    wish = fulfilled()
    me = xie()
    html = page(client_for(clerk()).get(f"/wishes/{wish.pk}/manage/"))
    assert me.resident.name in html and me.resident.household.number in html
    assert html.count('data-testid="manage-event"') == 4 and 'data-testid="manage-photo"' in html
    v = wish.claimant.volunteer
    assert v.name in html and v.number in html
    assert buttons(html) == {"confirm", "dispute"}
    leader = page(client_for(user("leader")).get(f"/wishes/{wish.pk}/manage/"))
    assert me.resident.name in leader and not buttons(leader)  # leaders read only


def test_expired_wishes_are_republished_or_closed_and_stories_published_from_review():
    a, b = neighbours(2)
    first, second = expire(published(beneficiary=a)), expire(published(beneficiary=b))
    assert first.state == second.state == "expired"
    client = client_for(clerk())
    assert {"republish", "close"} <= buttons(page(client.get("/wishes/review/?tab=expired")))
    assert client.post("/wishes/review/", {"action": "republish", "wish": first.pk}).status_code == 303
    assert Wish.objects.get(pk=first.pk).state == "published"
    assert client.post("/wishes/review/", {"action": "close", "wish": second.pk, "reason": "居民已不需要"}).status_code == 303
    assert Wish.objects.get(pk=second.pk).state == "cancelled"
    story = closed()
    html = page(client.get("/wishes/review/?tab=closed"))
    assert "publish_story" in buttons(html)
    short = client.post("/wishes/review/", {"action": "publish_story", "wish": story.pk, "story": "太短"})
    assert short.status_code == 400 and Wish.objects.get(pk=story.pk).story_published_at is None
    ok = client.post("/wishes/review/", {"action": "publish_story", "wish": story.pk,
                                         "story": "志愿者为小朋友送来了新书包，全家都很感谢。"})
    assert ok.status_code == 303 and Wish.objects.get(pk=story.pk).story_published_at is not None


def test_the_clerk_confirms_and_disputes_on_the_households_word_from_the_manage_page():
    wish = fulfilled()
    client = client_for(clerk())
    response = client.post(f"/wishes/{wish.pk}/manage/", {"action": "dispute", "wish": wish.pk,
                                                          "reason": "居民说还没收到"})
    assert response.status_code == 303 and Wish.objects.get(pk=wish.pk).state == "claimed"
    assert buttons(page(client.get(f"/wishes/{wish.pk}/manage/"))) == {"cancel"}


def test_an_admin_picks_a_community_of_the_area_and_exports_its_wishes_masked():
    wish = post()
    client = client_for(user("admin"))
    from doorstep.org.models import OrgNode

    home = OrgNode.objects.get(code=community_code())
    html = page(client.get("/wishes/review/", {"community": home.pk, "tab": "all"}))
    assert f'data-wish="{wish.pk}"' in html and 'data-testid="community-choice"' in html
    assert client.get("/wishes/review/", {"community": "abc"}).status_code == 404
    export = client.get("/wishes/review/", {"community": home.pk, "format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content))["微心愿"].iter_rows(values_only=True))
    text = " ".join(str(c) for r in rows for c in r if c is not None)
    assert wish.number in text and wish.beneficiary_masked in text and xie().resident.name not in text
    assert xie().resident.household.number not in text


def test_the_review_and_near_pages_cost_the_same_few_queries_however_many_wishes(django_assert_max_num_queries):
    residents = neighbours(6)
    for r in residents[:2]:
        post(beneficiary=r)
    staff, vol = client_for(clerk()), client_for(volunteer())
    with django_assert_max_num_queries(12):
        staff.get("/wishes/review/")
    with django_assert_max_num_queries(12):
        vol.get("/wishes/near/")
    for r in residents[2:]:
        post(beneficiary=r)
    for w in Wish.objects.filter(state="posted", community__code=community_code())[:3]:
        wishes.wish_publish(actor=clerk(), wish_id=w.pk)
    with django_assert_max_num_queries(12):
        assert len(re.findall('data-testid="review-row"', page(staff.get("/wishes/review/")))) >= 1
    with django_assert_max_num_queries(12):
        assert len(re.findall('data-testid="wish-card"', page(vol.get("/wishes/near/")))) >= 3
    with django_assert_max_num_queries(14):
        vol.get("/wishes/claims/")
