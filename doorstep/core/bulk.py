"""Bulk loading helpers shared by the demo generator and the ledger import: dropping a table's secondary indexes
for a load and building them again once at the end (building an index over all rows at once is much cheaper than
keeping it current row by row: the case ledger's eight indexes over 670,000 cases)."""

import contextlib

from django.db import connection


@contextlib.contextmanager
def deferred_indexes(*models):
    """Drop the tables' secondary (non-unique) indexes and build them again at the end (also when the body fails;
    inside a transaction a rollback restores them anyway: both databases roll back DDL). Unique indexes stay: they
    check the load and answer its own lookups."""
    saved = []
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            if connection.vendor == "sqlite":
                cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'", [table])
            else:
                cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                            "AND tablename = %s AND indexdef NOT LIKE 'CREATE UNIQUE%%'", [table])
            saved += cur.fetchall()
        for name, _definition in saved:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    except BaseException:
        if not connection.in_atomic_block:  # inside one, the rollback brings the indexes back
            _rebuild(saved)
        raise
    _rebuild(saved)


def _rebuild(saved) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # an index cannot be built while the table has deferred foreign-key checks pending in this transaction
            # (Django's are DEFERRABLE INITIALLY DEFERRED): run them now, then defer again
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in saved:
            cur.execute(definition)
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
