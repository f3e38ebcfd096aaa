"""The inbox: written only after the sender's transaction commits, each person sees only their own messages,
opening one marks it read and follows its link (never off-site), the menu shows the unread count."""

import pytest
from django.db import transaction
from django.test import Client

from doorstep.conftest import user
from doorstep.core.errors import NotFound
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.notifications.models import Notification
from doorstep.notifications.services import notification_mark_read, notify

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    return client


def test_nothing_is_sent_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify([user("clerk_s01a")], kind="test", title="不应送达")
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert not Notification.objects.filter(title="不应送达").exists()


def test_each_person_sees_and_reads_only_their_own(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([user("clerk_s01a"), user("clerk_s01a"), None], kind="test", title="您有新的待办", link="/cases/")
        notify([user("clerk_s01b")], kind="test", title="别人的消息", link="https://evil.example/")
    mine = Notification.objects.get(user__username="clerk_s01a", title="您有新的待办")  # one, not two
    other = Notification.objects.get(user__username="clerk_s01b")
    client = client_for("clerk_s01a")
    page = client.get("/inbox/").content.decode()
    assert "您有新的待办" in page and "别人的消息" not in page
    assert 'class="badge text-bg-light">1<' in page.replace("</span>", "<")
    response = client.post(f"/inbox/{mine.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert client.post(f"/inbox/{other.pk}/open/").status_code == 404
    with pytest.raises(NotFound):
        notification_mark_read(actor=user("clerk_s01a"), notification_id=other.pk)
    other_client = client_for("clerk_s01b")
    assert other_client.post(f"/inbox/{other.pk}/open/")["Location"] == "/inbox/"  # an off-site link is not followed


def test_mark_all_read():
    Notification.objects.create(user=user("clerk_s01a"), kind="t", title="一")
    Notification.objects.create(user=user("clerk_s01a"), kind="t", title="二")
    assert client_for("clerk_s01a").post("/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(user__username="clerk_s01a", read_at=None).exists()
