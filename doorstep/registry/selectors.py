"""Reads of the population registry, always cut to what the user's role and org node allow.

Out of scope and missing look the same (NotFound), so nothing leaks by the difference.
"""

import datetime
import re
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.roles import Capability, Scope
from doorstep.core.crypto import blind_index
from doorstep.core.errors import NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idnumbers import document_candidates, looks_like_document, looks_like_id_number
from doorstep.core.names import name_for_search
from doorstep.core.paging import Page, paginate
from doorstep.core.paths import PATH_END, subtree_q
from doorstep.core.phones import looks_like_phone, parse_phone
from doorstep.registry.models import Building, Household, Resident

SORTS = {"name": ("name", "id"), "-name": ("-name", "-id"), "birth_date": ("birth_date", "id"),
         "-birth_date": ("-birth_date", "-id"),
         # the window's order: the whole name (or its whole pinyin or initials) before longer names that begin with
         # it, then the user's own area (a station's own community first), then by name; paged by number only
         "relevance": ("_exact", "_elsewhere", "name", "id")}
SEARCH_KINDS = ("auto", "id_number", "phone", "name", "pinyin", "address")
_PINYIN_RE = re.compile(r"^[a-z]+$")
# The end of a prefix range: after every character (keys may hold characters past the BMP: 𠮷, 𰀀; "~" sorted
# before them and lost 王𰀀). Both databases compare by code point (C.UTF-8 collation on PostgreSQL).
KEY_END = "\U0010ffff"
_MAX_ADDRESS_BUILDINGS = 200
# The columns a result row shows (masked): loading only these keeps an exact lookup one small query.
LIST_FIELDS = ("id", "household_id", "path", "name", "gender", "birth_date", "status", "status_date", "document_type",
               "id_number_masked", "phone_masked",
               "relation", "is_elderly_alone", "is_disabled", "is_low_income", "is_migrant", "is_party_member",
               "is_veteran", "household__id", "household__building_id", "household__room", "household__building__id",
               "household__building__name")


def _scope_filter(user) -> tuple[str, tuple] | None:
    """The user's view of the registry as one SQL condition on registry_resident (alias r): a path range or one
    household; None when the user sees nobody. residents_in_scope and the exact-lookup fast path both use it."""
    scope = user.resident_scope if user.is_authenticated else Scope.NONE
    if scope in (Scope.SUBTREE, Scope.DISTRICT_SEARCH) and user.org_node_id:
        code = user.org_node.code if scope == Scope.SUBTREE else user.org_node.code[:6]
        return "path", (code, code + PATH_END)
    if scope == Scope.OWN_HOUSEHOLD and user.resident_id:
        return "household", (user.resident.household_id,)
    return None


def residents_in_scope(user, *, use_path_index: bool = True, listing: bool = False) -> QuerySet[Resident]:
    """Every resident the user may see at all (before any search).

    With use_path_index=False the scope is written as a LIKE prefix that neither database uses an index for, so that
    a search on another indexed column (pinyin) drives the plan and the scope is only a filter on its rows.
    With listing=True (a name, pinyin or address search, which lists people) a window clerk's district-wide scope
    narrows to their own area: elsewhere in the district they find a person by ID card or phone only — search, never
    browse (a one-character address search listed 9,964 residents with their homes, page after page).
    """
    scope = _scope_filter(user)
    if scope is None:
        return Resident.objects.none()
    kind, args = scope
    if kind == "household":
        return Resident.objects.filter(household_id=args[0])
    if listing and user.resident_scope == Scope.DISTRICT_SEARCH:
        args = (user.org_node.code, user.org_node.code + PATH_END)
    if use_path_index:
        return Resident.objects.filter(path__gte=args[0], path__lt=args[1])
    return Resident.objects.filter(path__startswith=args[0])


