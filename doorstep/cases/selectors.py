"""Reads of cases, cut to what the user may see; out of scope and missing are the same NotFound."""

from django.db.models import F, Q, QuerySet

from doorstep.accounts.roles import Role
from doorstep.cases.models import Case
from doorstep.cases.workflow import CaseFacts, State
from doorstep.core.errors import NotFound
from doorstep.core.paths import subtree_q


def cases_in_scope(user) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    if user.role == Role.RESIDENT:
        return Case.objects.filter(applicant_id=user.resident_id) if user.resident_id else Case.objects.none()
    if not user.org_node_id:
        return Case.objects.none()
    code = user.org_node.code
    if user.role == Role.CLERK:
        return Case.objects.filter(subtree_q("applicant_path", code[:6]))  # 全区通办
    if user.role == Role.APPROVER:
        return Case.objects.filter(Q(review_node__code__gte=code, review_node__code__lt=code + "~"))
    if user.role in (Role.GRID_WORKER, Role.LEADER, Role.ADMIN, Role.SUPERVISOR):
        return Case.objects.filter(subtree_q("applicant_path", code))
    return Case.objects.none()


def case_get_for_user(user, case_id, *, for_update: bool = False) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = cases_in_scope(user).select_related("item", "review_node")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


LEDGER_SORTS = {"-id": ("-id",), "id": ("id",), "due_date": ("due_date", "id"), "-due_date": ("-due_date", "-id"),
                "item": ("item__code", "-id"), "-item": ("-item__code", "-id"), "state": ("state", "-id"),
                "-state": ("-state", "-id")}


def case_ledger_for_user(user, *, state: str = "", mark: str = "", q: str = "", sort: str = "-id",
                         channel: str = "") -> QuerySet[Case]:
    """The case ledger (台账) the list page and the Excel export share: filters by state, supervision mark
    (red/yellow), channel and case number (prefix); sorted by a known key. Unknown filters and sorts are ignored."""
    from doorstep.cases.models import Channel
    from doorstep.cases.workflow import CLOCK_RUNNING

    qs = cases_in_scope(user).select_related("item", "applicant", "review_node", "first_contact")
    if state in {s.value for s in State}:
        qs = qs.filter(state=state)
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    if mark in ("red", "yellow"):
        today, limit = supervision_limits()
        qs = qs.filter(state__in=[s.value for s in CLOCK_RUNNING])
        qs = qs.filter(due_date__lt=today) if mark == "red" else qs.filter(due_date__gte=today, due_date__lte=limit)
    q = (q or "").strip()[:24]
    if q.isdigit():
        qs = qs.filter(number__startswith=q)
    return qs.order_by(*LEDGER_SORTS.get(sort, LEDGER_SORTS["-id"]))


def case_list_for_user(user, *, page: int = 1, **filters):
    from doorstep.core.paging import paginate

    return paginate(case_ledger_for_user(user, **filters), page=page)


def approver_queue_for_user(user, *, page: int = 1):
    """审批队列: at the user's own node, online applications waiting to be accepted and promised cases waiting for a
    decision or a further hop; new applications first (no due date yet), then earliest due."""
    from doorstep.core.paging import paginate

    if not user.is_authenticated or user.role not in ("approver", "clerk") or not user.org_node_id:
        return paginate(Case.objects.none(), page=page)
    waiting = Q(state=State.SUBMITTED) | Q(state__in=[State.IN_REVIEW, State.ACCEPTED], item__kind="promised")
    qs = (Case.objects.filter(waiting, review_node_id=user.org_node_id)
          .select_related("item", "applicant", "review_node", "first_contact")
          .order_by(F("due_date").asc(nulls_first=True), "id"))
    return paginate(qs, page=page)


def deliveries_for_user(user, *, done: bool = False, page: int = 1):
    """A grid worker's home deliveries (journey 6): concluded results of the grid's residents that asked for
    delivery, oldest first; or the ones already delivered, newest first."""
    from doorstep.cases.models import Delivery
    from doorstep.core.paging import paginate

    if not user.is_authenticated or user.role != "grid_worker":
        return paginate(Case.objects.none(), page=page)
    qs = cases_in_scope(user).filter(delivery=Delivery.HOME).select_related("item", "applicant__household__building")
    if done:
        qs = qs.filter(state__in=[State.DELIVERED, State.RATED], delivered_at__isnull=False).order_by("-delivered_at")
    else:
        qs = qs.filter(state=State.CONCLUDED).order_by("concluded_at", "id")
    return paginate(qs, page=page)


def case_facts(case: Case) -> CaseFacts:
    """What the state machine needs to know about a stored case."""
    return CaseFacts(state=State(case.state), instant=case.item.kind == "instant",
                     approval_level=case.item.approval_level, review_level=case.review_level)


def case_detail_for_user(user, case_id):
    """The case page's data: the case (with certificate, rating and follow-up when they exist), its history and
    its material hand-overs. A fixed number of queries."""
    case = case_get_for_user(user, case_id)
    history = list(case.history.select_related("actor").order_by("id"))
    return case, history


