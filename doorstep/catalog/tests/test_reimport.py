"""Re-importing the catalog keeps identities (issue #10, item 12): an unchanged catalog changes no id and writes no
catalog row, uploads keep their material and a window form opened before the import still goes through; a changed
catalog updates rows in place; a material dropped from the file is deleted when unused and retired when an upload
points at it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.cases.services import case_apply_online
from doorstep.catalog.models import ItemBundle, MaterialRequirement, ServiceItem
from doorstep.catalog.services import (
    catalog_export_data,
    catalog_export_xlsx,
    catalog_import_data,
    catalog_import_starter,
    catalog_import_xlsx,
)
from doorstep.conftest import accept, resident_in, user
from doorstep.core.idempotency import new_key

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def identities() -> dict:
    return {
        "items": dict(ServiceItem.objects.values_list("code", "id")),
        "stamps": dict(ServiceItem.objects.values_list("code", "updated_at")),
        "materials": {(m.item.code, m.code): (m.pk, m.name, m.order, m.is_active)
                      for m in MaterialRequirement.all_objects.select_related("item")},
        "bundles": {b.code: (b.pk, sorted(b.items.values_list("id", flat=True))) for b in ItemBundle.objects.all()},
    }


def upload_for_photo():
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="")
    case = case_apply_online(idempotency_key=new_key(), actor=user("13800000002"), item_code="MZ-C01", consent=True,
                             files={photo.pk: SimpleUploadedFile("photo.png", PNG, content_type="image/png")})
    return case.uploads.get()


def catalog_writes(queries) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "catalog_" in q["sql"]]


@pytest.mark.parametrize("reimport", [
    pytest.param(lambda: catalog_import_starter(), id="starter-yaml-without-material-codes"),
    pytest.param(lambda: catalog_import_xlsx(actor=None, content=catalog_export_xlsx()), id="excel-export"),
    pytest.param(lambda: catalog_import_data(actor=None, data=catalog_export_data()), id="yaml-export"),
])
def test_reimporting_an_unchanged_catalog_keeps_every_id_and_writes_no_catalog_row(reimport):
    upload = upload_for_photo()
    before = identities()
    with CaptureQueriesContext(connection) as queries:
        counts = reimport()
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 49)
    assert catalog_writes(queries.captured_queries) == []
    assert identities() == before
    upload.refresh_from_db()
    assert upload.material is not None and upload.material.name == "近期一寸免冠照片"


def test_a_window_form_opened_before_the_reimport_still_goes_through():
    ticked = list(MaterialRequirement.objects.filter(item__code="WJ-S01").values_list("id", flat=True))
    catalog_import_starter()
    case = accept(actor=user("clerk_c001001"), item_code="WJ-S01", applicant_id=resident_in("430302001001").pk,
                  materials_present=ticked)
    assert case.state == "accepted"


def test_a_changed_catalog_updates_items_and_materials_in_place():
    data = catalog_export_data()
    item = next(i for i in data["items"] if i["code"] == "MZ-C01")
    photo_before = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="")
    item_id = ServiceItem.objects.get(code="MZ-C01").pk
    item["name"] = "老年人优待证办理（新）"
    renamed = next(m for m in item["materials"] if m["code"] == photo_before.code)
    renamed["name"] = "近期二寸免冠照片"  # renamed, same code: the same row
    item["materials"].append({"name": "委托书", "form": "原件", "shared": "", "note": "代办时提供"})
    counts = catalog_import_data(actor=None, data=data)
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 1, 48)
    assert ServiceItem.objects.get(code="MZ-C01").pk == item_id
    photo = MaterialRequirement.objects.get(pk=photo_before.pk)
    assert photo.name == "近期二寸免冠照片" and photo.code == photo_before.code
    added = MaterialRequirement.objects.get(item__code="MZ-C01", name="委托书")
    assert added.code not in {m.code for m in MaterialRequirement.objects.filter(item__code="MZ-C01")
                              .exclude(pk=added.pk)} and added.order == 3


def test_a_dropped_material_is_deleted_when_unused_and_retired_when_an_upload_points_at_it():
    upload = upload_for_photo()
    photo_id = upload.material_id
    data = catalog_export_data()
    mz_c01 = next(i for i in data["items"] if i["code"] == "MZ-C01")
    mz_c01["materials"] = [m for m in mz_c01["materials"] if m["shared"]]  # the photo is no longer asked for
    mz_c02 = next(i for i in data["items"] if i["code"] == "MZ-C02")
    dropped = mz_c02["materials"].pop()  # nothing refers to MZ-C02's bank card
    counts = catalog_import_data(actor=None, data=data)
    assert (counts["materials_retired"], counts["materials_deleted"]) == (1, 1)
    assert not MaterialRequirement.all_objects.filter(item__code="MZ-C02", name=dropped["name"]).exists()
    retired = MaterialRequirement.all_objects.get(pk=photo_id)
    assert not retired.is_active
    assert [m.name for m in ServiceItem.objects.get(code="MZ-C01").materials.all()] == ["居民身份证"]
    upload.refresh_from_db()
    assert upload.material == retired  # the upload still says which paper it was
    catalog_import_starter()  # the photo comes back by name: the same row, active again
    assert MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk == photo_id
