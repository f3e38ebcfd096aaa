"""Case pages over HTTP: forged ids and out-of-order actions give 4xx with a Chinese message and change nothing;
the list is paged with a fixed number of queries."""

import pytest
from django.test import Client

from doorstep.cases.models import Case
from doorstep.conftest import accept, user
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


def logged_in(username):
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    return client


def test_forged_and_out_of_order_requests():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    client = logged_in("clerk_s01a")
    assert client.get("/window/", {"resident": "99999999"}).status_code == 404
    assert client.get("/cases/99999999/").status_code == 404
    assert client.post("/cases/99999999/act/", {"action": "conclude"}).status_code == 404
    before = Case.objects.count()
    response = client.post("/window/accept/", {"resident": xie.pk, "item": "NOPE"}, follow=True)
    assert "没有这个事项" in response.content.decode() and Case.objects.count() == before
    case = accept(actor=user("clerk_s01a"), item_code="WJ-C02", applicant_id=xie.pk)
    response = client.post(f"/cases/{case.pk}/act/", {"action": "approve", "note": "越权"}, follow=True)
    assert "即办件" in response.content.decode() or "只有该处" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "accepted"


def test_case_list_is_paged_with_constant_queries(django_assert_max_num_queries):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    for _ in range(25):
        accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)
    client = logged_in("clerk_s01a")
    client.get("/")
    with django_assert_max_num_queries(6):
        response = client.get("/cases/")
    assert response.status_code == 200 and "第 1 / 2 页" in response.content.decode()


def test_ledger_exports_to_excel_within_scope():
    from io import BytesIO

    from openpyxl import load_workbook

    from doorstep.audit.models import AuditEvent

    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)
    response = logged_in("clerk_s01a").get("/cases/export.xlsx", {"state": "accepted"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "办件编号" and case.number in [r[0] for r in rows[1:]]
    assert all(r[3] == "已受理" for r in rows[1:])
    assert AuditEvent.objects.filter(action="case.export").exists()
    other = logged_in("clerk_other").get("/cases/export.xlsx")
    assert len(list(load_workbook(BytesIO(other.content)).active.iter_rows())) == 1  # header only: other district