def case_extras(case: Case) -> dict:
    from doorstep.cases.models import CaseUpload, Certificate, MaterialHandover
    from doorstep.ratings.models import Rating

    rating = Rating.objects.filter(case=case).select_related("follow_up").first() if case.state == "rated" else None
    return {
        "handovers": list(MaterialHandover.objects.filter(case=case).select_related(
            "from_node", "to_node", "handed_by", "received_by")),
        "certificate": Certificate.objects.filter(case=case).first() if case.concluded_at else None,
        "rating": rating,
        "uploads": list(CaseUpload.objects.filter(case=case).select_related("material")) if case.channel == "online"
        else [],
        "follow_up": getattr(rating, "follow_up", None) if rating else None,
    }


def case_by_public_code(code: str) -> Case:
    """The public tracking page's case (from the receipt's QR): by its unguessable code only."""
    case = (Case.objects.select_related("item", "review_node", "applicant", "center")
            .filter(public_code=str(code)[:16]).first())
    if case is None:
        raise NotFound("没有找到这个办件，请核对回执上的二维码或查询码。")
    return case


def certificate_by_verify_code(code: str):
    from doorstep.cases.models import Certificate

    cert = (Certificate.objects.select_related("case__item", "case__applicant")
            .filter(verify_code=str(code)[:16]).first())
    if cert is None:
        raise NotFound("查无此证：核验码不存在。请确认二维码未被篡改，或向签发单位核实。")
    return cert


def supervision_limits(today=None):
    """(today, the last yellow due date) for marking rows; computed once per page."""
    from django.conf import settings
    from django.utils import timezone

    from doorstep.calendar.selectors import work_calendar
    from doorstep.cases.supervision import yellow_until

    today = today or timezone.localdate()
    return today, yellow_until(today, work_calendar(), settings.DOORSTEP_YELLOW_WORKING_DAYS)


def supervision_for_user(user, *, mark: str = "", page: int = 1):
    """The supervision page: per review level the running cases, how many are yellow and red, and the cases behind
    a mark, paged, most overdue first. Two grouped COUNT queries and one page query."""
    from django.db.models import Count, Q

    from doorstep.cases.workflow import CLOCK_RUNNING, LEVEL_LABELS
    from doorstep.core.paging import paginate

    today, limit = supervision_limits()
    running = cases_in_scope(user).filter(state__in=[s.value for s in CLOCK_RUNNING])
    rows = {r["review_level"]: r for r in running.values("review_level").annotate(
        total=Count("id"), red=Count("id", filter=Q(due_date__lt=today)),
        yellow=Count("id", filter=Q(due_date__gte=today, due_date__lte=limit)))}
    levels = [{"level": lv, "label": LEVEL_LABELS[lv], **rows.get(lv, {"total": 0, "red": 0, "yellow": 0})}
              for lv in LEVEL_LABELS]
    behind = running.none()
    if mark == "red":
        behind = running.filter(due_date__lt=today)
    elif mark == "yellow":
        behind = running.filter(due_date__gte=today, due_date__lte=limit)
    elif mark == "all":
        behind = running.filter(due_date__lte=limit)
    behind = behind.select_related("item", "applicant", "review_node", "first_contact").order_by("due_date", "id")
    return {"levels": levels, "page": paginate(behind, page=page), "today": today, "yellow_limit": limit}


def bundle_get_for_user(user, bundle_id):
    """A bundle matter (一件事) with its member cases, if the user may see its cases; else NotFound."""
    from doorstep.cases.models import Bundle

    try:
        pk = int(bundle_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    members = list(cases_in_scope(user).filter(bundle_id=pk).select_related("item", "review_node").order_by("id"))
    if not members:
        raise NotFound()
    bundle = Bundle.objects.select_related("definition", "applicant").get(pk=pk)
    return bundle, members


def eligibility_reviews_in_scope(user):
    """资格复核 rows of residents under the user's own node (a community sees its own, the district all)."""
    from doorstep.cases.models import EligibilityReview

    if not user.is_authenticated or user.role == Role.RESIDENT or not user.org_node_id:
        return EligibilityReview.objects.none()
    if user.role not in (Role.CLERK, Role.APPROVER, Role.ADMIN, Role.LEADER, Role.SUPERVISOR):
        return EligibilityReview.objects.none()
    return EligibilityReview.objects.filter(subtree_q("applicant_path", user.org_node.code))


def eligibility_reviews_for_user(user, *, status: str = "open", page: int = 1):
    """A page of reviews with their case, item and resident (fixed number of queries), and the counts by status."""
    from django.db.models import Count

    from doorstep.cases.models import EligibilityReview

    scoped = eligibility_reviews_in_scope(user)
    counts = dict(scoped.values_list("status").annotate(n=Count("id")))
    rows = scoped
    if status in EligibilityReview.Status.values:
        rows = rows.filter(status=status)
    from doorstep.core.paging import paginate

    rows = rows.select_related("case__item", "case__applicant", "resolved_by").order_by("-found_on", "-id")
    return {"page": paginate(rows, page=page), "counts": counts,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in EligibilityReview.Status.choices]}
