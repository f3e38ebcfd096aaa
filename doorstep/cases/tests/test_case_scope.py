"""Case scope as a table (cases/authority.py CASE_SCOPE): a window clerk browses what their center took in or
holds and what they took in themselves; any other case of the district only after an exact search of theirs (a
whole case number or the applicant's ID number) — search, never browse. Residents likewise: a clerk opens a
resident only after a search of theirs showed them. Missing and not yours answer the same, for cases, uploads,
certificates, notices, follow-ups, supervision counts and exports."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case
from doorstep.cases.selectors import cases_browsable, supervision_for_user
from doorstep.cases.services import case_apply_online, case_transition
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, user
from doorstep.core.crypto import decrypt
from doorstep.core.idempotency import new_key
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.ratings.services import follow_up_answer, rating_submit
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
MISSING = 999_999_999


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def logged_in(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    return client


def xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def same_as_missing(client: Client, url: str, missing_url: str) -> None:
    """Not yours answers exactly as missing does: same status, same page."""
    mine, missing = client.get(url), client.get(missing_url)
    assert mine.status_code == missing.status_code == 404, (url, mine.status_code)
    assert _stable(mine.content) == _stable(missing.content)


def _rows(response) -> str:
    """The ledger table's rows (the query itself is echoed in the search box and the language switch)."""
    html = response.content.decode()
    return html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""


def _stable(html: bytes) -> bytes:
    """A page without what changes on every render (CSRF token masks, CSP nonces) or names the page's own address
    (the language switch's return path)."""
    html = re.sub(rb'name="next" value="[^"]*"', b"", html)
    html = re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', rb"\1", html)
    return re.sub(rb'nonce="[^"]+"', b"", html)


@pytest.fixture
def jindi_case():
    """A street item (临时救助) taken in at 金地花园 station (c001001), concluded there? No: forwarded to the street."""
    clerk = user("clerk_c001001")
    case = accept(actor=clerk, item_code="WJ-C02", applicant_id=xie().pk)
    return case_transition(actor=clerk, case_id=case.pk, action="conclude")


def test_a_clerk_browses_only_their_own_stations_cases(jindi_case):
    neighbour = user("clerk_c001002")  # the next community's station
    assert not cases_browsable(neighbour).filter(pk=jindi_case.pk).exists()
    assert cases_browsable(user("clerk_c001001")).filter(pk=jindi_case.pk).exists()
    assert not cases_browsable(user("clerk_s01a")).filter(pk=jindi_case.pk).exists()  # the street did not hold it
    page = logged_in("clerk_c001002").get("/cases/").content.decode()
    assert jindi_case.number not in page
    # the ledger's count is the scope's, not the district's
    assert cases_browsable(neighbour).count() < Case.objects.count()


