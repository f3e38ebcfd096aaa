"""Periodic work on running and concluded cases: the supervision sweep (yellow and red marks) and the nightly
eligibility re-check with its reviews."""

import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from doorstep.audit.services import audit_record
from doorstep.cases.models import (
    Case,
)
from doorstep.cases.workflow import (
    State,
)
from doorstep.catalog.eligibility import evaluate, outcomes_data
from doorstep.catalog.models import ServiceItem
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.org.selectors import acting_post_holders


def supervision_sweep(*, today: datetime.date | None = None) -> dict[str, int]:
    """The periodic electronic-supervision sweep (huey, every 30 minutes).

    Finds running cases that turned yellow (due within the warning window) or red (overdue) since the last sweep,
    tells whoever answers for the node where each case sits — the post's A holder, or the B backup when A is marked
    absent (AB岗) — in one message per node and mark, and remembers the mark so nobody is told twice.
    Result: counts. Audit: one supervision.sweep event when anything was marked. Idempotent.
    """
    from collections import defaultdict

    from doorstep.cases.selectors import supervision_limits
    from doorstep.cases.workflow import CLOCK_RUNNING
    from doorstep.org.models import OrgNode

    today, limit = supervision_limits(today)
    running = Case.objects.filter(state__in_literal=CLOCK_RUNNING)  # the partial index case_running_due
    found = {
        "red": running.filter(due_date__lt=today).exclude(sla_mark="red"),
        "yellow": running.filter(due_date__gte=today, due_date__lte=limit, sla_mark=""),
    }
    counts = {"red": 0, "yellow": 0, "notified": 0}
    with transaction.atomic():
        for mark, qs in found.items():
            by_node: dict[int, list[int]] = defaultdict(list)
            for pk, node_id in qs.values_list("id", "review_node_id"):
                by_node[node_id].append(pk)
            for node in OrgNode.objects.filter(pk__in=by_node):
                ids = by_node[node.pk]
                holders = acting_post_holders(node, role="") or acting_post_holders(node, role="approver")
                if mark == "red":
                    title, body = gettext_noop("电子监察：{count}件办件已超期"), gettext_noop(
                        "{node}有{count}件办件已超期，请尽快办理。")
                else:
                    title, body = gettext_noop("电子监察：{count}件办件即将到期"), gettext_noop(
                        "{node}有{count}件办件即将到期，请尽快办理。")
                notify(holders, kind=f"supervision.{mark}", title=said(title, count=len(ids)),
                       body=said(body, node=node.name, count=len(ids)), link=f"/cases/supervision/?mark={mark}")
                counts["notified"] += len(holders)
                Case.objects.filter(pk__in=ids).update(sla_mark=mark)
                counts[mark] += len(ids)
        if counts["red"] or counts["yellow"]:
            audit_record(actor=None, action="supervision.sweep", target_type="cases.case",
                         summary={**counts, "day": today.isoformat()})
    return counts


# -- 资格复核: the periodic re-check of current beneficiaries -------------------------------------------------------

BENEFIT_STATES = (State.CONCLUDED, State.DELIVERED, State.RATED)
REVIEW_DECISIONS = {"kept": gettext_lazy("继续享受"), "referred": gettext_lazy("报请停发")}
REVIEW_DECIDERS = {"clerk", "approver", "admin"}  # leaders and supervisors read the reviews; these decide them


