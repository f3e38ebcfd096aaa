"""The starter catalog (49 items: 27 in the community, 22 by proxy), import validation naming row and field,
export round trip, and the public pages."""

import copy

import pytest
import yaml
from django.test import Client

from doorstep.catalog.models import ServiceItem
from doorstep.catalog.services import STARTER, catalog_export_data, catalog_import_data
from doorstep.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_starter_catalog_has_27_community_items_and_22_proxied():
    assert ServiceItem.objects.count() == 49
    assert ServiceItem.objects.filter(approval_level="community").count() == 27
    proxied = ServiceItem.objects.exclude(approval_level="community")
    assert proxied.count() == 22 and all(i.proxy_allowed for i in proxied)
    for code in ("MZ-D01", "WJ-C02", "WJ-C04", "CL-D01", "TY-D01", "JY-D01", "ZM-D01", "SB-C04"):
        assert ServiceItem.objects.filter(code=code).exists()


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["items"][3].update(kind="sometimes"), "第4项（MZ-C04）字段 “办件类型”（kind）"),
    (lambda d: d["items"][0].update(category="nope"), "第1项（MZ-C01）字段 “类别编码”（category）"),
    (lambda d: d["items"][1].update(days=0), "第2项（MZ-C02）字段 “承诺时限（工作日）”（days）"),
    (lambda d: d["items"][5]["materials"][0].update(shared="dna"), "materials[1].shared"),
    (lambda d: d["items"][0].update(rules=[{"fact": "age", "op": ">=", "value": "sixty", "label": "x"}]), "rules[1]"),
    (lambda d: d["items"].append(dict(d["items"][0])), "MZ-C01 重复"),
])
def test_import_errors_name_row_and_field_and_change_nothing(mutate, message):
    data = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    data["items"][0]["name"] = "改过的名字"
    mutate(data)
    with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        catalog_import_data(actor=None, data=data)
    assert ServiceItem.objects.get(code="MZ-C01").name == "老年人优待证办理"


def test_export_round_trips():
    exported = catalog_export_data()
    again = copy.deepcopy(exported)
    catalog_import_data(actor=None, data=again)
    assert catalog_export_data() == exported


def test_public_pages_without_login():
    client = Client()
    body = client.get("/services/", {"q": "生育"}).content.decode()
    assert "二孩生育登记" in body and "最低生活保障申请" not in body
    assert "二孩生育登记" in client.get("/services/", {"q": "ehsy"}).content.decode()  # pinyin initials
    assert "最低生活保障" in client.get("/services/", {"q": "dibao"}).content.decode()
    notice = client.get("/services/WJ-C02/").content.decode()
    assert "结婚证" in notice and "免提交" in notice and "一次性告知" in notice
    assert client.get("/services/NOPE/").status_code == 404
    station = client.get("/services/station/430302001001/").content.decode()
    assert "直接办结（27项）" in station and "代办（22项）" in station
    assert client.get("/services/station/999/").status_code == 404


def test_the_intake_cache_follows_imports_at_once_and_edits_after_the_recheck(settings,
                                                                                django_capture_on_commit_callbacks):
    from doorstep.catalog.selectors import active_item_for_intake

    settings.DOORSTEP_CATALOG_RECHECK_SECONDS = 3600
    item = active_item_for_intake("MZ-C01")
    assert active_item_for_intake("MZ-C01") is item and len(item.materials.all()) == 2  # no query the second time
    data = catalog_export_data()
    data["items"][0]["name"] = "老年人优待证办理（新）"
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import_data(actor=None, data=data)
    assert active_item_for_intake("MZ-C01").name == "老年人优待证办理（新）"  # this process's import: at once
    edited = ServiceItem.objects.get(code="MZ-C01")
    edited.is_active = False
    edited.save()  # as the admin page does, in another process say
    assert active_item_for_intake("MZ-C01").is_active  # still cached within the recheck interval
    settings.DOORSTEP_CATALOG_RECHECK_SECONDS = 0
    with pytest.raises(NotFound):
        active_item_for_intake("MZ-C01")


@pytest.mark.parametrize(("query", "finds"), [
    ("dbsq", "最低生活保障申请"),  # the catalog page's own hint: the initials of a keyword (低保申请)
    ("shbz", "最低生活保障申请"),  # initials inside the name, not only at its start
    ("zsz", "二孩生育登记"),  # 准生证, what people call the birth registration
    ("准生证", "二孩生育登记"),
    ("baozhang", "最低生活保障申请"),  # full pinyin inside the name
    ("laonianzheng", "老年人优待证办理"),
])
def test_search_finds_items_by_keywords_and_initials_anywhere(query, finds):
    body = Client().get("/services/", {"q": query}).content.decode()
    assert finds in body, query


def test_keywords_round_trip_and_are_tidied_on_import():
    data = catalog_export_data()
    item = next(i for i in data["items"] if i["code"] == "MZ-D01")
    assert item["keywords"] == "低保申请、低保"
    item["keywords"] = " 低保 , 低保申请，最低生活保障；低保 "
    catalog_import_data(actor=None, data=data)
    saved = ServiceItem.objects.get(code="MZ-D01")
    assert saved.keywords == "低保、低保申请、最低生活保障"
    assert saved.keywords_initials == "db|dbsq|zdshbz"
    too_long = catalog_export_data()
    next(i for i in too_long["items"] if i["code"] == "MZ-D01")["keywords"] = "字" * 201
    with pytest.raises(ValidationFailed) as error:
        catalog_import_data(actor=None, data=too_long)
    assert "别名/关键词" in error.value.message
