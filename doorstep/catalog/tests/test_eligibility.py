"""Eligibility with an explanation (journey 12): Auntie Zhang's 低保 stops when her daughter's salary lifts the
household income per head above the standard — the system says which rule, which figures, which outcome."""

import datetime
from decimal import Decimal

import pytest

from doorstep.catalog.eligibility import evaluate
from doorstep.catalog.models import ServiceItem
from doorstep.registry.models import IncomeRecord, Resident
from doorstep.registry.selectors import resident_facts

DIBAO = [{"fact": "household_income_per_head_year", "op": "<", "value": 9000,
          "label": "家庭年人均收入低于当地低保标准（9000元/年）"}]


def test_rule_outcome_reads_aloud_with_figures():
    result = evaluate(DIBAO, {"household_income_per_head_year": 10200})
    assert result.eligible is False
    assert "家庭年人均收入10,200元" in result.explanation and "低于9,000元" in result.explanation
    assert "结论：不符合" in result.explanation
    assert evaluate(DIBAO, {"household_income_per_head_year": 8000}).eligible is True


def test_missing_data_asks_a_person_instead_of_deciding():
    result = evaluate(DIBAO, {"household_income_per_head_year": None})
    assert result.eligible is None and "人工核查" in result.explanation


@pytest.mark.django_db
def test_auntie_zhangs_household_loses_eligibility_when_the_daughter_earns():
    rules = ServiceItem.objects.get(code="MZ-D01").eligibility_rules
    zhang = Resident.objects.filter(path__startswith="430302").order_by("id").first()
    household = zhang.household
    members = household.members.count()
    IncomeRecord.objects.filter(household=household, year=2025).delete()
    IncomeRecord.objects.create(household=household, resident=zhang, year=2025, kind="pension",
                                amount=Decimal(3000 * members))
    before = evaluate(rules, resident_facts(zhang, year=2025))
    assert before.eligible is True
    IncomeRecord.objects.create(household=household, year=2025, kind="wage", amount=Decimal(48000))
    after = evaluate(rules, resident_facts(zhang, year=2025))
    assert after.eligible is False
    per_head = (3000 * members + 48000) / members
    assert f"{per_head:,.0f}元" in after.explanation


@pytest.mark.django_db
def test_age_rule_for_the_senior_allowance():
    rules = ServiceItem.objects.get(code="MZ-C02").eligibility_rules
    old = Resident.objects.filter(birth_date__lte=datetime.date(1940, 1, 1)).first()
    young = Resident.objects.filter(birth_date__gte=datetime.date(1990, 1, 1)).first()
    assert evaluate(rules, resident_facts(old, year=2025)).eligible is True
    assert "结论：不符合" in evaluate(rules, resident_facts(young, year=2025)).explanation


def test_a_malformed_rule_is_sent_to_a_person_not_evaluated():
    rules = [{"fact": "age", "op": "≥", "value": 60, "label": "年满60周岁"}, {"fact": "age"},
             {"fact": "age", "op": ">=", "value": 10 ** 400, "label": "大"}, "not a rule"]
    result = evaluate(rules, {"age": 70})
    assert result.eligible is None
    assert result.explanation.count("规则格式有误") == 4 and "总体结论：部分数据缺失，须人工核查。" in result.explanation
