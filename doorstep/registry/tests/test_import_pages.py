"""The district administrator's import page over HTTP (issue #12 item 6): only the district's administrator opens
it (every other role is refused as the workspace table says, 403); upload → background check → report → confirm →
import → done; a file with errors is rejected with its masked error workbook and cannot be confirmed; a job is its
uploader's alone (404 for anyone else, the same as none); bad files are refused at once and make no job; a double
submission makes one job. The authority table and the job state machine are walked directly."""

import io
import re

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY
from openpyxl import load_workbook

from doorstep.accounts.models import User
from doorstep.accounts.roles import Role
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import ValidationFailed
from doorstep.core.idempotency import FIELD, new_key
from doorstep.core.tests.test_role_crawl import ROLES
from doorstep.org.models import OrgNode
from doorstep.registry.ledger import workflow
from doorstep.registry.ledger.authority import LEDGER_AUTHORITY, Action, permitted
from doorstep.registry.ledger.columns import RESIDENTS
from doorstep.registry.models import LedgerImport, Resident
from doorstep.registry.tests.ledger_fixtures import STREET, as_xlsx, awkward_ledger

pytestmark = pytest.mark.django_db
PAGE = "/residents/import/"


@pytest.fixture(autouse=True)
def _worker_here(settings, tmp_path):
    """The huey worker's own code, run in this process as soon as the request's transaction commits."""
    settings.VAR_DIR = tmp_path
    HUEY.immediate = True
    yield
    HUEY.immediate = False


