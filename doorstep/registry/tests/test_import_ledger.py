"""Loading a district's own ledger (issue #12 item 4): the 300-row ledger of awkward but valid rows imports whole and
every resident is then found by name, pinyin, document and phone; the shipped example imports cleanly; all or
nothing; an unchanged file changes nothing; a changed phone updates one resident; CSV zips (GBK names too), GB18030
CSV, and files that cannot be read are refused with a clear message and nothing written."""

import copy
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.crypto import blind_index, decrypt
from doorstep.core.errors import ValidationFailed
from doorstep.core.idnumbers import parse_document
from doorstep.org.models import OrgNode
from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, ORG, RESIDENTS
from doorstep.registry.ledger.services import ledger_run
from doorstep.registry.ledger.workbook import EXAMPLE, example_csv_texts, example_csv_zip, template_xlsx
from doorstep.registry.models import Building, Household, Resident, ResidentNameKey
from doorstep.registry.selectors import resident_search_for_user
from doorstep.registry.tests.ledger_fixtures import (
    GRIDS,
    LONG_NAME,
    STREET,
    as_csv_zip,
    as_xlsx,
    awkward_ledger,
    csv_text,
)

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[3] / "docs" / "examples"


def district():
    return OrgNode.objects.get(code="430302")


def run(content: bytes, *, commit: bool = False, name: str = "ledger.xlsx"):
    return ledger_run(actor=None, content=content, file_name=name, district=district(), commit=commit)


def registry_rows() -> tuple[int, ...]:
    return (OrgNode.objects.count(), Building.objects.count(), Household.objects.count(), Resident.objects.count(),
            ResidentNameKey.objects.count())


def found(query: str, kind: str = "auto") -> list[str]:
    result = resident_search_for_user(user("admin"), query=query, kind=kind, page_size=200)
    return [r.name for r in result.page.items]


def test_awkward_300_row_ledger_imports_whole_and_every_resident_is_found_by_name_pinyin_document_and_phone():
    ledger = awkward_ledger(300)
    content = as_xlsx(ledger)
    check = run(content)
    assert check.ok, check.problems[:5]
    assert (check.counts[RESIDENTS].new, check.counts[HOUSEHOLDS].new, check.counts[BUILDINGS].new) == (300, 100, 5)
    assert Resident.objects.filter(path__startswith=STREET).count() == 0  # a check writes nothing
    report = run(content, commit=True)
    assert report.committed and report.counts[RESIDENTS].new == 300
    imported = Resident.objects.filter(path__startswith=STREET)
    assert imported.count() == 300 and set(imported.values_list("path", flat=True)) == set(GRIDS)
    # every look-alike dot is one stored name; found with any dot, without it, by pinyin and initials
    assert set(imported.filter(name__startswith="买买提").values_list("name", flat=True)) == {"买买提·艾力", "买买提·艾力江"}
    for query in ("买买提·艾力", "买买提•艾力", "买买提.艾力", "买买提艾力", "maimaiti", "mmtal"):
        assert "买买提·艾力" in found(query), query
    for query in ("王𰀀", "王𠮷", "𠮷野家"):  # outside the BMP: stored, shown, found
        assert query in found(query)
    assert LONG_NAME in found(LONG_NAME[:10])
    # the documents, as a window types them, in their canonical form
    rows = ledger[RESIDENTS]
    for i in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 23):
        row = rows[i]
        document = parse_document(row["证件号码"], {"护照": "passport", "港澳居民来往内地通行证": "hk_macao_permit",
                                                  "台湾居民来往大陆通行证": "taiwan_permit", "台胞证": "taiwan_permit"}.get(
            row.get("证件类型", ""), "auto"))
        resident = Resident.objects.get(id_number_index=blind_index("id", document.index_value))
        assert decrypt(resident.id_number_enc) == document.number and resident.id_number_masked == document.masked
        assert resident.name in found(row["证件号码"] if i != 4 else document.number), (i, row["证件号码"])
    assert Resident.objects.filter(id_number_masked__startswith="8100").exists()  # 港澳台居民居住证
    assert imported.filter(document_type="foreign_permanent").count() == 25
    # phones in every form, stored canonical, found by any form
    assert "王伟芳" not in found("+86 137 0731 9999")
    first = Resident.objects.get(id_number_index=blind_index("id", parse_document(rows[0]["证件号码"]).index_value))
    assert decrypt(first.phone_enc) == "13707310000" and first.phone_masked == "137****0000"
    assert first.name in found("137 0731 0000") and first.name in found("+8613707310000")
    landline = Resident.objects.get(phone_index=blind_index("phone", "073158880004"))
    assert landline.phone_masked == "0731-****0004" and landline.name in found("0731-5888 0004")
    # 430302 numbers of people born before the code existed (1984)
    old = [r for r in imported if r.id_number_masked.startswith("4303") and r.birth_date.year < 1984]
    assert old and all(r.document_type == "id_card" for r in old)
    # two buildings await coordinates
    assert Building.objects.filter(code__startswith="T91-", latitude__isnull=True).count() == 2
    assert list(Building.objects.filter(code="T91-01").values_list("household_count", flat=True)) == [20]


