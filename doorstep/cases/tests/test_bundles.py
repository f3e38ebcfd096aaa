"""一件事 bundles at the window: one set of materials for several items, every member accepted or none, tracked as
one matter with its member cases; bad input changes nothing."""

import pytest

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Bundle, Case
from doorstep.cases.services import bundle_accept_at_window
from doorstep.cases.tests.test_pages import logged_in
from doorstep.catalog.selectors import bundle_get
from doorstep.conftest import found, user
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.registry.models import Resident
from doorstep.registry.selectors import resident_age

pytestmark = pytest.mark.django_db


def elder() -> Resident:
    jiang = Resident.objects.get(name="姜建国")
    assert resident_age(jiang) >= 60
    return jiang


@pytest.fixture(autouse=True)
def _clerk_searched_for_them():
    """The window clerk found the applicants by a search first (which lets them open them)."""
    found(user("clerk_c001001"), elder().pk, Resident.objects.get(name="谢朵朵").pk)


def all_names(code: str) -> list[str]:
    return [m["name"] for m in bundle_get(code).merged_materials]


def test_merged_materials_ask_for_a_shared_paper_once():
    bundle = bundle_get("YJS-01")
    names = [m["name"] for m in bundle.merged_materials]
    assert len(names) == len(set(names))
    identity = next(m for m in bundle.merged_materials if m["name"] == "居民身份证")
    assert len(identity["items"]) >= 2  # needed by several items, brought once
    with pytest.raises(NotFound, match="一件事"):
        bundle_get("NOPE")


def test_a_bundle_is_accepted_as_one_matter_with_its_member_cases():
    clerk = user("clerk_c001001")
    bundle = bundle_accept_at_window(idempotency_key=new_key(),
                                     actor=clerk, bundle_code="YJS-01", applicant_id=elder().pk,
                                     materials_present_names=all_names("YJS-01"), consent=True)
    members = list(Case.objects.filter(bundle=bundle).select_related("item").order_by("id"))
    assert sorted(c.item.code for c in members) == ["MZ-C01", "MZ-C03", "MZ-C04"]
    assert bundle.number.startswith("B430302") and all(c.applicant_id == elder().pk for c in members)
    assert len({c.number for c in members}) == 3
    assert AuditEvent.objects.filter(action="bundle.accept", target_id=str(bundle.pk)).count() == 1
    assert AuditEvent.objects.filter(action="case.accept", target_id__in=[str(c.pk) for c in members]).count() == 3


def test_all_or_nothing_when_one_member_cannot_be_accepted():
    clerk = user("clerk_c001001")
    before = (Case.objects.count(), Bundle.objects.count(), AuditEvent.objects.count())
    names = [n for n in all_names("YJS-01") if n != "近期一寸免冠照片"]
    with pytest.raises(ValidationFailed, match="老年人优待证办理") as err:
        bundle_accept_at_window(idempotency_key=new_key(),
                                actor=clerk, bundle_code="YJS-01", applicant_id=elder().pk,
                                materials_present_names=names, consent=True)
    assert "免冠照片" in err.value.message
    with pytest.raises(ValidationFailed, match="同意"):
        bundle_accept_at_window(idempotency_key=new_key(),
                                actor=clerk, bundle_code="YJS-01", applicant_id=elder().pk,
                                materials_present_names=all_names("YJS-01"))
    young = Resident.objects.get(name="谢朵朵")
    with pytest.raises(ValidationFailed, match="60"):
        bundle_accept_at_window(idempotency_key=new_key(),
                                actor=clerk, bundle_code="YJS-01", applicant_id=young.pk,
                                materials_present_names=all_names("YJS-01"), consent=True)
    assert (Case.objects.count(), Bundle.objects.count(), AuditEvent.objects.count()) == before


def test_bundle_pages_from_search_to_the_matter():
    client = logged_in("clerk_c001001")
    jiang = elder()
    page = client.get("/window/", {"resident": jiang.pk, "item_q": "老年人福利"}).content.decode()
    assert 'data-testid="window-pick-bundle"' in page
    page = client.get("/window/", {"resident": jiang.pk, "bundle": "YJS-01"}).content.decode()
    assert "一次受理全部事项" in page and page.count('name="material"') == len(all_names("YJS-01"))
    assert client.get("/window/", {"resident": jiang.pk, "bundle": "NOPE"}).status_code == 404
    response = client.post("/window/accept-bundle/", {"resident": jiang.pk, "bundle": "YJS-01",
                                                      "material": all_names("YJS-01"), "consent": "1",
                                                      "idempotency_key": new_key()}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and "已一次受理" in text and text.count("/cases/") >= 3
    bundle = Bundle.objects.get(applicant=jiang)
    response = client.post("/window/accept-bundle/", {"resident": jiang.pk, "bundle": "YJS-01"}, follow=True)
    assert "同意" in response.content.decode() and Bundle.objects.filter(applicant=jiang).count() == 1
    # another community's clerk in the same district sees the member cases (全区通办) only within scope
    assert logged_in("clerk_c001001").get(f"/cases/bundles/{bundle.pk}/").status_code == 200
    assert logged_in("clerk_c001001").get("/cases/bundles/abc/").status_code == 404
    assert logged_in("clerk_c001001").get("/cases/bundles/99999999/").status_code == 404
