"""Paging the case ledger (issue #10, item 8): a cursor walks every sort of the ledger with no gap and no repeat
(ties and NULLs in the due date included), a deep cursor page is the rows right after the cursor, page numbers stop
at the cap with a Chinese 400 (API) or message (page), a page costs the same fixed queries at any depth, and the
Excel export reads by keyset and refuses more rows than its cap."""

import random
import re
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from doorstep.accounts.services import api_token_create
from doorstep.cases.models import Case
from doorstep.cases.selectors import LEDGER_SORTS, case_ledger_for_user
from doorstep.conftest import user
from doorstep.core.errors import ValidationFailed
from doorstep.core.paging import cursor_after, end_cursor, paginate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    # these tests read many pages in a row; the limits have their own tests (core/tests/test_ratelimit.py)
    settings.DOORSTEP_RATE_LIST = ""


def staff(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def api(username: str) -> Client:
    token = api_token_create(actor=None, user=user(username), name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def ledger(sort: str, **filters):
    return case_ledger_for_user(user("leader"), sort=sort, **filters)


def test_the_demo_ledger_has_ties_and_nulls_in_the_due_date():
    # what the walks below rely on to mean anything
    qs = ledger("due_date")
    assert qs.filter(due_date__isnull=True).exists()
    assert qs.values("due_date").annotate(n=Count("id")).filter(n__gt=1).count() > 10
    assert qs.count() > 5000


@pytest.fixture(params=["small count", "count capped"])
def counting(request, settings):
    """Both ways a page is read: a result under the count limit, and one over it (on SQLite then read through the
    index on the sort keys, by primary key)."""
    if request.param == "count capped":
        settings.DOORSTEP_PAGE_COUNT_LIMIT = 100
        settings.DOORSTEP_PAGE_MAX_PAGES = 3
    return request.param


@pytest.mark.parametrize("sort", list(LEDGER_SORTS))
def test_cursor_walk_visits_every_case_once_in_ledger_order(sort, counting):
    qs = ledger(sort)
    expected = list(qs.values_list("id", flat=True))
    page = paginate(qs, page=1, size=97)
    seen = [c.id for c in page.items]
    while page.has_next:
        page = paginate(qs, cursor=page.next_cursor, size=97)
        assert page.number is None
        seen += [c.id for c in page.items]
    assert seen == expected


@pytest.mark.parametrize("sort", ["-id", "due_date", "-due_date", "item", "state"])
def test_walking_back_from_the_last_page_by_prev_cursor_reaches_page_one_in_order(sort, counting):
    qs = ledger(sort)
    expected = list(qs.values_list("id", flat=True))
    page = paginate(qs, cursor=end_cursor(qs), size=97)
    assert [c.id for c in page.items] == expected[-97:] and not page.has_next
    collected = [c.id for c in page.items]
    while page.number != 1:
        page = paginate(qs, cursor=page.prev_cursor, size=97)
        ids = [c.id for c in page.items]
        if page.number == 1:  # page 1 is the first 97 rows: it may overlap the page it was reached from
            ids = [i for i in ids if i not in collected]
        collected = ids + collected
    assert collected == expected


@pytest.mark.parametrize("sort", list(LEDGER_SORTS))
def test_a_deep_cursor_page_is_the_rows_right_after_the_cursor(sort, counting):
    qs = ledger(sort)
    rows = list(qs)
    positions = random.Random(8).sample(range(len(rows) - 1), 12)
    # the boundaries between key values are where segments meet: put some cursors right there
    for i in range(1, len(rows)):
        a, b = rows[i - 1], rows[i]
        if (a.due_date, a.item_id, a.state) != (b.due_date, b.item_id, b.state) and len(positions) < 40:
            positions.append(i - 1)
    for k in positions:
        page = paginate(qs, cursor=cursor_after(qs, rows[k]), size=20)
        assert [c.id for c in page.items] == [c.id for c in rows[k + 1:k + 21]], (sort, k)


@pytest.mark.parametrize("sort", list(LEDGER_SORTS))
def test_every_numbered_page_is_its_slice_of_the_ledger(sort, counting):
    qs = ledger(sort)
    expected = list(qs.values_list("id", flat=True)[:20 * 3])
    for number in (1, 2, 3):
        page = paginate(qs, page=number)
        assert page.number == number
        assert [c.id for c in page.items] == expected[(number - 1) * 20: number * 20], (sort, number)


def test_a_large_result_on_sqlite_is_read_through_the_index_on_the_sort_keys(settings):
    """SQLite has no statistics of ranges: left alone it reads a district's scope through the path index and
    sorts it. Over the count limit the page is read in the sort's own index."""
    settings.DOORSTEP_PAGE_COUNT_LIMIT = 100
    settings.DOORSTEP_PAGE_MAX_PAGES = 3
    hints = {"-id": "NOT INDEXED", "due_date": 'INDEXED BY "case_due_id"', "item": 'INDEXED BY "case_item_id"',
             "state": 'INDEXED BY "case_state_id"'}
    for sort, hint in hints.items():
        qs = ledger(sort)
        with CaptureQueriesContext(connection) as ctx:
            cursor = paginate(qs, page=2).next_cursor
            paginate(qs, cursor=cursor)
        sql = " ".join(q["sql"] for q in ctx.captured_queries)
        if connection.vendor == "sqlite":
            assert sql.count(hint) >= 2, (sort, sql[:500])
        else:
            assert "INDEXED BY" not in sql and "NOT INDEXED" not in sql


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


def test_a_large_filtered_result_on_sqlite_is_read_through_the_index_led_by_the_filtered_column(settings):
    """state = 'rated' sorted by due date: the (state, due_date) index gives the page in order; the index on the
    due date alone would walk every case of every state."""
    settings.DOORSTEP_PAGE_COUNT_LIMIT = 100
    settings.DOORSTEP_PAGE_MAX_PAGES = 3
    qs = ledger("due_date", state="concluded")
    with CaptureQueriesContext(connection) as ctx:
        paginate(qs, cursor=paginate(qs, page=2).next_cursor)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    if connection.vendor == "sqlite":
        assert sql.count('INDEXED BY "case_state_due"') >= 2 and 'INDEXED BY "case_due_id"' not in sql


def test_the_district_scope_is_a_prefix_match_and_a_street_scope_an_index_range():
    """The district's scope holds every case: as an index range it made SQLite read them all by applicant path
    and sort them (2.5 s for a filtered ledger). A street's scope stays a range its index answers."""
    district = str(ledger("due_date", state="in_review").query)
    street = str(case_ledger_for_user(user("leader_s01"), sort="due_date").query)
    assert "LIKE 430302%" in district and '"applicant_path" >=' not in district
    assert '"applicant_path" >=' in street and '"applicant_path" <' in street
    if connection.vendor == "sqlite":
        assert "applicant_path" not in _plan(ledger("due_date", state="in_review"))


def test_the_red_and_yellow_marks_are_read_from_the_running_cases_index():
    """Running cases by due date (supervision, the ledger's marks) come from the partial index case_running_due:
    the condition is written with literal states, so SQLite can match it (core/lookups.py)."""
    import datetime

    from doorstep.cases.selectors import supervision_for_user, supervision_limits

    today, _ = supervision_limits()
    running = Case.objects.filter(state__in=["accepted", "in_review"], applicant_path__startswith="430302")
    if not ledger("due_date", mark="red").exists():  # the small demo may have no overdue case today: make one
        Case.objects.filter(pk=running.order_by("id").values("pk")[:1]).update(
            due_date=today - datetime.timedelta(days=3))
    for mark in ("red", "yellow"):
        with CaptureQueriesContext(connection) as ctx:
            qs = ledger("due_date", mark=mark)
        marked = [q["sql"] for q in ctx.captured_queries if "IN ('accepted', 'in_review')" in q["sql"]]
        assert len(marked) == 1, ctx.captured_queries
        assert '"cases_case"."id" IN (' in str(qs.query)  # then the ledger reads those few cases by id
        if connection.vendor == "sqlite":  # the marked cases by an index of running states or due dates
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + marked[0])
                plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert ("case_running_due" in plan or "case_state_due" in plan) and "SCAN cases_case" not in plan, plan
    behind = supervision_for_user(user("leader"), mark="red")["page"]
    assert behind.items and all(c.state in ("accepted", "in_review") for c in behind.items)


def test_the_marks_walk_exactly_the_running_cases_past_and_near_their_due_date():
    from doorstep.cases.selectors import supervision_limits

    today, limit = supervision_limits()
    running = Case.objects.filter(state__in=["accepted", "in_review"])
    expected = {"red": list(running.filter(due_date__lt=today).order_by("due_date", "id").values_list("id", flat=True)),
                "yellow": list(running.filter(due_date__gte=today, due_date__lte=limit)
                               .order_by("due_date", "id").values_list("id", flat=True))}
    for mark, ids in expected.items():
        qs, seen = ledger("due_date", mark=mark), []
        page = paginate(qs, page=1, size=7)
        seen += [c.id for c in page.items]
        while page.has_next:
            page = paginate(qs, cursor=page.next_cursor, size=7)
            seen += [c.id for c in page.items]
        assert seen == ids and ids, mark


def test_a_narrow_scope_is_read_by_its_own_indexes_not_the_filters():
    """A clerk's (or a community's) rated or online cases: SQLite is told not to read the filter's rows by their
    index (`+state`, `+channel`), so it reads the scope's own indexes (center, node, first contact; a community's
    path) — for the count and for the page; a small result's page is sorted in memory (`ORDER BY +due_date`). The
    rows are the same either way; PostgreSQL gets the plain SQL. The plans they lead to need district-scale data:
    bench/list_pages.py."""
    from doorstep.cases.selectors import case_list_for_user

    for name in ("clerk_s01a", "supervisor_c001001"):
        account = user(name)
        for filters in ({"state": "rated"}, {"channel": "online"}, {"channel": "window", "state": "accepted"}):
            expected = list(case_ledger_for_user(account, sort="due_date", **filters).values_list("id", flat=True))
            with CaptureQueriesContext(connection) as ctx:
                page = case_list_for_user(account, sort="due_date", **filters)
            assert [c.id for c in page.items] == expected[:len(page.items)], (name, filters)
            # the count and the page's ids (not the load of a page's rows by their ids)
            where = [q["sql"].split("WHERE", 1)[1] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"]
                     and "WHERE" in q["sql"] and not q["sql"].split("WHERE", 1)[1].strip().startswith(
                         '"cases_case"."id" IN')]
            assert where, (name, filters)
            for column in filters:
                if connection.vendor == "sqlite":
                    assert all(f'+"cases_case"."{column}"' in w for w in where), (name, filters, where)
                else:
                    assert not any('+"cases_case"' in w for w in where)
    # the leader's and a street leader's wide scopes keep the filter's index
    for name in ("leader", "leader_s01"):
        sql = str(case_ledger_for_user(user(name), state="rated", channel="online").query).split("WHERE")[1]
        assert "+" not in sql, name


def test_a_small_result_is_sorted_in_memory_on_sqlite_and_pages_the_same():
    """Under the count limit, SQLite reads the page's ids with the sort keys as `+column` (no index walks the
    table in sort order testing every row) and loads them; every sort gives the rows in the same order as the
    plain query, on page 1, a numbered page and by cursor."""
    from doorstep.cases.selectors import LEDGER_SORTS, case_list_for_user

    clerk = user("clerk_s01a")
    for sort in LEDGER_SORTS:
        expected = list(case_ledger_for_user(clerk, sort=sort).values_list("id", flat=True))
        with CaptureQueriesContext(connection) as ctx:
            first = case_list_for_user(clerk, sort=sort)
        assert [c.id for c in first.items] == expected[:len(first.items)], sort
        if connection.vendor == "sqlite" and not first.total_capped:
            # `+column`, or the item's rank among the items by code (no join of the catalog)
            assert any("ORDER BY +" in q["sql"] or "ORDER BY CASE WHEN" in q["sql"] and "catalog_serviceitem" not in
                       q["sql"] for q in ctx.captured_queries), sort
        seen = [c.id for c in first.items]
        page = first
        while page.has_next and len(seen) < 200:
            page = case_list_for_user(clerk, sort=sort, cursor=page.next_cursor)
            seen += [c.id for c in page.items]
        assert seen == expected[:len(seen)], sort
        if first.has_next:
            second = case_list_for_user(clerk, sort=sort, page=2)
            assert [c.id for c in second.items] == expected[20:40], sort


def test_filters_and_cursor_together_walk_the_filtered_ledger():
    qs = ledger("due_date", state="concluded")
    expected = list(qs.values_list("id", flat=True))
    page, seen = paginate(qs, page=1, size=250), []
    seen += [c.id for c in page.items]
    while page.has_next:
        page = paginate(qs, cursor=page.next_cursor, size=250)
        seen += [c.id for c in page.items]
    assert seen == expected and len(expected) > 500


def test_a_forged_or_foreign_cursor_is_refused_in_chinese():
    qs = ledger("-id")
    good = paginate(qs, page=1).next_cursor
    for bad in (good[:-3] + "abc", "not-a-cursor", "\x00", paginate(ledger("due_date"), page=1).next_cursor):
        with pytest.raises(ValidationFailed) as refused:
            paginate(qs, cursor=bad)
        assert "翻页位置无效" in refused.value.message


def test_page_numbers_stop_at_the_cap_and_the_api_says_to_use_the_cursor():
    client = api("leader")
    assert client.get("/api/v1/cases/", {"page": 50}).status_code == 200
    for deep in (51, 33000, 100000, 10**12):
        response = client.get("/api/v1/cases/", {"page": deep})
        assert response.status_code == 400, deep
        body = response.json()
        assert "页码过大" in body["detail"] and "cursor" in body["detail"] and body["field"] == "page"


def test_a_page_number_past_the_cap_shows_a_clear_message_on_the_ledger_page():
    response = staff("leader").get("/cases/", {"page": 33000})
    assert response.status_code == 400
    text = response.content.decode()
    assert "页码过大" in text and "下一页" in text and "cursor" not in text  # the cursor is the API's, not a page's


def test_the_api_walks_the_ledger_by_next_cursor_without_repeats():
    client = api("leader")
    first = client.get("/api/v1/cases/", {"sort": "due_date"}).json()
    assert first["page"] == 1 and first["next_cursor"] and first["total"] >= 5000
    seen = [c["id"] for c in first["items"]]
    body = first
    for _ in range(5):
        body = client.get("/api/v1/cases/", {"sort": "due_date", "cursor": body["next_cursor"]}).json()
        assert body["page"] is None and body["prev_cursor"]
        seen += [c["id"] for c in body["items"]]
    expected = list(ledger("due_date").values_list("id", flat=True)[:len(seen)])
    assert seen == expected
    back = client.get("/api/v1/cases/", {"sort": "due_date", "cursor": body["prev_cursor"]}).json()
    assert [c["id"] for c in back["items"]] == seen[-40:-20]
    wrong_sort = client.get("/api/v1/cases/", {"sort": "-id", "cursor": body["next_cursor"]})
    assert wrong_sort.status_code == 400 and "翻页位置无效" in wrong_sort.json()["detail"]


def test_the_total_is_counted_up_to_the_limit_and_said_as_at_least(settings):
    settings.DOORSTEP_PAGE_COUNT_LIMIT = 100
    settings.DOORSTEP_PAGE_MAX_PAGES = 3
    body = api("leader").get("/api/v1/cases/").json()
    assert body["total"] == 100 and body["total_capped"] is True and body["pages"] is None
    page = staff("leader").get("/cases/").content.decode()
    assert "共 100+ 件" in page


def test_after_the_numbered_pages_the_ledger_links_on_by_cursor(settings):
    settings.DOORSTEP_PAGE_MAX_PAGES = 2
    client = staff("leader")
    html = client.get("/cases/", {"page": 2, "sort": "item"}).content.decode()
    links = dict(re.findall(r'href="\?([^"]+)" data-testid="(\w+-page)"', html))
    nxt = {v: k for k, v in links.items()}["next-page"].replace("&amp;", "&")
    assert "cursor=" in nxt and "page=" not in nxt and "sort=item" in nxt
    deeper = client.get("/cases/?" + nxt)
    assert deeper.status_code == 200 and "按位置翻页" in deeper.content.decode()
    expected = list(ledger("item").values_list("number", flat=True)[40:60])
    body = deeper.content.decode()
    assert all(number in body for number in expected)
    last = {v: k for k, v in links.items()}["last-page"].replace("&amp;", "&")
    tail = client.get("/cases/?" + last).content.decode()
    assert list(ledger("item").values_list("number", flat=True).reverse()[:1])[0] in tail


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx)