def test_example_ledger_in_docs_is_the_shipped_example_and_imports_cleanly_into_the_demo_district():
    texts = example_csv_texts(EXAMPLE)
    names = {ORG: "组织机构.csv", BUILDINGS: "楼栋.csv", HOUSEHOLDS: "户.csv", RESIDENTS: "居民.csv"}
    for kind, text in texts.items():
        assert (DOCS / names[kind]).read_text(encoding="utf-8") == text, names[kind]
    for content in (template_xlsx(example=EXAMPLE), example_csv_zip(EXAMPLE)):
        report = run(content)
        assert report.ok and report.counts[RESIDENTS].new == 8, report.problems
        assert [p.level for p in report.problems] == ["warning"]  # the 15-digit number was converted, and said so
        assert "15位身份证号已按国家标准" in report.problems[0].message
    assert run(template_xlsx(example=EXAMPLE), commit=True).committed
    assert "买买提·艾力" in found("maimaiti") and Resident.objects.filter(household__number="900090002").get().name == "买买提·艾力"


def test_an_error_in_row_299_writes_nothing_of_rows_1_to_298():
    ledger = awkward_ledger(300)
    ledger[RESIDENTS][297].update({"证件类型": "", "证件号码": "430321199001010010"})  # Excel row 299: bad check
    before = registry_rows()
    audits = AuditEvent.objects.count()
    report = run(as_xlsx(ledger), commit=True)
    assert not report.committed and report.error_count == 1
    (problem,) = [p for p in report.problems if p.level == "error"]
    assert (problem.sheet, problem.row, problem.column) == ("居民", 299, "证件号码*")
    assert problem.value == "4303**********0010" and "校验位" in problem.message
    assert registry_rows() == before
    assert AuditEvent.objects.count() == audits + 1  # the refused run's own record
    event = AuditEvent.objects.latest("id")
    assert event.action == "registry.import" and event.result == "failed" and event.summary["problems"] == 1


def test_reimporting_an_unchanged_file_writes_nothing_but_its_own_audit_event():
    content = as_xlsx(awkward_ledger(60))
    assert run(content, commit=True).committed
    before = registry_rows()
    audits = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        report = run(content, commit=True)
    assert report.committed and report.counts[RESIDENTS].unchanged == 60 and report.counts[RESIDENTS].new == 0
    assert all(c.new == c.updated == 0 for c in report.counts.values())
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(writes) == 1 and "audit_auditevent" in writes[0]
    assert registry_rows() == before and AuditEvent.objects.count() == audits + 1
    assert AuditEvent.objects.latest("id").summary["counts"]["residents"] == {
        "new": 0, "updated": 0, "unchanged": 60, "errors": 0}


