"""The public wish wall over HTTP (issue #15 items 2 and 5): only wishes on the wall and published stories; nothing
of the household (full name, household number, address, phone, ID number) in any of its HTML; the public card's
buttons per reader; photos only through the scoped view; bad ids; query counts."""

import re

import pytest

from doorstep.conftest import user
from doorstep.registry.models import Resident
from doorstep.wishes.models import Wish, WishPhoto
from doorstep.wishes.services import wishes
from doorstep.wishes.tests.page_helpers import (
    clerk,
    client_for,
    closed,
    community_code,
    fulfilled,
    grid_code,
    grid_worker,
    neighbours,
    other_clerk,
    other_community_code,
    other_resident,
    page,
    post,
    published,
    volunteer,
    xie,
)

pytestmark = pytest.mark.django_db


def personal_data_of(resident: Resident) -> list[str]:
    from doorstep.core.crypto import decrypt

    household = resident.household
    found = [resident.name, household.number, household.building.address, resident.id_number_masked]
    if resident.phone_enc:
        found.append(decrypt(bytes(resident.phone_enc)))
    return [f for f in found if f]


def card_ids(html: str, name: str = "wish-card") -> list[int]:
    return [int(i) for i in re.findall(rf'data-testid="{name}" data-wish="(\d+)"', html)]


def test_the_wall_shows_published_and_claimed_wishes_and_never_posted_rejected_or_closed_ones():
    me = xie()
    on_wall = published()
    a, b, c = neighbours(3)
    waiting = post(beneficiary=a, title="待审核的心愿")
    rejected = wishes.wish_reject(actor=clerk(), wish_id=post(beneficiary=b, title="不予发布的心愿").pk, reason="不属实")
    unstory = published(beneficiary=c, title="没故事的心愿")
    html = page(client_for().get("/wishes/"))
    shown = card_ids(html)
    assert on_wall.pk in shown and unstory.pk in shown
    assert waiting.pk not in shown and rejected.pk not in shown
    assert "一个新书包" in html and "待审核的心愿" not in html and "不予发布的心愿" not in html
    assert me.resident.name not in html and len(me.resident.name) >= 3
    assert on_wall.beneficiary_masked in html and on_wall.community.name in html


def test_the_wall_html_never_holds_the_beneficiarys_name_household_address_or_phone():
    me = xie()
    wish = published()
    reader = volunteer()
    for path in ("/wishes/", f"/wishes/{wish.pk}/", "/wishes/?tab=stories", f"/wishes/?q={wish.title}"):
        for client in (client_for(), client_for(reader)):
            html = page(client.get(path))
            for secret in personal_data_of(me.resident):
                assert secret not in html, (path, secret)
            assert grid_code() not in html  # no grid code either


