"""Cases over the API: accept with materials and consent, act, read the ledger and one case; bad input is a 4xx
with a Chinese message and changes nothing; other districts' cases are 404."""

import pytest
from django.test import Client

from doorstep.accounts.services import api_token_create
from doorstep.cases.models import Case
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import user
from doorstep.core.crypto import decrypt
from doorstep.core.idempotency import new_key
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


def client_for(username):
    token = api_token_create(actor=None, user=user(username), name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def searched(api, resident) -> None:
    """The window client finds the applicant first (by phone): a window clerk opens only whom they searched."""
    found = api.get("/api/v1/residents/", {"q": decrypt(resident.phone_enc)}).json()
    assert resident.pk in [r["id"] for r in found["items"]]


def test_accept_act_and_read_over_the_api():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    api = client_for("clerk_c001002")
    searched(api, xie)
    papers = list(MaterialRequirement.objects.filter(item__code="WJ-S01", shared_data="").values_list("id", flat=True))
    response = api.post("/api/v1/cases/", {"item": "WJ-S01", "applicant_id": xie.pk, "materials_present": papers,
                                           "consent": True}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=new_key())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["state_label"] == "已受理" and body["due_date"]
    case_id = body["id"]
    moved = api.post(f"/api/v1/cases/{case_id}/actions", {"action": "forward"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["review_level"] == "street"
    ledger = api.get("/api/v1/cases/", {"sort": "due_date", "q": body["number"]}).json()
    assert [c["id"] for c in ledger["items"]] == [case_id]
    assert client_for("clerk_other").get(f"/api/v1/cases/{case_id}").status_code == 404


def test_bad_input_is_4xx_in_chinese_and_changes_nothing():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    api = client_for("clerk_c001002")
    searched(api, xie)
    before = Case.objects.count()
    missing = api.post("/api/v1/cases/", {"item": "WJ-S01", "applicant_id": xie.pk, "consent": True},
                       content_type="application/json")
    assert missing.status_code == 400 and "缺少材料" in missing.json()["detail"]
    no_consent = api.post("/api/v1/cases/", {"item": "WJ-C02", "applicant_id": xie.pk},
                          content_type="application/json")
    assert no_consent.status_code == 400 and no_consent.json()["field"] == "consent"
    typed = api.post("/api/v1/cases/", {"item": "WJ-C02", "applicant_id": "abc"}, content_type="application/json")
    assert typed.status_code == 422 and typed.json()["errors"][0]["message"] == "应为整数"
    assert api.post("/api/v1/cases/", "{not json", content_type="application/json").status_code in (400, 422)
    assert Case.objects.count() == before
    assert api.post("/api/v1/cases/999999/actions", {"action": "conclude"},
                    content_type="application/json").status_code == 404
    bad_action = api.post("/api/v1/cases/1/actions", {"action": "explode"}, content_type="application/json")
    assert bad_action.status_code == 422