@pytest.mark.parametrize("sort", ["-id", "due_date", "state"])
def test_ledger_page_one_and_a_deep_cursor_page_take_the_same_few_queries(sort, django_assert_num_queries):
    client = staff("leader")
    client.get("/cases/")  # session and caches warm
    first = _queries(client, "/cases/", {"sort": sort})
    assert first <= 8
    qs = ledger(sort)
    deep = qs[len(qs) - 300]
    client.get("/cases/", {"sort": sort, "cursor": cursor_after(qs, qs[5])})  # per-process: the states' order
    # one more for a page that starts in one key value and ends in the next (two index ranges)
    with django_assert_num_queries(first + (1 if sort != "-id" else 0), exact=False):
        response = client.get("/cases/", {"sort": sort, "cursor": cursor_after(qs, deep)})
    assert response.status_code == 200


def test_api_page_one_and_a_deep_cursor_page_take_the_same_few_queries(django_assert_num_queries):
    client = api("leader")
    client.get("/api/v1/cases/")  # the token's first use is recorded once
    first = _queries(client, "/api/v1/cases/", {})
    assert first <= 8
    qs = ledger("-id")
    deep = cursor_after(qs, qs[len(qs) - 25])
    with django_assert_num_queries(first):
        response = client.get("/api/v1/cases/", {"cursor": deep})
    assert response.status_code == 200 and len(response.json()["items"]) == 20


