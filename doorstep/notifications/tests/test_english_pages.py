"""The inbox in English (issue #11 item 13): its own words are English; the messages themselves are stored as they
were sent (data)."""

import pytest

from doorstep.catalog.tests.english_check import english_client, untranslated
from doorstep.conftest import user
from doorstep.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_inbox_in_english_shows_no_chinese_but_the_messages():
    Notification.objects.create(user=user("admin"), kind="test", title="导出已完成：办件台账", body="共 12 行。")
    client = english_client("admin")
    for url in ("/inbox/", "/inbox/?unread=1"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not untranslated(response, data_made_here=["导出已完成：办件台账", "共 12 行。"]), url
    assert "Mark all as read" in client.get("/inbox/").content.decode()
