"""Per-user rate limits on expensive reads (ledger, supervision, searches, API lists, exports): issue #10, item 8.

Counting is django-ratelimit's (fixed windows per user and group); the counters live in the "ratelimit" cache, which
all app servers share: Redis when REDIS_URL is set, otherwise a table in the database (CounterCache below, created
after every `migrate`). Limits are settings (DOORSTEP_RATE_LIST, DOORSTEP_RATE_EXPORT; "" turns one off). Over the
limit a page gets a 429 page and the API a 429 JSON body, both in Chinese, with Retry-After.

django-ratelimit is used as a library (`get_usage`), not as an installed app: its system check knows Django's
DatabaseCache as non-atomic, which CounterCache is not.
"""

import base64
import contextlib
import functools
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import _split_rate, get_usage

LIST = "list"
EXPORT = "export"
TRACK = "track"  # the public tracking form, per address
TRACK_MISS = "track_miss"  # the tracking form's failed attempts, per case number
_SETTING = {LIST: "DOORSTEP_RATE_LIST", EXPORT: "DOORSTEP_RATE_EXPORT", TRACK: "DOORSTEP_RATE_TRACK",
            TRACK_MISS: "DOORSTEP_RATE_TRACK_MISS"}


class CounterCache(DatabaseCache):
    """Django's database cache, made fit for counters: `add` is one INSERT … ON CONFLICT statement (no COUNT of the
    table, no failing INSERT) that also clears expired rows when it starts a new window, and `incr` is atomic — the
    row is locked (SELECT … FOR UPDATE on PostgreSQL; on SQLite the transaction takes the write lock as it begins),
    so concurrent requests of one user on several workers or servers are all counted. A counter that expired
    meanwhile starts again at `delta`."""

    def _encode(self, value) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        stored = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        now = timezone.now().replace(microsecond=0)
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC)
        now_db = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "
                f"ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
                f"WHERE {table}.expires < %s",
                [stored, self._encode(value),
                 connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0)), now_db])
            added = cursor.rowcount == 1
            if added:  # a new window began: drop the counters of past ones (an index range on expires)
                cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now_db])
        return added

    def incr(self, key, delta=1, version=None):
        stored = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s{lock}", [stored])
                row = cursor.fetchone()
                if row is not None and self._expires(connection, row[1]) >= timezone.now():
                    value = pickle.loads(base64.b64decode(row[0].encode())) + delta
                    cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s",
                                   [self._encode(value), stored])
                    return value
            self.set(key, delta, version=version)  # gone or expired meanwhile: a new window
        return delta

    @staticmethod
    def _expires(connection, raw):
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            raw = converter(raw, expression, connection)
        return raw


def create_counter_table(using="default", **kwargs) -> None:
    """post_migrate: the database cache's table (`createcachetable`, which skips it when it exists)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


def _rate(group: str, request):
    return getattr(settings, _SETTING[group.rsplit(".", 1)[1]], "") or None


def _key(group: str, request) -> str:
    from doorstep.core.clientip import client_ip

    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def _period(seconds: int) -> str:
    if seconds % 3600 == 0:
        return _("每小时") if seconds == 3600 else _("每 %(hours)d 小时") % {"hours": seconds // 3600}
    if seconds % 60 == 0:
        return _("每分钟") if seconds == 60 else _("每 %(minutes)d 分钟") % {"minutes": seconds // 60}
    return _("每 %(seconds)d 秒") % {"seconds": seconds}


def too_many_requests(request, *, limit: int, period: int, wait: int):
    """The 429 answer: a JSON body for the API, the error page otherwise; Retry-After in seconds."""
    wait = max(1, wait)
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    who = _("每个账号") if user is not None and getattr(user, "is_authenticated", False) else _("每个网络地址")
    message = _("请求过于频繁：%(who)s%(period)s最多 %(limit)s 次，请 %(wait)s 秒后再试。") % {
        "who": who, "period": _period(period), "limit": limit, "wait": wait}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "error.html", {"message": message, "status": 429}, status=429)
    response["Retry-After"] = str(wait)
    return response


def over_limit(request, kind: str, *, key: str | None = None, increment: bool = True, message: str = ""):
    """Count one request (or, with increment=False, only look) against the `kind` limit — the user's or the
    address's, or `key`'s when given (e.g. a case number) — and return the 429 answer when over it, else None.
    `message` replaces the usual text of the 429."""
    group = f"doorstep.{kind}"
    usage = get_usage(request, group=group, key=(lambda g, r: key) if key is not None else _key, rate=_rate,
                      increment=increment)
    if usage is None or not (usage["should_limit"] if increment else usage["count"] >= usage["limit"]):
        return None
    limit, period = _split_rate(_rate(group, request))
    response = too_many_requests(request, limit=limit, period=period, wait=usage["time_left"])
    if message:
        response = render(request, "error.html", {"message": message, "status": 429}, status=429)
        response["Retry-After"] = str(max(1, usage["time_left"]))
    return response


def rate_limited(kind: str):
    """Decorator for a page view or an API operation: count the request against the user's `kind` limit ("list"
    or "export") and answer 429 once over it. Put it under @login_required; on the API, under the route."""
    if kind not in _SETTING:
        raise ValueError(kind)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            usage = get_usage(request, group=f"doorstep.{kind}", key=_key, rate=_rate, increment=True)
            if usage is not None and usage["should_limit"]:
                limit, period = _split_rate(_rate(f"doorstep.{kind}", request))
                return too_many_requests(request, limit=limit, period=period, wait=usage["time_left"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


@contextlib.contextmanager
def shared_slot(name: str, *, slots: int, hold_seconds: int):
    """One of `slots` places for heavy work, shared by every worker and app server (the "ratelimit" cache: an atomic
    add). Yields True while holding a place, False when all are taken (the caller answers "busy"); a place left by
    a killed worker frees itself after `hold_seconds`. So two or three exports cannot occupy every worker and stall
    the site for everyone (a 100,000-row Excel export takes 30-80 s on SQLite; review of issue #10)."""
    from django.core.cache import caches

    cache = caches["ratelimit"]
    for i in range(max(slots, 0)):
        key = f"doorstep.slot.{name}.{i}"
        if cache.add(key, 1, timeout=hold_seconds):
            try:
                yield True
            finally:
                cache.delete(key)
            return
    yield False