def resident_get_for_user(user, resident_id) -> Resident:
    """One resident the user may open: in the user's scope and — for roles that serve the district by search only
    (window clerks, Scope.DISTRICT_SEARCH) — shown to them by a search of theirs (SearchGrant) or the applicant of
    a case they may see. Otherwise NotFound, the same as for a missing id."""
    try:
        pk = int(resident_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    resident = (
        residents_in_scope(user).select_related("household__building__grid").filter(pk=pk).first()
    )
    if resident is None or (user.resident_scope == Scope.DISTRICT_SEARCH and not _found_by_user(user, pk)):
        raise NotFound()
    return resident


def _found_by_user(user, resident_id: int) -> bool:
    """A district-search user reached this resident legitimately: a recent search of theirs showed them, or they
    may see one of the resident's cases (the applicant of a case at their window)."""
    from datetime import timedelta

    from doorstep.registry.models import SearchGrant

    since = timezone.now() - timedelta(hours=settings.DOORSTEP_SEARCH_GRANT_HOURS)
    if SearchGrant.objects.filter(user_id=user.pk, kind=SearchGrant.Kind.RESIDENT, object_id=resident_id,
                                  granted_at__gte=since).exists():
        return True
    from doorstep.cases.selectors import (
        cases_browsable,  # cases sit above the registry; a read, imported late
    )

    return cases_browsable(user).filter(applicant_id=resident_id).exists()


@dataclass
class SearchResult:
    page: Page
    kind: str  # how the query was understood
    query: str
    note: str = ""  # how the input was read, when it was not read as typed (a 15-digit number converted)


def _exact_targets(query: str, kind: str, *, auto: bool) -> tuple[list, list[str]]:
    """The documents and phones an exact lookup looks for, or ValidationFailed saying why the query is neither. An
    "auto" query looks for both (eight digits are a 台胞证 or a local landline)."""
    from doorstep.core.idnumbers import parse_document

    phone = parse_phone(query)
    if kind == "phone":
        if phone is None:
            raise ValidationFailed(_("请填写11位手机号，或带区号的固定电话（如 0731-58888888）。"), field="q")
        return document_candidates(query) if auto else [], [phone]
    documents = document_candidates(query)
    if not documents:
        parse_document(query, "auto", field="q")  # raises the reason an ID-card-shaped number is wrong
        raise ValidationFailed(_("证件号码格式不对，请核对。"), field="q")
    return documents, [phone] if phone else []


def _prefix(field: str, value: str) -> Q:
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + KEY_END})


def _classify(query: str) -> str:
    """How an "auto" query is read: a document number (any type; 15 digits included), a phone (mobile or landline,
    any form), pinyin (letters only), else a name. A query that could be both a document and a phone (eight digits:
    a 台胞证 or a local landline) is looked up as both."""
    if looks_like_phone(query):  # first: "0086 139…" has 15 digits, as many as an old ID number
        return "phone"
    if looks_like_id_number(query):
        return "id_number"
    if _PINYIN_RE.match(query.lower()):
        return "pinyin"
    if looks_like_document(query):
        return "id_number"
    return "name"


def _name_key_q(key: str):
    """Residents with a name key beginning with `key`, each once however many of their readings match, as a filter
    the query pages and sorts like any other resident query.

    SQLite: `id IN (range of keys)` — it loops over the subquery's ids and reads each resident by rowid.
    PostgreSQL: `id = ANY(ARRAY(range of keys))`, an init plan whose array drives an index scan of the primary key.
    Written as `IN (subquery)` PostgreSQL estimates the matches well and then prefers a parallel scan of the whole
    registry hashed against them (wj: 4,412 matches, 97 ms); the array it cannot estimate, so it reads the matches
    by key (12 ms). bench/README.md, issue #12."""
    from doorstep.registry.models import ResidentNameKey

    if connection.vendor == "postgresql":
        return RawSQL(f'{connection.ops.quote_name(Resident._meta.db_table)}."id" = ANY(ARRAY('
                      f"SELECT resident_id FROM {ResidentNameKey._meta.db_table} WHERE key >= %s AND key < %s))",
                      [key, key + KEY_END], output_field=BooleanField())
    keys = ResidentNameKey.objects.filter(key__gte=key, key__lt=key + KEY_END).values("resident_id")
    return Q(pk__in=keys)


def _name_key_exact_q(key: str) -> Q:
    from doorstep.registry.models import ResidentNameKey

    return Q(pk__in=ResidentNameKey.objects.filter(key=key).values("resident_id"))


def resident_search_for_user(
    user, *, query: str = "", kind: str = "auto", page: int = 1, sort: str = "name", page_size: int | None = None,
    cursor: str = "",
) -> SearchResult:
    """Search residents within the user's scope: exact ID number, exact phone, name prefix, pinyin prefix (full or
    initials), or building/address prefix. Paged, with the total count. Results carry only masked personal data,
    and each row says whether the search lets the user open it (`openable`, see _mark_openable)."""
    return _mark_openable(user, _search(user, query=query, kind=kind, page=page, sort=sort, page_size=page_size,
                                        cursor=cursor))