def test_a_changed_phone_updates_one_resident_and_the_audit_event_says_so():
    ledger = awkward_ledger(30)
    assert run(as_xlsx(ledger), commit=True).committed
    changed = copy.deepcopy(ledger)
    changed[RESIDENTS][0]["联系电话"] = "139 0731 8888"
    report = run(as_xlsx(changed), commit=True)
    assert report.committed and report.counts[RESIDENTS].updated == 1 and report.counts[RESIDENTS].unchanged == 29
    assert report.changed_fields == {"phone": 1}
    resident = Resident.objects.get(id_number_index=blind_index(
        "id", parse_document(ledger[RESIDENTS][0]["证件号码"]).index_value))
    assert decrypt(resident.phone_enc) == "13907318888" and resident.phone_masked == "139****8888"
    assert resident.name in found("13907318888")
    event = AuditEvent.objects.latest("id")
    assert event.action == "registry.import" and event.summary["changed_fields"] == {"phone": 1}
    assert "13907318888" not in str(event.summary) and report.sha256 == event.summary["sha256"]
    # the history keeps the record as it was: the old phone until today, the new one from today
    from doorstep.registry.models import ResidentVersion

    versions = list(ResidentVersion.objects.filter(resident=resident).order_by("valid_from", "id"))
    assert [v.valid_to for v in versions] == [timezone.localdate(), None]
    assert versions[0].phone_masked != "139****8888" and versions[1].phone_masked == "139****8888"


def test_a_renamed_resident_is_found_by_the_new_name_only():
    ledger = awkward_ledger(9)
    assert run(as_xlsx(ledger), commit=True).committed
    renamed = copy.deepcopy(ledger)
    renamed[RESIDENTS][0]["姓名"] = "阚杰"
    report = run(as_xlsx(renamed), commit=True)
    assert report.changed_fields == {"name": 1}
    assert "阚杰" in found("kanjie") and "阚杰" in found("hanjie")
    assert ledger[RESIDENTS][0]["姓名"] not in found(ledger[RESIDENTS][0]["姓名"])


def test_a_resident_or_building_moved_by_reimport_takes_its_name_keys_along():
    """The name keys carry each resident's path (a search scopes by it): a resident moved to a household of the
    other grid, and a building moved to the other grid, move their keys too."""
    from django.db.models import F

    ledger = awkward_ledger(9)
    assert run(as_xlsx(ledger), commit=True).committed
    moved = copy.deepcopy(ledger)
    child = moved[RESIDENTS][2]
    assert child["户号"] == "T91000001" and child["与户主关系"] == "子女"
    child["户号"] = "T91000002"  # building T91-02, the second grid
    moved[BUILDINGS][2]["网格编码"] = GRIDS[1]  # T91-03 (household T91000003) to the second grid
    report = run(as_xlsx(moved), commit=True)
    assert report.committed and report.counts[RESIDENTS].updated >= 1
    assert set(Resident.objects.filter(path__startswith=STREET).values_list("path", flat=True)) == {GRIDS[0], GRIDS[1]}
    assert Resident.objects.filter(household__number="T91000003", path=GRIDS[1]).count() == 3
    stale = ResidentNameKey.objects.exclude(path=F("resident__path")) | ResidentNameKey.objects.exclude(
        name=F("resident__name"))
    assert not stale.exists()


def test_csv_zip_with_gbk_member_names_and_gb18030_text_imports_like_the_workbook():
    ledger = awkward_ledger(30)
    for encoding in ("utf-8-sig", "gb18030"):
        report = run(as_csv_zip(ledger, encoding=encoding, gbk_names=True), name="台账.zip")
        assert report.ok and report.counts[RESIDENTS].new == 30, (encoding, report.problems[:3])
        assert report.sheets[RESIDENTS] == "居民.csv"
    assert run(as_csv_zip(ledger), commit=True, name="台账.zip").committed
    assert Resident.objects.filter(path__startswith=STREET).count() == 30


def test_a_single_gb18030_csv_is_the_residents_sheet_of_households_that_exist():
    ledger = awkward_ledger(30)
    assert run(as_csv_zip({k: v for k, v in ledger.items() if k != RESIDENTS}), commit=True).committed
    content = csv_text(ledger, RESIDENTS).encode("gb18030")
    report = run(content, name="居民名单.csv", commit=True)
    assert report.committed and report.format == "csv" and report.counts[RESIDENTS].new == 30
    assert "王𠮷" in found("王𠮷")  # GB18030 holds characters outside the BMP too