def client(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


def upload(c: Client, content: bytes, *, name: str = "台账.xlsx", key: str | None = None, capture=None):
    data = {"file": _file(content, name), FIELD: key or new_key()}
    with capture(execute=True):
        return c.post(PAGE, data)


def _file(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("username", ROLES)
def test_only_the_district_administrator_opens_the_import_page(username):
    response = client(username).get(PAGE)
    assert response.status_code == (200 if username == "admin" else 403)
    home = client(username).get("/").content.decode()
    assert (PAGE in home) == (username == "admin")  # the navigation offers it where it may be used


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_upload_check_confirm_import_done_over_http(django_capture_on_commit_callbacks):
    admin = client("admin")
    response = upload(admin, as_xlsx(awkward_ledger(30)), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = LedgerImport.objects.get()
    assert job.state == "checked" and job.report["counts"][RESIDENTS]["new"] == 30
    assert Resident.objects.filter(path__startswith=STREET).count() == 0  # the check wrote nothing
    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="import-checked"' in page and 'data-testid="import-confirm"' in page
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(f"{PAGE}{job.token}/confirm/")
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.state == "done" and job.report["committed"] and job.finished_at
    assert Resident.objects.filter(path__startswith=STREET).count() == 30
    page = admin.get(f"{PAGE}{job.token}/").content.decode()
    assert 'data-testid="import-done"' in page and 'data-testid="import-confirm"' not in page
    # a second confirm imports nothing twice
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"{PAGE}{job.token}/confirm/")
    assert Resident.objects.filter(path__startswith=STREET).count() == 30
    actions = list(AuditEvent.objects.filter(target_id=job.district.code, action__startswith="registry.import")
                   .values_list("action", flat=True).order_by("id"))
    assert actions == ["registry.import_check", "registry.import"]
    from doorstep.notifications.models import Notification

    assert Notification.objects.filter(user=user("admin"), kind="registry.import").count() == 2


def test_a_ledger_with_errors_is_rejected_with_a_masked_error_workbook_and_cannot_be_confirmed(
        django_capture_on_commit_callbacks):
    ledger = awkward_ledger(12)
    ledger[RESIDENTS][3].update({"证件类型": "", "证件号码": "430321195501010012", "联系电话": "12345678901"})
    admin = client("admin")
    upload(admin, as_xlsx(ledger), capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.state == "rejected" and job.report["error_count"] == 2
    page = admin.get(f"{PAGE}{job.token}/").content.decode()
    assert 'data-testid="import-rejected"' in page and 'data-testid="import-confirm"' not in page
    assert "430321195501010012" not in page and "4303**********0012" in page
    workbook = admin.get(f"{PAGE}{job.token}/problems.xlsx")
    rows = list(load_workbook(io.BytesIO(workbook.content), read_only=True)["问题清单"].iter_rows(values_only=True))
    assert rows[0] == ("工作表", "行号", "列", "填写的值", "问题", "类别")
    assert ("居民", 5, "证件号码*", "4303**********0012") in [r[:4] for r in rows]
    assert ("居民", 5, "联系电话", "123****8901") in [r[:4] for r in rows]
    assert b"430321195501010012" not in workbook.content and b"12345678901" not in workbook.content
    assert admin.post(f"{PAGE}{job.token}/confirm/").status_code == 409
    assert Resident.objects.filter(path__startswith=STREET).count() == 0


@pytest.mark.parametrize("content, words", [
    (b"", "文件是空的"),
    (b"\x00\x01\x02binary" * 100, "不是 Excel 工作簿"),
    (b"PK\x03\x04not-a-zip" * 10, "已损坏"),
])
def test_files_that_are_no_ledger_are_refused_at_once_and_make_no_job(content, words,
                                                                      django_capture_on_commit_callbacks):
    response = upload(client("admin"), content, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 400 and words in response.content.decode()
    assert not LedgerImport.objects.exists()


def test_a_file_with_the_wrong_sheets_or_encoding_says_so_on_its_job(django_capture_on_commit_callbacks):
    admin = client("admin")
    upload(admin, "月份,金额\n1,2\n".encode("gb18030"), name="工资.csv", capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.state == "rejected"
    assert "缺少必填列" in admin.get(f"{PAGE}{job.token}/").content.decode()


def test_a_double_submission_makes_one_job(django_capture_on_commit_callbacks):
    admin = client("admin")
    key = new_key()
    content = as_xlsx(awkward_ledger(3))
    first = upload(admin, content, key=key, capture=django_capture_on_commit_callbacks)
    again = upload(admin, content, key=key, capture=django_capture_on_commit_callbacks)
    assert first["Location"] == again["Location"] and LedgerImport.objects.count() == 1


def test_a_job_is_its_uploaders_alone(django_capture_on_commit_callbacks):
    upload(client("admin"), as_xlsx(awkward_ledger(3)), capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    other = User.objects.create(username="admin_two", full_name="另一位管理员", role=Role.ADMIN,
                                org_node=OrgNode.objects.get(code="430302"))
    c = Client()
    c.force_login(other)
    assert c.get(PAGE).status_code == 200
    for path in (f"{PAGE}{job.token}/", f"{PAGE}{job.token}/problems.xlsx", f"{PAGE}nosuchjob/"):
        assert c.get(path).status_code == 404
    assert c.post(f"{PAGE}{job.token}/confirm/").status_code == 404
    job.refresh_from_db()
    assert job.state == "checked"


def test_the_job_page_reads_a_constant_number_of_queries(django_assert_max_num_queries,
                                                        django_capture_on_commit_callbacks):
    admin = client("admin")
    upload(admin, as_xlsx(awkward_ledger(30)), capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    with django_assert_max_num_queries(12):
        assert admin.get(f"{PAGE}{job.token}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin.get(PAGE).status_code == 200


def test_the_template_downloads_with_its_instructions():
    response = client("admin").get(f"{PAGE}template.xlsx")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["说明", "组织机构", "楼栋", "户", "居民"]
    assert next(book["居民"].iter_rows(values_only=True))[:5] == ("姓名*", "性别", "出生日期", "证件类型", "证件号码*")
    assert client("admin_s01").get(f"{PAGE}template.xlsx").status_code == 403


def test_authority_table_every_role_and_action():
    district = OrgNode.objects.get(code="430302")
    job = LedgerImport(owner=user("admin"), district=district)
    for username in ROLES:
        u = user(username)
        for action in Action:
            expected = username == "admin" and (action == Action.UPLOAD or job.owner_id == u.pk)
            assert permitted(u, action, job if action != Action.UPLOAD else None) == expected, (username, action)
    assert set(LEDGER_AUTHORITY) == {("admin", a) for a in Action}
    assert not permitted(user("admin_s01"), Action.UPLOAD)  # a street administrator has the role, not the place


def test_job_state_machine_every_legal_and_illegal_step():
    legal = workflow.TRANSITIONS
    for state in workflow.State:
        for step in workflow.Step:
            if (state, step) in legal:
                assert workflow.advance(state, step) == legal[(state, step)]
            else:
                with pytest.raises(workflow.IllegalStep):
                    workflow.advance(state, step)
    assert workflow.advance("checked", "confirm") == "importing"
    assert not workflow.allowed("rejected", "confirm") and not workflow.allowed("done", "confirm")
    assert {s.value for s in workflow.State} == set(LedgerImport.State.values)


def _upload_and_confirm(admin: Client, ledger: dict, name: str, capture) -> LedgerImport:
    upload(admin, as_xlsx(ledger), name=name, capture=capture)
    job = LedgerImport.objects.filter(file_name=name).get()
    assert job.state == "checked", job.report.get("problems")
    with capture(execute=True):
        admin.post(f"{PAGE}{job.token}/confirm/")
    job.refresh_from_db()
    assert job.state == "done" and job.confirmed_at is not None
    return job


def test_a_residents_history_names_the_import_that_changed_them_not_the_original_record(
        django_capture_on_commit_callbacks):
    from django.utils import timezone

    from doorstep.core.idnumbers import parse_document
    from doorstep.registry.models import ResidentVersion

    admin = client("admin")
    ledger = awkward_ledger(3)
    _upload_and_confirm(admin, ledger, "第一次台账.xlsx", django_capture_on_commit_callbacks)
    ledger[RESIDENTS][0]["联系电话"] = "13907319999"
    second = _upload_and_confirm(admin, ledger, "第二次台账.xlsx", django_capture_on_commit_callbacks)
    from doorstep.core.crypto import blind_index

    index = blind_index("id", parse_document(ledger[RESIDENTS][0]["证件号码"]).index_value)
    resident = Resident.objects.get(id_number_index=index)
    assert ResidentVersion.objects.filter(resident=resident, ledger_import=second).count() == 1
    page = admin.get(f"/residents/{resident.pk}/").content.decode()
    sources = re.findall(r'data-testid="history-source">(.*?)</span>', page)
    # newest first: the update, then the import that registered them (test_residents_an_import_creates_…)
    assert sources == ["台账导入 · 第二次台账.xlsx", "台账导入 · 第一次台账.xlsx"]
    owner = user("admin")
    confirmed = re.search(r'data-testid="history-import">([^<]*)</div>', page).group(1)
    assert confirmed == f"{owner.full_name or owner.username} 于 {timezone.localtime(second.confirmed_at):%Y-%m-%d %H:%M} 确认导入"
    assert "联系电话：" in page


def test_a_job_waiting_for_a_worker_that_is_not_running_says_so_and_how_to_start_it():
    from django.utils import timezone

    from doorstep.exports.models import new_token

    admin = user("admin")
    now = timezone.now()

    def job(**fields) -> LedgerImport:
        return LedgerImport.objects.create(token=new_token(), owner=admin, district=admin.org_node,
                                           file_name="台账.xlsx", file_sha256="0" * 64, **fields)

    waiting = job(created_at=now - timezone.timedelta(seconds=45))
    fresh = job(created_at=now - timezone.timedelta(seconds=5))
    confirmed = job(created_at=now - timezone.timedelta(hours=1), state="importing",
                    confirmed_at=now - timezone.timedelta(minutes=2))
    running = job(created_at=now - timezone.timedelta(hours=1), state="importing",
                  confirmed_at=now - timezone.timedelta(minutes=2), started_at=now - timezone.timedelta(minutes=1))
    c = client("admin")
    for stalled in (waiting, confirmed):
        fragment = c.get(f"{PAGE}{stalled.token}/", headers={"HX-Request": "true"}).content.decode()
        note = re.search(r'data-testid="import-stalled">(.*?)</div>', fragment, re.S).group(1)
        assert "后台进程（huey）似乎没有运行" in note and "scripts/serve.sh" in note
        assert ".venv/bin/python -m doorstep.cli run_huey" in note
    for moving in (fresh, running):
        assert 'data-testid="import-stalled"' not in c.get(f"{PAGE}{moving.token}/").content.decode()


def test_a_header_only_csv_is_an_error_naming_the_sheet_and_offers_no_import(django_capture_on_commit_callbacks):
    from doorstep.registry.tests.ledger_fixtures import csv_text

    admin = client("admin")
    upload(admin, csv_text({}, RESIDENTS).encode("utf-8-sig"), name="居民.csv",
           capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.state == "rejected" and job.report["error_count"] == 1
    page = admin.get(f"{PAGE}{job.token}/").content.decode()
    assert "文件中没有数据行：工作表“居民.csv”只有列名" in page
    assert 'data-testid="import-confirm"' not in page and 'data-testid="import-checked"' not in page
    assert admin.post(f"{PAGE}{job.token}/confirm/").status_code == 409


def test_a_text_file_named_xlsx_is_refused_as_no_workbook_and_never_read_as_csv(django_capture_on_commit_callbacks):
    from doorstep.registry.tests.ledger_fixtures import csv_text

    text = csv_text(awkward_ledger(3), RESIDENTS).encode("utf-8")
    response = upload(client("admin"), text, name="居民.xlsx", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "文件不是有效的 Excel 工作簿" in response.content.decode()
    assert not LedgerImport.objects.exists()
    from doorstep.registry.ledger.reading import open_ledger

    with pytest.raises(ValidationFailed, match="文件不是有效的 Excel 工作簿"):
        open_ledger(text, "居民.xlsx")
    assert open_ledger(text, "居民.csv").format == "csv"  # the same text under its own name is read
    assert open_ledger(as_xlsx(awkward_ledger(3)), "居民.csv").format == "xlsx"  # content decides, not the name


def test_the_import_progress_in_english_says_1_row_and_3_rows():
    from django.conf import settings
    from django.utils import timezone

    from doorstep.exports.models import new_token

    admin = user("admin")
    job = LedgerImport.objects.create(token=new_token(), owner=admin, district=admin.org_node, file_name="a.csv",
                                      file_sha256="0" * 64, created_at=timezone.now(), state="checking",
                                      stage="居民", done=0, total=1)
    c = client("admin")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    progress = c.get(f"{PAGE}{job.token}/").content.decode()
    assert "0 / 1 row." in progress and "1 rows" not in progress
    LedgerImport.objects.filter(pk=job.pk).update(total=3)
    assert "0 / 3 rows." in c.get(f"{PAGE}{job.token}/").content.decode()


# --- review fixes --------------------------------------------------------------------------------------------------

def english_client(username: str = "admin") -> Client:
    from django.conf import settings

    c = client(username)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def _problems_text(page: str) -> str:
    return re.search(r'data-testid="import-problems".*?</table>', page, re.S).group(0)


def test_an_english_upload_is_checked_and_its_problems_and_error_workbook_worded_in_english(
        django_capture_on_commit_callbacks):
    """Review finding: with the English cookie the problems on the job page were Chinese. The check runs in the
    language of the person who uploaded (job.language), the error workbook too."""
    csv = ("姓名,证件号码,性别,户号,与户主关系\n"
           "张三,430302198008080013,女,T91999999,子女\n"  # the gender disagrees with the number; no such household
           "李四,430302520312004,,T91999999,子女\n").encode()  # a 15-digit number: converted, with a note
    admin = english_client()
    response = upload(admin, csv, name="居民.csv", capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.language == "en" and job.state == "rejected"
    problems = _problems_text(admin.get(response["Location"]).content.decode())
    assert "does not match the registered gender" in problems and "Note: The 15-digit ID number" in problems
    assert "性别不一致" not in problems and "15位身份证号" not in problems
    book = load_workbook(io.BytesIO(admin.get(f"{PAGE}{job.token}/problems.xlsx").content))
    assert book.sheetnames[:2] == ["Problems", "Summary"]
    messages = [row[4] for row in book["Problems"].iter_rows(min_row=2, values_only=True)]
    assert any("does not match" in m for m in messages) and not any("不一致" in m for m in messages)


def test_a_file_refused_whole_says_why_in_the_uploaders_language(django_capture_on_commit_callbacks):
    admin = english_client()
    upload(admin, _zip_of({"工资表.csv": "月份,金额\n1,2\n"}), name="台账.zip", capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.state == "rejected" and job.report["refused"].startswith("The file has no sheet to import")
    page = admin.get(f"{PAGE}{job.token}/").content.decode()
    assert "The file cannot be imported: The file has no sheet to import" in page
    assert 'data-testid="import-problems-language"' not in page
    chinese = client("admin").get(f"{PAGE}{job.token}/").content.decode()  # read in another language: said so
    assert "文件无法导入：The file has no sheet" in chinese and "问题说明使用检查时的语言（English）" in chinese


def _zip_of(members: dict[str, str]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def test_an_import_runs_in_the_language_of_the_person_who_confirms_it(django_capture_on_commit_callbacks):
    """Uploaded and checked in Chinese, confirmed on an English page: the import, and any problem it finds, is in
    English. Reading a report in another language than it was checked in says so."""
    from django.conf import settings

    from doorstep.registry.ledger.services import ledger_run

    admin = client("admin")
    content = as_xlsx(awkward_ledger(6))
    upload(admin, content, name="台账.xlsx", capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.state == "checked" and job.language == "zh-hans"
    # meanwhile the same residents are imported from the command line: the confirmed import now differs
    assert ledger_run(actor=None, content=content, file_name="台账.xlsx", district=job.district, commit=True).committed
    english = english_client()
    with django_capture_on_commit_callbacks(execute=True):
        english.post(f"{PAGE}{job.token}/confirm/")
    job.refresh_from_db()
    assert job.language == "en" and job.state == "rejected"
    page = english.get(f"{PAGE}{job.token}/").content.decode()
    assert "The registry has changed since the check" in _problems_text(page)
    assert 'data-testid="import-problems-language"' not in page  # worded in the reader's language
    chinese = client("admin").get(f"{PAGE}{job.token}/").content.decode()
    assert "问题说明使用检查时的语言（English）" in chinese
    assert dict(settings.LANGUAGES)["en"] == "English"


def test_a_job_address_with_anything_added_to_or_cut_from_its_token_is_not_found(django_capture_on_commit_callbacks):
    """Review finding: /residents/import/<token>x/ opened the job (the token was cut to 32 characters)."""
    admin = client("admin")
    upload(admin, b"\xef\xbb\xbf" + "姓名,证件号码\n张三,1\n".encode(), name="居民.csv",
           capture=django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.errors_file and admin.get(f"{PAGE}{job.token}/").status_code == 200
    for token in (job.token + "x", job.token + "0", job.token[:-1], job.token.upper()):
        assert admin.get(f"{PAGE}{token}/").status_code == 404, token
        assert admin.get(f"{PAGE}{token}/problems.xlsx").status_code == 404, token
        assert admin.post(f"{PAGE}{token}/confirm/").status_code == 404, token


def test_the_progress_names_a_stage_from_the_start_in_both_languages():
    """Review finding: "正在导入 ：0 / 18 行" — no stage until the first batch was done."""
    from django.utils import timezone

    from doorstep.exports.models import new_token

    admin = user("admin")
    job = LedgerImport.objects.create(token=new_token(), owner=admin, district=admin.org_node, file_name="a.xlsx",
                                      file_sha256="0" * 64, created_at=timezone.now(), state="importing",
                                      stage="", done=0, total=18)

    def progress(c: Client) -> str:
        page = c.get(f"{PAGE}{job.token}/").content.decode()
        return re.search(r'data-testid="import-progress">(.*?)</p>', page, re.S).group(1)

    assert progress(client("admin")).startswith("正在导入：准备中。")
    assert progress(english_client()).startswith("Importing: preparing.")
    LedgerImport.objects.filter(pk=job.pk).update(state="checking", total=0)
    assert progress(client("admin")).startswith("正在检查：准备中。")
    assert progress(english_client()).startswith("Checking: preparing.")
    LedgerImport.objects.filter(pk=job.pk).update(stage="居民", done=5, total=18)
    assert progress(client("admin")).startswith("正在检查 居民：5 / 18 行。")


def test_a_run_reports_each_sheet_as_it_starts_it():
    from doorstep.registry.ledger.importer import run_ledger
    from doorstep.registry.ledger.reading import open_ledger

    calls = []
    run_ledger(open_ledger(as_xlsx(awkward_ledger(6)), "a.xlsx"), district=user("admin").org_node, commit=False,
               progress=lambda stage, done, total: calls.append((stage, done)))
    assert calls[0] == ("组织机构", 0)
    assert list(dict.fromkeys(stage for stage, _done in calls)) == ["组织机构", "楼栋", "户", "居民"]


def test_residents_an_import_creates_have_the_import_in_their_history(django_capture_on_commit_callbacks):
    """Review finding: a resident the import registered showed "登记以来没有变更". One open version from their birth
    date names the job (so what the registry said on any earlier date is unchanged); a demo resident the import
    updates keeps "原登记信息" as the first entry."""
    import datetime

    from doorstep.core.crypto import decrypt
    from doorstep.registry.history import resident_as_of
    from doorstep.registry.models import ResidentVersion

    admin = client("admin")
    ledger = awkward_ledger(3)
    demo = Resident.objects.filter(path__startswith="430302", document_type="id_card", status="active",
                                   relation="child").select_related("household").order_by("id").first()
    ledger[RESIDENTS].append({"姓名": demo.name, "证件号码": decrypt(demo.id_number_enc), "户号": demo.household.number,
                              "与户主关系": "子女", "联系电话": "13907318765"})
    job = _upload_and_confirm(admin, ledger, "首次台账.xlsx", django_capture_on_commit_callbacks)
    created = Resident.objects.filter(path__startswith=STREET)
    assert created.count() == 3
    versions = ResidentVersion.objects.filter(resident__in=created)
    assert versions.count() == 3 and all(v.ledger_import_id == job.pk and v.valid_to is None for v in versions)
    first = created.order_by("id").first()
    version = versions.get(resident=first)
    assert version.valid_from == first.birth_date and version.status == "active"
    assert (version.name, version.household_id, version.phone_masked) == (first.name, first.household_id,
                                                                          first.phone_masked)
    assert resident_as_of(first.pk, first.birth_date).pk == first.pk  # as held since birth, as before
    assert resident_as_of(first.pk, first.birth_date - datetime.timedelta(days=1)) is None
    page = admin.get(f"/residents/{first.pk}/").content.decode()
    assert "登记以来没有变更" not in page
    assert re.findall(r'data-testid="history-source">(.*?)</span>', page) == ["台账导入 · 首次台账.xlsx"]
    demo_page = admin.get(f"/residents/{demo.pk}/").content.decode()
    assert re.findall(r'data-testid="history-source">(.*?)</span>', demo_page) == ["台账导入 · 首次台账.xlsx",
                                                                                   "原登记信息"]


def test_a_command_line_import_writes_no_version_for_the_residents_it_creates():
    from doorstep.registry.ledger.services import ledger_run
    from doorstep.registry.models import ResidentVersion

    before = ResidentVersion.objects.count()
    report = ledger_run(actor=None, content=as_xlsx(awkward_ledger(6)), file_name="a.xlsx",
                        district=user("admin").org_node, commit=True)
    assert report.committed and report.counts[RESIDENTS].new == 6 and ResidentVersion.objects.count() == before


def test_the_report_names_the_fields_its_updates_change_most_first():
    from doorstep.registry.views_import import _changed_fields

    assert _changed_fields({"changed_fields": {"phone": 3, "name": 5, "employer": 1}}) == [
        ("姓名", 5), ("联系电话", 3), ("工作单位", 1)]
