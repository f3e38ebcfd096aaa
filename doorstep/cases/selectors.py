"""Reads of cases, cut to what the user may see; out of scope and missing are the same NotFound."""

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext

from doorstep.accounts.roles import Role
from doorstep.cases.authority import (
    CASE_EXACT_SEARCH,
    CASE_SCOPE,
    NARROW_RELATIONS,
    ActorFacts,
    CaseRef,
    Relation,
    relations,
    sees,
)
from doorstep.cases.models import Case
from doorstep.cases.workflow import (
    ACTION_CONTEXT,
    ACTION_LABELS,
    STATE_CONTEXT,
    STATE_LABELS,
    STEP_CONTEXT,
    STEP_LABELS,
    Action,
    CaseFacts,
    State,
)
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.paths import subtree_q


def state_label(state: str) -> str:
    """A case state's label in the reader's language (不予受理 here is "Refused", not the button "Refuse")."""
    return pgettext(STATE_CONTEXT, STATE_LABELS[State(state)])


def action_label(action: str) -> str:
    """An action's label as a button or a message names it, in the reader's language."""
    return pgettext(ACTION_CONTEXT, ACTION_LABELS[Action(action)])


def step_label(action: str) -> str:
    """An action as a step done on a case's timeline, in the reader's language (受理: "Accepted")."""
    return pgettext(STEP_CONTEXT, STEP_LABELS[Action(action)])


def actor_facts(user) -> ActorFacts:
    """Where a user stands, for the authority tables (no queries: the user's node is loaded with the user)."""
    node = user.org_node if user.org_node_id else None
    return ActorFacts(role=user.role, user_id=user.pk, resident_id=user.resident_id, node_id=user.org_node_id,
                      node_code=node.code if node else "", node_level=node.level if node else "")


def case_ref(case: Case) -> CaseRef:
    """Where a case stands, for the authority tables. Needs case.review_node and case.center loaded."""
    center = case.center if case.center_id else None
    return CaseRef(applicant_id=case.applicant_id, applicant_path=case.applicant_path,
                   holding_node_id=case.review_node_id, holding_node_code=case.review_node.code,
                   center_node_id=center.org_node_id if center else None, first_contact_id=case.first_contact_id)


def case_relations(user, case: Case) -> frozenset[Relation]:
    return relations(actor_facts(user), case_ref(case))


def _relation_q(user, relation: Relation) -> Q | None:
    """One relation of the authority module as a filter on cases (None: cannot hold for this user)."""
    node = user.org_node if user.org_node_id else None
    if relation == Relation.APPLICANT:
        return Q(applicant_id=user.resident_id) if user.resident_id else None
    if relation == Relation.FIRST_CONTACT:
        return Q(first_contact_id=user.pk)
    if node is None:
        return None
    if relation == Relation.HOLDING_NODE:
        return Q(review_node_id=node.pk)
    if relation == Relation.HOLDING_COMMUNITY:
        return Q(review_node_id=node.pk) if node.level == "community" else None
    if relation == Relation.HOLDING_SUBTREE:
        # the nodes (a community's few, a street's fifty or so) as a list of ids, read once per request: as a
        # subquery PostgreSQL hashed it and could not OR it with the applicants' path index, so a community
        # supervisor's online cases were counted by reading all 85,000 online cases (255 ms); SQLite ORs either
        return Q(review_node_id__in=_subtree_node_ids(user))
    if relation == Relation.ACCEPTING_CENTER:
        # The node's centers (one or two) as a list of ids, read once per request: as a subquery PostgreSQL hashes
        # it, cannot OR it with the other relations' indexes, guesses half the table and reads every case to count
        # a clerk's 17,000 (190 ms, bench/results/list-pages-postgresql.md); as a list it ORs three index scans.
        return Q(center_id__in=_node_center_ids(user))
    if relation in (Relation.APPLICANT_SUBTREE, Relation.APPLICANT_GRID):
        if relation == Relation.APPLICANT_GRID and node.level != "grid":
            return None
        if node.parent_id is None:
            # The district's own scope holds every case: as an index range it made SQLite's planner read all 670,000
            # cases through the path index and sort them, instead of seeking in (state, due_date) for a filtered
            # ledger (2.5 s, bench/results/list-pages-sqlite.md). The same rows as a prefix match, which SQLite does
            # not answer from an index and PostgreSQL's statistics see as matching everything.
            return Q(applicant_path__startswith=node.code)
        return subtree_q("applicant_path", node.code)
    raise ValueError(relation)


