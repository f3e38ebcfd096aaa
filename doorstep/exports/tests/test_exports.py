"""Background exports: a failed writer says so on the job, old jobs and files are swept, an unknown kind is not
found, and the list shows only the person's own jobs (the ledger's export itself: cases/tests/test_ledger_paging)."""

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from doorstep.conftest import user
from doorstep.core.errors import NotFound
from doorstep.core.idempotency import new_key
from doorstep.exports.models import ExportJob
from doorstep.exports.services import export_folder, export_request, export_run, export_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


class Broken:
    @staticmethod
    def params_from(filters):
        return {}

    @staticmethod
    def describe(params):
        return "坏的导出"

    @staticmethod
    def count(owner, params):
        return 3

    @staticmethod
    def write(owner, params, out, *, total, progress=None):
        raise RuntimeError("disk full")


class Speaking:
    """Writes the language it runs in and one translated word (the ledger's own English: cases/tests)."""

    @staticmethod
    def params_from(filters):
        return {}

    @staticmethod
    def describe(params):
        return "语言测试"

    @staticmethod
    def count(owner, params):
        return 1

    @staticmethod
    def write(owner, params, out, *, total, progress=None):
        out.write(f"{translation.get_language()}|{gettext('排队中')}".encode())
        return 1


@pytest.mark.parametrize(("language", "written"), [("en", "en|Queued"), ("zh-hans", "zh-hans|排队中")])
def test_a_job_is_written_in_the_language_it_was_asked_in(settings, language, written):
    settings.DOORSTEP_EXPORTERS = {**settings.DOORSTEP_EXPORTERS, "speaking": f"{__name__}.Speaking"}
    with translation.override(language):
        job = export_request(actor=user("leader"), kind="speaking", filters={}, idempotency_key=new_key())
    assert job.language == language
    with translation.override("zh-hans" if language == "en" else "en"):  # the worker's own language does not count
        job = export_run(job.pk)
    assert job.state == "done" and (export_folder() / job.file_name).read_text(encoding="utf-8") == written


def test_a_failing_export_is_marked_failed_with_a_message_and_leaves_no_file(settings):
    settings.DOORSTEP_EXPORTERS = {**settings.DOORSTEP_EXPORTERS, "broken": f"{__name__}.Broken"}
    job = export_request(actor=user("leader"), kind="broken", filters={}, idempotency_key=new_key())
    job = export_run(job.pk)
    assert job.state == "failed" and "生成失败" in job.error and not list(export_folder().iterdir())
    assert export_run(job.pk) is None  # a finished job is not run again


def test_an_unknown_kind_is_not_found():
    with pytest.raises(NotFound):
        export_request(actor=user("leader"), kind="registry.everyone", filters={}, idempotency_key=new_key())


def test_the_ledger_job_writes_every_row_and_old_jobs_are_swept():
    job = export_request(actor=user("clerk_c001001"), kind="cases.ledger", filters={"state": "accepted"},
                         idempotency_key=new_key())
    job = export_run(job.pk)
    assert job.state == "done" and job.size > 0 and (export_folder() / job.file_name).is_file()
    assert export_sweep() == 0
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timezone.timedelta(hours=25))
    assert export_sweep() == 1 and not (export_folder() / job.file_name).exists()


def test_my_exports_lists_only_my_own_and_says_when_there_are_none():
    export_request(actor=user("leader"), kind="cases.ledger", filters={}, idempotency_key=new_key())
    other = Client()
    other.force_login(user("clerk_c001001"))
    page = other.get("/exports/").content.decode()
    assert 'data-testid="export-empty"' in page
    mine = Client()
    mine.force_login(user("leader"))
    assert "办件台账（全部）" in mine.get("/exports/").content.decode()
