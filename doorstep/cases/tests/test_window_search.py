"""Finding the person at the window (issue #11, item 1): the README's `xxb` finds 谢小波; the result says how many it
found and pages instead of cutting silently; whole-name matches come before longer names that begin with the query,
then the clerk's own area; each row shows what tells namesakes apart (gender, age, community, masked ID tail)."""

import re
from collections import Counter

import pytest
from django.test import Client

from doorstep.conftest import user
from doorstep.registry.models import Resident
from doorstep.registry.selectors import resident_search_for_user

pytestmark = pytest.mark.django_db


def window(username: str, **params) -> str:
    client = Client()
    client.force_login(user(username))
    response = client.get("/window/", params)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_the_readme_example_finds_xie_xiaobo_with_what_tells_him_apart():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    body = window("clerk_s01a", q="xxb")
    rows = re.findall(r'data-testid="window-found">(.*?)</li>', body, re.S)
    mine = next(r for r in rows if "谢小波" in r)
    assert f"?resident={xie.pk}" in mine
    assert xie.get_gender_display() in mine and re.search(r"，\d+岁", mine)
    assert xie.id_number_masked in mine and "社区" in mine  # the community's name
    assert re.search(r"找到 \d+ 人", body)


def test_a_long_result_says_how_many_and_pages():
    clerk = user("clerk_s01a")
    # the most common surname in the clerk's own area, as two letters of pinyin plus one: many people
    area = Resident.objects.filter(path__startswith=clerk.org_node.code)
    prefix, count = Counter(r[:3] for r in area.values_list("name_pinyin", flat=True)).most_common(1)[0]
    assert count > 20
    first = window("clerk_s01a", q=prefix)
    assert "第 1 页" in first and 'data-testid="next-page"' in first
    shown = first.count('data-testid="window-found"')
    assert shown == 20
    second = window("clerk_s01a", q=prefix, page=2)
    names_1 = set(re.findall(r'window-pick-resident" class="fw-semibold ds-name">(.*?)<', first))
    ids_1 = set(re.findall(r'\?resident=(\d+)"', first))
    ids_2 = set(re.findall(r'\?resident=(\d+)"', second))
    assert ids_2 and not ids_1 & ids_2 and names_1


def test_whole_names_come_first():
    clerk = user("clerk_s01a")
    area = Resident.objects.filter(path__startswith=clerk.org_node.code)
    names = set(area.values_list("name", flat=True))
    # a name that is also the beginning of a longer name in the area (王芳 and 王芳芳, or 李娜 and 李娜娜)
    short = next(n for n in sorted(names) if len(n) == 2 and any(m != n and m.startswith(n) for m in names))
    rows = resident_search_for_user(clerk, query=short, sort="relevance", page_size=200).page.items
    exact = [r.name == short for r in rows]
    assert exact[0] and exact == sorted(exact, reverse=True)  # every whole match before every longer name
    letters = area.get(pk=rows[0].pk).name_pinyin  # the whole pinyin of the short name (wangfang)
    by_letters = resident_search_for_user(clerk, query=letters, sort="relevance", page_size=500).page.items
    ranked = [Resident.objects.get(pk=r.pk) for r in by_letters]
    whole = [r.name_initials == letters or r.name_pinyin == letters for r in ranked]
    assert whole[0] and whole == sorted(whole, reverse=True)


def test_a_query_too_short_says_so_once():
    client = Client()
    client.force_login(user("clerk_s01a"))
    response = client.get("/window/", {"q": "谢"})
    body = response.content.decode()
    assert response.status_code == 400 and "请至少输入姓名的两个字" in body and "没有找到符合" not in body


def test_an_archived_resident_is_listed_with_their_status_but_cannot_be_an_applicant():
    """A resident who died or moved out stays findable (history, certificates) but nothing is applied for in their
    name: the list marks them and offers no pick, picking by URL says why, the service refuses, the API says so."""
    from doorstep.accounts.services import api_token_create
    from doorstep.cases.services import case_accept_at_window
    from doorstep.core.crypto import decrypt
    from doorstep.core.errors import ValidationFailed
    from doorstep.core.idempotency import new_key

    clerk = user("clerk_s01a")
    gone = (Resident.objects.filter(path__startswith=clerk.org_node.code, status="active")
            .exclude(id_number_enc=None).order_by("-id").first())
    Resident.objects.filter(pk=gone.pk).update(status="deceased")
    number = decrypt(gone.id_number_enc)
    body = window("clerk_s01a", q=number)
    row = re.findall(r'data-testid="window-found">(.*?)</li>', body, re.S)[0]
    assert "已死亡" in row and f"?resident={gone.pk}" not in row
    client = Client()
    client.force_login(clerk)
    picked = client.get("/window/", {"resident": gone.pk})
    assert picked.status_code == 400 and "已死亡，不能作为申请人" in picked.content.decode()
    with pytest.raises(ValidationFailed, match="不能作为申请人"):
        case_accept_at_window(actor=clerk, item_code="ZM-C01", applicant_id=gone.pk, idempotency_key=new_key())
    token = api_token_create(actor=None, user=clerk, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/residents/", {"q": number}).json()
    assert [r["status"] for r in api["items"]] == ["deceased"]
