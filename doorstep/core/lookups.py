"""`in_literal`: a column IN a fixed set of values from the code, written into the SQL as literals instead of bound
parameters, so that SQLite can use a partial index whose WHERE clause names the same set.

SQLite decides at prepare time whether a partial index applies, by matching the query's WHERE terms against the
index's (https://sqlite.org/partialindex.html, "Queries Using Partial Indexes"); a bound parameter is not known then,
so `state IN (?, ?)` never matches an index `WHERE state IN ('accepted', 'in_review')`. PostgreSQL proves the same
predicate from literals or custom-plan parameters alike. Values are sorted (the index's DDL sorts them the same way,
`literal_in_q`) and must be plain identifiers (`[a-z0-9_]`): they come from a field's choices, never from a request.
"""

import re

from django.db.models import Field, Lookup, Q, Transform

_SAFE = re.compile(r"^[a-z0-9_]+$")


def _values(values) -> list[str]:
    out = sorted({str(v) for v in values})
    if not out or not all(_SAFE.match(v) for v in out):
        raise ValueError(f"in_literal takes plain code values, not {values!r}")
    return out


@Field.register_lookup
class InLiteral(Lookup):
    lookup_name = "in_literal"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return value, []

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        literals = ", ".join(f"'{v}'" for v in _values(self.rhs))
        return f"{lhs} IN ({literals})", list(params)


def literal_in_q(field: str, values) -> Q:
    """The partial index condition matching `<field>__in_literal=values` (same values, same order)."""
    return Q(**{f"{field}__in": _values(values)})


@Field.register_lookup
class Unindexed(Transform):
    """`<field>__unindexed=…`: the same comparison, but SQLite will not answer it from an index (`+column`, the
    documented way to disqualify a term, https://sqlite.org/optoverview.html "Disqualifying WHERE Clause Terms").

    For a filter on a few-valued column under a narrow scope: SQLite keeps no per-value counts (no STAT4), so for
    "a clerk's own cases (center OR first contact OR node) in state rated" it reads the 445,000 rated cases and tests
    the scope on each (350 ms), where the scope's own indexes give its 20,000 cases (36 ms). PostgreSQL knows the
    value counts and needs no hint: the column is compiled as it is."""

    lookup_name = "unindexed"

    def as_sql(self, compiler, connection):
        return compiler.compile(self.lhs)

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"+{sql}", params


@Field.register_lookup
class SortedByValue(Transform):
    """`<field>__by_value` in an ORDER BY: the same values in the same order, written so that no index can supply
    the order — `+column` on SQLite, `COALESCE(column, column)` on PostgreSQL (an expression, not the indexed
    column; NULLs stay NULL). For a small result (core.paging): the rows are found through the WHERE clause's own
    indexes and sorted in memory, rather than by walking the sort key's index through the whole table testing each
    row — which is what both planners did when they misjudged how many rows matched (a clerk's online cases, of
    which there are none: PostgreSQL guessed 4,064 and read all 670,504 in due-date order, 690 ms)."""

    lookup_name = "by_value"

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"COALESCE({sql}, {sql})", [*params, *params]

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"+{sql}", params
