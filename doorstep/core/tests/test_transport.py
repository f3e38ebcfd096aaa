"""Transport and headers for a real deployment (issue #10 item 10): HTTPS settings from the environment with a clean
`check --deploy`, plain HTTP for `make run`; a Content-Security-Policy on every page, which the templates can live
with (no inline scripts or handlers); client addresses from forwarding headers only through configured proxies; the
public base URL for everything sent to residents; the API docs page from our own static files."""

import base64
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory

from doorstep.audit.models import AuditEvent
from doorstep.core.checks import check_public_base_url_for_deploy, check_transport_settings
from doorstep.core.clientip import client_ip
from doorstep.core.links import public_url
from doorstep.demo.build import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path, **extra) -> dict:
    """The environment docs/deploy.md documents for a district deployment behind nginx with TLS."""
    # the browser journeys' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright's sync API);
    # a deployment never has it, and check --deploy rightly refuses it
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DOORSTEP_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "DOORSTEP_VAR_DIR": str(tmp_path),
        "DOORSTEP_DEBUG": "0",
        "DOORSTEP_HTTPS": "1",
        "DOORSTEP_SECRET_KEY": secrets.token_urlsafe(50),
        "DOORSTEP_DATA_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DOORSTEP_ALLOWED_HOSTS": "doorstep.example.gov.cn",
        "DOORSTEP_CSRF_TRUSTED_ORIGINS": "https://doorstep.example.gov.cn",
        "DOORSTEP_PUBLIC_BASE_URL": "https://doorstep.example.gov.cn",
        "DOORSTEP_TRUSTED_PROXIES": "10.0.0.2",
    })
    env.update(extra)
    return env


def run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doorstep.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


# ---- HTTPS behind a proxy ------------------------------------------------------------------------------------------

