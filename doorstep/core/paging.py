"""Paging for every list page and API list: a page of rows, a count that stops early, and a cursor past the numbered
pages, so that no page of any list costs more than a few index range scans, however deep (issue #10, item 8).

- Page numbers (OFFSET) only for the first DOORSTEP_PAGE_MAX_PAGES pages: an OFFSET makes the database walk every
  row before the page (page 33,000 of the district's 670,000 cases took 13.8 s). A later page number is refused
  with a ValidationFailed (400) that says to go on with the cursor.
- A cursor (keyset or "seek" paging): a signed, opaque token holding the sort values of the row the next (or the
  previous) page starts after. The page is then "the rows after these values", which the database answers by
  seeking in an index on the sort key instead of counting rows. Every page that has a next one carries its cursor;
  "下一页" after the numbered pages follows it, and API clients may follow it from page 1.
- The total is counted up to DOORSTEP_PAGE_COUNT_LIMIT rows and then shown as "10,000+" (`total_capped`): an exact
  COUNT over 670,000 scoped cases is a scan of its own on every request.

How a cursor page is read (`_segments_after`): the ordering is a list of keys ending in a unique one (the primary
key is appended when it is not there). "After (v1, v2, …, id)" is split into segments that are each one plain index
range, read in order until the page is full: the rows with k1 = v1 and the rest after (v2, …, id), then the rows
with k1 after v1. A nullable key adds a segment for its NULLs where the database sorts them. A key with few values —
a field with choices, or a foreign key sorted by a unique column of a small table (a case's item by its code) — is
walked value by value, so "by state, newest first" needs an index on (state, id), not a sort of a whole state.
Values outside a field's choices are not walked (the code never writes them).
"""

import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connections
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.fields.related import ForeignKey
from django.db.models.query import ModelIterable, ValuesIterable
from django.utils.translation import gettext, gettext_lazy

from doorstep.core.errors import ValidationFailed

_SALT = "doorstep.paging.cursor"
_ENUM_MAX = 500  # a foreign key's table is walked value by value up to this many rows (catalog items: ~50)
BAD_CURSOR = gettext_lazy("翻页位置无效或已过期，请从第一页重新查看。")


def max_pages() -> int:
    return settings.DOORSTEP_PAGE_MAX_PAGES


def count_limit() -> int:
    # at least every numbered page, so that a page number can always be checked against the count
    return max(settings.DOORSTEP_PAGE_COUNT_LIMIT, settings.DOORSTEP_PAGE_MAX_PAGES * settings.DOORSTEP_PAGE_SIZE)


def page_too_deep_message(*, keyset: bool = True, api: bool = False) -> str:
    """What a page number past the cap is told: a person "下一页" on the last numbered page, an API client the
    cursor parameter."""
    if keyset and api:
        return gettext("页码过大：按页码最多翻到第 %(pages)d 页，"
                       "更后面的记录请使用 cursor 参数，取上一页返回的 next_cursor。") % {"pages": max_pages()}
    if keyset:
        return gettext("页码过大：按页码最多翻到第 %(pages)d 页，"
                       "更后面的记录请在最后一个页码页点“下一页”继续翻。") % {"pages": max_pages()}
    return gettext("页码过大：按页码最多翻到第 %(pages)d 页，请缩小查询条件。") % {"pages": max_pages()}


@dataclass
class Page:
    """One page of a list. `number` is None on a cursor page (past the numbered ones, or reached by cursor);
    `total` is exact unless `total_capped` (then "at least"). `next_cursor` opens the next page, `prev_cursor` the
    one before a cursor page ("" when there is none)."""

    items: list[Any]
    total: int
    number: int | None
    size: int
    total_capped: bool = False
    next_cursor: str = ""
    prev_cursor: str = ""
    last_cursor: str = ""  # opens the last page (末页) when it is past the numbered ones
    at_end: bool | None = None  # set on cursor pages: True when no row follows
    max_pages: int = field(default_factory=max_pages)

    @property
    def pages(self) -> int | None:
        return None if self.total_capped else max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        if self.number is None:
            return not self.at_end
        return self.total_capped or self.number < (self.pages or 0)

    @property
    def has_previous(self) -> bool:
        return self.number is None or self.number > 1

    @property
    def next_number(self) -> int | None:
        """The next page's number when it is reached by number; None: follow next_cursor (or there is none)."""
        if self.number is not None and self.number < self.max_pages and self.has_next:
            return self.number + 1
        return None

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number is not None and self.number > 1 else None

    @property
    def total_label(self) -> str:
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"


