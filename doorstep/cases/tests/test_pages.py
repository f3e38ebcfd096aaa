"""Case pages over HTTP: forged ids and out-of-order actions give 4xx with a Chinese message and change nothing;
the list is paged with a fixed number of queries."""

import pytest
from django.test import Client

from doorstep.cases.models import Case
from doorstep.cases.selectors import approver_queue_for_user
from doorstep.cases.services import DeliveryProofIn, case_transition
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, user
from doorstep.core.idempotency import new_key
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


def test_case_list_is_paged_with_constant_queries(django_assert_max_num_queries, settings):
    settings.DOORSTEP_RATE_LIST = ""  # paging only: the rate limiter has its own tests
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    for _ in range(25):
        accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)
    client = logged_in("clerk_s01a")
    client.get("/")
    # session, user, node, the node's centers (as a list: PostgreSQL cannot OR a subquery with index scans), count,
    # the page (on SQLite a small result's ids sorted in memory, then its rows: core.paging), unread notifications
    with django_assert_max_num_queries(8):
        response = client.get("/cases/")
    assert response.status_code == 200 and "第 1 / " in response.content.decode()


def test_ledger_exports_to_excel_within_scope():
    from io import BytesIO

    from openpyxl import load_workbook

    from doorstep.audit.models import AuditEvent

    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)
    response = logged_in("clerk_s01a").get("/cases/export.xlsx", {"state": "accepted"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content))["办件台账"].iter_rows(values_only=True))
    assert rows[0][0] == "办件编号" and case.number in [r[0] for r in rows[1:]]
    assert all(r[3] == "已受理" for r in rows[1:])
    assert AuditEvent.objects.filter(action="case.export").exists()
    other = logged_in("clerk_other").get("/cases/export.xlsx")
    assert len(list(load_workbook(BytesIO(other.content))["办件台账"].iter_rows())) == 1  # header only: other district


def test_window_refusal_prints_the_one_time_notice():
    jiang = Resident.objects.get(name="姜建国")
    client = logged_in("clerk_c001001")
    assert jiang.name in client.get("/window/", {"q": "姜建国"}).content.decode()  # found first, as at a window
    paper = MaterialRequirement.objects.get(item__code="WJ-C04", shared_data="")
    response = client.post("/window/accept/", {"resident": jiang.pk, "item": "WJ-C04", "decision": "refuse",
                                               "missing": [paper.pk], "idempotency_key": new_key()}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "不予受理通知书" in body and "独生子女父母光荣证" in body
    case = Case.objects.filter(applicant=jiang, state="refused").latest("id")
    assert case.missing_materials[0]["name"] == "独生子女父母光荣证"


def test_receipt_has_a_tracking_qr_that_works_without_login_and_shows_only_masked_data():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_s01a"), item_code="MZ-S01", applicant_id=xie.pk)
    page = logged_in("clerk_s01a").get(f"/cases/{case.pk}/").content.decode()
    assert "<svg" in page and case.public_code in page
    public = Client().get(f"/t/{case.public_code}/").content.decode()
    assert case.number in public and "谢*波" in public and "谢小波" not in public and "已受理" in public
    assert xie.id_number_masked not in public
    missing = Client().get("/t/not-a-code/")
    assert missing.status_code == 404 and "没有找到这个办件" in missing.content.decode()
    assert Client().get("/verify/nope/").status_code == 404


def test_work_lists_page_with_a_fixed_number_of_queries(django_assert_max_num_queries, settings):
    settings.DOORSTEP_RATE_LIST = ""  # paging only: the rate limiter has its own tests
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    for _ in range(3):
        case = accept(actor=user("clerk_c001002"), item_code="MZ-S01", applicant_id=xie.pk)
        case_transition(actor=user("clerk_c001002"), case_id=case.pk, action="forward")
    approver = logged_in("approver_s01")
    approver.get("/")
    # … and the filters' choices: the items and the areas under the node (two small queries)
    with django_assert_max_num_queries(11):
        body = approver.get("/cases/queue/").content.decode()
    assert f"共 {approver_queue_for_user(user('approver_s01')).total} 件" in body  # the demo year's and these 3
    clerk = logged_in("clerk_s01a")
    clerk.get("/")
    for url in ("/cases/supervision/", "/cases/?sort=due_date&mark=yellow", "/ratings/follow-ups/", "/inbox/"):
        with django_assert_max_num_queries(10):
            assert clerk.get(url).status_code == 200, url
    governor = logged_in("gw_" + xie.path[-9:])
    governor.get("/")
    with django_assert_max_num_queries(8):
        assert governor.get("/cases/deliveries/").status_code == 200


def test_ledger_sorts_and_filters_by_case_number():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    first = accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)
    second = accept(actor=user("clerk_s01a"), item_code="MZ-S01", applicant_id=xie.pk)
    client = logged_in("clerk_s01a")
    today = first.number[:14]  # district + today's date: the demo year has no case numbered today
    body = client.get("/cases/", {"sort": "id", "q": today}).content.decode()
    assert body.index(first.number) < body.index(second.number)
    body = client.get("/cases/", {"sort": "-id", "q": today}).content.decode()
    assert body.index(second.number) < body.index(first.number)
    body = client.get("/cases/", {"q": second.number}).content.decode()
    assert second.number in body and first.number not in body
    assert client.get("/cases/", {"sort": "drop table", "state": "nonsense", "mark": "x"}).status_code == 200


