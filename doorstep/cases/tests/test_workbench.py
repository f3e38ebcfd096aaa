"""Issue #11 item 12: the home shows what waits (待受理, 待审批, 即将到期, 超期, 差评待整改, 待送达) counted in the
user's own scope; each figure opens its list, which the user may open; residents get none; counts are cached."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from doorstep.cases.selectors import approver_queue_waiting, case_ledger_for_user
from doorstep.cases.workbench import workbench_figures
from doorstep.conftest import user

pytestmark = pytest.mark.django_db
STAFF = ["clerk_c001001", "clerk_s01a", "approver_s01", "approver", "leader", "leader_s01", "supervisor_c001001",
         "gw_001001003", "admin", "admin_s01", "dispatcher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def home(username: str) -> tuple[Client, str]:
    client = Client()
    client.force_login(user(username))
    return client, client.get("/").content.decode()


def figures_on(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="figure-(\w+)".*?data-testid="figure-count">([\d,+]+)<', page, re.S))


@pytest.mark.parametrize("username", STAFF)
def test_every_figure_on_a_home_opens_a_page_the_user_may_open(username):
    client, page = home(username)
    for figure in workbench_figures(user(username)):
        assert f'data-testid="figure-{figure.key}"' in page
        assert client.get(figure.url).status_code == 200, (username, figure.url)


def test_the_counts_are_the_users_own_scope():
    clerk = user("clerk_c001001")
    _, page = home("clerk_c001001")
    shown = figures_on(page)
    assert shown["submitted"] == f"{approver_queue_waiting(clerk).filter(state='submitted').count():,}"
    assert shown["red"] == f"{case_ledger_for_user(clerk, mark='red').count():,}"
    assert "review" not in shown  # a community clerk takes in; deciding is the approvers'
    approver = user("approver_s01")
    shown = figures_on(home("approver_s01")[1])
    assert shown["review"] == f"{approver_queue_waiting(approver).exclude(state='submitted').count():,}"
    assert "deliveries" in figures_on(home("gw_001001003")[1])


def test_residents_get_no_figures_and_the_second_look_is_cached(django_assert_max_num_queries):
    assert workbench_figures(user("13800000001")) == []
    assert 'data-testid="figure-' not in home("13800000001")[1]
    leader = user("leader")
    first = workbench_figures(leader)
    with django_assert_max_num_queries(0):
        assert workbench_figures(leader) == first
