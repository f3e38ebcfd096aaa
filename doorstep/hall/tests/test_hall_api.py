"""The hall's JSON API (/api/v1/hall/): availability, booking with an Idempotency-Key (a retry books once), one
booking (another person's reads as missing), cancel, reschedule, a ticket's place; bad input → 4xx in Chinese."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.accounts.services import api_token_create
from doorstep.conftest import user
from doorstep.core.idempotency import new_key
from doorstep.hall.models import Booking
from doorstep.hall.tests.helpers import ITEM, resident_account, station, walk_in


def api(username: str) -> Client:
    token = api_token_create(actor=None, user=user(username), name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _open_slot(client) -> str:
    days = client.get(f"/api/v1/hall/centers/{station().pk}/availability", {"item": ITEM}).json()["days"]
    day = next(d["day"] for d in days if d["open"] and d["day"] > timezone.localdate().isoformat())
    slots = client.get(f"/api/v1/hall/centers/{station().pk}/availability", {"item": ITEM, "day": day}).json()
    return next(s["starts_at"] for s in slots["slots"] if s["bookable"])


@pytest.mark.django_db
def test_book_once_with_a_retried_key_then_cancel():
    account = resident_account()
    client = api(account.username)
    start = _open_slot(client)
    key = new_key()
    body = json.dumps({"center_id": station().pk, "item": ITEM, "starts_at": start, "notice_read": True})
    first = client.post("/api/v1/hall/bookings", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post("/api/v1/hall/bookings", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201 and again.status_code == 201, first.content
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(applicant_id=account.resident_id, item__code=ITEM).count() >= 1
    booking_id = first.json()["id"]
    assert client.get(f"/api/v1/hall/bookings/{booking_id}").json()["code"] == first.json()["code"]
    assert api("clerk_c001001").get(f"/api/v1/hall/bookings/{booking_id}").status_code == 404  # another center
    cancelled = client.post(f"/api/v1/hall/bookings/{booking_id}/cancel", "{}", content_type="application/json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


@pytest.mark.django_db
def test_refusals_are_clear_and_change_nothing():
    client = api(resident_account().username)
    before = Booking.objects.count()
    no_key = client.post("/api/v1/hall/bookings", json.dumps(
        {"center_id": station().pk, "item": ITEM, "starts_at": "2026-12-08T09:00:00+08:00", "notice_read": True}),
        content_type="application/json")
    assert no_key.status_code == 400 and "提交编号" in no_key.json()["detail"]
    unread = client.post("/api/v1/hall/bookings", json.dumps(
        {"center_id": station().pk, "item": ITEM, "starts_at": _open_slot(client)}),
        content_type="application/json", HTTP_IDEMPOTENCY_KEY=new_key())
    assert unread.status_code == 400 and "一次性告知" in unread.json()["detail"]
    assert client.get(f"/api/v1/hall/centers/{station().pk}/availability", {"item": "NOPE"}).status_code == 404
    far = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    assert client.get(f"/api/v1/hall/centers/{station().pk}/availability",
                      {"item": ITEM, "day": far}).status_code == 400
    assert client.get("/api/v1/hall/centers/99999/availability", {"item": ITEM}).status_code == 404
    assert Booking.objects.count() == before


@pytest.mark.django_db
def test_a_ticket_reads_for_its_center_only():
    ticket = walk_in(now=timezone.now())
    mine = api("clerk_c001002").get(f"/api/v1/hall/tickets/{ticket.pk}")
    assert mine.status_code == 200 and mine.json()["number"] == ticket.number
    assert mine.json()["ahead"] is not None
    assert api("clerk_c001001").get(f"/api/v1/hall/tickets/{ticket.pk}").status_code == 404