def test_every_case_page_renders_in_every_state_for_staff_resident_and_public():
    from doorstep.ratings.services import rating_submit

    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk, street = user("clerk_c001002"), user("approver_s01")
    cases = []
    paths = [[], ["request_supplement"], ["forward"], ["forward", "approve"], ["forward", "approve", "conclude"],
             ["forward", "approve", "conclude", "deliver"], ["forward", "reject"], ["withdraw"]]
    for steps in paths:
        case = accept(actor=clerk, item_code="WJ-S01", applicant_id=xie.pk)
        for step in steps:
            actor = clerk if step in ("request_supplement", "forward", "withdraw", "deliver") else street
            case = case_transition(actor=actor, case_id=case.pk, action=step, note="经核查，理由如上",
                                   confirm_unreceived=True, proof=DeliveryProofIn(
                                       recipient_name="谢小波", relation="self",
                                       signature_png=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))
        cases.append(case)
    rated = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie.pk)
    case_transition(actor=clerk, case_id=rated.pk, action="conclude")
    rating_submit(idempotency_key=new_key(),
                  actor=user("13800000001"), case_id=rated.pk, overall=1, efficiency=1, service=1, attitude=1,
                  comment="很不满意")
    cases.append(Case.objects.get(pk=rated.pk))
    # a rated case keeps its state (issue #11, item 7); its page shows the rating
    assert {c.state for c in cases} >= {"accepted", "supplement_requested", "in_review", "approved", "concluded",
                                        "delivered", "rejected", "withdrawn"}
    staff, resident, public = logged_in("clerk_c001002"), logged_in("13800000001"), Client()
    for case in cases:
        for client in (staff, resident):
            for url in (f"/cases/{case.pk}/", f"/cases/{case.pk}/notice/"):
                assert client.get(url).status_code == 200, (case.state, url)
            certificate = client.get(f"/cases/{case.pk}/certificate/")  # without one: a 404 that says so
            assert certificate.status_code == 200 or "没有签发证照" in certificate.content.decode(), case.state
            for paper in ("receipt", "decision"):  # the printed papers (test_printing.py): there, or said absent
                assert client.get(f"/cases/{case.pk}/{paper}/").status_code in (200, 404), (case.state, paper)
        assert public.get(f"/t/{case.public_code}/").status_code == 200, case.state
    for client in (staff, resident):
        assert client.get("/cases/").status_code == 200 and client.get("/inbox/").status_code == 200
