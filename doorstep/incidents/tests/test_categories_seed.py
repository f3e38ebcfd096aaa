"""The departments and categories seed (incidents/data/categories.yaml) and the hand-written suggestion texts
(bench/data/suggest_handwritten.tsv) hold the rules issue #13 sets for them. Pure: reads files, no database."""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "doorstep" / "incidents" / "data" / "categories.yaml"
HANDWRITTEN = ROOT / "bench" / "data" / "suggest_handwritten.tsv"

SHORT_NAMES = {"城管", "物业", "市场监管", "公安", "交通", "生态环境", "水务", "民政", "应急", "园林绿化", "人民调解",
               "卫健", "供电", "人社", "教育"}
DEPARTMENT_KINDS = {"government", "utility", "property", "mediation"}  # org.Department.Kind
KIND_BY_PREFIX = {"SJ": "event", "BJ": "component", "SQ": "community"}  # incidents Category.Kind
PRIORITIES = {"urgent", "high", "normal"}  # incidents.models.Priority
UNITS = {"hours", "days"}  # incidents.models.LimitUnit
TIERS = {"front_line", "dispatch", "meeting", "whistle"}  # incidents.workflow.Tier
CATEGORY_KEYS = {"code", "name", "kind", "major", "description", "keywords", "lead", "priority", "response",
                 "handling", "tier", "verify_photo"}
MAJORS_NAMED_IN_ISSUE = {"市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "公用设施", "园林绿化", "矛盾纠纷",
                         "安全隐患", "民生服务"}


@pytest.fixture(scope="module")
def seed() -> dict:
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def handwritten() -> list[dict]:
    with HANDWRITTEN.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_seed_names_exactly_the_fifteen_departments_of_the_issue(seed):
    departments = seed["departments"]
    assert {d["short_name"] for d in departments} == SHORT_NAMES
    assert len(departments) == len(SHORT_NAMES)
    codes = [d["code"] for d in departments]
    assert len(set(codes)) == len(codes)
    for d in departments:
        assert set(d) == {"code", "short_name", "name", "kind", "phone"}, d
        assert re.fullmatch(r"[a-z]{2,4}", d["code"]), d
        assert d["kind"] in DEPARTMENT_KINDS, d
        assert len(d["name"]) > len(d["short_name"]) and len(d["name"]) <= 100, d
        assert re.fullmatch(r"0731-5\d{7}", d["phone"]), d


def test_seed_department_kinds_fit_what_takes_the_orders(seed):
    kinds = {d["short_name"]: d["kind"] for d in seed["departments"]}
    assert kinds["物业"] == "property"
    assert kinds["人民调解"] == "mediation"
    assert kinds["供电"] == "utility"
    assert kinds["城管"] == "government"


def test_seed_category_codes_are_unique_and_follow_the_standard_pattern(seed):
    categories = seed["categories"]
    assert 60 <= len(categories) <= 90
    codes = [c["code"] for c in categories]
    assert len(set(codes)) == len(codes)
    for c in categories:
        assert set(c) == CATEGORY_KEYS, c["code"]
        assert re.fullmatch(r"(SJ|BJ|SQ)\d{4}", c["code"]), c["code"]
        assert c["kind"] == KIND_BY_PREFIX[c["code"][:2]], c["code"]


def test_seed_one_major_class_per_two_digit_code(seed):
    majors: dict[str, set] = {}
    for c in seed["categories"]:
        majors.setdefault(c["code"][:4], set()).add(c["major"])
    assert all(len(names) == 1 for names in majors.values()), majors


def test_seed_every_major_class_named_in_the_issue_is_there(seed):
    majors = {c["major"] for c in seed["categories"]}
    assert MAJORS_NAMED_IN_ISSUE <= majors
    assert majors & {"交通设施", "道路交通"}


def test_seed_categories_have_a_known_lead_and_every_department_leads_two(seed):
    leads = Counter(c["lead"] for c in seed["categories"])
    assert set(leads) <= SHORT_NAMES
    assert all(leads[name] >= 2 for name in SHORT_NAMES), leads


def test_seed_limits_are_positive_whole_working_hours_or_days(seed):
    for c in seed["categories"]:
        for key in ("response", "handling"):
            limit = c[key]
            assert set(limit) == {"value", "unit"}, c["code"]
            assert limit["unit"] in UNITS, c["code"]
            assert isinstance(limit["value"], int) and not isinstance(limit["value"], bool), c["code"]
            assert 0 < limit["value"] < 32768, c["code"]  # the model's PositiveSmallIntegerField
        response, handling = c["response"], c["handling"]
        if response["unit"] == handling["unit"]:
            assert response["value"] <= handling["value"], c["code"]
        else:  # a response in days with handling in hours would answer after the work is due
            assert (response["unit"], handling["unit"]) == ("hours", "days"), c["code"]


def test_seed_priorities_tiers_and_photo_flags_are_in_their_sets(seed):
    categories = seed["categories"]
    for c in categories:
        assert c["priority"] in PRIORITIES, c["code"]
        assert c["tier"] in TIERS, c["code"]
        assert isinstance(c["verify_photo"], bool), c["code"]
    tiers = Counter(c["tier"] for c in categories)
    assert tiers["front_line"] and tiers["meeting"] and tiers["whistle"], tiers
    urgent = {c["name"] for c in categories if c["priority"] == "urgent"}
    assert {"供排水井盖", "燃气泄漏", "火灾"} <= urgent


def test_seed_texts_fit_the_category_fields(seed):
    for c in seed["categories"]:
        assert 1 <= len(c["name"]) <= 40, c["code"]
        assert 1 <= len(c["major"]) <= 20, c["code"]
        assert 5 <= len(c["description"]) <= 300, c["code"]
        assert 4 <= len(c["keywords"]) <= 10, c["code"]
        assert all(isinstance(k, str) and k.strip() for k in c["keywords"]), c["code"]
        assert len(set(c["keywords"])) == len(c["keywords"]), c["code"]


def test_seed_fits_the_category_model_field_sizes(seed):
    from doorstep.incidents.models import Category

    fields = {f.name: f for f in Category._meta.get_fields() if hasattr(f, "max_length")}
    for c in seed["categories"]:
        for key in ("code", "name", "major", "description"):
            if fields.get(key) is not None and fields[key].max_length:
                assert len(c[key]) <= fields[key].max_length, (c["code"], key)


def test_handwritten_texts_are_labelled_with_seed_departments_and_categories(seed, handwritten):
    codes = {c["code"] for c in seed["categories"]}
    assert len(handwritten) >= 200
    assert list(handwritten[0]) == ["text", "department", "category", "voice"]
    for row in handwritten:
        assert row["department"] in SHORT_NAMES, row
        assert row["category"] in codes, row
        assert row["voice"] in {"resident", "grid_worker", "phone"}, row
        assert 5 <= len(row["text"]) <= 150, row
    counts = Counter(row["department"] for row in handwritten)
    assert all(counts[name] >= 8 for name in SHORT_NAMES), counts
    texts = [row["text"] for row in handwritten]
    assert len(set(texts)) == len(texts)
    assert {row["voice"] for row in handwritten} == {"resident", "grid_worker", "phone"}
