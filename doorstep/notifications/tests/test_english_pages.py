"""The inbox in English (issue #11 item 13): its own words are English; the messages are stored in Chinese as they
were sent (records) and said again in the reader's language from their words (notifications.words)."""

import datetime

import pytest
from django.test import Client

from doorstep.catalog.tests.english_check import english_client, untranslated
from doorstep.conftest import accept, user
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.notifications.models import Notification
from doorstep.notifications.words import day, label, said, words_text

pytestmark = pytest.mark.django_db


def test_inbox_in_english_shows_no_chinese_but_the_messages():
    Notification.objects.create(user=user("admin"), kind="test", title="导出已完成：办件台账", body="共 12 行。")
    client = english_client("admin")
    for url in ("/inbox/", "/inbox/?unread=1"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not untranslated(response, data_made_here=["导出已完成：办件台账", "共 12 行。"]), url
    assert "Mark all as read" in client.get("/inbox/").content.decode()


def test_a_case_notification_is_stored_in_chinese_and_read_in_the_readers_language(django_capture_on_commit_callbacks):
    resident_user = user("13800000001")
    clerk = user("clerk_c001002")
    with django_capture_on_commit_callbacks(execute=True):
        case = accept(actor=clerk, item_code="WJ-C02", applicant_id=resident_user.resident_id)
    note = Notification.objects.filter(user=resident_user, kind="case.accept").latest("id")
    assert note.title == f"您的申请已受理：{case.item.name}"  # the record, in the records' language
    assert note.body == f"办件编号 {case.number}，当前状态：已受理。"
    assert note.words["title"]["msgid"] == "您的申请已受理：{item}"
    client = english_client("13800000001")
    page = client.get("/inbox/").content.decode()
    assert f"Your application was accepted: {case.item.name}" in page
    assert f"Case {case.number}, now Accepted." in page
    assert not untranslated(client.get("/inbox/"), data_made_here=[case.item.name])
    chinese = Client()
    chinese.post("/accounts/login/", {"username": "13800000001", "password": DEMO_PASSWORD})
    assert note.title in chinese.get("/inbox/").content.decode()


def test_a_stored_sentence_whose_words_do_not_fit_falls_back_to_the_record():
    broken = {"msgid": "办件编号 {number}", "context": None, "params": {}}
    assert words_text(broken, "办件编号 1") == "办件编号 1"
    assert words_text(None, "原文") == "原文"
    spec = said("请在{due}前答复：{state}", due=day(datetime.date(2026, 12, 8)), state=label("已受理", "case state"))
    assert words_text(spec.spec()) == "请在2026年12月8日前答复：已受理"
