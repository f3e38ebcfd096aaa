"""The JSON API: token auth, scoped and masked resident lookup, reveal with reason, readable 4xx errors."""

import pytest
from django.test import Client

from doorstep.accounts.services import api_token_create
from doorstep.conftest import user
from doorstep.core.crypto import decrypt
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def client_for(username):
        token = api_token_create(actor=None, user=user(username), name="测试")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return client_for


def test_no_token_is_401_in_chinese():
    response = Client().get("/api/v1/residents/", {"q": "xxb"})
    assert response.status_code == 401 and "令牌" in response.json()["detail"]


def test_resident_search_is_scoped_and_masked(api):
    response = api("clerk_s01a").get("/api/v1/residents/", {"q": "xxb"})
    assert response.status_code == 200
    body = response.json()
    xie = [r for r in body["items"] if r["name"] == "谢小波"]
    assert xie and "*" in xie[0]["id_number_masked"]
    assert all(item["grid_code"].startswith("430302") for item in body["items"])  # not the other district's 谢小波


def test_validation_errors_are_readable(api):
    client = api("admin")
    response = client.get("/api/v1/residents/", {"q": "王", "page": "abc"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page" and response.json()["errors"][0]["message"]
    response = client.get("/api/v1/residents/", {"q": "430302199001010012"})
    assert response.status_code == 400 and "证件号码" in response.json()["detail"]


def test_reveal_over_api(api):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    client = api("clerk_s01a")
    # a window clerk serves the district by search: before a search of theirs shows him, he is not there
    assert client.get(f"/api/v1/residents/{xie.pk}").status_code == 404
    found = client.get("/api/v1/residents/", {"q": decrypt(xie.phone_enc)}).json()
    assert [r["id"] for r in found["items"]] == [xie.pk]
    assert client.get(f"/api/v1/residents/{xie.pk}").status_code == 200
    short = client.post(f"/api/v1/residents/{xie.pk}/reveal", {"field": "id_number", "reason": "看"},
                        content_type="application/json")
    assert short.status_code == 400 and "事由" in short.json()["detail"]
    ok = client.post(f"/api/v1/residents/{xie.pk}/reveal", {"field": "phone", "reason": "电话通知领取证件"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["value"] == decrypt(xie.phone_enc)
    other = Resident.objects.get(name="谢小波", path__startswith="430304")
    assert client.get(f"/api/v1/residents/{other.pk}").status_code == 404
    assert client.get("/api/v1/residents/99999999").status_code == 404
    assert client.get("/api/v1/residents/99999999").json() == client.get(f"/api/v1/residents/{other.pk}").json()


def test_org_tree_endpoint_counts_from_records(api):
    body = api("leader").get("/api/v1/org/").json()
    assert body["code"] == "430302" and body["residents"] == Resident.objects.filter(path__startswith="430302").count()
    assert sum(c["residents"] for c in body["children"]) == body["residents"]
    assert api("leader").get("/api/v1/org/430304").status_code == 404


def test_openapi_document_is_served():
    assert Client().get("/api/v1/openapi.json").status_code == 200
    assert Client().get("/api/docs").status_code == 302


def test_token_command_issues_a_working_token_and_refuses_unknown_users():
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("token", "--user", "leader", "--name", "看板", stdout=out)
    token = out.getvalue().strip().split("：")[-1]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/org/").status_code == 200
    with pytest.raises(CommandError, match="没有名为"):
        call_command("token", "--user", "nobody")