def test_export_reads_the_whole_ledger_in_order_by_keyset_chunks(settings):
    from openpyxl import load_workbook

    settings.DOORSTEP_EXPORT_INLINE_ROWS = 100_000  # written in the request here; the background job: below
    response = staff("leader").get("/cases/export.xlsx", {"sort": "item"})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content), read_only=True)
    rows = list(book["办件台账"].iter_rows(values_only=True))[1:]
    expected = list(ledger("item").values_list("number", flat=True))
    assert len(expected) > 4000  # more than two chunks of 2,000
    assert [r[0] for r in rows] == expected
    about = dict(book["说明"].iter_rows(values_only=True))  # the file says what it holds
    assert about["内容"] == "办件台账（排序：事项）" and about["行数"] == len(expected)


def test_export_larger_than_the_inline_limit_runs_in_the_background_with_every_row(
        settings, tmp_path, django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY
    from openpyxl import load_workbook

    from doorstep.core.idempotency import FIELD, new_key
    from doorstep.exports.models import ExportJob

    settings.DOORSTEP_EXPORT_INLINE_ROWS = 50
    settings.VAR_DIR = tmp_path
    client = staff("leader")
    confirm = client.get("/cases/export.xlsx", {"state": "delivered"}).content.decode()
    assert 'data-testid="export-confirm"' in confirm and "办件台账（状态：已送达）" in confirm
    key = new_key()
    HUEY.immediate = True  # the worker's own code, run in this process
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/cases/export.xlsx", {"state": "delivered", "sort": "-id", FIELD: key})
        with django_capture_on_commit_callbacks(execute=True):  # a double click: the same job, not a second
            again = client.post("/cases/export.xlsx", {"state": "delivered", "sort": "-id", FIELD: key})
    finally:
        HUEY.immediate = False
    assert response.status_code == 302 and again["Location"] == response["Location"]
    job = ExportJob.objects.get()
    expected = list(ledger("-id").filter(state="delivered").values_list("number", flat=True))
    assert job.state == "done" and job.total == job.done == len(expected) > 50
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="export-download"' in page and f"{len(expected)} 行" in page
    download = client.get(f"/exports/{job.token}/download/")
    rows = list(load_workbook(BytesIO(b"".join(download.streaming_content)), read_only=True)["办件台账"]
                .iter_rows(values_only=True))[1:]
    assert [r[0] for r in rows] == expected
    # another person's job is not found, the same answer as none
    assert staff("leader_s01").get(f"/exports/{job.token}/").status_code == 404
    assert staff("leader_s01").get(f"/exports/{job.token}/download/").status_code == 404
