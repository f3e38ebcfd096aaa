"""Online applications (网上申请): allowed items only, one checked upload per paper material, consent for shared
data; the station accepts and the clock starts then; uploads are seen only by those who may see the case."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case, CaseUpload
from doorstep.cases.services import case_apply_online, case_transition
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import user
from doorstep.core.errors import NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.demo.build import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def photo_id() -> int:
    return MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk


def png(name="photo.png", data=PNG):
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_bad_applications_are_refused_and_store_nothing():
    jiang = user("13800000002")
    before = (Case.objects.count(), CaseUpload.objects.count())
    with pytest.raises(ValidationFailed, match="不支持网上申请"):
        case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="WJ-C04", consent=True)
    with pytest.raises(ValidationFailed, match="请上传"):
        case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True, files={})
    with pytest.raises(ValidationFailed, match="不是图片"):  # a text file named .jpg
        case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True,
                          files={photo_id(): png("photo.jpg", b"GIF89a not really a picture")})
    with pytest.raises(ValidationFailed, match="超过5MB"):
        case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True,
                          files={photo_id(): png(data=PNG + b"\x00" * (5 * 1024 * 1024))})
    with pytest.raises(ValidationFailed, match="同意"):
        case_apply_online(idempotency_key=new_key(),
                          actor=jiang, item_code="MZ-C01", files={photo_id(): png()})
    with pytest.raises(PermissionDenied):
        case_apply_online(idempotency_key=new_key(),
                          actor=user("clerk_c001001"), item_code="MZ-C01", consent=True, files={photo_id(): png()})
    assert (Case.objects.count(), CaseUpload.objects.count()) == before


def test_online_application_is_accepted_at_the_station_and_the_clock_starts_then():
    jiang = user("13800000002")
    case = case_apply_online(idempotency_key=new_key(),
                             actor=jiang, item_code="MZ-C01", consent=True, files={photo_id(): png()})
    assert (case.state, case.channel, case.review_node.code) == ("submitted", "online", "430302001001")
    assert case.accepted_at is None and case.due_date is None
    upload = CaseUpload.objects.get(case=case)
    assert upload.content_type == "image/png" and upload.size == len(PNG) and "photo" not in upload.file.name
    with pytest.raises(NotFound):  # another station neither sees it nor takes it in
        case_transition(actor=user("clerk_c001002"), case_id=case.pk, action="accept")
    with pytest.raises(PermissionDenied):  # the street sees it, but taking it in is the station's
        case_transition(actor=user("approver_s01"), case_id=case.pk, action="accept")
    case = case_transition(actor=user("clerk_c001001"), case_id=case.pk, action="accept")
    assert case.state == "accepted" and case.accepted_at and case.first_contact.username == "clerk_c001001"
    assert case.due_date is not None


def test_uploads_are_served_only_within_scope_and_each_look_is_audited():
    case = case_apply_online(idempotency_key=new_key(),
                             actor=user("13800000002"), item_code="MZ-C01", consent=True, files={photo_id(): png()})
    upload = CaseUpload.objects.get(case=case)
    url = f"/cases/{case.pk}/uploads/{upload.pk}/"
    clerk = Client()
    clerk.post("/accounts/login/", {"username": "clerk_c001001", "password": DEMO_PASSWORD})
    response = clerk.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(action="case.upload_view", target_id=str(case.pk)).exists()
    stranger = Client()
    stranger.post("/accounts/login/", {"username": "13800000001", "password": DEMO_PASSWORD})
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_apply_page_shows_clear_errors():
    client = Client()
    client.post("/accounts/login/", {"username": "13800000002", "password": DEMO_PASSWORD})
    assert client.get("/cases/apply/WJ-C04/").status_code == 400
    response = client.post("/cases/apply/MZ-C01/", {"consent": "1",
                                                    f"material_{photo_id()}": png("x.png", b"<html>")})
    assert response.status_code == 400 and "不是图片" in response.content.decode()
    response = client.post("/cases/apply/MZ-C01/", {"consent": "1", f"material_{photo_id()}": png(),
                                                    "idempotency_key": new_key()})
    assert response.status_code == 302
    case = Case.objects.filter(channel="online").latest("id")
    assert "待服务站受理" in client.get(f"/cases/{case.pk}/").content.decode()
    case_transition(actor=user("clerk_c001001"), case_id=case.pk, action="refuse", note="照片不清晰，请重新拍摄")
    clerk = Client()
    clerk.post("/accounts/login/", {"username": "clerk_c001001", "password": DEMO_PASSWORD})
    for url in (f"/cases/{case.pk}/", f"/cases/{case.pk}/notice/"):
        assert clerk.get(url).status_code == 200, url
        assert client.get(url).status_code == 200, url


def test_a_second_application_for_the_same_item_while_one_is_open_is_refused():
    """A reload or a second tab makes a new idempotency key: the same person applying again for an item they have
    an open application for is told where the first one is, and nothing is stored."""
    from doorstep.core.errors import Conflict

    jiang = user("13800000002")
    first = case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True,
                              files={photo_id(): png()})
    before = (Case.objects.count(), CaseUpload.objects.count())
    with pytest.raises(Conflict, match=first.number):
        case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True,
                          files={photo_id(): png()})
    assert (Case.objects.count(), CaseUpload.objects.count()) == before
    client = Client()
    client.post("/accounts/login/", {"username": "13800000002", "password": DEMO_PASSWORD})
    page = client.get("/cases/apply/MZ-C01/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0] if 'name="idempotency_key"' in page else ""
    response = client.post("/cases/apply/MZ-C01/", {"consent": "1", f"material_{photo_id()}": png(),
                                                     "idempotency_key": key}, follow=True)
    assert "请勿重复申请" in response.content.decode() and Case.objects.count() == before[0]
    # once it is finished (withdrawn here), a new application is accepted
    case_transition(actor=jiang, case_id=first.pk, action="withdraw")
    again = case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True,
                              files={photo_id(): png()})
    assert again.pk != first.pk