def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    result = run_cli(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_https_is_off_or_the_public_address_is_wrong(tmp_path):
    result = run_cli(production_env(tmp_path, DOORSTEP_HTTPS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "security.W004" in result.stderr and "security.W008" in result.stderr
    result = run_cli(production_env(tmp_path, DOORSTEP_PUBLIC_BASE_URL="http://10.0.0.5:8000"),
                     "check", "--deploy", "--fail-level", "WARNING")
    assert "doorstep.W103" in result.stderr and "doorstep.W104" in result.stderr


def test_https_settings_come_from_the_environment(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)")
    env = production_env(tmp_path, DOORSTEP_HSTS_SECONDS="600", DOORSTEP_HSTS_INCLUDE_SUBDOMAINS="0")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "('HTTP_X_FORWARDED_PROTO', 'https') True True True 600 False False"


def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    plain = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_development_default_serves_plain_http():
    """`make run` on http://127.0.0.1:8000: no redirect, no HSTS, cookies a plain-HTTP browser sends back."""
    assert not django_settings.DOORSTEP_HTTPS
    response = Client().get("/accounts/login/")
    assert response.status_code == 200 and "Strict-Transport-Security" not in response
    assert not django_settings.SESSION_COOKIE_SECURE and not django_settings.CSRF_COOKIE_SECURE
    assert response["X-Content-Type-Options"] == "nosniff" and response["Referrer-Policy"] == "same-origin"


# ---- Client addresses ----------------------------------------------------------------------------------------------

def meta_request(remote: str, **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_forwarding_headers_are_ignored_unless_the_peer_is_a_trusted_proxy(settings):
    settings.DOORSTEP_TRUSTED_PROXIES = []
    assert client_ip(meta_request("203.0.113.9", HTTP_X_REAL_IP="1.1.1.1", HTTP_X_FORWARDED_FOR="1.1.1.1")) \
        == "203.0.113.9"
    settings.DOORSTEP_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(meta_request("203.0.113.9", HTTP_X_REAL_IP="1.1.1.1")) == "203.0.113.9"
    assert client_ip(meta_request("10.0.0.3", HTTP_X_FORWARDED_FOR="1.1.1.1")) == "10.0.0.3"


def test_the_rightmost_untrusted_forwarded_address_is_the_client(settings):
    settings.DOORSTEP_TRUSTED_PROXIES = ["10.0.0.2", "10.0.1.0/24"]
    # the client forged "6.6.6.6"; nginx (10.0.0.2) appended what it saw, an edge proxy in 10.0.1.0/24 did too
    request = meta_request("10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.1.9")
    assert client_ip(request) == "198.51.100.7"
    assert client_ip(meta_request("10.0.0.2", HTTP_X_REAL_IP="198.51.100.7")) == "198.51.100.7"
    assert client_ip(meta_request("10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7:51234")) == "198.51.100.7"
    assert client_ip(meta_request("10.0.0.2", HTTP_X_FORWARDED_FOR="[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(meta_request("::ffff:10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")) == "198.51.100.7"
    # nothing usable: the last hop we can vouch for
    assert client_ip(meta_request("10.0.0.2")) == "10.0.0.2"
    assert client_ip(meta_request("10.0.0.2", HTTP_X_FORWARDED_FOR="garbage, 10.0.1.9")) == "10.0.1.9"
    assert client_ip(meta_request("10.0.0.2", HTTP_X_FORWARDED_FOR="x" * 5000)) == "10.0.0.2"
    assert client_ip(meta_request("not an address")) == ""


@pytest.mark.django_db
def test_audit_events_record_the_client_behind_a_trusted_proxy_only(settings):
    settings.DOORSTEP_TRUSTED_PROXIES = ["10.0.0.2"]
    login = {"username": "clerk_c001001", "password": DEMO_PASSWORD}
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7").post("/accounts/login/", login)
    assert AuditEvent.objects.filter(action="auth.login").latest("id").ip == "198.51.100.7"
    Client(REMOTE_ADDR="203.0.113.9", HTTP_X_REAL_IP="6.6.6.6").post("/accounts/login/", login)
    assert AuditEvent.objects.filter(action="auth.login").latest("id").ip == "203.0.113.9"


def test_a_malformed_proxy_list_or_public_address_fails_the_system_check(settings):
    settings.DOORSTEP_TRUSTED_PROXIES = ["10.0.0.2", "nginx"]
    settings.DOORSTEP_PUBLIC_BASE_URL = "doorstep.example.gov.cn"
    assert {e.id for e in check_transport_settings(None)} == {"doorstep.E101", "doorstep.E102"}
    settings.DOORSTEP_TRUSTED_PROXIES = ["10.0.0.2", "fd00::/8"]
    settings.DOORSTEP_PUBLIC_BASE_URL = "https://doorstep.example.gov.cn"
    assert check_transport_settings(None) == []
    settings.ALLOWED_HOSTS = [".example.gov.cn"]
    settings.DOORSTEP_HTTPS = True
    assert check_public_base_url_for_deploy(None) == []


# ---- Public base URL -----------------------------------------------------------------------------------------------

def test_public_url_joins_the_configured_base_and_a_path(settings):
    settings.DOORSTEP_PUBLIC_BASE_URL = "https://doorstep.example.gov.cn"
    assert public_url("/t/ABC123/") == "https://doorstep.example.gov.cn/t/ABC123/"
    settings.DOORSTEP_PUBLIC_BASE_URL = "https://gov.example.cn/doorstep/"  # served under a prefix by nginx
    assert public_url("/verify/X/") == "https://gov.example.cn/doorstep/verify/X/"
    assert public_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    with pytest.raises(ValueError):
        public_url("t/ABC123/")


# ---- Content-Security-Policy ---------------------------------------------------------------------------------------

class _PageScan(HTMLParser):
    """Collects what a strict script-src would block: inline <script> bodies, on* handler attributes, hx-on and
    javascript: URLs; and the same-site links to crawl."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocked: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.blocked.append("inline <script>")
        for name, value in attrs.items():
            if name.startswith("on") or name.startswith("hx-on"):
                self.blocked.append(f"<{tag} {name}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:>")
        if tag == "a" and (attrs.get("href") or "").startswith("/"):
            self.links.append(attrs["href"])


SKIP = re.compile(r"^/(accounts/logout|i18n/|static/|admin/.+|api/v1/.+)|export")


def assert_strict_policy(response, path):
    policy = response.get("Content-Security-Policy", "")
    assert policy, f"{path} ({response.status_code}) has no Content-Security-Policy"
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"], path
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"], path
    assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'none'"], path
    assert not [s for s in policy.split() if s.startswith(("http:", "https:", "*"))], policy


def shape(path: str) -> str:
    """/cases/7200/ and /cases/7201/ are the same page for this purpose; so are two catalog items."""
    return re.sub(r"\d+", "N", re.sub(r"/[A-Z]{2}-[A-Z]\d+/", "/CODE/", path))


def crawl(client: Client, starts: list[str], limit: int) -> dict[str, int]:
    """Breadth-first over same-site links (one visit per path, two per shape of path), asserting the policy on every
    response and that no page carries anything the policy would block. Returns {path: status}."""
    seen: dict[str, int] = {}
    shapes: dict[str, int] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or SKIP.search(path) or shapes.get(shape(path), 0) >= 2:
            continue
        shapes[shape(path)] = shapes.get(shape(path), 0) + 1
        response = client.get(url)
        seen[path] = response.status_code
        assert_strict_policy(response, url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        scan = _PageScan()
        scan.feed(response.content.decode())
        assert not scan.blocked, f"{url}: {scan.blocked}"
        queue.extend(scan.links)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "clerk_c001001", "approver_s01", "gw_001001003", "13800000001"])
def test_every_page_carries_a_strict_content_security_policy(username):
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    seen = crawl(client, ["/", "/cases/", "/inbox/", "/admin/", "/api/docs"], limit=45)
    assert len(seen) >= 5 and seen["/"] == 200, seen


@pytest.mark.django_db
def test_public_pages_and_error_pages_carry_the_policy_too():
    seen = crawl(Client(), ["/services/", "/accounts/login/", "/t/no-such-code/", "/verify/no-such-code/",
                            "/no-such-page/", "/api/docs"], limit=30)
    assert seen["/t/no-such-code/"] == 404 and seen["/accounts/login/"] == 200


# ---- API docs without a CDN ----------------------------------------------------------------------------------------

def test_api_docs_load_swagger_ui_from_our_static_files():
    response = Client().get("/api/docs", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(https?:)?//(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}", html), "an external host in /api/docs"
    scripts = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in scripts
    for url in scripts:
        assert finders.find(url.removeprefix(django_settings.STATIC_URL)), f"{url} is not among our static files"
    scan = _PageScan()
    scan.feed(html)
    assert not scan.blocked
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise send the schema to an online validator