def test_any_other_case_opens_only_after_an_exact_search(jindi_case):
    client = logged_in("clerk_c001002")
    same_as_missing(client, f"/cases/{jindi_case.pk}/", f"/cases/{MISSING}/")
    # a prefix is browsing, not a search: nothing outside the scope
    assert jindi_case.number not in client.get("/cases/", {"q": jindi_case.number[:14]}).content.decode()
    # the whole number alone is not enough either: numbers are sequential, guessing one opened any case
    assert jindi_case.number not in _rows(client.get("/cases/", {"q": jindi_case.number}))
    same_as_missing(client, f"/cases/{jindi_case.pk}/", f"/cases/{MISSING}/")
    assert jindi_case.number not in _rows(client.get("/cases/", {"q": f"{jindi_case.number} Ab3xY"}))
    # with the query code from the applicant's receipt it is found, and opens
    listed = client.get("/cases/", {"q": f"{jindi_case.number} {jindi_case.public_code}"}).content.decode()
    assert jindi_case.number in listed
    assert client.get(f"/cases/{jindi_case.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="case.search", actor_id=user("clerk_c001002").pk).latest("id")
    assert event.summary["shown"] == 1 and jindi_case.public_code not in str(event.summary)
    # by the applicant's whole ID number, audited with the number masked
    other = logged_in("clerk_c001003")
    id_number = decrypt(xie().id_number_enc)
    assert jindi_case.number in other.get("/cases/", {"q": id_number}).content.decode()
    event = AuditEvent.objects.filter(action="case.search", actor_id=user("clerk_c001003").pk).latest("id")
    assert id_number not in str(event.summary) and "*" in event.summary["query"]


def test_a_clerk_opens_a_resident_only_after_their_own_search():
    client = logged_in("clerk_c001002")
    person = xie()
    same_as_missing(client, f"/residents/{person.pk}/", f"/residents/{MISSING}/")
    assert client.get("/window/", {"resident": person.pk}).status_code == 404
    phone = decrypt(person.phone_enc)
    page = client.get("/window/", {"q": phone}).content.decode()
    assert person.name in page
    event = AuditEvent.objects.filter(action="registry.search", actor_id=user("clerk_c001002").pk).latest("id")
    assert event.summary["channel"] == "window" and phone not in str(event.summary)
    assert event.summary["query"] == phone[:3] + "****" + phone[-4:]
    assert client.get("/window/", {"resident": person.pk}).status_code == 200
    assert client.get(f"/residents/{person.pk}/").status_code == 200
    # another clerk's search does not open the resident for this one
    same_as_missing(logged_in("clerk_c001003"), f"/residents/{person.pk}/", f"/residents/{MISSING}/")


def test_uploads_and_papers_of_other_stations_answer_as_missing(jindi_case):
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    jiang = user("13800000002")
    online = case_apply_online(idempotency_key=new_key(), actor=jiang, item_code="MZ-C01", consent=True,
                               files={photo: SimpleUploadedFile("p.png", PNG, content_type="image/png")})
    upload = online.uploads.get()
    station = online.review_node
    outsider = "clerk_c001003" if not station.code.endswith("003") else "clerk_c001002"
    client = logged_in(outsider)
    same_as_missing(client, f"/cases/{online.pk}/uploads/{upload.pk}/", f"/cases/{MISSING}/uploads/{upload.pk}/")
    same_as_missing(client, f"/cases/{jindi_case.pk}/certificate/", f"/cases/{MISSING}/certificate/")
    same_as_missing(client, f"/cases/{jindi_case.pk}/notice/", f"/cases/{MISSING}/notice/")
    same_as_missing(logged_in("clerk_s01a"), f"/cases/{online.pk}/uploads/{upload.pk}/",
                    f"/cases/{MISSING}/uploads/{upload.pk}/")
    assert logged_in("13800000002").get(f"/cases/{online.pk}/uploads/{upload.pk}/").status_code == 200


def test_follow_ups_belong_to_the_station_that_answers_for_them(jindi_case):
    rating = rating_submit(actor=user("13800000001"), case_id=jindi_case.pk, overall=2, efficiency=2, service=2,
                           attitude=2, comment="等了很久", idempotency_key=new_key())
    follow_up = rating.follow_up
    for outsider in ("clerk_c001002", "clerk_s01a"):
        page = logged_in(outsider).get("/ratings/follow-ups/").content.decode()
        assert "等了很久" not in page
        with pytest.raises(Exception) as err:
            follow_up_answer(actor=user(outsider), follow_up_id=follow_up.pk, answer="已核实并向居民致歉，整改排队。",
                             idempotency_key=new_key())
        assert type(err.value).__name__ == "NotFound"
    assert "等了很久" in logged_in("clerk_c001001").get("/ratings/follow-ups/").content.decode()
    assert "等了很久" in logged_in("approver_s01").get("/ratings/follow-ups/").content.decode()


def test_supervision_counts_follow_the_same_scope(jindi_case):
    for name in ("clerk_c001001", "clerk_c001002", "clerk_s01a", "approver_s01", "leader"):
        account = user(name)
        data = supervision_for_user(account, mark="all")
        total = sum(level["total"] for level in data["levels"])
        running = cases_browsable(account).filter(state__in=["accepted", "in_review"]).count()
        assert total == running, name


def test_exports_hold_only_the_scope(jindi_case):
    client = logged_in("clerk_c001002")
    response = client.get("/cases/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                              if response.streaming else response.content))["办件台账"]
    numbers = {str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert jindi_case.number not in numbers
    assert numbers <= set(cases_browsable(user("clerk_c001002")).values_list("number", flat=True))


def test_a_name_or_address_search_lists_only_the_clerks_own_area():
    """Search, never browse: a clerk's name, pinyin or address search lists residents of their own area only (a
    one-character address search listed 9,964 residents of the district with their homes); elsewhere in the
    district a person is found by ID card or phone, which opens them. A surname alone is refused."""
    from doorstep.registry.models import SearchGrant
    from doorstep.registry.services import resident_lookup

    person = xie()  # lives in community c001002
    elsewhere = user("clerk_c001003")  # the next community's window
    for query, kind in (("谢小波", "auto"), ("xxb", "auto"), (person.household.building.name[:1], "address")):
        shown = resident_lookup(actor=elsewhere, query=query, kind=kind, channel="window").page.items
        assert person.pk not in {r.pk for r in shown}, query
        assert all(r.path.startswith(elsewhere.org_node.code) and r.openable for r in shown), query
    assert not SearchGrant.objects.filter(user=elsewhere, object_id=person.pk).exists()
    client = logged_in("clerk_c001003")
    assert f"?resident={person.pk}" not in client.get("/window/", {"q": "谢小波"}).content.decode()
    same_as_missing(client, f"/residents/{person.pk}/", f"/residents/{MISSING}/")
    # one character or two letters is a surname: refused with a Chinese message
    for query in ("谢", "xx"):
        response = client.get("/residents/", {"q": query})
        assert response.status_code in (200, 400) and "身份证号" in response.content.decode()
    # the home community's window finds and opens them by name
    home = user("clerk_c001002")
    assert person.pk in {r.pk for r in resident_lookup(actor=home, query="谢小波").page.items}
    # an exact lookup opens anyone in the district
    phone = decrypt(person.phone_enc)
    assert resident_lookup(actor=elsewhere, query=phone, channel="window").page.items[0].openable
    assert client.get(f"/residents/{person.pk}/").status_code == 200


def test_a_ledger_query_that_is_not_a_number_or_id_shows_nothing_with_a_hint(jindi_case):
    """A name typed into the ledger's search used to be ignored: the whole ledger showed under the query."""
    client = logged_in("clerk_c001001")
    for query in ("谢小波", "abc", f"{jindi_case.number} {jindi_case.public_code} x"):
        page = client.get("/cases/", {"q": query}).content.decode()
        assert jindi_case.number not in _rows(client.get("/cases/", {"q": query})), query
        assert "不按姓名查找" in page
    assert jindi_case.number in _rows(client.get("/cases/", {"q": jindi_case.number[:14]}))
    # a shorter prefix (the district and the year) names most of the ledger: nothing, and how long a prefix to type
    short = client.get("/cases/", {"q": jindi_case.number[:10]}).content.decode()
    assert jindi_case.number not in _rows(client.get("/cases/", {"q": jindi_case.number[:10]})) and "至少14位" in short


def test_supervisors_see_the_cases_their_own_station_holds_for_residents_of_elsewhere(jindi_case):
    """全区通办: 金地花园 (c001001) took in and holds a case of 谢小波, who lives in c001002. The community's supervisor
    sees it (GB/T 32169 supervises the service center); the applicant's own community's supervisor too; a third
    community's does not."""
    assert jindi_case.review_node.code == "430302001001" and not jindi_case.applicant_path.startswith("430302001001")
    assert cases_browsable(user("supervisor_c001001")).filter(pk=jindi_case.pk).exists()
    assert logged_in("supervisor_c001001").get(f"/cases/{jindi_case.pk}/").status_code == 200
    assert cases_browsable(user("leader_s01")).filter(pk=jindi_case.pk).exists()
    if User.objects.filter(username="supervisor_c001003").exists():
        same_as_missing(logged_in("supervisor_c001003"), f"/cases/{jindi_case.pk}/", f"/cases/{MISSING}/")