def parse_page_number(raw: Any) -> int:
    """A page number from a query string: 1 for anything that is not a positive integer."""
    try:
        number = int(str(raw)[:12])
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def page_args(request) -> dict:
    """What a list page was asked for, as paginate's keywords: ?page=N or ?cursor=… (the cursor wins)."""
    return {"page": parse_page_number(request.GET.get("page")), "cursor": str(request.GET.get("cursor", ""))[:1000]}


# ---- the ordering as keys ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Key:
    path: str  # ORM path of the column: "id", "due_date", "item__code", "item_id"
    desc: bool
    nulls_first: bool  # where this ordering puts NULLs (explicit, or the database's default)
    nullable: bool
    model_field: Any  # the column's field (for a foreign key walked by value: the related unique field)
    fk_attname: str = ""  # "item_id": the key is walked as the rows of the related table, in the column's order
    choices: bool = False  # a field with choices: walked value by value

    @property
    def enumerated(self) -> bool:
        return bool(self.fk_attname) or self.choices

    def reversed(self) -> "_Key":
        return _Key(self.path, not self.desc, not self.nulls_first, self.nullable, self.model_field,
                    self.fk_attname, self.choices)

    def plain(self) -> "_Key":
        return _Key(self.path, self.desc, self.nulls_first, self.nullable, self.model_field)


@dataclass
class _Ordering:
    keys: list[_Key]
    db: str
    signature: str  # what a cursor must have been made for

    def order_by(self, keys: list[_Key]) -> list:
        largest = connections[self.db].features.nulls_order_largest
        out = []
        for k in keys:
            default_first = k.desc if largest else not k.desc
            if not k.nullable or k.nulls_first == default_first:
                out.append(f"-{k.path}" if k.desc else k.path)
            else:
                nulls = {"nulls_first": True} if k.nulls_first else {"nulls_last": True}
                out.append(F(k.path).desc(**nulls) if k.desc else F(k.path).asc(**nulls))
        return out

    def reversed(self) -> "_Ordering":
        return _Ordering([k.reversed() for k in self.keys], self.db, self.signature)


def _key_for(model, path: str, desc: bool, nulls: bool | None, largest: bool) -> _Key | None:
    parts = path.split("__")
    current, relations, target = model, [], None
    for i, part in enumerate(parts):
        target = current._meta.pk if part == "pk" else current._meta.get_field(part)
        if i < len(parts) - 1:
            if not isinstance(target, ForeignKey):
                return None
            relations.append(target)
            current = target.related_model
    if isinstance(target, ForeignKey):
        if parts[-1] != target.attname:
            return None  # ordering by a relation means by the related model's own ordering: not handled
        column, name = target.target_field, target.attname
    elif target.is_relation:
        return None
    else:
        column, name = target, target.attname
    path = "__".join([*parts[:-1], name])
    nullable = bool(target.null) or any(r.null for r in relations)
    nulls_first = nulls if nulls is not None else (desc if largest else not desc)
    if len(relations) == 1 and not nullable and column.unique and column.name == parts[-1]:
        return _Key(path, desc, nulls_first, False, column, fk_attname=relations[0].attname)
    return _Key(path, desc, nulls_first, nullable, column, choices=not relations and bool(column.choices))


