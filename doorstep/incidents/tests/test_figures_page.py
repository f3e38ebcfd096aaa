"""The figures page (事件指标) over HTTP: who may open it and for which place, the period and grouping pickers and
their errors, every count linking to exactly the records behind it, the Excel download, and a bounded number of
queries whatever the number of groups. The figures are those of test_indicators' hand-computed fixture."""

import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from doorstep.incidents.tests.test_indicators import S1, S2, S3, build_fixture

pytestmark = pytest.mark.django_db

MARCH = "period=custom&start=2025-03-01&end=2025-03-31"


@pytest.fixture
def fx():
    return build_fixture()


@pytest.fixture
def leader(fx):
    client = Client()
    client.force_login(fx["leader"])
    return client


def _links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*figures/records/[^"]*)"', html)]


def _row(html: str, key: str) -> str:
    match = re.search(rf'<tr data-testid="figures-row" data-key="{key}">(.*?)</tr>', html, re.S)
    assert match, key
    return match.group(1)


def test_the_leader_reads_the_streets_of_the_district_with_a_total(leader):
    response = leader.get(f"/incidents/figures/?{MARCH}&by=street")
    assert response.status_code == 200
    html = response.content.decode()
    for key in (S1, S2, S3):
        assert f'data-key="{key}"' in html
    total = re.search(r'data-testid="figures-total">(.*?)</tr>', html, re.S).group(1)
    # 立案 6, 应结案 5, 结案 3; 结案率 60.0% (3/5); 平均处置时长 11.9 — as test_indicators computed by hand
    cells = re.findall(r">(\d+|—|[\d.]+%)<", total)
    assert cells[:4] == ["6", "5", "3", "60.0%"]
    assert "11.9" in total
    assert "丙街道" in html and "—" in _row(html, S3)  # a street with nothing shows its zeros and dashes


def test_every_count_opens_exactly_its_records(leader, fx):
    html = leader.get(f"/incidents/figures/?{MARCH}&by=street").content.decode()
    row = _row(html, S2)
    due_link = _links(row)[1]  # 立案, 应结案, 结案, …
    query = parse_qs(urlsplit(due_link).query)
    assert query["indicator"] == ["due"] and query["group"] == [S2] and query["start"] == ["2025-03-01"]
    page = leader.get(due_link)
    assert page.status_code == 200
    listed = page.content.decode()
    # I4 (deadline Mar 25, still handled) and I10 (deadline Mar 3, closed Apr 15)
    assert listed.count('data-testid="figures-record"') == 2
    assert fx["I4"].number in listed and fx["I10"].number in listed
    assert f'href="/incidents/{fx["I4"].pk}/"' in listed
    # every link of the table: the list is as long as the number that links to it
    pairs = [(unescape(url), int(n)) for url, n in re.findall(
        r'<a href="([^"]*figures/records/[^"]*)" title="[^"]*">(\d+)</a>', html)]
    assert len(pairs) == 4 * (3 + 7 * 2 + 1)  # 3 streets and the total: 3 counts, 7 rates of two, the mean's base
    for link, shown in pairs:
        assert leader.get(link).content.decode().count('data-testid="figures-record"') == shown, link


def test_order_and_rating_records(leader, fx):
    html = leader.get(f"/incidents/figures/?{MARCH}&by=department").content.decode()
    a = str(fx["A"].pk)
    returned = next(link for link in _links(_row(html, a)) if "indicator=returned" in link)
    body = leader.get(returned).content.decode()
    assert body.count('data-testid="figures-record"') == 1 and fx["I3"].number in body  # o3a, returned by 甲
    rated = next(link for link in _links(_row(html, a)) if "indicator=rated" in link)
    body = leader.get(rated).content.decode()
    assert body.count('data-testid="figures-record"') == 3 and "非常满意" in body


def test_by_month_and_by_category(leader):
    response = leader.get("/incidents/figures/?period=custom&start=2025-03-01&end=2025-04-30&by=month")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-key="2025-03"' in html and 'data-key="2025-04"' in html
    link = _links(_row(html, "2025-04"))[0]  # April's 立案: I7 I11 I12 I13
    assert leader.get(link).content.decode().count('data-testid="figures-record"') == 4
    assert leader.get(f"/incidents/figures/?{MARCH}&by=category").status_code == 200


def test_looking_into_a_street_and_back(leader):
    html = leader.get(f"/incidents/figures/?{MARCH}&by=street").content.decode()
    drill = unescape(re.search(r'href="([^"]*)" data-testid="figures-drill"', html).group(1))
    assert f"area={S1}" in drill and "by=community" in drill
    inner = leader.get(f"/incidents/figures/{drill}").content.decode()
    assert 'data-testid="figures-up"' in inner and f'data-key="{S1}001"' in inner


def test_the_table_downloads_as_excel(leader):
    from openpyxl import load_workbook

    response = leader.get(f"/incidents/figures/?{MARCH}&by=street&format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["甲街道", "乙街道", "丙街道", "合计"]
    header = list(rows[0])
    total = dict(zip(header, rows[-1], strict=True))
    assert total["立案数"] == 6 and total["应结案数"] == 5 and total["结案率（%）"] == 60.0
    assert dict(zip(header, rows[3], strict=True))["结案率（%）"] == "—"


@pytest.mark.parametrize("query, message", [
    ("period=custom&start=2025-03-31&end=2025-03-01", "结束日期不能早于开始日期。"),
    ("period=custom&start=2025-13-01&end=2025-03-01", "日期格式无效"),
    ("period=custom&start=&end=2025-03-01", "请填写开始日期和结束日期。"),
    ("period=custom&start=2020-01-01&end=2025-03-01", "查询区间最长两年"),
    ("period=custom&start=1900-01-01&end=1900-03-01", "日期须在2000年至2100年之间。"),
    ("period=someday", "请选择统计期间。"),
    (f"{MARCH}&by=planet", "请选择分组方式。"),
    (f"{MARCH}&kind=parcel", "请选择类型。"),
])
def test_bad_input_is_told_and_nothing_is_counted(leader, query, message):
    response = leader.get(f"/incidents/figures/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'data-testid="figures-table"' not in html


@pytest.mark.parametrize("query", [
    f"{MARCH}&by=street&indicator=everything",
    f"{MARCH}&by=street&indicator=closed&group=abc",
    f"{MARCH}&by=month&indicator=closed&group=2024-01",
    f"{MARCH}&by=department&indicator=closed&group=x1",
])
def test_bad_records_queries_are_refused(leader, query):
    assert leader.get(f"/incidents/figures/records/?{query}").status_code == 400


def test_who_may_read_the_figures():
    from doorstep.accounts.models import User
    from doorstep.incidents.tests.helpers import first_grid, grid_worker, resident_user, staff

    client = Client()
    assert client.get("/incidents/figures/").status_code == 302  # to the login
    for user in (resident_user(), grid_worker(first_grid()), staff("dept_cg")):
        client.force_login(user)
        assert client.get("/incidents/figures/").status_code == 403, user.username
        assert client.get(f"/incidents/figures/records/?{MARCH}&indicator=closed").status_code == 403
    # the workspace table decides who opens the page (a page a home does not offer is refused); of the roles that
    # read figures, the leader's home offers it
    from doorstep.accounts.pages import may_open

    for username in ("leader", "admin", "dispatcher", "leader_s01", "admin_s01"):
        account = User.objects.select_related("org_node").get(username=username)
        client.force_login(account)
        expected = 200 if may_open(account, "incidents:figures") else 403
        assert client.get("/incidents/figures/").status_code == expected, username
    assert may_open(User.objects.get(username="leader"), "incidents:figures")
    street_leader = User.objects.select_related("org_node").get(username="leader_s01")
    client.force_login(street_leader)
    own = street_leader.org_node.code
    assert client.get("/incidents/figures/").status_code == 200
    assert client.get(f"/incidents/figures/?area={own}001").status_code == 200  # a community of the street
    for outside in (own[:6], own[:6] + "999", "439901", "x"):  # above, beside, another district, nonsense
        assert client.get(f"/incidents/figures/?area={outside}").status_code == 404, outside
        assert client.get(f"/incidents/figures/records/?{MARCH}&indicator=closed&area={outside}").status_code == 404


def test_the_leaders_home_offers_the_figures():
    from doorstep.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    assert 'href="/incidents/figures/"' in client.get("/").content.decode()


@pytest.mark.parametrize("by", ["street", "community", "grid", "department", "category", "month"])
def test_the_page_takes_few_queries_however_many_groups(by, django_assert_max_num_queries):
    """On the demo district (dozens of grids): the same few queries for two groups or two hundred. Of the 20: the
    figures' own 6 (the place, three aggregates, the groups' names, the trail up) or 10 by month (five aggregates
    and three for the total); the rest is the session, the user, the rate limit, the unread count and the session's
    save."""
    from doorstep.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    with django_assert_max_num_queries(20 if by == "month" else 16):
        response = client.get(f"/incidents/figures/?period=this_year&by={by}")
    assert response.status_code == 200


def test_records_page_takes_few_queries(leader, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):  # the place, a capped count, the page's ids and rows, its name
        response = leader.get(f"/incidents/figures/records/?{MARCH}&by=street&indicator=registered&group={S1}")
    assert response.content.decode().count('data-testid="figures-record"') == 3


@pytest.mark.parametrize("by", ["street", "grid", "department", "category", "month"])
def test_the_page_reads_in_english(leader, fx, by):
    """Every word of the page and of its records in English; only the data (the places', departments' and
    categories' names) stays as written."""
    from django.conf import settings

    leader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = ["甲社区第1网格", "乙社区第1网格", "甲街道", "乙街道", "丙街道", "甲社区", "乙社区", "指标测试区", "测试类别一",
            "测试类别二", "指标测试甲局", "指标测试乙局", "TK01", "TK02", "中文"]
    html = leader.get(f"/incidents/figures/?{MARCH}&by={by}").content.decode()
    assert "Incident figures" in html and "Closing rate" in html
    pages = [html, leader.get(_links(html)[-1]).content.decode()]
    for page in pages:
        text = re.sub(r"<script.*?</script>", "", page, flags=re.S)
        for value in data:
            text = text.replace(value, "")
        assert not re.findall(r"[\u4e00-\u9fff]+", text), re.findall(r".{30}[\u4e00-\u9fff]+.{30}", text)


def test_leaders_administrators_and_command_centers_read_their_own_subtree():
    from doorstep.accounts.models import User
    from doorstep.core.errors import NotFound, PermissionDenied
    from doorstep.incidents.indicators import figures_area_for_user
    from doorstep.incidents.tests.helpers import resident_user, staff

    for username in ("leader", "admin", "dispatcher", "dispatcher_s01", "leader_s01"):
        account = User.objects.select_related("org_node").get(username=username)
        assert figures_area_for_user(account) == account.org_node
    with pytest.raises(NotFound):
        figures_area_for_user(User.objects.select_related("org_node").get(username="dispatcher_s01"), "430302")
    for account in (staff("dept_cg"), resident_user()):
        with pytest.raises(PermissionDenied):
            figures_area_for_user(account)
