"""Eligibility rules evaluated with an explanation a clerk can read aloud (journey 12: which rule, which figures,
which outcome). Pure Python: the facts come from the registry (registry.selectors.resident_facts)."""

import operator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# the workbook's words (catalog/excel.py reads and writes them in Chinese, whatever the page's language)
FACT_LABELS = {  # zh: workbook format (cell values of the 规则 sheet)
    "age": ("年龄", "周岁"), "household_income_per_head_year": ("家庭年人均收入", "元")}
OPS = {">=": (operator.ge, "不低于"), ">": (operator.gt, "高于"), "<": (operator.lt, "低于"),  # zh: workbook format
       "<=": (operator.le, "不高于"), "==": (operator.eq, "等于")}
# the same words in the sentences read aloud, in the reader's language (in Chinese exactly the words above)
FACT_NAMES = {"age": gettext_lazy("年龄"), "household_income_per_head_year": gettext_lazy("家庭年人均收入")}
FACT_AMOUNTS = {"age": gettext_lazy("{number}周岁"), "household_income_per_head_year": gettext_lazy("{number}元")}
CONDITIONS = {">=": gettext_lazy("{name}不低于{amount}"), ">": gettext_lazy("{name}高于{amount}"),
              "<": gettext_lazy("{name}低于{amount}"), "<=": gettext_lazy("{name}不高于{amount}"),
              "==": gettext_lazy("{name}等于{amount}")}


@dataclass(frozen=True)
class RuleOutcome:
    label: str
    fact: str
    actual: float | None
    op: str
    required: float
    passed: bool | None  # None: the data needed is missing, a person must check

    @property
    def sentence(self) -> str:
        if self.op not in OPS:
            return _("规则：{label}。规则格式有误，无法自动判断，请人工核查。").format(label=self.label)
        name = str(FACT_NAMES.get(self.fact, self.fact))
        amount = str(FACT_AMOUNTS.get(self.fact, "{number}"))
        condition = CONDITIONS[self.op].format(name=name, amount=amount.format(number=f"{self.required:,.0f}"))
        if self.actual is None:
            return _("规则：{label}（{condition}）。核查数据：缺少{name}数据。结论：无法自动判断，请人工核查。").format(
                label=self.label, condition=condition, name=name)
        found = amount.format(number=f"{self.actual:,.0f}")
        if self.passed:
            return _("规则：{label}（{condition}）。核查数据：{name}{amount}。结论：符合。").format(
                label=self.label, condition=condition, name=name, amount=found)
        return _("规则：{label}（{condition}）。核查数据：{name}{amount}。结论：不符合。").format(
            label=self.label, condition=condition, name=name, amount=found)


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[RuleOutcome, ...]

    @property
    def eligible(self) -> bool | None:
        """True when every rule passes, False when any fails, None when none fails but data is missing."""
        if any(o.passed is False for o in self.outcomes):
            return False
        if any(o.passed is None for o in self.outcomes):
            return None
        return True

    @property
    def explanation(self) -> str:
        if not self.outcomes:
            return _("该事项没有资格规则。")
        summary = {True: _("总体结论：符合全部条件。"), False: _("总体结论：不符合条件。"),
                   None: _("总体结论：部分数据缺失，须人工核查。")}[self.eligible]
        return "\n".join([o.sentence for o in self.outcomes] + [summary])


def _well_formed(rule) -> bool:
    """As the catalog import writes rules (catalog/services.py); anything else (a row edited outside the import)
    is not evaluated but sent to a person."""
    value = rule.get("value") if isinstance(rule, dict) else None
    return (isinstance(rule, dict) and rule.get("fact") in FACT_LABELS and rule.get("op") in OPS
            and isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= 1e12
            and value == value)


def evaluate(rules: list[dict], facts: dict[str, float | None]) -> Evaluation:
    outcomes = []
    for rule in rules if isinstance(rules, list) else []:
        if not _well_formed(rule):
            label = str(rule.get("label", "") if isinstance(rule, dict) else "")[:100] or _("未命名规则")
            outcomes.append(RuleOutcome(label, "", None, "?", 0, None))
            continue
        actual = facts.get(rule["fact"])
        passed = None if actual is None else bool(OPS[rule["op"]][0](actual, rule["value"]))
        outcomes.append(RuleOutcome(rule["label"], rule["fact"], actual, rule["op"], rule["value"], passed))
    return Evaluation(tuple(outcomes))


def describe_rules(rules: list[dict]) -> list[str]:
    """The rules alone, without anyone's figures: what the window shows before the applicant has agreed to the
    shared-data checks (issue #11 review: income per head was shown before consent)."""
    lines = []
    for rule in rules if isinstance(rules, list) else []:
        if not _well_formed(rule):
            label = str(rule.get("label", "") if isinstance(rule, dict) else "")[:100] or _("未命名规则")
            lines.append(_("规则：{label}。").format(label=label))
            continue
        name = str(FACT_NAMES.get(rule["fact"], rule["fact"]))
        amount = str(FACT_AMOUNTS.get(rule["fact"], "{number}")).format(number=f"{rule['value']:,.0f}")
        lines.append(_("规则：{label}（{condition}）。").format(
            label=rule["label"], condition=CONDITIONS[rule["op"]].format(name=name, amount=amount)))
    return lines


def outcomes_data(evaluation: Evaluation) -> list[dict]:
    """The evaluation as JSON-ready rows (label, fact, actual, op, required, passed), stored beside the explanation
    so that a page can say it again in the reader's language (explained)."""
    return [{"label": o.label, "fact": o.fact, "actual": o.actual, "op": o.op, "required": o.required,
             "passed": o.passed} for o in evaluation.outcomes]


def explained(data, fallback: str = "") -> str:
    """The read-aloud explanation of stored outcome rows in the active language; `fallback` (the text stored at the
    time, in Chinese) for records written before the rows were kept, or rows that do not read."""
    if not isinstance(data, list) or not data:
        return fallback
    try:
        outcomes = tuple(RuleOutcome(str(d["label"]), str(d["fact"]), d["actual"], str(d["op"]), d["required"],
                                     d["passed"]) for d in data)
        return Evaluation(outcomes).explanation
    except (KeyError, TypeError, ValueError):
        return fallback