def _ordering_of(queryset) -> _Ordering | None:
    """The queryset's ordering as keys ending in a unique column; None when it cannot be paged by keyset (random
    order, expressions other than plain columns, unions, DISTINCT or GROUP BY, rows that are tuples)."""
    query = queryset.query
    if query.combinator or query.distinct or query.group_by is not None or query.is_sliced \
            or queryset._iterable_class not in (ModelIterable, ValuesIterable):
        return None
    db = queryset.db
    largest = connections[db].features.nulls_order_largest
    model = queryset.model
    keys: list[_Key] = []
    for item in list(query.order_by) or list(query.get_meta().ordering or []):
        if isinstance(item, str):
            if item == "?" or "." in item:
                return None
            desc, path, nulls = item.startswith("-"), item.lstrip("-"), None
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            desc, path = item.descending, item.expression.name
            nulls = True if item.nulls_first else (False if item.nulls_last else None)
        else:
            return None
        try:
            key = _key_for(model, path, desc, nulls, largest)
        except Exception:  # an unknown field name: leave the queryset as it is
            return None
        if key is None:
            return None
        keys.append(key)
        column = key.model_field
        if "__" not in key.path and column.model is model and (column.primary_key or (column.unique
                                                                                      and not key.nullable)):
            break  # a unique column ends the ordering: later keys never decide
    else:
        pk = model._meta.pk
        keys.append(_Key(pk.attname, keys[-1].desc if keys else False, False, False, pk))
    if queryset._iterable_class is ValuesIterable:
        fields = set(query.values_select) | set(query.annotation_select)
        if any((k.fk_attname or k.path) not in fields for k in keys):
            return None
    signature = ",".join(("-" if k.desc else "") + k.path + ("" if not k.nullable else "<" if k.nulls_first else ">")
                         for k in keys)
    return _Ordering(keys, db, signature)


# ---- keys walked value by value ------------------------------------------------------------------------------------

_choice_orders: dict[tuple, list] = {}


def _values_in_order(key: _Key, db: str, cache: dict) -> list | None:
    """An enumerated key's values in ascending database order, NULL left out: for a foreign key the related rows'
    primary keys in the order of the sorted column (None when the table is too large to walk)."""
    if key.path not in cache:
        if key.fk_attname:
            related = key.model_field.model
            rows = list(related._base_manager.using(db).order_by(key.model_field.name)
                        .values_list("pk", flat=True)[:_ENUM_MAX + 1])
            cache[key.path] = None if len(rows) > _ENUM_MAX else rows
        else:
            cache[key.path] = _db_sorted(db, [str(v) for v, _ in key.model_field.flatchoices])
    return cache[key.path]


def _db_sorted(db: str, values: list[str]) -> list[str]:
    """Choice values sorted by the database's collation, as its ORDER BY on the column sorts them (Python's order
    may differ from a PostgreSQL locale's); once per process."""
    token = (db, tuple(values))
    if token not in _choice_orders:
        with connections[db].cursor() as cursor:
            union = " UNION ALL ".join(["SELECT %s AS v"] * len(values))
            cursor.execute(f"SELECT v FROM ({union}) t ORDER BY v", values)
            _choice_orders[token] = [row[0] for row in cursor.fetchall()]
    return _choice_orders[token]


def _walk_keys(ordering: _Ordering, cache: dict) -> list[_Key]:
    """The keys as walked: a foreign key whose table is too large is sorted through the join instead."""
    return [k.plain() if k.fk_attname and _values_in_order(k, ordering.db, cache) is None else k
            for k in ordering.keys]


def _eq(key: _Key, value) -> Q:
    column = key.fk_attname or key.path
    return Q(**{f"{column}__isnull": True}) if value is None else Q(**{column: value})


def _segments_after(ordering: _Ordering, keys: list[_Key], values: list | None, cache: dict):
    """(filter, order_by) pairs, in list order, whose rows together are exactly the rows after `values` (every row
    when values is None). Each filter is equalities on leading keys and at most one range: one index seek."""
    key, rest = keys[0], keys[1:]
    started = values is not None
    value = values[0] if started else None
    if started and rest:
        for cond, order in _segments_after(ordering, rest, values[1:], cache):
            yield _eq(key, value) & cond, order
    if key.enumerated:
        seq = list(_values_in_order(key, ordering.db, cache))
        seq = seq[::-1] if key.desc else seq
        if key.nullable:
            seq = [None, *seq] if key.nulls_first else [*seq, None]
        if started:
            if value not in seq:
                raise ValidationFailed(BAD_CURSOR, field="cursor")
            seq = seq[seq.index(value) + 1:]
        for v in seq:
            yield _eq(key, v), ordering.order_by(rest)
        return
    whole = ordering.order_by(keys)
    nulls = (Q(**{f"{key.path}__isnull": True}), ordering.order_by(rest))
    not_null = Q(**{f"{key.path}__isnull": False}) if key.nullable else Q()
    if not started:
        if key.nullable and key.nulls_first:
            yield nulls
        yield not_null, whole
        if key.nullable and not key.nulls_first:
            yield nulls
    elif value is None:  # inside the NULLs: the values follow them only where NULLs come first
        if key.nulls_first:
            yield not_null, whole
    else:
        yield Q(**{f"{key.path}__lt" if key.desc else f"{key.path}__gt": value}), whole
        if key.nullable and not key.nulls_first:
            yield nulls