def _search(user, *, query: str, kind: str, page: int, sort: str, page_size: int | None, cursor: str) -> SearchResult:
    if not user.can(Capability.SEARCH_RESIDENTS) and user.resident_scope != Scope.OWN_HOUSEHOLD:
        raise PermissionDenied(_("您的角色不能查询居民信息。"))
    # invisible format characters (U+202E and other direction overrides, zero-width spaces) are never part of a
    # name or a number: dropped before anything reads the query, so a pasted one neither hides nor breaks a match
    query = "".join(c for c in (query or "") if unicodedata.category(c) != "Cf").strip()[:60]
    if kind not in SEARCH_KINDS:
        raise ValidationFailed(_("不支持的查询方式。"), field="kind")
    if sort not in SORTS:
        raise ValidationFailed(_("不支持的排序方式。"), field="sort")
    if not query:
        if user.resident_scope == Scope.DISTRICT_SEARCH:
            # 全区通办: a window serves anyone, but only by searching — no browsing the population.
            return SearchResult(Page([], 0, 1, page_size or 20), "empty", query)
        resolved = "all"
        qs = residents_in_scope(user)
    else:
        resolved = _classify(query) if kind == "auto" else kind
        _check_district_query(user, resolved, query)
        if resolved in EXACT_KINDS:
            documents, phones = _exact_targets(query, resolved, auto=kind == "auto")
            digests = [("id_number_index", blind_index("id", d.index_value)) for d in documents]
            digests += [("phone_index", blind_index("phone", p)) for p in phones]
            note = next((d.note() for d in documents if d.note()), "")
            return SearchResult(_exact_lookup(user, digests, page_size), resolved, query, note)
        elif resolved == "pinyin":
            q = query.lower()
            if not _PINYIN_RE.match(q):
                raise ValidationFailed(_("拼音查询只能包含字母。"), field="q")
            if len(q) < 2:
                raise ValidationFailed(_("拼音查询请至少输入两个字母。"), field="q")
            key = q
        elif resolved == "address":
            buildings = Building.objects.filter(_prefix("name", query))
            if user.resident_scope == Scope.DISTRICT_SEARCH:  # the clerk's own area, as residents_in_scope(listing)
                buildings = buildings.filter(subtree_q("path", user.org_node.code))
            building_ids = list(buildings.values_list("id", flat=True)[:_MAX_ADDRESS_BUILDINGS])
            qs = residents_in_scope(user, listing=True).filter(household__building_id__in=building_ids)
        else:
            key = name_for_search(query)
            if not key:
                raise ValidationFailed(_("请输入姓名、拼音、证件号码或电话号码。"), field="q")
        if resolved in ("pinyin", "name"):
            qs = residents_in_scope(user, use_path_index=False, listing=True).filter(_name_key_q(key))
            if sort == "relevance":
                qs = _ranked(user, qs, _name_key_exact_q(key))
            qs = qs.select_related("household__building").only(*LIST_FIELDS).order_by(*SORTS[sort])
            return SearchResult(_keyed_page(user, qs, key, sort=sort, page=page, size=page_size, cursor=cursor),
                                resolved, query)
    if sort == "relevance" and resolved in ("all", "address"):
        qs = _ranked(user, qs, Q(pk__in=[]))
    qs = qs.select_related("household__building").only(*LIST_FIELDS).order_by(*SORTS[sort])
    return SearchResult(paginate(qs, page=page, size=page_size, cursor=cursor), resolved, query)


