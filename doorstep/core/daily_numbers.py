"""Numbers a person reads and quotes, given out per district and day: prefix + district code + date + a 5-digit
daily sequence (case numbers 43030220261122 00042, incident numbers E43030220261201 00042). Each app keeps its own
counter table (a model with district, day, last and a unique (district, day) constraint); this is the one way to
take the next number from it."""

import datetime

from django.db import connection


def next_daily_number(counter_model, *, district: str, day: datetime.date, prefix: str = "") -> str:
    """The next number of `district` on `day` from `counter_model`'s table. One statement inserts the day's counter
    or adds one to it, returning the new value. Call it inside the transaction and as late as possible: the counter
    row stays locked until commit, so concurrent writers never get the same number, and wait only for each other's
    last few statements."""
    table = connection.ops.quote_name(counter_model._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} (district, day, last) VALUES (%s, %s, 1) ON CONFLICT (district, day) "
                    f"DO UPDATE SET last = {table}.last + 1 RETURNING last", [district, day])
        last = cur.fetchone()[0]
    return f"{prefix}{district}{day:%Y%m%d}{last:05d}"
