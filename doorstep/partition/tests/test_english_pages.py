"""The grid drawing pages in English (issue #11 item 13): the list and a proposal show no Chinese but data (names,
and the notes stored with the proposal); the Chinese pages keep their words, the map's words come from the page."""

import pytest
from django.test import Client

from doorstep.catalog.tests.english_check import english_client, untranslated
from doorstep.conftest import user
from doorstep.core.idempotency import new_key
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.partition.services import grids_propose

pytestmark = pytest.mark.django_db
STREET = "430302001"


def test_grid_pages_in_english_show_no_chinese_but_data_and_chinese_keeps_its_words():
    proposal = grids_propose(idempotency_key=new_key(), actor=user("admin"), scope_code=STREET, target=120)
    client = english_client("admin")
    left = {}
    for url in ("/grids/", f"/grids/{proposal.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        if runs := untranslated(response):
            left[url] = runs
    assert not left, left
    page = client.get(f"/grids/{proposal.pk}/").content.decode()
    assert f"Grid plan {proposal.pk}" in page and 'data-new-grid="new grid, numbered when applied"' in page
    chinese = Client()
    chinese.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD})
    page = chinese.get(f"/grids/{proposal.pk}/").content.decode()
    assert f"网格划分方案 {proposal.pk}" in page and "目标每格 120 户 ±15%，断开距离 自动。生成于" in page
    assert 'data-code="编码"' in page and 'data-colon="："' in page