def _node_ids_for_request(user, attribute: str, query) -> list[int]:
    """The ids `query` gives for the user's node, kept on the user object (as `attribute`) for the rest of the
    request, so that a page that builds the scope several times (count, page, export) asks once."""
    cached = getattr(user, attribute, None)
    if cached is None or cached[0] != user.org_node_id:
        cached = (user.org_node_id, list(query.order_by("id").values_list("id", flat=True)))
        setattr(user, attribute, cached)
    return cached[1]


def _subtree_node_ids(user) -> list[int]:
    """The ids of the user's node and every node below it."""
    from doorstep.org.models import OrgNode

    return _node_ids_for_request(user, "_doorstep_subtree_ids",
                                 OrgNode.objects.filter(subtree_q("code", user.org_node.code)))


def _node_center_ids(user) -> list[int]:
    """The service centers of the user's node, as ids."""
    from doorstep.org.models import ServiceCenter

    return _node_ids_for_request(user, "_doorstep_center_ids",
                                 ServiceCenter.objects.filter(org_node_id=user.org_node_id))


def cases_browsable(user) -> QuerySet[Case]:
    """The cases a user sees when browsing (ledger, supervision, exports): the role's relations in CASE_SCOPE
    (authority.py), OR-ed. Roles with no entry see none."""
    if not user.is_authenticated:
        return Case.objects.none()
    condition = None
    scope = CASE_SCOPE.get(user.role, frozenset())
    if user.org_node_id and user.org_node.parent_id is None and Relation.APPLICANT_SUBTREE in scope:
        # at the district's own node the applicants' area is every case: the other relations add nothing
        scope = frozenset({Relation.APPLICANT_SUBTREE})
    for relation in sorted(scope):
        q = _relation_q(user, relation)
        if q is not None:
            condition = q if condition is None else condition | q
    return Case.objects.filter(condition) if condition is not None else Case.objects.none()


def cases_in_scope(user) -> QuerySet[Case]:
    """Every case a user may open: what they browse, plus — for roles that serve the district by exact search
    (CASE_EXACT_SEARCH: window clerks) — the cases a recent search of theirs showed (SearchGrant)."""
    qs = cases_browsable(user)
    if user.is_authenticated and user.role in CASE_EXACT_SEARCH:
        qs = qs | Case.objects.filter(pk__in=_granted_case_ids(user))
    return qs


def _granted_case_ids(user):
    import datetime

    from django.conf import settings
    from django.utils import timezone

    from doorstep.registry.models import SearchGrant

    since = timezone.now() - datetime.timedelta(hours=settings.DOORSTEP_SEARCH_GRANT_HOURS)
    return SearchGrant.objects.filter(user_id=user.pk, kind=SearchGrant.Kind.CASE, granted_at__gte=since).values(
        "object_id")


