"""Eligibility rules evaluated with an explanation a clerk can read aloud (journey 12: which rule, which figures,
which outcome). Pure Python: the facts come from the registry (registry.selectors.resident_facts)."""

import operator
from dataclasses import dataclass

FACT_LABELS = {"age": ("年龄", "周岁"), "household_income_per_head_year": ("家庭年人均收入", "元")}
OPS = {">=": (operator.ge, "不低于"), ">": (operator.gt, "高于"), "<": (operator.lt, "低于"),
       "<=": (operator.le, "不高于"), "==": (operator.eq, "等于")}


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
            return f"规则：{self.label}。规则格式有误，无法自动判断，请人工核查。"
        name, unit = FACT_LABELS.get(self.fact, (self.fact, ""))
        rule = f"规则：{self.label}（{name}{OPS[self.op][1]}{self.required:,.0f}{unit}）。"
        if self.actual is None:
            return rule + f"核查数据：缺少{name}数据。结论：无法自动判断，请人工核查。"
        verdict = "符合" if self.passed else "不符合"
        return rule + f"核查数据：{name}{self.actual:,.0f}{unit}。结论：{verdict}。"


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
            return "该事项没有资格规则。"
        summary = {True: "符合全部条件。", False: "不符合条件。", None: "部分数据缺失，须人工核查。"}[self.eligible]
        return "\n".join([o.sentence for o in self.outcomes] + [f"总体结论：{summary}"])


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
            label = str(rule.get("label", "") if isinstance(rule, dict) else "")[:100] or "未命名规则"
            outcomes.append(RuleOutcome(label, "", None, "?", 0, None))
            continue
        actual = facts.get(rule["fact"])
        passed = None if actual is None else bool(OPS[rule["op"]][0](actual, rule["value"]))
        outcomes.append(RuleOutcome(rule["label"], rule["fact"], actual, rule["op"], rule["value"], passed))
    return Evaluation(tuple(outcomes))