def _keyed_page(user, qs, key: str, *, sort: str, page: int, size: int | None, cursor: str) -> Page:
    """A page of a name or pinyin search (`qs`: the residents it finds, in `sort`'s order). A numbered page sorted
    by name or relevance is counted, scoped, sorted and cut from the name keys' index alone (ResidentNameKey
    carries each resident's path and name), and only its rows are read from the registry; a cursor page or a sort
    by birth date reads `qs`. One query for the count, one for the page's ids, one for its rows."""
    from django.db.models import Case, IntegerField, Min, Value, When

    from doorstep.registry.models import ResidentNameKey

    scope = _scope_filter(user)
    if cursor or sort not in ("name", "-name", "relevance") or scope is None or scope[0] != "path":
        return paginate(qs, page=page, size=size, cursor=cursor)
    # the same area as residents_in_scope(listing=True): a window clerk lists names of their own area only
    area = user.org_node.code if user.resident_scope == Scope.DISTRICT_SEARCH else scope[1][0]
    keyed = ResidentNameKey.objects.filter(key__gte=key, key__lt=key + KEY_END, path__startswith=area)
    if sort == "relevance":
        own = user.org_node.code if user.org_node_id else ""
        ids = (keyed.values("resident_id", "name", "path")
               .annotate(_exact=Min(Case(When(key=key, then=Value(0)), default=Value(1),
                                         output_field=IntegerField())),
                         _elsewhere=Case(When(path__startswith=own, then=Value(0)), default=Value(1),
                                         output_field=IntegerField()))
               .order_by("_exact", "_elsewhere", "name", "resident_id"))
    else:
        desc = "-" if sort == "-name" else ""
        ids = keyed.values("resident_id", "name").distinct().order_by(f"{desc}name", f"{desc}resident_id")
    rows = Resident.objects.select_related("household__building").only(*LIST_FIELDS)
    return paginate(qs, page=page, size=size, count_queryset=keyed.values("resident_id").distinct(),
                    ids_queryset=ids.values_list("resident_id", flat=True), rows_queryset=rows)


EXACT_KINDS = ("id_number", "phone")
# A district-search role (window clerk) searching by name outside their own area: enough letters to name a person,
# not a surname (one character "王" or two letters "zh" listed the district 20 at a time).
DISTRICT_NAME_MIN_CHARS = 2
DISTRICT_PINYIN_MIN_LETTERS = 3


def _check_district_query(user, resolved: str, query: str) -> None:
    if user.resident_scope != Scope.DISTRICT_SEARCH:
        return
    if resolved == "name" and len(query) < DISTRICT_NAME_MIN_CHARS:
        raise ValidationFailed(_("请至少输入姓名的两个字，或用身份证号、手机号查询。"), field="q")
    if resolved == "pinyin" and len(query) < DISTRICT_PINYIN_MIN_LETTERS:
        raise ValidationFailed(_("拼音查询请至少输入三个字母（如 xxb），或用身份证号、手机号查询。"), field="q")


def _mark_openable(user, result: SearchResult) -> SearchResult:
    """Set `openable` on each row: whether this search lets the user open the resident. For window clerks
    (DISTRICT_SEARCH) an exact ID or phone lookup opens anyone it finds; a name, pinyin or address search opens only
    residents of the clerk's own area (their node's subtree) — the others are listed masked, to be opened by an
    exact lookup. Every other role: every row (their scope already bounds the search)."""
    district = user.resident_scope == Scope.DISTRICT_SEARCH
    own = user.org_node.code if district and user.org_node_id else None
    for r in result.page.items:
        r.openable = (not district or result.kind in EXACT_KINDS
                      or (own is not None and (r.path or "").startswith(own)))
    return result


_EXACT_COLUMNS = ("id", "household_id", "path", "name", "gender", "birth_date", "status", "status_date", "document_type",
                  "id_number_masked", "phone_masked",
                  "relation", "is_elderly_alone", "is_disabled", "is_low_income", "is_migrant", "is_party_member",
                  "is_veteran")


def _exact_lookup(user, digests: list[tuple[str, str]], page_size: int | None) -> Page:
    """An exact document or phone lookup (the window's most frequent search) as one fixed, hand-written query.
    `digests`: (column, blind index) pairs, any of which may match (a passport number that is also a permit's, an
    eight-digit number that is a 台胞证 or a landline).

    Building the ORM query for a three-table join cost more than running it (bench/results/lookup-postgresql.md:
    the query runs in 0.2 ms), so this path keeps its SQL as text; the scope condition comes from _scope_filter,
    the same one residents_in_scope applies. The result carries only the masked list fields.
    """
    size = page_size or settings.DOORSTEP_PAGE_SIZE  # one ID number is one person; a phone, a household or so
    scope = _scope_filter(user)
    if scope is None or not digests:
        return Page([], 0, 1, size)
    kind, args = scope
    where = "r.path >= %s AND r.path < %s" if kind == "path" else "r.household_id = %s"
    columns = ", ".join(f"r.{c}" for c in _EXACT_COLUMNS)
    match = " OR ".join(f"r.{column} = %s" for column, _digest in digests)
    sql = (f"SELECT {columns}, h.room, h.building_id, b.name FROM registry_resident r "
           "JOIN registry_household h ON h.id = r.household_id JOIN registry_building b ON b.id = h.building_id "
           f"WHERE ({match}) AND {where} ORDER BY r.id LIMIT {int(size)}")
    rows = _fetch_prepared(sql, [digest for _column, digest in digests] + list(args))
    n = len(_EXACT_COLUMNS)
    items = []
    for row in rows:
        resident = _from_row(Resident, dict(zip(_EXACT_COLUMNS, row[:n], strict=True)))
        resident.household = _from_row(Household, {"id": row[1], "room": row[n], "building_id": row[n + 1]})
        resident.household.building = _from_row(Building, {"id": row[n + 1], "name": row[n + 2]})
        items.append(resident)
    return Page(items=items, total=len(items), number=1, size=size)