def case_get_for_user(user, case_id, *, for_update: bool = False) -> Case:
    """One case the user may open, with item, review node and center loaded; NotFound for missing and for not
    yours alike. With for_update the row is locked (the caller is in a transaction)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not user.is_authenticated:
        raise NotFound()
    qs = Case.objects.select_related("item", "review_node", "center")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFound()
    if sees(user.role, case_relations(user, case)):
        return case
    if user.role in CASE_EXACT_SEARCH and _granted_case_ids(user).filter(object_id=pk).exists():
        return case
    if eligibility_reviews_in_scope(user).filter(case_id=pk).exists():
        return case  # a beneficiary the re-check flagged in the user's place: they must read the case to decide
    raise NotFound()


def case_search_exact_for_user(user, query: str) -> QuerySet[Case] | None:
    """An exact search across the district for roles that may (CASE_EXACT_SEARCH): a whole case number with the
    query code printed on the receipt ("4303022026111602726 Ab3dE…"), or an applicant's whole ID number — each
    something the applicant holds. A whole number alone finds only cases the user already browses: numbers are
    sequential, so a number by itself would open the district one guess at a time. None when the query is none of
    these (the caller browses its own scope instead)."""
    from doorstep.core.crypto import blind_index
    from doorstep.core.idnumbers import document_index_values

    if not user.is_authenticated or user.role not in CASE_EXACT_SEARCH or not user.org_node_id:
        return None
    query = (query or "").strip()
    district = subtree_q("applicant_path", user.org_node.code[:6])
    parts = query.split()
    if len(parts) == 2 and len(parts[0]) == CASE_NUMBER_LENGTH and parts[0].isdigit() and len(parts[1]) <= 16:
        return Case.objects.filter(district, number=parts[0], public_code=parts[1])
    if len(query) == CASE_NUMBER_LENGTH and query.isdigit():
        return cases_browsable(user).filter(number=query)
    if _is_document_query(query):
        digests = [blind_index("id", v) for v in document_index_values(query)]
        return Case.objects.filter(district, applicant__id_number_index__in=digests) if digests else None
    return None


def _is_document_query(query: str) -> bool:
    """A ledger query that names an applicant's document rather than a case number (prefix): letters and digits
    (passports, permits), or digits of a length only documents have (8 or 10: 台胞证; 15 or 18: ID numbers —
    a 15-digit ID number is recognised only if it is a valid one: a case number prefix of 15 digits is not)."""
    from doorstep.core.idnumbers import clean_document_text, looks_like_document

    q = clean_document_text(query)
    if not looks_like_document(q):
        return False
    return not q.isdigit() or len(q) in (8, 10, 15, 18)


CASE_NUMBER_LENGTH = 19  # district (6) + date (8) + daily sequence (5)
NUMBER_PREFIX_MIN = 14  # district and date: the shortest number prefix searched (one day's cases at most)


MARKED_AS_LIST = 2000  # red or yellow cases written into the ledger query as a list of ids up to this many

LEDGER_SORTS = {"-id": ("-id",), "id": ("id",), "due_date": ("due_date", "id"), "-due_date": ("-due_date", "-id"),
                "item": ("item__code", "-id"), "-item": ("-item__code", "-id"), "state": ("state", "-id"),
                "-state": ("-state", "-id")}


def _narrow_scope(user) -> bool:
    """Whether the user's browsing scope holds a few thousand cases at most: only relations with an index of their
    own (NARROW_RELATIONS: a clerk's center, node and first contact), or the area of a community or a grid."""
    if CASE_SCOPE.get(user.role, frozenset()) <= NARROW_RELATIONS:
        return True
    return bool(user.org_node_id) and user.org_node.level in ("community", "grid")


def case_ledger_for_user(user, *, state: str = "", mark: str = "", q: str = "", sort: str = "-id",
                         channel: str = "") -> QuerySet[Case]:
    """The case ledger (台账) the list page and the Excel export share: filters by state, supervision mark
    (red/yellow), channel and case number (prefix); sorted by a known key. Unknown filters and sorts are ignored."""
    from doorstep.cases.models import Channel
    from doorstep.cases.workflow import CLOCK_RUNNING

    exact = case_search_exact_for_user(user, q)
    base = exact if exact is not None else cases_browsable(user)
    qs = base.select_related("item", "applicant", "review_node", "first_contact")
    # Under a narrow scope SQLite must read the scope's own indexes, not every case in the state (445,000 rated) or
    # of the channel (85,000 online) — for the count, and for a small result's page, which is sorted in memory
    # (core.paging). A wide scope (a street, the district) is read by the filter's index or the sort's.
    narrow = exact is None and _narrow_scope(user)
    if state in {s.value for s in State}:
        qs = qs.filter(state__unindexed=state) if narrow else qs.filter(state=state)
    if channel in Channel.values:
        qs = qs.filter(channel__unindexed=channel) if narrow else qs.filter(channel=channel)
    if mark in ("red", "yellow"):
        today, limit = supervision_limits()
        marked = Case.objects.filter(state__in_literal=CLOCK_RUNNING)  # the partial index case_running_due
        marked = marked.filter(due_date__lt=today) if mark == "red" else marked.filter(due_date__gte=today,
                                                                                      due_date__lte=limit)
        # the marked cases (a few hundred) found first, by their own small index, then the scope and sort applied
        # to them: as plain filters SQLite read a street's 84,000 cases through the path index to find 6 (2.4 s).
        # Their ids go into the query as a list when there are few: as a subquery PostgreSQL guessed 10,000 rows
        # (state and due date are correlated: running cases are mostly due later) and walked the due-date index
        # through 640,000 cases to find 53 red ones (2.3 s).
        ids = list(marked.values_list("pk", flat=True)[:MARKED_AS_LIST + 1])
        qs = qs.filter(pk__in=ids if len(ids) <= MARKED_AS_LIST else marked.values("pk"))
    q = (q or "").strip()[:24]
    if exact is None and q.isdigit() and len(q) >= NUMBER_PREFIX_MIN:
        qs = qs.filter(subtree_q("number", q))  # an index range on the unique number: one day's cases at most
    elif exact is None and q.isdigit():
        # Every number begins with the district's code and the date: a shorter prefix ("430", "4303022026") names
        # most of the ledger, which the filters and sorts browse already; read through the number's index it walked
        # the whole ledger under a narrow scope or a rare filter (0.5-1 s, third review). The page says how long.
        qs = qs.none()
    elif exact is None and q:
        # a name or anything else the ledger does not search: nothing, not the whole ledger under the query
        qs = qs.none()
    return qs.order_by(*LEDGER_SORTS.get(sort, LEDGER_SORTS["-id"]))


def case_list_for_user(user, *, page: int = 1, cursor: str = "", **filters):
    """A page of the ledger by number (the first pages) or by cursor (core.paging)."""
    from doorstep.core.paging import paginate

    return paginate(case_ledger_for_user(user, **filters), page=page, cursor=cursor)


QUEUE_DUE = {"red": gettext_lazy("已超期"), "yellow": gettext_lazy("即将到期"), "new": gettext_lazy("新申请（未受理）")}


def approver_queue_waiting(user) -> QuerySet[Case]:
    """What waits at the user's own node (the queue before its filters): online applications to accept
    (submitted) and promised cases to decide or hand on. Empty for roles without a queue."""
    if not user.is_authenticated or user.role not in ("approver", "clerk") or not user.org_node_id:
        return Case.objects.none()
    waiting = Q(state=State.SUBMITTED) | Q(state__in=[State.IN_REVIEW, State.ACCEPTED], item__kind="promised")
    return Case.objects.filter(waiting, review_node_id=user.org_node_id)


def approver_queue_for_user(user, *, page: int = 1, cursor: str = "", q: str = "", item: str = "", area: str = "",
                            due: str = "", sort: str = ""):
    """审批队列: at the user's own node, online applications waiting to be accepted and promised cases waiting for a
    decision or a further hop; by default new applications first (no due date yet), then earliest due.

    Filters: `q` a case number or its beginning (digits), an applicant's whole ID number, or the beginning of an
    applicant's name (the queue is the node's own work, so a name does not browse anyone else's); `item` an item
    code; `area` the code of a street or community under the node, for the applicants living there; `due` one of
    QUEUE_DUE; `sort` a ledger sort (LEDGER_SORTS). Unknown values are ignored."""
    from doorstep.core.crypto import blind_index
    from doorstep.core.idnumbers import document_index_values
    from doorstep.core.paging import paginate

    qs = approver_queue_waiting(user).select_related("item", "applicant", "review_node", "first_contact")
    q = (q or "").strip()[:40]
    if q.isdigit() and len(q) <= CASE_NUMBER_LENGTH and not (len(q) in (15, 18) and document_index_values(q)):
        qs = qs.filter(subtree_q("number", q))  # a case number (prefix); a valid 15- or 18-digit ID number is not
    elif _is_document_query(q):
        qs = qs.filter(applicant__id_number_index__in=[blind_index("id", v) for v in document_index_values(q)])
    elif q:
        qs = qs.filter(applicant__name__startswith=q)
    if item:
        qs = qs.filter(item__code=str(item)[:20])
    area = str(area or "")[:15]
    if area.isdigit() and area.startswith(user.org_node.code) and area != user.org_node.code:
        qs = qs.filter(subtree_q("applicant_path", area))
    if due in ("red", "yellow"):
        today, limit = supervision_limits()
        qs = qs.filter(due_date__lt=today) if due == "red" else qs.filter(due_date__gte=today, due_date__lte=limit)
    elif due == "new":
        qs = qs.filter(state=State.SUBMITTED)
    if sort in LEDGER_SORTS:
        return paginate(qs.order_by(*LEDGER_SORTS[sort]), page=page, cursor=cursor)
    return paginate(qs.order_by(F("due_date").asc(nulls_first=True), "id"), page=page, cursor=cursor)


def approver_queue_choices(user) -> dict:
    """What the queue's filters offer: the items waiting at the node, and the streets or communities under it."""
    from doorstep.catalog.models import ServiceItem
    from doorstep.org.models import OrgNode

    if not user.is_authenticated or not user.org_node_id:
        return {"items": [], "areas": []}
    items = ServiceItem.objects.filter(kind="promised", is_active=True).order_by("code").values_list("code", "name")
    areas = OrgNode.objects.filter(parent_id=user.org_node_id).exclude(level="grid").order_by("code").values_list(
        "code", "name")
    return {"items": list(items), "areas": list(areas), "dues": list(QUEUE_DUE.items())}


def approver_decisions_for_user(user, *, page: int = 1, cursor: str = ""):
    """审批记录: the user's own decisions (approve, reject), newest first, with their cases."""
    from doorstep.cases.models import DECISION_ACTIONS, CaseHistory
    from doorstep.core.paging import paginate

    if not user.is_authenticated:
        return paginate(CaseHistory.objects.none(), page=page)
    # the states as literals: SQLite uses the partial index history_decisions only then (core/lookups.py)
    qs = (CaseHistory.objects.filter(actor_id=user.pk, action__in_literal=DECISION_ACTIONS)
          .select_related("case__item", "case__applicant").order_by("-id"))
    return paginate(qs, page=page, cursor=cursor)


def deliveries_for_user(user, *, done: bool = False, page: int = 1, cursor: str = ""):
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
    return paginate(qs, page=page, cursor=cursor)


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
    from doorstep.cases.models import CaseUpload, Certificate, DeliveryProof, MaterialHandover
    from doorstep.ratings.models import Rating

    # a rating is its own record, in any state (refused and rejected cases are rated too)
    rating = Rating.objects.filter(case=case).select_related("follow_up", "appeal").first()
    return {
        "handovers": list(MaterialHandover.objects.filter(case=case).select_related(
            "from_node", "to_node", "handed_by", "received_by")),
        "certificate": Certificate.objects.filter(case=case).first() if case.concluded_at else None,
        "rating": rating,
        # materials sent online or photographed by the grid worker who collected them (代收)
        "uploads": list(CaseUpload.objects.filter(case=case, purpose=CaseUpload.Purpose.MATERIAL)
                        .select_related("material")) if case.channel in ("online", "grid") else [],
        "delivery_proof": DeliveryProof.objects.filter(case=case).first() if case.delivered_at else None,
        "follow_up": getattr(rating, "follow_up", None) if rating else None,
    }


def case_by_public_code(code: str) -> Case:
    """The public tracking page's case (from the receipt's QR): by its unguessable code only — as printed, or as
    typed (any case, spaces, dashes: models.normalize_query_code)."""
    from doorstep.cases.models import normalize_query_code

    raw = str(code)[:16]
    case = (Case.objects.select_related("item", "review_node", "applicant", "center")
            .filter(public_code__in={raw, normalize_query_code(raw)[:16]}).first())
    if case is None:
        raise NotFound(gettext("没有找到这个办件，请核对回执上的二维码或查询码。"))
    return case


TRACK_NOT_FOUND = gettext_noop("没有找到这个办件：请核对受理回执上的办件编号，以及查询码或申请人身份证号后4位。")


def case_for_tracking(number: str, secret: str) -> Case:
    """The public tracking form's case: the whole case number (as on the receipt) and either its query code or the
    last four characters of the applicant's ID number. Returns the case. Errors: ValidationFailed (400) when the
    number or the second field is not of the right form; NotFound (404), one message, when the number is unknown
    or the second field does not match — nothing tells the one from the other. Callers limit attempts (per address,
    per number): four characters alone are guessable."""
    import unicodedata

    from doorstep.cases.models import normalize_query_code

    number = typed_case_number(number)
    if not (number.isdigit() and len(number) == CASE_NUMBER_LENGTH):
        raise ValidationFailed(gettext("办件编号是受理回执上的{length}位数字，请核对。").format(
            length=CASE_NUMBER_LENGTH), field="number")
    secret_raw = unicodedata.normalize("NFKC", str(secret or "")).strip()[:40]
    secret_norm = normalize_query_code(secret_raw)
    if not secret_norm:
        raise ValidationFailed(gettext("请填写受理回执上的查询码，或申请人身份证号后4位。"), field="secret")
    case = Case.objects.select_related("item", "review_node", "applicant", "center").filter(number=number).first()
    if case is None:
        raise NotFound(gettext(TRACK_NOT_FOUND))
    tail = case.applicant.id_number_masked[-4:].upper()
    # a code of either format, typed in any case and with or without its dashes; or the ID number's last four
    matches = (secrets_equal(case.public_code, secret_raw)
               or secrets_equal(normalize_query_code(case.public_code), secret_norm)
               or (len(secret_norm) == 4 and len(tail) == 4 and "*" not in tail and secrets_equal(tail, secret_norm)))
    if not matches:
        raise NotFound(gettext(TRACK_NOT_FOUND))
    return case


def typed_case_number(raw: str) -> str:
    """A case number as typed, as the ledger stores it: full-width and other digit forms folded (NFKC), spaces
    dropped. The tracking form counts its misses against this form too, so another way of typing the number buys
    no fresh tries."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", str(raw or ""))[:40] if not ch.isspace())


def secrets_equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def certificate_by_verify_code(code: str):
    from doorstep.cases.models import Certificate

    cert = (Certificate.objects.select_related("case__item", "case__applicant")
            .filter(verify_code=str(code)[:16]).first())
    if cert is None:
        raise NotFound(gettext("查无此证：核验码不存在。请确认二维码未被篡改，或向签发单位核实。"))
    return cert


def supervision_limits(today=None):
    """(today, the last yellow due date) for marking rows; computed once per page."""
    from django.conf import settings
    from django.utils import timezone

    from doorstep.calendar.selectors import work_calendar
    from doorstep.cases.supervision import yellow_until

    today = today or timezone.localdate()
    return today, yellow_until(today, work_calendar(), settings.DOORSTEP_YELLOW_WORKING_DAYS)


def supervision_for_user(user, *, mark: str = "", page: int = 1, cursor: str = ""):
    """The supervision page: per review level the running cases, how many are yellow and red, and the cases behind
    a mark, paged, most overdue first. Two grouped COUNT queries and one page query."""
    from django.db.models import Count, Q

    from doorstep.cases.workflow import CLOCK_RUNNING, LEVEL_LABELS
    from doorstep.core.paging import paginate

    today, limit = supervision_limits()
    running = cases_browsable(user).filter(state__in_literal=CLOCK_RUNNING)  # the partial index case_running_due
    rows = {r["review_level"]: r for r in running.values("review_level").annotate(
        total=Count("id"), red=Count("id", filter=Q(due_date__lt=today)),
        yellow=Count("id", filter=Q(due_date__gte=today, due_date__lte=limit)))}
    levels = [{"level": lv, "label": gettext(LEVEL_LABELS[lv]), **rows.get(lv, {"total": 0, "red": 0, "yellow": 0})}
              for lv in LEVEL_LABELS]
    behind = running.none()
    if mark == "red":
        behind = running.filter(due_date__lt=today)
    elif mark == "yellow":
        behind = running.filter(due_date__gte=today, due_date__lte=limit)
    elif mark == "all":
        behind = running.filter(due_date__lte=limit)
    behind = behind.select_related("item", "applicant", "review_node", "first_contact").order_by("due_date", "id")
    return {"levels": levels, "page": paginate(behind, page=page, cursor=cursor), "today": today, "yellow_limit": limit}


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


def eligibility_reviews_for_user(user, *, status: str = "open", page: int = 1, cursor: str = ""):
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
    return {"page": paginate(rows, page=page, cursor=cursor), "counts": counts,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in EligibilityReview.Status.choices]}


def resident_next_step(case: Case) -> str:
    """What happens next, in words for the applicant (我的办件's cards, issue #11 item 8)."""
    from django.utils.dateformat import format as date_format
    from django.utils.translation import gettext as _

    from doorstep.cases.models import Delivery

    state = State(case.state)
    due = date_format(case.due_date, _("Y年n月j日")) if case.due_date else ""
    if state == State.SUBMITTED:
        return _("等待服务站审核材料并受理，受理后开始计时。")
    if state == State.ACCEPTED:
        return _("正在办理，承诺{due}前办结。").format(due=due) if due and case.item.kind == "promised" else _("正在办理。")
    if state == State.SUPPLEMENT_REQUESTED:
        return _("请按通知补正材料，补正期间暂停计时。")
    if state == State.IN_REVIEW:
        if due:
            return _("已报{node}审批，承诺{due}前办结。").format(node=case.review_node.name, due=due)
        return _("已报{node}审批。").format(node=case.review_node.name)
    if state == State.APPROVED:
        return _("已批准，等待办结出证。")
    if state == State.CONCLUDED:
        if case.delivery == Delivery.HOME:
            return _("已办结，网格员将送达您家中。")
        if case.delivery == Delivery.POST:
            return _("已办结，将邮寄给您。")
        center = case.center.name if case.center_id else _("服务中心")
        if case.ready_at:
            when = date_format(timezone.localtime(case.ready_at), _("n月j日 H:i"))
            return _("已办结，请{when}起到{center}领取。").format(when=when, center=center)
        return _("已办结，请到{center}领取。").format(center=center)
    return {State.DELIVERED: _("已送达。欢迎评价本次服务。"),
            State.REFUSED: _("不予受理：请看一次性告知书，材料齐全后可再次申请。"),
            State.REJECTED: _("不予批准：请看决定书中的理由；不服的，可依法申请行政复议或提起行政诉讼。"),
            State.WITHDRAWN: _("已撤回。"), State.RATED: _("已办结并评价，谢谢。")}.get(state, "")