def test_a_reimport_without_optional_columns_keeps_phones_flags_and_employers_and_says_what_it_updates():
    """A ledger of people and numbers only (no 联系电话, no flags, no 工作单位 column) updates what it has and keeps
    the rest of what the registry holds: following an error's advice to list someone with the required columns
    only once erased their phone."""
    import csv
    import io

    ledger = awkward_ledger(9)
    assert run(as_xlsx(ledger), commit=True).committed
    with_phone = Resident.objects.filter(path__startswith=STREET).exclude(phone_index="").order_by("id")
    before = {r.pk: (r.phone_index, r.phone_masked, r.is_elderly_alone, r.employer) for r in with_phone}
    assert before
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["姓名", "性别", "出生日期", "证件类型", "证件号码", "户号", "与户主关系"]  # passports need the first three
    writer.writerow(columns)
    for i, row in enumerate(ledger[RESIDENTS]):
        writer.writerow([row.get(c, "") + ("新" if i == 0 and c == "姓名" else "") for c in columns])
    report = run(out.getvalue().encode("utf-8-sig"), name="居民.csv", commit=True)
    assert report.committed and report.counts[RESIDENTS].updated == 1 and report.counts[RESIDENTS].unchanged == 8
    assert report.changed_fields == {"name": 1}
    after = {r.pk: (r.phone_index, r.phone_masked, r.is_elderly_alone, r.employer)
             for r in Resident.objects.filter(pk__in=before)}
    assert after == before


@pytest.mark.parametrize("content, words", [
    (b"", "空的"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "不是文本文件"),
    (b"PK\x03\x04garbage-that-is-no-zip" * 10, "已损坏"),
    ("编号,名称\n1,甲\n".encode("gb18030"), "缺少必填列"),
])
def test_files_that_cannot_be_read_are_refused_with_a_clear_message_and_nothing_written(content, words):
    before = registry_rows()
    try:
        report = run(content, commit=True, name="x.csv")
    except ValidationFailed as exc:
        assert words in exc.message
    else:
        assert not report.committed and any(words in p.message for p in report.problems), report.problems
    assert registry_rows() == before


def test_a_workbook_without_any_ledger_sheet_is_refused():
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "工资表"
    book.active.append(["月份", "金额"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed, match="没有可导入的工作表"):
        run(out.getvalue())


def test_a_zip_that_would_unpack_past_the_limit_is_refused_unread(settings):
    settings.DOORSTEP_LEDGER_MAX_UNCOMPRESSED_BYTES = 10_000
    with pytest.raises(ValidationFailed, match="解压后超过"):
        run(as_csv_zip({RESIDENTS: [{"姓名": "甲" * 40}] * 400}))


def test_a_file_past_the_upload_limit_is_refused(settings):
    settings.DOORSTEP_LEDGER_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed, match="文件超过"):
        run(as_xlsx(awkward_ledger(30)))


def test_a_document_held_by_another_person_is_refused_not_rewritten_into_them():
    """Review finding: a passport number a ledger gave to someone of another name and birth date turned the person
    holding it into that someone. Another name, birth date and gender is another person: an error, nothing written."""
    ledger = awkward_ledger(30)
    assert run(as_xlsx(ledger), commit=True).committed
    other = copy.deepcopy(ledger)
    row = next(r for r in other[RESIDENTS] if r.get("证件类型") == "护照")
    row.update({"姓名": "全新的人", "出生日期": "1950/01/01", "性别": "女" if row["性别"] == "男" else "男"})
    before = registry_rows()
    report = run(as_xlsx(other), commit=True)
    assert not report.committed and any("另一人" in p["message"] for p in report.as_json()["problems"])
    assert registry_rows() == before and "全新的人" not in found("全新的人")


