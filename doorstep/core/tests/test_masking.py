"""Audit events never keep an ID or phone number whole (issue #10, item 9: a street administrator read a full phone
number in a search summary): summaries, labels and reasons are masked as the pages mask them, whichever call site
wrote them."""

import pytest
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.audit.services import audit_record
from doorstep.conftest import user
from doorstep.core.masking import mask_in, mask_personal_numbers

pytestmark = pytest.mark.django_db
ID_NUMBER = "43032119800215003X"
PHONE = "13812345678"


def test_every_text_of_an_audit_event_is_masked():
    event = audit_record(actor=None, action="test.masking", target_type="registry.resident", target_id="1",
                         target_label=f"居民 {PHONE}", reason=f"核对身份证 {ID_NUMBER}",
                         summary={"query": PHONE, "ids": [ID_NUMBER, 12], "case": "2026043000001"},
                         actor_label=PHONE)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.summary == {"query": "138****5678", "ids": ["4303**********003X", 12], "case": "2026043000001"}
    assert stored.target_label == "居民 138****5678" and stored.reason == "核对身份证 4303**********003X"
    assert stored.actor_label == "138****5678"


def test_searches_and_exports_by_phone_or_id_number_leave_masked_summaries():
    clerk = Client()
    clerk.force_login(user("clerk_c001001"))
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    clerk.get("/residents/", {"q": PHONE})
    clerk.get("/residents/", {"q": ID_NUMBER})
    clerk.get("/window/", {"q": PHONE})
    clerk.get("/cases/export.xlsx", {"q": ID_NUMBER})
    events = list(AuditEvent.objects.filter(id__gt=start))
    assert events, "the searches are audited"
    for event in events:
        text = f"{event.summary} {event.target_label} {event.reason} {event.actor_label}"
        assert PHONE not in text and ID_NUMBER not in text, (event.action, text)


def test_mask_in_keeps_the_shape():
    assert mask_in({"a": (PHONE, 1), PHONE: None}) == {"a": ["138****5678", 1], "138****5678": None}


@pytest.mark.parametrize("written, kept", [
    ("居民来电+8613800000001核对", "138****0001"),
    ("手机 86 13800000001", "138****0001"),
    ("手机138-0000-0001", "138****0001"),
    ("手机138 0000 0001", "138****0001"),
    ("身份证号430302199405139714x", "4303**********9714"),
    ("id430302199405139714", "4303**********9714"),
    ("４３０３０２１９９４０５１３９７１４", "4303**********9714"),
])
def test_numbers_as_people_write_them_are_masked(written, kept):
    """The second review kept these whole in an audit reason and the access log: +86, separators, letters next to
    an ID number, full-width digits."""
    masked = mask_personal_numbers(written)
    assert kept in masked
    assert "13800000001" not in masked.replace("-", "").replace(" ", "") and "199405139714" not in masked


def test_a_case_number_is_not_taken_for_an_id_number():
    assert mask_personal_numbers("办件 4303022026111602726") == "办件 4303022026111602726"


def test_bidirectional_controls_are_escaped_in_the_access_log():
    from doorstep.core.accesslog import escape_controls

    assert escape_controls("/t/a\u202eb\u2066c") == "/t/a\\u202eb\\u2066c"


@pytest.mark.parametrize(("text", "masked"), [
    ("查 430302500601002", "查 4303********002"),  # a legacy 15-digit number
    ("电话 0731-58888888", "电话 0731-****8888"), ("073158888888", "0731-****8888"), ("010 1234 5678", "010-****5678"),
    ("护照 E12345678", "护照 E1*****78"), ("EA1234567", "EA*****67"), ("回乡证 H1234567801", "回乡证 H1*****78"),
    ("办件 2026043000001", "办件 2026043000001"), ("第 20261201 号", "第 20261201 号"),
])
def test_every_kind_of_personal_number_in_free_text_is_masked(text, masked):
    assert mask_personal_numbers(text) == masked


def test_a_hex_digest_is_kept_whole_though_it_holds_a_number_shaped_run():
    digest = "af1607814ec08b6f7a59f30243c005821040282906e8625b0749d71b1193ecad"  # "005821040282906": 15 digits
    assert mask_personal_numbers(f"sha256 {digest}") == f"sha256 {digest}"
    assert mask_personal_numbers(f"{digest} 查 430302500601002") == f"{digest} 查 4303********002"
