"""`doorstep hall staffing` (issue #14 item 7): the windows needed and the service level they give, in Chinese, in
English, as JSON, with the simulation's check, and a Chinese refusal of bad numbers without a traceback."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ["--arrivals", "100", "--interval-minutes", "30", "--handle-minutes", "3", "--target-seconds", "20",
           "--service-level", "0.8"]


def staffing(*extra: str) -> str:
    out = StringIO()
    call_command("hall", "staffing", *EXAMPLE, *extra, stdout=out)
    return out.getvalue()


def test_staffing_prints_the_windows_needed_and_their_service_level():
    with translation.override("zh-hans"):
        printed = staffing()
    assert "需要 14 个窗口" in printed and "0.888" in printed
    assert "窗口数 14" in printed and "服务水平 0.888" in printed


def test_staffing_speaks_english_when_asked():
    with translation.override("en"):
        printed = staffing()
    assert "14 windows are needed" in printed and "service level 0.888" in printed


def test_staffing_prints_json_for_machines():
    shown = json.loads(staffing("--json"))
    assert shown["windows"] == 14 and shown["service_level"] == 0.888
    assert shown["probability_of_waiting"] == 0.174 and shown["occupancy"] == 0.714
    assert shown["average_wait_seconds"] == 7.8 and shown["load_erlangs"] == 10.0
    assert "simulated_service_level" not in shown


def test_staffing_checks_itself_by_simulation_when_asked():
    shown = json.loads(staffing("--simulate", "--customers", "8000", "--json"))
    assert shown["simulated_customers"] > 7000
    assert shown["simulated_service_level"] == pytest.approx(0.888, abs=0.05)
    with translation.override("zh-hans"):
        assert "模拟" in staffing("--simulate", "--customers", "2000")


def test_staffing_honours_a_cap_on_occupancy():
    assert json.loads(staffing("--max-occupancy", "0.6", "--json"))["windows"] == 17


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--arrivals", "many", "--arrivals 必须是数字"),
    ("--arrivals", "-5", "到达人数必须大于 0"),
    ("--handle-minutes", "nan", "平均办理时长必须是有限的数字"),
    ("--interval-minutes", "0", "时段长度必须大于 0"),
    ("--service-level", "80", "服务水平必须在 0 和 1 之间"),
    ("--target-seconds", "-1", "目标等待时间不能为负数"),
    ("--customers", "lots", "--customers 必须是整数"),
])
def test_bad_numbers_are_refused_in_chinese(option, value, said):
    arguments = [*EXAMPLE, option, value]  # argparse keeps the last of a repeated option
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("hall", "staffing", *arguments, stdout=StringIO())
    assert said in str(refused.value)


def test_staffing_from_the_doorstep_command_line(tmp_path):
    env = {**os.environ, "DOORSTEP_VAR_DIR": str(tmp_path), "DOORSTEP_LANGUAGE": ""}
    result = subprocess.run([sys.executable, "-m", "doorstep.cli", "hall", "staffing", *EXAMPLE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "需要 14 个窗口" in result.stdout and "0.888" in result.stdout