def test_a_story_shows_on_the_wall_with_its_photo_only_once_published():
    wish = closed()
    assert wish.state == "closed" and wish.story_consent
    anonymous = client_for()
    assert anonymous.get(f"/wishes/{wish.pk}/").status_code == 404  # closed without a story: not public
    photo = WishPhoto.objects.get(wish=wish)
    assert anonymous.get(f"/wishes/photos/{photo.pk}/").status_code == 404
    wishes.wish_publish_story(actor=clerk(), wish_id=wish.pk, story="志愿者送来了新书包，小朋友很开心，谢谢大家。")
    html = page(anonymous.get("/wishes/?tab=stories"))
    assert card_ids(html, "story-card")[0] == wish.pk
    assert "小朋友很开心" in html and f"/wishes/photos/{photo.pk}/" in html
    response = anonymous.get(f"/wishes/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert anonymous.get(f"/wishes/{wish.pk}/").status_code == 200


def test_a_photo_before_the_story_is_for_the_claimant_staff_grid_and_household_only():
    wish = fulfilled()
    photo = WishPhoto.objects.get(wish=wish)
    url = f"/wishes/photos/{photo.pk}/"
    for reader in (wish.claimant, clerk(), grid_worker(), xie(), user("leader")):
        assert client_for(reader).get(url).status_code == 200, reader.username
    for reader in (None, volunteer(), other_clerk(), other_resident()):
        assert client_for(reader).get(url).status_code == 404
    assert not photo.file.url.startswith("/media/")  # MEDIA_URL is never served


def test_the_wall_filters_by_community_category_and_search():
    wish = published()
    client = client_for()
    assert wish.pk in card_ids(page(client.get(f"/wishes/?area={community_code()}")))
    assert wish.pk in card_ids(page(client.get(f"/wishes/?area={community_code()[:9]}")))
    assert wish.pk not in card_ids(page(client.get(f"/wishes/?area={other_community_code()}")))
    assert wish.pk not in card_ids(page(client.get("/wishes/?category=company")))
    assert wish.pk in card_ids(page(client.get("/wishes/?q=一个新书包")))
    empty = page(client.get("/wishes/?q=没有这个心愿"))
    assert 'data-testid="wall-empty"' in empty
    for odd in ("?area=%27%3B--", "?category=<b>", "?q=" + "长" * 5000, "?page=abc", "?page=-3"):
        assert client.get("/wishes/" + odd).status_code == 200


def test_the_public_card_shows_the_description_once_and_the_wall_keeps_its_short_line():
    wish = published()
    wishes_description = "上学用"  # page_helpers.post's description
    html = page(client_for().get(f"/wishes/{wish.pk}/"))
    assert html.count(wishes_description) == 1 and html.count('data-testid="wish-description"') == 1
    assert html.count('data-testid="wish-category"') == 1 and wish.beneficiary_masked in html
    assert wishes_description in page(client_for().get("/wishes/"))


def test_the_review_export_starts_with_its_description_sheet():
    from io import BytesIO

    from openpyxl import load_workbook

    from doorstep.org.models import OrgNode

    wish = post()
    home = OrgNode.objects.get(code=community_code())
    export = client_for(clerk()).get("/wishes/review/", {"community": home.pk, "format": "xlsx"})
    assert export.status_code == 200
    book = load_workbook(BytesIO(export.content))
    assert book.sheetnames == ["说明", "微心愿"] and book.active.title == "说明"
    about = dict(book["说明"].iter_rows(values_only=True))
    assert "微心愿" in about["内容"] and about["范围"] == home.name and about["导出时间"] and about["说明"]
    rows = list(book["微心愿"].iter_rows(values_only=True))
    assert about["行数"] == len(rows) - 1 >= 1 and wish.number in {r[0] for r in rows[1:]}


def test_a_group_wish_says_how_many_people_are_still_needed():
    wish = published(places=3)
    html = page(client_for().get(f"/wishes/{wish.pk}/"))
    assert "还差3人" in html


def test_the_public_card_offers_claim_to_a_confirmed_volunteer_and_a_way_in_to_everyone_else():
    wish = published()
    html = page(client_for(volunteer()).get(f"/wishes/{wish.pk}/"))
    assert 'data-testid="btn-claim"' in html
    anonymous = page(client_for().get(f"/wishes/{wish.pk}/"))
    assert 'data-testid="btn-claim"' not in anonymous and "/volunteers/join/" in anonymous and "/accounts/login/" in anonymous
    pending = page(client_for(volunteer(state="applied")).get(f"/wishes/{wish.pk}/"))
    assert 'data-testid="btn-claim"' not in pending and "/volunteers/join/" in pending
    for reader in (xie(), clerk(), grid_worker(), user("leader")):  # none of them claims; the card offers no more
        assert not re.search(r'data-testid="btn-', page(client_for(reader).get(f"/wishes/{wish.pk}/")))


def test_a_volunteer_claims_from_the_card_and_a_second_claim_of_a_one_person_wish_is_told_it_is_taken():
    wish = published()
    first, second = client_for(volunteer()), client_for(volunteer())
    response = first.post(f"/wishes/{wish.pk}/", {"action": "claim", "idempotency_key": "k-card-claim-1"})
    assert response.status_code == 303 and response["Location"] == "/wishes/claims/"
    assert 'data-testid="btn-claim"' not in page(second.get(f"/wishes/{wish.pk}/"))  # no place left: no button
    refused = second.post(f"/wishes/{wish.pk}/", {"action": "claim", "idempotency_key": "k-card-claim-2"})
    assert refused.status_code == 409 and "手慢了" in page(refused)
    assert Wish.objects.get(pk=wish.pk).claimed == 1


def test_cards_off_the_wall_and_bad_ids_are_404_in_chinese():
    waiting = post()
    client = client_for()
    for path in (f"/wishes/{waiting.pk}/", "/wishes/abc/", "/wishes/99999999999999999999/", "/wishes/0/",
                 "/wishes/photos/abc/", "/wishes/photos/99999999999999999999/", "/wishes/-1/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "未找到" in page(response)


def test_the_wall_costs_the_same_few_queries_however_many_wishes(django_assert_max_num_queries):
    residents = neighbours(6)
    for r in residents[:2]:
        published(beneficiary=r)
    client = client_for()
    with django_assert_max_num_queries(6):
        client.get("/wishes/")
    for r in residents[2:]:
        published(beneficiary=r, places=2)
    with django_assert_max_num_queries(6):
        html = page(client.get("/wishes/"))
    assert len(card_ids(html)) == 12  # a full page
    with django_assert_max_num_queries(7):
        client.get("/wishes/?tab=stories")
