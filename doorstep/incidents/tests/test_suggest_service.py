"""The dispatch suggestion in the site: the report carries the suggestion shown to the dispatcher, the dispatch
records the decision next to it, training learns from those decisions, and `doorstep incidents suggest` prints one
JSON object per line in the issue's shape."""

import io
import json

import pytest
from django.core.management import call_command

from doorstep.incidents.models import DispatchDecision, SuggestionModel
from doorstep.incidents.services.center import incident_dispatch, incident_register
from doorstep.incidents.suggest.service import suggest_for_text, suggester_train, suggestion_changed
from doorstep.incidents.tests.helpers import first_grid, grid_worker, report, street_dispatcher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model():
    suggestion_changed()
    yield
    suggestion_changed()


def test_a_report_carries_the_suggestion_and_the_dispatch_records_the_decision_next_to_it():
    grid = first_grid()
    incident = report(grid_worker(grid), grid=grid, text="小区门口垃圾堆成山，好几天没人清运")
    assert incident.suggestion["department"] == "城管" and 0 <= incident.suggestion["confidence"] <= 1
    center = street_dispatcher(grid)
    incident_register(actor=center, incident_id=incident.pk)
    incident_dispatch(actor=center, incident_id=incident.pk, department="物业")
    decision = DispatchDecision.objects.get(incident=incident)
    assert decision.suggested_department == "城管" and decision.department.short_name == "物业"
    assert decision.accepted is False


def test_training_learns_from_the_dispatchers_overrides():
    grid = first_grid()
    center = street_dispatcher(grid)
    text = "晚上广场舞音响声音太大，吵得睡不着"
    before = suggest_for_text(text)
    target = "公安" if before["department"] != "公安" else "生态环境"
    for i in range(60):
        incident = report(grid_worker(grid), grid=grid, category="SJ0102", text=f"{text}，第{i}次反映")
        incident_register(actor=center, incident_id=incident.pk)
        incident_dispatch(actor=center, incident_id=incident.pk, department=target)
    result = suggester_train()
    assert result["samples"] >= 60 and SuggestionModel.objects.count() == 1
    assert result["measured"]["n"] >= 6
    assert suggest_for_text(text)["department"] == target


def test_the_command_prints_one_json_object_per_line(tmp_path):
    out = io.StringIO()
    call_command("incidents", "suggest", "井盖丢了，路上有个大洞", stdout=out)
    line = json.loads(out.getvalue())
    assert set(line) == {"department", "category", "confidence", "top3"}
    assert 0 <= line["confidence"] <= 1 and len(line["top3"]) == 3
    assert all(set(t) == {"department", "confidence"} for t in line["top3"])
    f = tmp_path / "texts.txt"
    f.write_text("楼道里堆满了杂物\n\n电线被风刮断了\n", encoding="utf-8")
    out = io.StringIO()
    call_command("incidents", "suggest", "--file", str(f), stdout=out)
    assert len([json.loads(x) for x in out.getvalue().splitlines()]) == 3  # one object per line, the empty one too


def test_a_fresh_site_reads_what_happened_not_where():
    """The review's finding, through the site's path (no trained model yet: the cold start from the categories in
    the database). The texts are in no keyword: a fight at the 小区's gate is the police's or the mediators', not
    the property company's; watered pork is the market regulator's, not the water company's."""
    fight = suggest_for_text("两个人在小区门口动手了")
    assert {t["department"] for t in fight["top3"]} & {"公安", "人民调解"}
    assert fight["department"] != "物业"
    assert suggest_for_text("超市卖的猪肉注水")["department"] == "市场监管"
    assert suggest_for_text("小区门口有人打架")["department"] == "公安"