def _from_row(model, values: dict):
    """A model instance with only these fields loaded (from_db wants them in the model's field order)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", names, [values[name] for name in names])


def _fetch_prepared(sql: str, params: list) -> list[tuple]:
    """Run a fixed query; on PostgreSQL as a server-side prepared statement, so a hot lookup is planned once per
    connection rather than on every call (planning took longer than executing: 0.7 ms against 0.1 ms)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        start = time.monotonic()
        with connection.connection.cursor() as cursor:  # psycopg's own cursor: server-side binding
            cursor.execute(sql, params, prepare=True)
            rows = cursor.fetchall()
        if connection.queries_logged:  # keep it visible to query counting like any other query
            connection.queries_log.append({"sql": f"{sql} -- {params!r}", "time": f"{time.monotonic() - start:.3f}"})
        return rows
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ranked(user, qs, exact: Q):
    """The rows with the relevance sort's two ranks: `_exact` 0 for a whole match, `_elsewhere` 0 inside the user's
    own node (a station's community, a street's streets), 1 outside it."""
    from django.db.models import Case, IntegerField, Value, When

    own = user.org_node.code if user.org_node_id else None
    elsewhere = (Case(When(path__startswith=own, then=Value(0)), default=Value(1), output_field=IntegerField())
                 if own else Value(0, output_field=IntegerField()))
    return qs.annotate(_exact=Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField()),
                       _elsewhere=elsewhere)


def resident_rows_described(residents: list[Resident]) -> list[Resident]:
    """Search rows with what tells namesakes apart, set on each: `age` (years) and `community` (the name of the
    community they live in). One query for the page's communities."""
    from doorstep.org.models import OrgNode

    codes = {r.path[:12] for r in residents if r.path}
    names = dict(OrgNode.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    today = timezone.localdate()
    for r in residents:
        r.age = resident_age(r, today) if r.birth_date else None
        r.community = names.get((r.path or "")[:12], "")
    return residents


def resident_age(resident: Resident, today: datetime.date | None = None) -> int:
    """Whole years on `today` (default: today); for someone who died, at their death (never a deferred load: the
    death date counts only when the row carries it)."""
    today = today or timezone.localdate()
    died = resident.__dict__.get("status_date") if resident.__dict__.get("status") == "deceased" else None
    if died is not None and died < today:
        today = died
    b = resident.birth_date
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def resident_facts(resident: Resident, *, year: int, today: datetime.date | None = None) -> dict[str, float | None]:
    """Facts the catalog's eligibility rules read, computed from the registry (shared data 数据共享) as the record
    was on `today` (registry.history: the members the household had that day, alive and in the district): `age`
    (years) and `household_income_per_head_year` (yuan, None when the year's income is not registered)."""
    return residents_facts([resident.pk], year=year, today=today or timezone.localdate()).get(
        resident.pk, {"age": resident_age(resident, today), "household_income_per_head_year": None})


def residents_facts(resident_ids, *, year: int, today: datetime.date) -> dict[int, dict[str, float | None]]:
    """resident_facts for many residents at once (the nightly eligibility re-check reads tens of thousands): grouped
    queries per 500 residents, not some per resident. A resident the registry did not hold on `today` is left out."""
    from doorstep.registry.history import residents_facts_as_of

    return residents_facts_as_of(resident_ids, year=year, day=today)


def household_members_for_user(user, resident: Resident) -> list[Resident]:
    """The household's members today (deceased and moved-out residents keep their household as history)."""
    from doorstep.registry.models import ResidentStatus

    return list(residents_in_scope(user).filter(household_id=resident.household_id, status=ResidentStatus.ACTIVE)
                .order_by("id"))

