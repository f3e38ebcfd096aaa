"""Issue #11 item 6: a grid worker collects (代收) at the doorstep with photos of the papers — the case goes to the
applicant's community station, which accepts and concludes it; the grid worker can neither accept nor conclude nor
refuse; delivering a result needs the recipient and a photo or a signature."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.cases.models import Case, CaseUpload, DeliveryProof
from doorstep.cases.services import DeliveryProofIn, case_collect, case_transition
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, found, user
from doorstep.core.errors import NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import FIELD, new_key
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 300
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def grid_resident(worker) -> Resident:
    return Resident.objects.filter(path__startswith=worker.org_node.code, birth_date__year__lte=1950).first()


def photos(code: str) -> dict:
    return {m: SimpleUploadedFile("IMG_0001.jpg", JPEG) for m in MaterialRequirement.objects.filter(
        item__code=code, shared_data="").values_list("id", flat=True)}


def test_a_grid_worker_collects_with_photos_and_the_station_accepts_and_concludes():
    worker = user("gw_001001003")
    resident = grid_resident(worker)
    case = case_collect(actor=worker, item_code="MZ-C01", applicant_id=resident.pk, consent=True,
                        files=photos("MZ-C01"), idempotency_key=new_key())
    assert (case.state, case.channel, case.first_contact_id) == ("submitted", "grid", worker.pk)
    assert case.review_node.code == resident.path[:12] and case.accepted_at is None
    assert CaseUpload.objects.filter(case=case, purpose="material").count() == len(photos("MZ-C01"))
    with pytest.raises((PermissionDenied, ValidationFailed)):
        case_transition(actor=worker, case_id=case.pk, action="accept")
    station = user(f"clerk_c{resident.path[6:12]}")
    case = case_transition(actor=station, case_id=case.pk, action="accept")
    with pytest.raises((PermissionDenied, ValidationFailed)):
        case_transition(actor=worker, case_id=case.pk, action="conclude")
    case = case_transition(actor=station, case_id=case.pk, action="conclude")
    assert case.state == "concluded"


def test_a_grid_worker_cannot_accept_or_refuse_at_the_window():
    worker = user("gw_001001003")
    resident = grid_resident(worker)
    with pytest.raises(PermissionDenied, match="代收"):
        accept(actor=worker, item_code="MZ-C01", applicant_id=resident.pk)
    from doorstep.cases.services import case_refuse_at_window

    with pytest.raises(PermissionDenied):
        case_refuse_at_window(actor=worker, item_code="MZ-C01", applicant_id=resident.pk, missing_material_ids=[],
                              reason="材料不齐", idempotency_key=new_key())


def test_collecting_needs_every_photo_stays_in_the_grid_and_happens_once():
    worker = user("gw_001001003")
    resident = grid_resident(worker)
    before = Case.objects.count()
    with pytest.raises(ValidationFailed, match="请上传"):
        case_collect(actor=worker, item_code="MZ-C01", applicant_id=resident.pk, consent=True, files={},
                     idempotency_key=new_key())
    elsewhere = Resident.objects.exclude(path__startswith=worker.org_node.code).first()
    with pytest.raises(NotFound):
        case_collect(actor=worker, item_code="MZ-C01", applicant_id=elsewhere.pk, consent=True,
                     files=photos("MZ-C01"), idempotency_key=new_key())
    with pytest.raises(PermissionDenied):
        case_collect(actor=user("clerk_c001001"), item_code="MZ-C01", applicant_id=resident.pk, consent=True,
                     files=photos("MZ-C01"), idempotency_key=new_key())
    assert Case.objects.count() == before
    key = new_key()
    first = case_collect(actor=worker, item_code="MZ-C01", applicant_id=resident.pk, consent=True,
                         files=photos("MZ-C01"), idempotency_key=key)
    again = case_collect(actor=worker, item_code="MZ-C01", applicant_id=resident.pk, consent=True,
                         files=photos("MZ-C01"), idempotency_key=key)
    assert first.pk == again.pk and Case.objects.count() == before + 1


def test_the_window_page_offers_a_grid_worker_the_collect_form_not_accept():
    worker = user("gw_001001003")
    resident = grid_resident(worker)
    client = Client()
    client.force_login(worker)
    page = client.get(f"/window/?resident={resident.pk}&item=MZ-C01").content.decode()
    assert 'data-testid="collect-form"' in page and 'capture="environment"' in page
    assert 'value="accept"' not in page and "不予受理" not in page
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    response = client.post("/window/collect/", {"resident": resident.pk, "item": "MZ-C01", FIELD: new_key(),
                                                f"material_{photo}": SimpleUploadedFile("a.jpg", JPEG)})
    page = response.content.decode()  # no consent: sent back, the photo kept
    assert response.status_code == 400 and "申请人同意" in page and 'data-testid="staged"' in page
    token = page.split(f'name="staged_{photo}" value="')[1].split('"')[0]
    response = client.post("/window/collect/", {"resident": resident.pk, "item": "MZ-C01", FIELD: new_key(),
                                                f"staged_{photo}": token, "consent": "1"})
    assert response.status_code == 302
    assert Case.objects.latest("id").channel == "grid"


def test_delivery_records_the_recipient_and_a_photo_or_signature():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk = user("clerk_c001002")
    found(clerk, xie.pk)
    case = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie.pk, delivery="home")
    case = case_transition(actor=clerk, case_id=case.pk, action="conclude")
    governor = user("gw_" + xie.path[-9:])
    with pytest.raises(ValidationFailed, match="照片"):
        case_transition(actor=governor, case_id=case.pk, action="deliver",
                        proof=DeliveryProofIn(recipient_name="谢小波", relation="self"))
    with pytest.raises(ValidationFailed, match="关系"):
        case_transition(actor=governor, case_id=case.pk, action="deliver",
                        proof=DeliveryProofIn(recipient_name="谢小波", relation="boss", signature_png=PNG))
    with pytest.raises(ValidationFailed, match="图片"):
        case_transition(actor=governor, case_id=case.pk, action="deliver",
                        proof=DeliveryProofIn(recipient_name="谢小波", relation="self",
                                              photo=SimpleUploadedFile("x.jpg", b"<html>not a photo</html>")))
    assert Case.objects.get(pk=case.pk).state == "concluded" and not DeliveryProof.objects.filter(case=case).exists()
    case = case_transition(actor=governor, case_id=case.pk, action="deliver",
                           proof=DeliveryProofIn(recipient_name=" 谢  小波 ", relation="self",
                                                 photo=SimpleUploadedFile("d.jpg", JPEG)))
    proof = DeliveryProof.objects.get(case=case)
    assert case.state == "delivered" and proof.recipient_name == "谢小波" and proof.photo.purpose == "delivery_photo"
    page = Client()
    page.force_login(user("13800000001"))
    body = page.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="delivery-proof"' in body and "送达照片" in body
