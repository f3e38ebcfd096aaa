"""Login, lockout after 5 failures for 10 minutes, password policy, staff idle timeout."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.demo.build import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_and_logout():
    client = Client()
    response = _login(client, "clerk_s01a", DEMO_PASSWORD)
    assert response.status_code == 302
    assert "窗口人员" in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_for_ten_minutes():
    client = Client()
    for _ in range(4):
        response = _login(client, "clerk_s01b", "wrong-Password1")
        assert response.status_code == 400
        assert "用户名或密码错误" in response.content.decode()
    response = _login(client, "clerk_s01b", "wrong-Password1")
    assert response.status_code == 403
    assert "已锁定" in response.content.decode() and "10分钟" in response.content.decode()
    # the right password does not open a locked account
    response = _login(client, "clerk_s01b", DEMO_PASSWORD)
    assert response.status_code == 403 and "已锁定" in response.content.decode()
    account = User.objects.get(username="clerk_s01b")
    assert account.locked_until > timezone.now() + timezone.timedelta(minutes=9)
    assert AuditEvent.objects.filter(action="auth.locked", target_id=str(account.pk)).exists()
    assert AuditEvent.objects.filter(action="auth.login_blocked", target_id=str(account.pk)).exists()
    # ten minutes later it opens again
    User.objects.filter(pk=account.pk).update(locked_until=timezone.now() - timezone.timedelta(seconds=1))
    assert _login(client, "clerk_s01b", DEMO_PASSWORD).status_code == 302


def test_unknown_user_gets_the_same_message_and_is_audited():
    response = _login(Client(), "nobody", "whatever-1A")
    assert "用户名或密码错误" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_label="nobody").exists()


def test_empty_form_gets_a_clear_message():
    response = _login(Client(), "", "")
    assert response.status_code == 400 and "请输入用户名和密码" in response.content.decode()


@pytest.mark.parametrize("password, ok", [
    ("Ab1!", False),          # too short
    ("abcdefgh", False),      # one class
    ("abcdefg1", False),      # two classes
    ("Hexagon42", True),      # three classes
    ("abc-def-1", True),      # lower, digit, symbol
    ("Doorstep@2026", True),
])
def test_password_policy(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_staff_session_ends_after_thirty_idle_minutes():
    client = Client()
    _login(client, "gw_001001003", DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/residents/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/").status_code == 302  # logged out


def test_resident_logs_in_with_phone():
    client = Client()
    assert _login(client, "13800000001", DEMO_PASSWORD).status_code == 302
    assert "谢小波" in client.get("/").content.decode()
