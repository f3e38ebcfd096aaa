"""Login: failures counted per account and per client address with decay, the same answer for unknown and held-back
accounts, a trusted device that strangers cannot lock out, unlocking at the station; staff idle timeout."""

import datetime
import time

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from doorstep.accounts.models import LoginThrottle, User
from doorstep.accounts.selectors import account_key
from doorstep.accounts.services import DEVICE_COOKIE, login_throttle_purge, login_unlock
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import PermissionDenied
from doorstep.demo.build import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

RESIDENT_PHONE = "13800000001"  # 谢小波


def _client(address="10.1.0.1"):
    return Client(REMOTE_ADDR=address)


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _answer(response) -> tuple[int, str]:
    body = response.content.decode()
    start = body.find('data-testid="login-error">')
    return response.status_code, body[start:body.find("</div>", start)] if start >= 0 else ""


def _expire_waits():
    LoginThrottle.objects.filter(blocked_until__isnull=False).update(
        blocked_until=timezone.now() - datetime.timedelta(seconds=1))


def test_login_and_logout():
    client = _client()
    response = _login(client, "clerk_s01a", DEMO_PASSWORD)
    assert response.status_code == 302
    assert DEVICE_COOKIE in response.cookies and response.cookies[DEVICE_COOKIE]["httponly"]
    assert "窗口人员" in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_five_failures_make_the_account_wait_and_the_wait_doubles():
    client = _client()
    for _ in range(4):
        response = _login(client, "clerk_s01b", "wrong-Password1")
        assert response.status_code == 400 and "用户名或密码错误" in response.content.decode()
    response = _login(client, "clerk_s01b", "wrong-Password1")
    assert response.status_code == 403 and "请1分钟后再试" in response.content.decode()
    # the right password does not open an account while it waits
    response = _login(client, "clerk_s01b", DEMO_PASSWORD)
    assert response.status_code == 403 and "分钟后再试" in response.content.decode()
    account = user("clerk_s01b")
    locked = AuditEvent.objects.filter(action="auth.locked", target_id=str(account.pk)).latest("id")
    assert locked.summary == {"by": "account", "seconds": 60}
    assert AuditEvent.objects.filter(action="auth.login_blocked", target_id=str(account.pk), result="denied").exists()
    # after the wait one more failure waits twice as long; the right password then opens and clears the count
    _expire_waits()
    response = _login(client, "clerk_s01b", "wrong-Password1")
    assert response.status_code == 403 and "请2分钟后再试" in response.content.decode()
    _expire_waits()
    assert _login(client, "clerk_s01b", DEMO_PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(kind="account", key=account_key("clerk_s01b")).exists()


def test_unknown_and_existing_accounts_get_the_same_answers():
    """Step for step, a name that exists and one that does not answer alike — failures, then the wait."""
    existing = [_answer(_login(_client("10.2.0.1"), "clerk_s01b", "wrong-Password1")) for _ in range(7)]
    unknown = [_answer(_login(_client("10.2.0.2"), "clerk_s99z", "wrong-Password1")) for _ in range(7)]
    assert existing == unknown
    assert existing[0] == (400, 'data-testid="login-error">用户名或密码错误。')
    assert existing[-1][0] == 403
    # an inactive account answers like a wrong password too
    User.objects.filter(username="clerk_s01b").update(is_active=False)
    LoginThrottle.objects.all().delete()
    assert _answer(_login(_client("10.2.0.3"), "clerk_s01b", DEMO_PASSWORD)) == existing[0]


def test_a_stranger_cannot_lock_a_resident_out_of_their_own_phone():
    phone = _client("10.3.0.1")
    assert _login(phone, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 302
    phone.post("/accounts/logout/")
    stranger = _client("10.3.0.66")
    for _ in range(10):
        _login(stranger, RESIDENT_PHONE, "Guess-123456")
    assert _login(stranger, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 403  # the stranger's browser waits
    assert _login(_client("10.3.0.2"), RESIDENT_PHONE, DEMO_PASSWORD).status_code == 403  # so does a new phone
    # the resident's own phone (it carries the cookie of an earlier login) is not held back
    assert _login(phone, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 302
    ok = AuditEvent.objects.filter(action="auth.login", target_id=str(user(RESIDENT_PHONE).pk)).latest("id")
    assert ok.summary == {"trusted_device": True}


def test_a_trusted_device_that_keeps_failing_loses_its_trust():
    phone = _client("10.4.0.1")
    assert _login(phone, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 302
    phone.post("/accounts/logout/")
    for _ in range(5):
        assert _login(phone, RESIDENT_PHONE, "Guess-123456").status_code == 400  # never told to wait while trusted
    assert _login(phone, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 403


def test_a_forged_device_cookie_is_ignored():
    stranger = _client("10.5.0.9")
    stranger.cookies[DEVICE_COOKIE] = "forged:cookie"
    for _ in range(5):
        _login(stranger, RESIDENT_PHONE, "Guess-123456")
    assert _login(stranger, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 403


@override_settings(DOORSTEP_LOGIN_ADDRESS_MAX_FAILURES=8)
def test_a_client_address_spraying_many_accounts_is_blocked():
    sprayer = _client("10.6.0.6")
    for n in range(8):  # two failures on each of four names: no account reaches its threshold
        _login(sprayer, f"nobody{n % 4}", "Spray-123456")
    account = user("clerk_s01a")
    response = _login(sprayer, "clerk_s01a", DEMO_PASSWORD)
    assert response.status_code == 403 and "分钟后再试" in response.content.decode()
    blocked = AuditEvent.objects.filter(action="auth.login_blocked", target_id=str(account.pk)).latest("id")
    assert blocked.summary == {"by": ["address"]}
    assert AuditEvent.objects.filter(action="auth.locked", summary__by="address").exists()
    assert _login(_client("10.6.0.7"), "clerk_s01a", DEMO_PASSWORD).status_code == 302  # other addresses are not


def test_failures_decay_with_time():
    client = _client("10.7.0.1")
    for _ in range(4):
        _login(client, "clerk_s01b", "wrong-Password1")
    # two half-lives later four failures weigh one: four more may follow before the account waits
    LoginThrottle.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=60))
    for _ in range(3):
        assert _login(client, "clerk_s01b", "wrong-Password1").status_code == 400
    assert _login(client, "clerk_s01b", "wrong-Password1").status_code == 403


def test_login_names_shaped_like_phones_are_masked_in_the_audit_trail():
    _login(_client(), "13912345678", "wrong-Password1")
    event = AuditEvent.objects.filter(action="auth.login_failed").latest("id")
    assert event.actor_label == "139****5678"
    assert not LoginThrottle.objects.filter(key__contains="13912345678").exists()


def _hold_back(username):
    client = _client("10.8.0.1")
    for _ in range(5):
        _login(client, username, "wrong-Password1")
    assert _login(_client("10.8.0.2"), username, DEMO_PASSWORD).status_code == 403


def test_a_station_clerk_lifts_a_residents_wait_after_a_search():
    _hold_back(RESIDENT_PHONE)
    resident = user(RESIDENT_PHONE)
    clerk = _client("10.9.0.1")
    assert _login(clerk, "clerk_s01a", DEMO_PASSWORD).status_code == 302
    url = f"/accounts/unlock/{resident.resident_id}/"
    assert clerk.get(url).status_code == 404  # a window clerk opens a resident found by a search of theirs
    clerk.get("/residents/", {"q": RESIDENT_PHONE})
    detail = clerk.get(f"/residents/{resident.resident_id}/").content.decode()
    assert url in detail
    page = clerk.get(url)
    assert page.status_code == 200 and "前不能登录" in page.content.decode()
    assert RESIDENT_PHONE not in page.content.decode()  # the login name is a phone: shown masked
    assert clerk.post(url).status_code == 302
    event = AuditEvent.objects.filter(action="auth.unlock", target_id=str(resident.pk)).latest("id")
    assert event.actor_id == user("clerk_s01a").pk and event.summary == {"was_waiting": True}
    assert _login(_client("10.8.0.2"), RESIDENT_PHONE, DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("username", ["leader", "gw_001001003", "clerk_other", "13800000002"])
def test_others_cannot_lift_a_residents_wait(username):
    resident = user(RESIDENT_PHONE)
    with pytest.raises(PermissionDenied):
        login_unlock(actor=user(username), user=resident)
    client = _client("10.10.0.1")
    if _login(client, username, DEMO_PASSWORD).status_code == 302:
        assert client.get(f"/accounts/unlock/{resident.resident_id}/").status_code == 404
        assert client.post(f"/accounts/unlock/{resident.resident_id}/").status_code == 404


def test_an_administrator_lifts_a_staff_members_wait_but_not_a_peers():
    _hold_back("clerk_s01b")
    assert login_unlock(actor=user("admin_s01"), user=user("clerk_s01b")) is True
    with pytest.raises(PermissionDenied):
        login_unlock(actor=user("admin_s01"), user=user("admin"))
    with pytest.raises(PermissionDenied):
        login_unlock(actor=user("admin_s01"), user=user("clerk_other"))  # another district's clerk


def test_decayed_counts_are_purged():
    _login(_client("10.11.0.1"), "nobody-at-all", "wrong-Password1")
    assert LoginThrottle.objects.count() == 2  # the name and the address
    assert login_throttle_purge() == 0
    assert login_throttle_purge(now=timezone.now() + datetime.timedelta(days=1)) == 2


def test_empty_form_gets_a_clear_message():
    response = _login(_client(), "", "")
    assert response.status_code == 400 and "请输入用户名和密码" in response.content.decode()


def test_staff_session_ends_after_thirty_idle_minutes():
    client = _client()
    _login(client, "gw_001001003", DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/residents/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/").status_code == 302  # logged out


def test_resident_logs_in_with_phone():
    client = _client()
    assert _login(client, RESIDENT_PHONE, DEMO_PASSWORD).status_code == 302
    assert "谢小波" in client.get("/").content.decode()
