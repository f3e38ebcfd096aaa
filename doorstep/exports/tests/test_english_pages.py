"""The export pages in English (issue #11 item 13): the list and a job's page in each state show no Chinese but
data (the job's description); a failed job's stored message is shown in the reader's language."""

import pytest

from doorstep.catalog.tests.english_check import english_client, untranslated
from doorstep.conftest import user
from doorstep.exports.models import ExportJob
from doorstep.exports.services import FAILED

pytestmark = pytest.mark.django_db


def test_export_pages_in_english_show_no_chinese_but_data():
    client = english_client("admin")
    assert not untranslated(client.get("/exports/"))  # none yet
    owner = user("admin")
    jobs = [ExportJob.objects.create(owner=owner, kind="cases", description="办件台账", state=state, total=1200,
                                     done=600 if state != "done" else 1200, error=FAILED if state == "failed" else "")
            for state in ("queued", "running", "done", "failed")]
    left = {}
    for url in ["/exports/", *(f"/exports/{job.token}/" for job in jobs)]:
        response = client.get(url)
        assert response.status_code == 200, url
        if runs := untranslated(response, data_made_here=["办件台账"]):
            left[url] = runs
    assert not left, left
    assert "The export failed." in client.get(f"/exports/{jobs[3].token}/").content.decode()
