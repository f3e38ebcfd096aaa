"""The catalog's pages in English (issue #11 item 13): the guide, a one-time notice, a station's list and the
catalog office show no Chinese but data; the Chinese pages keep their words."""

import pytest
from django.test import Client

from doorstep.catalog.models import ServiceItem
from doorstep.catalog.tests.english_check import english_client, untranslated
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.org.models import OrgNode

pytestmark = pytest.mark.django_db


def _pages():
    items = [ServiceItem.objects.filter(approval_level=level, is_active=True).order_by("code").first().code
             for level in ("community", "street", "district")]
    community = OrgNode.objects.filter(level="community", code__startswith="430302").order_by("code").first()
    return [(None, "/services/"), (None, "/services/?q=zzzzzz"), *((None, f"/services/{code}/") for code in items),
            (None, f"/services/station/{community.code}/"), ("admin", "/catalog-admin/")]


def test_catalog_pages_in_english_show_no_chinese_but_data():
    left = {}
    for username, url in _pages():
        response = english_client(username).get(url)
        assert response.status_code == 200, url
        if runs := untranslated(response):
            left[url] = runs
    assert not left, left


def test_catalog_pages_in_chinese_keep_their_words():
    anonymous = Client()
    assert "办事指南" in anonymous.get("/services/").content.decode()
    item = ServiceItem.objects.filter(approval_level="street", kind="promised").order_by("code").first()
    page = anonymous.get(f"/services/{item.code}/").content.decode()
    assert "一次性告知书" in page and "由工作人员代办至街道（街道审批），您只需跑一次" in page
    assert f"承诺{item.promised_days}个工作日内办结" in page
    admin = Client()
    admin.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert "事项清单管理" in admin.get("/catalog-admin/").content.decode()
