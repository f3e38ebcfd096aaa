"""Issue #11 item 8: residents get their own pages — their cases as cards with the state and the next step, their
household as cards — not the staff ledger and search; a just-submitted online application is not a 受理回执 and
does not say 当场办结; a grid worker's search reads as cards on a phone, with a call button behind an audited reveal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.cases.services import case_apply_online
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, found, user
from doorstep.core.idempotency import new_key
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def as_user(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def test_my_cases_are_cards_with_the_next_step_not_the_staff_ledger(django_assert_max_num_queries):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk = user("clerk_c001001")
    found(clerk, xie.pk)
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=xie.pk, ineligible_acknowledged=True)
    client = as_user("13800000001")
    with django_assert_max_num_queries(12):
        page = client.get("/cases/").content.decode()
    assert 'data-testid="my-case"' in page and case.item.name in page and "正在办理，承诺" in page
    for staff_only in ("导出Excel", "首问责任人", "全部渠道", "红牌"):
        assert staff_only not in page


def test_a_resident_with_no_cases_is_told_where_to_start():
    from doorstep.cases.models import Case

    wang = user("13800000005")  # 王丽
    Case.objects.filter(applicant_id=wang.resident_id).delete()
    page = as_user("13800000005").get("/cases/").content.decode()
    assert 'data-testid="my-cases-empty"' in page and "办事指南" in page and 'data-testid="my-case"' not in page


def test_my_household_is_cards_of_the_own_household_only():
    client = as_user("13800000002")  # 姜建国 and his wife 姜桂兰
    page = client.get("/residents/").content.decode()
    assert page.count('data-testid="household-member"') == 2 and "姜桂兰" in page and "（本人）" in page
    assert 'name="q"' not in page  # not the staff search form
    assert "谢小波" not in page


def test_a_submitted_online_application_is_not_a_receipt():
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    case = case_apply_online(idempotency_key=new_key(), actor=user("13800000002"), item_code="MZ-C01",
                             consent=True, files={photo: SimpleUploadedFile("p.png", PNG)})
    page = as_user("13800000002").get(f"/cases/{case.pk}/").content.decode()
    assert "网上申请已提交（待服务站受理）" in page and "受理回执" not in page and ">当场办结" not in page
    assert "服务站受理后当场办结" in page


def test_a_grid_worker_calls_a_resident_through_an_audited_reveal():
    client = as_user("gw_001001003")
    page = client.get("/residents/", {"q": "王"}).content.decode()
    assert 'data-testid="resident-cards"' in page
    resident = Resident.objects.filter(path__startswith=user("gw_001001003").org_node.code).exclude(
        phone_enc=None).first()
    before = AuditEvent.objects.filter(action="registry.reveal").count()
    response = client.post(f"/residents/{resident.pk}/reveal/", {"field": "phone", "reason": "电话联系居民",
                                                                 "call": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'href="tel:' in body and 'data-testid="tel-link"' in body
    assert AuditEvent.objects.filter(action="registry.reveal").count() == before + 1
