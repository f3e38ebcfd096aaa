"""Bulk writes for the ledger import: rows with ids chosen in advance (so residents' name keys can be written with
them), through executemany on SQLite and COPY on PostgreSQL, and secondary indexes dropped for a first load and
built once at its end (core.bulk.deferred_indexes, shared with the demo builder). Like the demo BulkWriter, with
two differences an import needs: ids are reserved from PostgreSQL's sequence (other writers keep inserting while a
district is imported), and every column of the model is written, defaults included, so a column another part of
the registry adds later is filled without this module knowing it."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Max


def reserve_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys for `model`. PostgreSQL: from the table's identity sequence (safe against
    concurrent inserts). SQLite: after the largest id (writers are serialized: transactions begin IMMEDIATE)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                        [table, count])
            return [row[0] for row in cur.fetchall()]
    start = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    return list(range(start, start + count))


class Inserter:
    """INSERTs of whole rows of `model` from dicts of attribute names (missing ones take the field's default)."""

    def __init__(self, model):
        self.fields = [f for f in model._meta.concrete_fields]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(self.fields))})"
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.defaults = {f.attname: f.get_default() for f in self.fields}

    def write(self, rows: Sequence[dict]) -> None:
        if not rows:
            return
        names = [f.attname for f in self.fields]
        defaults = self.defaults
        values = [tuple(row[n] if n in row else defaults[n] for n in names) for row in rows]
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(self.copy_sql) as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                cur.executemany(self.sql, values)


def update_rows(model, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """UPDATE … SET columns WHERE id: each row is (values of `columns` in order…, id)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(model._meta.get_field(c).column)} = %s" for c in columns)
    with connection.cursor() as cur:
        cur.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", list(rows))


        if connection.vendor == "postgresql" and connection.in_atomic_block:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