def eligibility_recheck(*, today: datetime.date | None = None) -> dict[str, int]:
    """Re-evaluate the eligibility rules for every current beneficiary (the latest concluded case per resident and
    item whose item has rules) against today's registry figures.

    Result: counts {checked, flagged}. Each beneficiary who no longer qualifies gets an open EligibilityReview with
    the read-aloud explanation — unless one is already open, or a closed review saw exactly the same figures (a
    person has decided on them). Nothing about the benefit itself changes: a person decides. Audit: one
    eligibility.recheck event with the counts. Side effects: the acting post holders of each flagged resident's
    community are notified after commit.
    """
    from doorstep.cases.models import EligibilityReview
    from doorstep.org.models import OrgNode
    from doorstep.registry.selectors import residents_facts

    today = today or timezone.localdate()
    rules = {i.pk: i.eligibility_rules for i in ServiceItem.objects.filter(is_active=True) if i.eligibility_rules}
    latest: dict[tuple[int, int], tuple[int, str]] = {}
    for case_id, applicant_id, item_id, path in (
            Case.objects.filter(item_id__in=rules, state__in=BENEFIT_STATES)
            .order_by("concluded_at", "id").values_list("id", "applicant_id", "item_id", "applicant_path")
            .iterator(chunk_size=5000)):
        latest[(applicant_id, item_id)] = (case_id, path)
    facts = residents_facts([a for a, _ in latest], year=today.year - 1, today=today)
    seen: dict[int, set[str]] = {}
    for case_id, status, explanation in EligibilityReview.objects.values_list("case_id", "status", "explanation"):
        seen.setdefault(case_id, set()).add("open" if status == "open" else explanation)
    flagged, communities = [], {}
    for (applicant_id, item_id), (case_id, path) in latest.items():
        result = evaluate(rules[item_id], facts.get(applicant_id, {}))
        if result.eligible is not False:
            continue
        earlier = seen.get(case_id, set())
        with translation.override("zh-hans"):  # the record is kept in Chinese whatever language runs the job
            explanation = result.explanation
        if "open" in earlier or explanation in earlier:
            continue
        flagged.append(EligibilityReview(case_id=case_id, applicant_path=path, found_on=today,
                                         explanation=explanation, outcomes=outcomes_data(result)))
        communities[path[:12]] = communities.get(path[:12], 0) + 1
    with transaction.atomic():
        EligibilityReview.objects.bulk_create(flagged, batch_size=1000)
        audit_record(actor=None, actor_label="资格复核任务", action="eligibility.recheck",  # zh: stored audit record
                     summary={"checked": len(latest), "flagged": len(flagged)})
        for node in OrgNode.objects.filter(code__in=communities):
            notify(acting_post_holders(node, role=""), kind="eligibility.flag",
                   title=said(gettext_noop("资格复核：{count}名享受对象可能已不符合条件"), count=communities[node.code]),
                   body=said(gettext_noop("系统按最新数据复核发现，请入户核实后作出决定；系统不会自动停发。")),
                   link="/cases/reviews/")
    return {"checked": len(latest), "flagged": len(flagged)}


def eligibility_review_resolve(*, actor, review_id, decision: str, note: str):
    """A person's decision on a flagged beneficiary: keep (继续享受) or refer for stopping (报请停发).

    Preconditions: the review is open and its resident is in the actor's scope (else NotFound / Conflict); staff
    who handle cases; a note saying what was found. Result: the closed review. Audit: eligibility.resolve with the
    decision. Side effects: none on the benefit itself — stopping is the department's own procedure.
    """
    from doorstep.cases.models import EligibilityReview
    from doorstep.cases.selectors import eligibility_reviews_in_scope

    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed(gettext("请选择复核结论：继续享受或报请停发。"), field="decision")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(gettext("请填写复核意见（入户核实的情况）。"), field="note")
    try:
        pk = int(review_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if actor.role not in REVIEW_DECIDERS:
        raise PermissionDenied(gettext("只有窗口、审批或管理人员可以作出复核结论。"))
    with transaction.atomic():
        review = eligibility_reviews_in_scope(actor).select_for_update().filter(pk=pk).first()
        if review is None:
            raise NotFound()
        if review.status != EligibilityReview.Status.OPEN:
            raise Conflict(gettext("该复核已有结论，不能重复处理。"))
        review.status = decision
        review.resolved_by = actor
        review.resolved_at = timezone.now()
        review.resolution_note = note[:300]
        review.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
        audit_record(actor=actor, action="eligibility.resolve", target=review, reason=note[:300],
                     summary={"decision": decision, "case": review.case_id})
    return review
