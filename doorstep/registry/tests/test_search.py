"""Staff resident search: ID number, phone, name, pinyin (full and initials), address — paged, counted, masked."""

import pytest
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.conftest import found, user
from doorstep.core.crypto import decrypt
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident
from doorstep.registry.selectors import resident_search_for_user
from doorstep.registry.services import resident_reveal

pytestmark = pytest.mark.django_db


def test_pinyin_initials_find_xie_xiaobo():
    result = resident_search_for_user(user("clerk_s01a"), query="xxb")
    names = {r.name for r in result.page.items}
    assert "谢小波" in names
    assert all(r.name_initials.startswith("xxb") or r.name_pinyin.startswith("xxb") for r in result.page.items)
    full = resident_search_for_user(user("clerk_s01a"), query="xiexiaobo")
    assert "谢小波" in {r.name for r in full.page.items}


def test_exact_id_number_and_phone():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk = user("clerk_s01a")
    by_id = resident_search_for_user(clerk, query=decrypt(xie.id_number_enc))
    assert [r.pk for r in by_id.page.items] == [xie.pk] and by_id.kind == "id_number"
    by_phone = resident_search_for_user(clerk, query="138 0000 0001")
    assert [r.pk for r in by_phone.page.items] == [xie.pk] and by_phone.kind == "phone"


def test_exact_lookup_is_one_query_with_the_row_fields_and_the_scope(django_assert_num_queries):
    xie = Resident.objects.select_related("household__building").get(name="谢小波", path__startswith="430302")
    number = decrypt(xie.id_number_enc)
    clerk = user("clerk_s01a")
    with django_assert_num_queries(1):
        found = resident_search_for_user(clerk, query=number).page.items
        row = found[0]
        shown = (row.name, row.id_number_masked, row.phone_masked, row.household.room, row.household.building.name,
                 row.get_gender_display(), row.path)
    assert shown[:5] == (xie.name, xie.id_number_masked, xie.phone_masked, xie.household.room,
                         xie.household.building.name)
    other_grid = next(u for u in (user(n) for n in ("gw_001001001", "gw_001001002", "gw_001001003"))
                      if not xie.path.startswith(u.org_node.code))
    assert resident_search_for_user(other_grid, query=number).page.items == []
    assert resident_search_for_user(user("clerk_other"), query=number).page.items == []  # another district


def test_name_prefix_is_paged_with_count():
    surname = Resident.objects.filter(path__startswith="430302").values_list("name", flat=True).first()[0]
    expected = Resident.objects.filter(path__startswith="430302", name__startswith=surname).count()
    result = resident_search_for_user(user("admin"), query=surname, page=2)
    assert result.page.total == expected
    assert result.page.number == min(2, result.page.pages)
    assert len(result.page.items) <= 20


def test_address_search_by_building_name():
    resident = Resident.objects.filter(path__startswith="430302").select_related("household__building").first()
    building = resident.household.building.name
    result = resident_search_for_user(user("admin"), query=building, kind="address")
    assert result.page.total == Resident.objects.filter(household__building__name=building).count()


def test_bad_id_number_gets_a_chinese_error():
    with pytest.raises(ValidationFailed, match="校验位"):
        xie = Resident.objects.get(name="谢小波", path__startswith="430302")
        number = decrypt(xie.id_number_enc)
        resident_search_for_user(user("clerk_s01a"), query=number[:17] + ("0" if number[17] != "0" else "1"))


def test_roles_without_search_are_refused():
    with pytest.raises(PermissionDenied):
        resident_search_for_user(user("dept_cg"), query="王")


def test_search_page_query_count_and_masking(django_assert_max_num_queries, settings):
    settings.DOORSTEP_RATE_LIST = ""  # paging only: the rate limiter has its own tests
    client = Client()
    client.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD})
    client.get("/")  # warm the session
    # session, user with org node, count, page of keys, the page's rows, audit insert, session touch, unread messages
    with django_assert_max_num_queries(8):
        response = client.get("/residents/", {"q": "xi"})
    assert response.status_code == 200
    body = response.content.decode()
    resident = (Resident.objects.filter(path__startswith="430302", name_pinyin__startswith="xi")
                .union(Resident.objects.filter(path__startswith="430302", name_initials__startswith="xi"))
                .order_by("name", "id").first())
    assert resident.id_number_masked in body
    assert decrypt(resident.id_number_enc) not in body
    assert "按拼音/首字母查询" in body


def test_single_letter_pinyin_asks_for_more():
    with pytest.raises(ValidationFailed, match="两个字母"):
        resident_search_for_user(user("admin"), query="w")


def test_bad_query_parameters_give_400_not_500():
    client = Client()
    client.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert client.get("/residents/", {"q": "王", "sort": "drop table"}).status_code == 400
    assert client.get("/residents/", {"q": "王", "kind": "??"}).status_code == 400
    assert client.get("/residents/", {"q": "王", "page": "abc"}).status_code == 200


def test_reveal_needs_permission_reason_and_leaves_an_audit_event():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk = user("clerk_s01a")
    found(clerk, xie.pk)  # the clerk searched for him first
    with pytest.raises(ValidationFailed, match="事由"):
        resident_reveal(actor=clerk, resident_id=xie.pk, field="id_number", reason=" ")
    assert resident_reveal(actor=clerk, resident_id=xie.pk, field="id_number", reason="办理生育登记核验") == decrypt(
        xie.id_number_enc)
    event = AuditEvent.objects.filter(action="registry.reveal", target_id=str(xie.pk)).latest("id")
    assert event.reason == "办理生育登记核验" and event.actor_id == clerk.pk and event.result == "ok"
    with pytest.raises(PermissionDenied):
        resident_reveal(actor=user("leader"), resident_id=xie.pk, field="id_number", reason="想看看号码")
    denied = AuditEvent.objects.filter(action="registry.reveal", target_id=str(xie.pk)).latest("id")
    assert denied.result == "denied"
