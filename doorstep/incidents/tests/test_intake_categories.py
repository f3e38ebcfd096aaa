"""Active categories are kept per process for intake (services.intake._active_categories, like the catalog's items):
an import in this process takes effect at once, another process's change within DOORSTEP_CATALOG_RECHECK_SECONDS,
and a code not yet known is looked up at once."""

import pytest

from doorstep.core.errors import ValidationFailed
from doorstep.incidents.models import Category
from doorstep.incidents.services.categories import categories_export_data, categories_import_data
from doorstep.incidents.tests.helpers import first_grid, grid_worker, report, staff

pytestmark = pytest.mark.django_db


def test_an_import_here_deactivates_a_category_for_intake_at_once(django_capture_on_commit_callbacks):
    grid = first_grid()
    report(grid_worker(grid), grid=grid, category="SJ0102")  # read into this process's cache
    data = categories_export_data()
    next(c for c in data["categories"] if c["code"] == "SJ0102")["active"] = False
    with django_capture_on_commit_callbacks(execute=True):
        categories_import_data(actor=staff("admin"), data=data)
    with pytest.raises(ValidationFailed, match="类别不存在"):
        report(grid_worker(grid), grid=grid, category="SJ0102", text="另一处绿化带暴露垃圾约3方")


def test_another_processes_change_is_read_within_the_recheck_and_a_new_code_at_once(settings):
    grid = first_grid()
    report(grid_worker(grid), grid=grid, category="SJ0102")
    Category.objects.filter(code="SJ0102").update(active=False)  # as another process would
    settings.DOORSTEP_CATALOG_RECHECK_SECONDS = 0
    with pytest.raises(ValidationFailed):
        report(grid_worker(grid), grid=grid, category="SJ0102", text="又一处绿化带暴露垃圾约3方")
    settings.DOORSTEP_CATALOG_RECHECK_SECONDS = 3600
    original = Category.objects.get(code="SJ0102")
    Category.objects.create(**{f.attname: getattr(original, f.attname) for f in Category._meta.concrete_fields
                               if f.attname != "id"} | {"code": "SJ9901", "name": "新类别", "active": True})
    assert report(grid_worker(grid), grid=grid, category="SJ9901", text="新类别的问题一处").category.code == "SJ9901"