def _fetch(queryset, ordering: _Ordering, keys: list[_Key], values: list | None, limit: int, cache: dict, *,
           skip: int = 0, steer: bool = False, small: bool = False) -> list:
    """Up to `limit` rows after `values` (from the start when None) in the ordering's order, after skipping `skip`.

    Plainly: one query per segment until the page is full. With `skip` (a numbered page walked by segments),
    `steer` or `small`, the segments yield primary keys only and the page's rows are loaded by them in one more
    query; `steer` also makes SQLite read each segment in the index on the sort keys (_steered_ids), `small` makes
    it sort in memory (_sorted_in_memory)."""
    plain = not skip and not steer and not small
    found: list = []
    for cond, order in _segments_after(ordering, keys, values, cache):
        segment = queryset.filter(cond).order_by(*order)
        need = skip + limit - len(found)
        if small:
            segment = _sorted_in_memory(segment, keys, cache)
        found.extend(segment[:need] if plain else _steered_ids(segment, need, keys) if steer
                     else segment.values_list("pk", flat=True)[:need])
        if len(found) >= skip + limit:
            break
    if plain:
        return found
    ids = found[skip: skip + limit]
    rows = queryset.in_bulk(ids)
    return [rows[i] for i in ids if i in rows]


# SQLite keeps no statistics of value ranges (it is built without STAT4), so for a scope such as "applicant_path
# between 430302 and 430302~" it guesses that a sixteenth of the rows match and reads them through that index, then
# sorts them: every case of the district, sorted, for each page (page 1 of the district leader's ledger: 2-10 s).
# When the capped count says the result is large, each segment is read in the index on the sort keys instead
# (INDEXED BY, or NOT INDEXED for the primary key); a result of at most DOORSTEP_PAGE_COUNT_LIMIT rows is left to
# the planner, since sorting that many is cheap. PostgreSQL knows the ranges and needs no steering.
_index_names: dict[tuple, dict] = {}


def _sqlite_index(queryset, keys: list[_Key]) -> str:
    """'INDEXED BY "name"' for an index whose columns are the keys' columns (SQLite appends the rowid to every
    index, so a trailing primary key may be left out), 'NOT INDEXED' when the only key is the primary key, or ""."""
    model, db = queryset.model, queryset.db
    connection = connections[db]
    pk = model._meta.pk.column
    columns = []
    for k in keys:
        if "__" in k.path and not k.fk_attname:
            return ""  # a column of a joined table: no index of this table orders by it
        columns.append(model._meta.get_field(k.fk_attname or k.path).column)
    if columns == [pk]:
        return "NOT INDEXED"
    token = (db, model._meta.db_table)
    if token not in _index_names:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        # a partial index (WHERE …) holds only some rows: INDEXED BY it fails for a query that may need others
        partial = {index.name for index in model._meta.indexes if index.condition is not None}
        _index_names[token] = {name: c["columns"] for name, c in constraints.items()
                               if c.get("index") and name not in partial}
    orders = [columns, columns[:-1]] if columns[-1] == pk else [columns]
    # first an index led by a column the query fixes with "=" (state = 'rated', then due_date): it reads the page
    # directly; then one on the sort keys alone
    wanted = [[lead, *cols] for lead in _equal_columns(queryset) for cols in orders] + orders
    for cols in wanted:
        for name, index_cols in _index_names[token].items():
            if index_cols == cols:
                return f"INDEXED BY {connection.ops.quote_name(name)}"
    return ""


def _equal_columns(queryset) -> list[str]:
    """Columns of the queryset's own table that its WHERE fixes to one value (top-level "column = value" terms)."""
    from django.db.models.expressions import Col
    from django.db.models.lookups import Exact
    from django.db.models.sql.where import AND

    where = queryset.query.where
    if where.connector != AND or where.negated:
        return []
    table = queryset.model._meta.db_table
    return [child.lhs.target.column for child in where.children
            if isinstance(child, Exact) and isinstance(child.lhs, Col) and child.lhs.alias == table
            and not child.lhs.target.primary_key]