def test_an_import_whose_outcome_differs_from_the_confirmed_check_is_refused():
    from doorstep.registry.ledger.importer import run_ledger
    from doorstep.registry.ledger.reading import open_ledger

    ledger = awkward_ledger(12)
    content = as_xlsx(ledger)
    checked = run(content)
    assert checked.ok
    expected = checked.as_json()["counts"]
    assert run(content, commit=True).committed  # meanwhile, another import of the same people
    before = registry_rows()
    report = run_ledger(open_ledger(content, "ledger.xlsx"), district=district(), commit=True, expected=expected)
    assert not report.committed and any("重新上传" in p["message"] for p in report.as_json()["problems"])
    assert registry_rows() == before


def test_a_sheet_with_a_name_no_ledger_uses_is_an_error_not_silently_skipped():
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(as_xlsx(awkward_ledger(6))))
    book["户"].title = "households"
    out = io.BytesIO()
    book.save(out)
    report = run(out.getvalue())
    assert not report.ok and any("households" in p["message"] for p in report.as_json()["problems"])
    assert run(as_xlsx(awkward_ledger(6))).ok  # the template's own 说明 sheet is no problem


# --- review fixes: heads against the registry, the absent count, a huge CSV cell, the history of new residents ------

def _demo_heads(count: int) -> list[Resident]:
    """Active heads (居民身份证 holders) of `count` demo households of the district, one each."""
    heads = list(Resident.objects.filter(path__startswith="430302", relation="head", status="active",
                                         document_type="id_card").order_by("id")[:count])
    assert len(heads) == count
    return heads


def _new_person(serial: int, household: str, relation: str = "户主") -> dict:
    from doorstep.core.idnumbers import complete_id_number

    first17 = f"43032119850101{serial:03d}"
    number = complete_id_number(first17)
    while Resident.objects.filter(id_number_index=blind_index("id", parse_document(number).index_value)).exists():
        serial += 2
        number = complete_id_number(f"43032119850101{serial % 1000:03d}")
    return {"姓名": "二号户主", "证件号码": number, "户号": household, "与户主关系": relation}


def _row_of(resident: Resident, relation: str) -> dict:
    """A ledger row listing a registry resident as they are, in `relation`."""
    return {"姓名": resident.name, "证件号码": decrypt(resident.id_number_enc), "户号": resident.household.number,
            "与户主关系": relation}


def _residents_csv(rows: list[dict]) -> bytes:
    return csv_text({RESIDENTS: rows}, RESIDENTS).encode("utf-8")


def test_a_second_head_for_a_household_whose_registry_head_is_another_person_is_an_error():
    """Review finding: a one-row CSV naming a 户主 for a demo household that has one passed and imported, leaving the
    household with two heads. The registry's heads are read once per batch, not once per row."""
    heads = _demo_heads(6)
    rows = [_new_person(2 * i + 1, h.household.number) for i, h in enumerate(heads)]
    before = registry_rows()
    report = run(_residents_csv(rows[:1]), name="二号户主.csv", commit=True)
    assert not report.committed and report.counts[RESIDENTS].errors == 1 and report.counts[RESIDENTS].new == 0
    (problem,) = report.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("二号户主.csv", 2, "与户主关系", "户主")
    assert heads[0].household.number in problem.message and heads[0].name in problem.message
    assert registry_rows() == before
    assert Resident.objects.filter(household=heads[0].household, relation="head", status="active").count() == 1
    counted = []
    for file_rows in (rows[:1], rows):
        with CaptureQueriesContext(connection) as queries:
            report = run(_residents_csv(file_rows), name="二号户主.csv")
        assert report.counts[RESIDENTS].errors == len(file_rows)
        counted.append(len(queries.captured_queries))
    assert counted[0] == counted[1], counted  # six conflicting rows cost the queries of one


