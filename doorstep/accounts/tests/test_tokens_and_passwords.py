"""API tokens expire (DOORSTEP_API_TOKEN_DAYS) and can be revoked — by the command line, the holder's page or an
administrator — with a 401 in Chinese after; passwords close to the login name, the name, its pinyin or the pinyin's
initials are refused."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from doorstep.accounts.models import ApiToken, User
from doorstep.accounts.services import api_token_create, api_token_revoke, user_create_resident
from doorstep.audit.models import AuditEvent
from doorstep.conftest import user
from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.names import name_pinyin
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


def _api(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/org/")


def test_a_token_expires_after_ninety_days_by_default():
    token = api_token_create(actor=None, user=user("leader"), name="看板")
    row = ApiToken.objects.latest("id")
    assert abs(row.expires_at - (timezone.now() + datetime.timedelta(days=90))) < datetime.timedelta(minutes=1)
    assert _api(token).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _api(token)
    assert response.status_code == 401 and "已过期" in response.json()["detail"]
    event = AuditEvent.objects.filter(action="accounts.api_token_create", target_id=str(row.pk)).get()
    assert event.summary["expires_at"] == row.expires_at.isoformat()


@override_settings(DOORSTEP_API_TOKEN_DAYS=7)
def test_the_default_validity_is_a_setting_and_bounded():
    api_token_create(actor=None, user=user("leader"), name="短期")
    assert ApiToken.objects.latest("id").expires_at < timezone.now() + datetime.timedelta(days=8)
    with pytest.raises(ValidationFailed):
        api_token_create(actor=None, user=user("leader"), name="太长", days=1000)


def test_a_revoked_token_is_refused_and_the_revocation_audited():
    token = api_token_create(actor=None, user=user("leader"), name="接口")
    row = ApiToken.objects.latest("id")
    api_token_revoke(actor=user("leader"), token_id=row.pk)
    response = _api(token)
    assert response.status_code == 401 and "吊销" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="accounts.api_token_revoke", target_id=str(row.pk),
                                     actor_id=user("leader").pk).exists()
    assert _api("ds_unknown").status_code == 401


def test_only_the_holder_or_an_administrator_above_revokes():
    api_token_create(actor=None, user=user("clerk_s01a"), name="窗口")
    row = ApiToken.objects.latest("id")
    User.objects.create(username="admin_other", role="admin", org_node=user("clerk_other").org_node)
    for outsider in ("clerk_s01b", "admin_other", "leader"):
        with pytest.raises(NotFound):
            api_token_revoke(actor=user(outsider), token_id=row.pk)
    assert api_token_revoke(actor=user("admin_s01"), token_id=row.pk).revoked_at is not None


def test_the_command_line_lists_and_revokes(capsys):
    call_command("token", "--user", "leader", "--name", "命令行", "--days", "30")
    assert "令牌" in capsys.readouterr().out
    row = ApiToken.objects.latest("id")
    call_command("token", "--user", "leader", "--list")
    assert f"#{row.pk}" in capsys.readouterr().out
    call_command("token", "--revoke", str(row.pk))
    row.refresh_from_db()
    assert row.revoked_at is not None
    with pytest.raises(CommandError, match="有效期"):
        call_command("token", "--user", "leader", "--days", "0")
    with pytest.raises(CommandError, match="未找到"):
        call_command("token", "--revoke", "999999")


def test_the_holder_sees_and_revokes_their_tokens_on_a_page():
    api_token_create(actor=None, user=user("leader"), name="我的看板")
    row = ApiToken.objects.latest("id")
    client = Client(REMOTE_ADDR="10.30.0.1")
    client.post("/accounts/login/", {"username": "leader", "password": DEMO_PASSWORD})
    page = client.get("/accounts/tokens/").content.decode()
    assert "我的看板" in page and "有效" in page and row.digest not in page
    assert client.post("/accounts/tokens/", {"token": row.pk}).status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    other = Client(REMOTE_ADDR="10.30.0.2")
    other.post("/accounts/login/", {"username": "clerk_s01a", "password": DEMO_PASSWORD})
    api_token_create(actor=None, user=user("leader"), name="另一个")
    assert other.post("/accounts/tokens/", {"token": ApiToken.objects.latest("id").pk}).status_code == 404


class _Person:
    """An account as the validators see it before it is saved."""

    def __init__(self, username, full_name):
        self.username, self.full_name = username, full_name


@pytest.mark.parametrize("password, why", [
    ("Xiexiaobo2026", "姓名拼音"),       # the pinyin of 谢小波
    ("xiexiaobo2026", None),            # (also only two character classes)
    ("Xiexiaobo@19900307", "姓名拼音"),  # contains it, though not "similar" by ratio
    ("13800000001Ab!", "登录名"),        # the phone number that is the login name
    ("Password123", None),              # Django's common-password list
    ("P@ssw0rd", None),
    ("Xiaobo@2026", "姓名拼音"),         # the given name alone
])
def test_passwords_close_to_the_name_login_or_pinyin_or_common_are_refused(password, why):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, _Person("13800000001", "谢小波"))
    if why:
        assert any(why in m for m in refused.value.messages)


@pytest.mark.parametrize("username, name, password", [
    ("13800000001", "谢小波", "XXB@138000"),   # the initials (xxb) beside digits of the login name
    ("13800000001", "谢小波", "xxb@2026A"),    # the initials as the only word
    ("gw_001001003", "王敏辉", "Wmh@123456"),
    ("13900000009", "王敏辉", "Wmh@123456"),
    ("13800000001", "谢小波", "Tiger-xxb-1380#"),
])
def test_passwords_built_on_the_name_initials_are_refused(username, name, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, _Person(username, name))
    assert any("姓名拼音首字母" in m for m in refused.value.messages)


def test_the_initials_as_one_word_among_others_pass():
    validate_password("Tiger-xxb-Moon#29", _Person("13800000001", "谢小波"))


@pytest.mark.parametrize("password", [
    "Admin@123", "Woaini@1314", "Zhang@1990", "Huawei@123", "Qwer1234!", "1qaz@WSX", "Abc@123456", "Lx@88888888",
    "Doorstep@2026", "Hexagon42",
])
def test_word_plus_digits_keyboard_rows_and_years_are_refused_as_guessable(password):
    """The weak passwords of Chinese systems pass the class rule and Django's list; zxcvbn with Chinese words
    (accounts/passwords.py) refuses them, with a message that says what to avoid."""
    with pytest.raises(ValidationError) as refused:
        validate_password(password, _Person("13800000001", "谢小波"))
    assert any("容易被猜到" in m or "太常见" in m for m in refused.value.messages)


@pytest.mark.parametrize("password", ["Hexagon#4271", "Qiu-lin-Tan9", "Jx!4729Rt", "Wo&Jia9Men!Kou"])
def test_unrelated_passwords_pass(password):
    validate_password(password, _Person("13800000001", "谢小波"))


def test_a_resident_account_refuses_a_pinyin_password():
    resident = Resident.objects.filter(path__startswith="430302", account__isnull=True).order_by("id").first()
    pinyin = name_pinyin(resident.name)[0]
    with pytest.raises(ValidationFailed, match="相近"):
        user_create_resident(actor=None, resident=resident, phone="13912340000", password=pinyin.title() + "@2026")
    assert not User.objects.filter(username="13912340000").exists()


def test_a_word_of_the_login_name_plus_a_year_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_password("Clerk@2026", _Person("clerk_s01a", "城正街街道窗口人员甲"))
    assert any("登录名" in m or "容易被猜到" in m for m in refused.value.messages)