def _steered_ids(segment, limit: int, keys: list[_Key]) -> list:
    query = segment.values_list("pk", flat=True)[:limit]
    connection = connections[segment.db]
    hint = _sqlite_index(segment, keys) if connection.vendor == "sqlite" else ""
    if not hint:
        return list(query)
    sql, params = query.query.get_compiler(using=segment.db).as_sql()
    table = f"FROM {connection.ops.quote_name(segment.model._meta.db_table)}"
    if sql.count(table) != 1:
        return list(query)
    with connection.cursor() as cursor:
        cursor.execute(sql.replace(table, f"{table} {hint}", 1), params)
        return [row[0] for row in cursor.fetchall()]


def _steer(queryset, capped: bool) -> bool:
    return capped and connections[queryset.db].vendor == "sqlite"


# The other side of a misjudged result size: for a small result (a count under DOORSTEP_PAGE_COUNT_LIMIT) a planner
# may still walk the index on the sort keys to spare itself a sort, and test every row of the table on the way — a
# clerk's cases of the online channel, of which there are none, sorted by due date: 670,000 rows read (SQLite 750
# ms, which keeps no value statistics; PostgreSQL 690 ms, which guessed 4,064 rows, the channel and the clerk's
# center being correlated). A small result is read by the WHERE clause's own indexes and sorted in memory instead:
# the sort keys are written so that no index answers them (`__by_value`, core/lookups.py), and only the primary
# keys are read, without the joins of select_related.
def _small(queryset, capped: bool) -> bool:
    return not capped and queryset._iterable_class is ModelIterable  # rows loaded by id: model instances only


def _sorted_in_memory(queryset, keys: list[_Key], cache: dict):
    """The queryset with its sort keys as expressions no index answers: `+column`, and a foreign key sorted by a
    column of its small table (a case's item by its code) as the rank of its value (CASE item_id WHEN … THEN n),
    so that the table is not joined — joined, SQLite walked the items in code order and read every case of each."""
    ranks = {}
    for key in keys:
        values = _values_in_order(key, queryset.db, cache) if key.fk_attname else None
        if values is not None:
            ranks[key.path] = Case(*[When(**{key.fk_attname: v}, then=Value(i)) for i, v in enumerate(values)],
                                   default=Value(len(values)), output_field=IntegerField())
    order = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            desc = item.startswith("-")
            item = F(item.lstrip("-")).desc() if desc else F(item).asc()
        expression = item.expression
        if isinstance(expression, F) and expression.name in ranks:
            item = OrderBy(ranks[expression.name], descending=item.descending, nulls_first=item.nulls_first,
                           nulls_last=item.nulls_last)
        elif isinstance(expression, F) and not expression.name.endswith("__by_value"):
            item = OrderBy(F(f"{expression.name}__by_value"), descending=item.descending,
                           nulls_first=item.nulls_first, nulls_last=item.nulls_last)
        order.append(item)
    return queryset.order_by(*order)


# ---- cursors -------------------------------------------------------------------------------------------------------