@pytest.mark.parametrize("old_head_first", [True, False])
@pytest.mark.parametrize("batch", [5000, 1])
def test_a_new_head_imports_when_the_file_lists_the_registry_head_in_another_relation(old_head_first, batch,
                                                                                     monkeypatch):
    """Changing a household's head in the ledger: the new head and the former head (now 配偶), in either order —
    the former head's row may come after the new head's, in a later batch."""
    monkeypatch.setattr("doorstep.registry.ledger.resident_sheet.BATCH", batch)
    head = _demo_heads_with_spouse()
    spouse = Resident.objects.get(household=head.household, relation="spouse", status="active")
    new = _new_person(101, head.household.number)
    # the former head becomes 配偶: the registry's 配偶 must be listed too, in their new relation (one 配偶 a household)
    rows = [_row_of(head, "配偶"), _row_of(spouse, "其他"), new] if old_head_first else [
        new, _row_of(head, "配偶"), _row_of(spouse, "其他")]
    report = run(_residents_csv(rows), name="换户主.csv", commit=True)
    assert report.committed and report.counts[RESIDENTS].new == 1 and report.counts[RESIDENTS].updated == 2, \
        report.problems
    heads = Resident.objects.filter(household=head.household, relation="head", status="active")
    assert list(heads.values_list("name", flat=True)) == ["二号户主"]
    spouses = Resident.objects.filter(household=head.household, relation="spouse", status="active")
    assert list(spouses.values_list("pk", flat=True)) == [head.pk]


def test_a_former_head_made_spouse_beside_the_registrys_spouse_is_an_error_naming_them():
    """Verification finding: a new 户主 with the former head as 配偶 left the household with two 配偶."""
    head = _demo_heads_with_spouse()
    spouse = Resident.objects.get(household=head.household, relation="spouse", status="active")
    report = run(_residents_csv([_new_person(103, head.household.number), _row_of(head, "配偶")]), name="换户主.csv",
                 commit=True)
    assert not report.committed
    (problem,) = [p for p in report.problems if p.level == "error"]
    assert problem.row == 3 and "已有配偶" in problem.message and spouse.name in problem.message


def _demo_heads_with_spouse() -> Resident:
    return (Resident.objects.filter(path__startswith="430302", relation="head", status="active",
                                    document_type="id_card", household__members__relation="spouse")
            .exclude(household__members__document_type__in=["passport", "hk_macao_permit", "taiwan_permit"])
            .order_by("id").first())


def test_the_registry_head_listed_unchanged_beside_a_new_head_is_one_error_not_two():
    (head,) = _demo_heads(1)
    report = run(_residents_csv([_new_person(151, head.household.number), _row_of(head, "户主")]), name="居民.csv")
    assert report.error_count == 1 and report.counts[RESIDENTS].errors == 1
    assert "第2行" in report.problems[0].message and report.problems[0].row == 3  # the file's own check says it


def test_the_absent_count_after_an_import_is_the_one_its_check_gave():
    """Review finding: checking said 299,455 residents absent, the import 299,461 — its own new residents counted
    as absent."""
    content = as_xlsx(awkward_ledger(12))
    check = run(content)
    assert check.ok and check.absent == Resident.objects.filter(path__startswith="430302", status="active").count()
    report = run(content, commit=True)
    assert report.committed and report.counts[RESIDENTS].new == 12 and report.absent == check.absent
    assert run(content).absent == check.absent  # and a re-check of the imported file says it again


def test_a_two_megabyte_cell_in_a_csv_is_a_problem_of_its_row_and_column_and_the_next_rows_are_read():
    """Review finding: one 2 MB cell in 工作单位 made the whole CSV "不是有效的 CSV 文件"."""
    ledger = awkward_ledger(3)
    ledger[RESIDENTS][0]["工作单位"] = "湘" * (2 * 1024 * 1024)
    ledger[RESIDENTS][2]["联系电话"] = "12345"
    report = run(csv_text(ledger, RESIDENTS).encode("utf-8"), name="居民.csv")
    assert report.counts[RESIDENTS].rows == 3
    found_problems = {(p.row, p.column): p for p in report.problems}
    huge = found_problems[(2, "工作单位")]
    assert "不能超过100个字符" in huge.message and huge.value == "湘" * 100
    assert (4, "联系电话") in found_problems  # the row after it is still read and checked
