"""Changing one's own password (/accounts/password/): the current password first, the policy's Chinese messages, the
session kept, the change audited without the passwords; a wrong current password counts like a failed login; an
account whose password someone else chose opens nothing else until it has chosen its own."""

import json

import pytest
from django.test import Client

from doorstep.accounts.models import LoginThrottle, User
from doorstep.accounts.roles import Role
from doorstep.accounts.selectors import account_key
from doorstep.accounts.services import (
    api_token_create,
    password_change,
    user_create_resident,
    user_create_staff,
)
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import AccountLocked, ValidationFailed
from doorstep.core.tests.htmlpages import parse
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db

RESIDENT = "13800000001"  # 谢小波, a demo resident
NEW = "Kx7#Vortex-Lume"  # passes the policy for every demo account


def _signed_in(username: str, address: str = "10.40.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def _change(client: Client, current: str, new: str, again: str | None = None):
    return client.post("/accounts/password/", {"current_password": current, "new_password1": new,
                                               "new_password2": new if again is None else again})


def _error(response) -> str:
    body = response.content.decode()
    start = body.find('data-testid="password-error">')
    return body[start:body.find("</div>", start)] if start >= 0 else ""


def _password_fields(response) -> dict[str, str]:
    form = next(f for f in parse(response.content.decode()).forms if "current_password" in f["fields"])
    return {name: value for name, value in form["fields"].items() if form["types"][name] == "password"}


def _can_log_in(username: str, password: str) -> bool:
    return Client(REMOTE_ADDR="10.40.9.9").post(
        "/accounts/login/", {"username": username, "password": password}).status_code == 302


def test_a_resident_on_the_demo_opens_the_page_from_the_menu():
    client = _signed_in(RESIDENT)
    home = client.get("/").content.decode()
    assert 'href="/accounts/password/"' in home and "修改密码" in home
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert set(_password_fields(page)) == {"current_password", "new_password1", "new_password2"}
    assert "至少" in page.content.decode()  # the policy's help texts, in Chinese


def test_the_change_keeps_the_session_and_the_old_password_stops_working():
    client = _signed_in(RESIDENT)
    other_session = _signed_in(RESIDENT, address="10.40.0.2")
    token = api_token_create(actor=None, user=user(RESIDENT), name="手机")
    response = _change(client, DEMO_PASSWORD, NEW)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "密码已修改" in home.content.decode()
    assert client.get("/accounts/password/").status_code == 200  # still signed in
    assert not _can_log_in(RESIDENT, DEMO_PASSWORD)
    assert _can_log_in(RESIDENT, NEW)
    # Django ties a session to the password: other browsers signed in with the old one are signed out; API tokens
    # are no password and stay.
    assert other_session.get("/").status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/org/").status_code != 401


def test_a_wrong_current_password_is_refused_in_chinese_and_nothing_changes():
    client = _signed_in(RESIDENT)
    before = user(RESIDENT).password
    response = _change(client, "Wrong#Guess-42", NEW)
    assert response.status_code == 400 and "当前密码不正确。" in _error(response)
    assert user(RESIDENT).password == before
    assert not any(_password_fields(response).values())
    assert AuditEvent.objects.filter(action="accounts.password_change", actor_id=user(RESIDENT).pk,
                                     result=AuditEvent.Result.FAILED).exists()


def test_a_weak_new_password_is_refused_with_the_validators_message_and_nothing_echoed():
    client = _signed_in(RESIDENT)
    response = _change(client, DEMO_PASSWORD, "Admin@123")
    assert response.status_code == 400 and "太容易被猜到" in _error(response)
    assert not any(_password_fields(response).values())
    assert DEMO_PASSWORD not in response.content.decode()
    assert _can_log_in(RESIDENT, DEMO_PASSWORD)


def test_a_new_password_close_to_the_name_initials_is_refused():
    client = _signed_in(RESIDENT)
    response = _change(client, DEMO_PASSWORD, "XXB@138000")
    assert response.status_code == 400 and "姓名拼音首字母" in _error(response)


def test_two_different_new_passwords_are_refused():
    client = _signed_in(RESIDENT)
    response = _change(client, DEMO_PASSWORD, NEW, again=NEW + "x")
    assert response.status_code == 400 and "两次输入的新密码不一致" in _error(response)
    assert not any(_password_fields(response).values())
    assert _can_log_in(RESIDENT, DEMO_PASSWORD)


def test_the_same_password_again_is_refused():
    with pytest.raises(ValidationFailed, match="不能与当前密码相同"):
        password_change(actor=user("leader"), current=DEMO_PASSWORD, new=DEMO_PASSWORD)


def test_anonymous_visitors_are_sent_to_login():
    for response in (Client().get("/accounts/password/"), _change(Client(), DEMO_PASSWORD, NEW)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_the_change_is_audited_without_any_password():
    client = _signed_in("clerk_s01a")
    _change(client, "Not-the#Password1", NEW)
    assert _change(client, DEMO_PASSWORD, NEW).status_code == 302
    clerk = user("clerk_s01a")
    events = AuditEvent.objects.filter(action="accounts.password_change", target_id=str(clerk.pk))
    assert [e.result for e in events.order_by("id")] == [AuditEvent.Result.FAILED, AuditEvent.Result.OK]
    assert events.filter(actor_id=clerk.pk, result=AuditEvent.Result.OK).exists()
    for event in events:
        text = json.dumps([event.summary, event.reason, event.target_label, event.actor_label], ensure_ascii=False)
        assert NEW not in text and DEMO_PASSWORD not in text and "Not-the#Password1" not in text


def test_wrong_current_passwords_count_as_failed_logins():
    client = _signed_in(RESIDENT)
    for _ in range(5):
        assert "当前密码不正确。" in _error(_change(client, "Wrong#Guess-42", NEW))
    # the fifth started the account's wait: other browsers cannot log in, and it is audited as at login
    assert LoginThrottle.objects.get(kind="account", key=account_key(RESIDENT)).blocked_until is not None
    assert AuditEvent.objects.filter(action="auth.locked", target_id=str(user(RESIDENT).pk)).exists()
    assert not _can_log_in(RESIDENT, DEMO_PASSWORD)
    # this browser is the account's trusted device (it logged in here) until it has failed five times itself, as at
    # login: now the wait holds on this page too, even with the right password
    response = _change(client, DEMO_PASSWORD, NEW)
    assert response.status_code == 403 and "登录失败次数过多" in _error(response)
    with pytest.raises(AccountLocked):
        password_change(actor=user(RESIDENT), current=DEMO_PASSWORD, new=NEW)
    assert _can_log_in(RESIDENT, DEMO_PASSWORD) is False and user(RESIDENT).check_password(DEMO_PASSWORD)


def _new_resident_account() -> tuple[User, str]:
    resident = Resident.objects.filter(path__startswith="430302", account__isnull=True).order_by("id").first()
    given = "Given#By-Clerk-7"
    return user_create_resident(actor=user("clerk_c001001"), resident=resident, phone="13912340001",
                                password=given), given


def test_accounts_created_for_someone_must_change_their_password():
    account, _ = _new_resident_account()
    staff = user_create_staff(actor=user("admin"), username="clerk_new", password="Given#By-Admin-7",
                              role=Role.CLERK, org_node=user("clerk_s01a").org_node, full_name="新窗口")
    assert account.must_change_password and staff.must_change_password
    assert not User.objects.filter(username__in=["admin", RESIDENT, "clerk_s01a"], must_change_password=True).exists()


def test_a_new_resident_opens_only_the_password_page_until_it_is_changed():
    account, given = _new_resident_account()
    client = Client(REMOTE_ADDR="10.40.1.1")
    login = client.post("/accounts/login/", {"username": account.username, "password": given, "next": "/cases/"})
    assert login.status_code == 302 and login["Location"] == "/accounts/password/"
    for url in ("/", "/cases/", "/inbox/", "/services/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/", url
    fragment = client.get("/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == "/accounts/password/"
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and 'data-testid="password-forced"' in page.content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/password/").status_code == 302  # signed out: login first

    client.post("/accounts/login/", {"username": account.username, "password": given})
    assert _change(client, given, NEW).status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="accounts.password_change", target_id=str(account.pk)).latest("id")
    assert event.summary == {"forced": True}


@pytest.mark.parametrize("value", ["a\x00b", "长" * 20_000, "😀👨‍👩‍👧‍👦", ""])
def test_odd_input_is_refused_without_a_server_error(value):
    client = Client(REMOTE_ADDR="10.40.2.1", raise_request_exception=False)
    client.force_login(user("clerk_c001001"))
    for fields in ({"current_password": value, "new_password1": NEW, "new_password2": NEW},
                   {"current_password": DEMO_PASSWORD, "new_password1": value, "new_password2": value},
                   {"current_password": DEMO_PASSWORD, "new_password1": NEW, "new_password2": value}, {}):
        assert 400 <= client.post("/accounts/password/", fields).status_code < 500
    assert user("clerk_c001001").check_password(DEMO_PASSWORD)