def _row_value(row, key: _Key):
    column = key.fk_attname or key.path
    if isinstance(row, dict):
        return row[column]
    value = row
    for part in column.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _encode(value):
    if value is None or isinstance(value, (int, str)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _make_cursor(ordering: _Ordering, direction: str, values: list | None = None) -> str:
    payload: dict = {"o": ordering.signature, "d": direction}
    if values is not None:
        payload["v"] = [_encode(v) for v in values]
    return signing.dumps(payload, salt=_SALT, compress=True)


def _cursor_for_row(ordering: _Ordering, direction: str, row) -> str:
    # enumerated foreign keys are written as the related row's primary key (no query for the column's value)
    return _make_cursor(ordering, direction, [_row_value(row, k) for k in ordering.keys])


def _read_cursor(token: str, ordering: _Ordering) -> tuple[str, list | None]:
    try:
        payload = signing.loads(str(token)[:1000], salt=_SALT)
    except (signing.BadSignature, ValueError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed(BAD_CURSOR, field="cursor") from None
    if not isinstance(payload, dict) or payload.get("o") != ordering.signature or payload.get("d") not in ("a", "b",
                                                                                                          "e"):
        raise ValidationFailed(BAD_CURSOR, field="cursor")
    if payload["d"] == "e":
        return "e", None
    raw = payload.get("v")
    if not isinstance(raw, list) or len(raw) != len(ordering.keys):
        raise ValidationFailed(BAD_CURSOR, field="cursor")
    values = []
    for key, value in zip(ordering.keys, raw, strict=True):
        column = key.model_field.model._meta.pk if key.fk_attname else key.model_field
        try:
            values.append(None if value is None else column.to_python(value))
        except Exception:
            raise ValidationFailed(BAD_CURSOR, field="cursor") from None
        if value is None and not key.nullable:
            raise ValidationFailed(BAD_CURSOR, field="cursor")
    return payload["d"], values


def _walk_values(keys: list[_Key], ordering: _Ordering, values: list) -> list:
    """Cursor values for the keys as walked: a foreign key sorted through the join needs its column's value."""
    out = []
    for walked, key, value in zip(keys, ordering.keys, values, strict=True):
        if key.fk_attname and not walked.fk_attname and value is not None:
            related = key.model_field.model
            value = related._base_manager.using(ordering.db).filter(pk=value).values_list(
                key.model_field.name, flat=True).first()
            if value is None:
                raise ValidationFailed(BAD_CURSOR, field="cursor")
        out.append(value)
    return out


def cursor_after(queryset, row) -> str:
    """A cursor for the page that starts after `row` of this queryset ("" if it cannot be paged by keyset);
    benchmarks and tests use it to open deep pages."""
    ordering = _ordering_of(queryset)
    return _cursor_for_row(ordering, "a", row) if ordering else ""


def end_cursor(queryset) -> str:
    """A cursor that opens the last page of the list (末页); "" if it cannot be paged by keyset."""
    ordering = _ordering_of(queryset)
    return _make_cursor(ordering, "e") if ordering else ""


# ---- paginate ------------------------------------------------------------------------------------------------------

def capped_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """(count, capped): the number of rows, counting at most `limit` + 1 of them (one query)."""
    limit = limit or count_limit()
    if queryset.query.combinator:
        n = queryset[: limit + 1].count()
    elif queryset._fields:  # rows written as values (distinct ids from a covering table): counted as they are
        n = queryset.order_by()[: limit + 1].count()
    else:
        n = queryset.order_by().values("pk")[: limit + 1].count()
    return (limit, True) if n > limit else (n, False)


def paginate(queryset, *, page: int = 1, cursor: str = "", size: int | None = None, count_queryset=None,
             ids_queryset=None, rows_queryset=None) -> Page:
    """A page of `queryset` by page number (1 … DOORSTEP_PAGE_MAX_PAGES) or by a cursor of an earlier page.

    Every page with a next one carries next_cursor (when the queryset can be paged by keyset); a page number past
    the last page shows the last page. Raises ValidationFailed (400, Chinese): a page number past the cap; a cursor
    that is forged, broken or made for another sort order. Queries: a capped COUNT and one for the page — two or
    three when a cursor page spans key segments, one more for a small related table sorted by, one more to load the
    rows of a page read by primary keys (a small result sorted in memory, a numbered page of a sort walked by
    segments, or a large result on SQLite).
    `count_queryset`: the same rows written for counting (a filter the planner should not read by index), counted
    instead of `queryset`.
    `ids_queryset` (with `rows_queryset`): the primary keys of the same rows in the same order, as a flat values
    list read from a narrower table whose index covers the filter and the sort (a name search's keys,
    registry.ResidentNameKey). A numbered page then takes its keys from it and loads those rows from
    `rows_queryset` (the queryset's model with its joins, without the filter the keys already applied); cursor pages
    still read `queryset`.
    """
    size = size or settings.DOORSTEP_PAGE_SIZE
    counted = count_queryset if count_queryset is not None else queryset
    ordering = _ordering_of(queryset)
    if ordering is not None:
        queryset = queryset.order_by(*ordering.order_by(ordering.keys))
    if cursor:
        if ordering is None:
            raise ValidationFailed(BAD_CURSOR, field="cursor")
        return _cursor_page(queryset, ordering, cursor, size, counted)
    if page > max_pages():
        keyset = ordering is not None
        raise ValidationFailed(page_too_deep_message(keyset=keyset), field="page",
                               api_message=page_too_deep_message(keyset=keyset, api=True))
    cache: dict = {}
    keys = _walk_keys(ordering, cache) if ordering is not None else []
    by_segments = any(k.enumerated for k in keys)  # e.g. state ascending, newest first: no single index order
    # the count first: it says whether the result is small (sorted in memory) or large (read in the sort's order)
    total, capped = capped_count(counted)
    number = 1 if page <= 1 else page if capped else min(page, max(1, -(-total // size)))
    start = (number - 1) * size
    # a sort walked by segments (state, item) only for a large result: a small one (under the count limit) the
    # database sorts at once, where walking 50 items one by one cost seconds (a street's 6 red cases by item)
    if ids_queryset is not None:
        ids = list(ids_queryset[start: start + size])
        rows = (rows_queryset if rows_queryset is not None else queryset).in_bulk(ids)
        items = [rows[i] for i in ids if i in rows]
    elif ordering is not None and ((by_segments and capped) or _steer(queryset, capped)):
        items = _fetch(queryset, ordering, keys, None, size, cache, skip=start, steer=_steer(queryset, capped))
    elif ordering is not None and _small(queryset, capped):
        ids = list(_sorted_in_memory(queryset, ordering.keys, cache).values_list("pk", flat=True)[start: start + size])
        rows = queryset.in_bulk(ids)
        items = [rows[i] for i in ids if i in rows]
    else:
        items = list(queryset[start: start + size])
    result = Page(items=items, total=total, number=number, size=size, total_capped=capped)
    if ordering is not None and items and result.has_next:
        result.next_cursor = _cursor_for_row(ordering, "a", items[-1])
        result.last_cursor = _make_cursor(ordering, "e")
    return result


def _cursor_page(queryset, ordering: _Ordering, cursor: str, size: int, counted) -> Page:
    direction, values = _read_cursor(cursor, ordering)
    cache: dict = {}
    walk = ordering if direction == "a" else ordering.reversed()  # before / last page: read backwards
    keys = _walk_keys(walk, cache)
    total, capped = capped_count(counted)
    rows = _fetch(queryset, walk, keys, None if values is None else _walk_values(keys, walk, values), size + 1,
                  cache, steer=_steer(queryset, capped), small=_small(queryset, capped))
    if direction == "a":
        items, at_end = rows[:size], len(rows) <= size
    elif len(rows) <= size:  # backwards to the start: that is page 1
        return paginate(queryset, page=1, size=size, count_queryset=counted)
    else:
        items, at_end = rows[:size][::-1], direction == "e"
    result = Page(items=items, total=total, number=None, size=size, total_capped=capped, at_end=at_end)
    if items and not at_end:
        result.next_cursor = _cursor_for_row(ordering, "a", items[-1])
        result.last_cursor = _make_cursor(ordering, "e")
    # before the first row; on an empty page past the end (rows removed meanwhile), the last page
    result.prev_cursor = _cursor_for_row(ordering, "b", items[0]) if items else _make_cursor(ordering, "e")
    return result


def iterate(queryset, *, chunk: int = 2000, limit: int | None = None):
    """Every row of `queryset` in its order, `chunk` rows per query by keyset (exports: memory stays bounded and
    no chunk costs more than the first), at most `limit` rows. A queryset that cannot be paged by keyset is read
    in one pass with a server-side cursor."""
    ordering = _ordering_of(queryset)
    if ordering is None:
        yield from (queryset[:limit] if limit is not None else queryset).iterator(chunk_size=chunk)
        return
    queryset = queryset.order_by(*ordering.order_by(ordering.keys))
    cache: dict = {}
    keys = _walk_keys(ordering, cache)
    steer = _steer(queryset, capped_count(queryset)[1])
    values, done = None, 0
    while limit is None or done < limit:
        want = chunk if limit is None else min(chunk, limit - done)
        rows = _fetch(queryset, ordering, keys, values, want, cache, steer=steer)
        yield from rows
        done += len(rows)
        if len(rows) < want:
            return
        values = [_row_value(rows[-1], k) for k in keys]
