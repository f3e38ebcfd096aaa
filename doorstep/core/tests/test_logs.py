"""ID and phone numbers stay out of the logs (issue #10, item 9): gunicorn's access log as scripts/serve.sh configures
it names paths without query strings, and Django's own request logging (4xx warnings, 5xx tracebacks) is masked."""

import datetime
import io
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from doorstep.conftest import user
from doorstep.core.logs import MaskingFormatter, mask_personal_numbers

ID_NUMBER = "43032119800215003X"
PHONE = "13812345678"


def _serve_sh_format() -> str:
    script = (Path(settings.BASE_DIR) / "scripts" / "serve.sh").read_text(encoding="utf-8")
    return re.search(r"--access-logformat '([^']+)'", script).group(1)


def _access_line(environ_extra: dict) -> str:
    from gunicorn.config import Config

    script = (Path(settings.BASE_DIR) / "scripts" / "serve.sh").read_text(encoding="utf-8")
    logger_class = re.search(r"--logger-class (\S+)", script).group(1)
    module, _, name = logger_class.rpartition(".")
    cls = getattr(__import__(module, fromlist=[name]), name)
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", _serve_sh_format())
    logger = cls(cfg)
    out = io.StringIO()
    logger.access_log.handlers[0].setStream(out)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/residents/", "SERVER_PROTOCOL": "HTTP/1.1",
               "QUERY_STRING": f"q={ID_NUMBER}&phone={PHONE}", "RAW_URI": f"/residents/?q={ID_NUMBER}",
               "REMOTE_ADDR": "10.0.0.8", "HTTP_USER_AGENT": "test", **environ_extra}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"http://x/residents/?q={ID_NUMBER}")])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    return out.getvalue()


def test_access_log_names_the_path_without_the_query_string():
    line = _access_line({})
    assert '"GET /residents/ HTTP/1.1" 200' in line
    assert ID_NUMBER not in line and PHONE not in line and "q=" not in line


def test_access_log_escapes_control_characters_so_no_line_can_be_forged():
    """A path with a newline (`/t/x%0AFORGED-LINE GET /admin/ 200/`) wrote a second, forged request line."""
    line = _access_line({"PATH_INFO": "/t/x\nFORGED-LINE GET /admin/ 200/\x00", "HTTP_USER_AGENT": "a\rb\x1b[31m"})
    assert line.count("\n") == 1 and "\x00" not in line and "\r" not in line and "\x1b" not in line
    assert "/t/x\\x0aFORGED-LINE" in line and "\\x00" in line and "a\\x0db\\x1b[31m" in line


def test_access_log_masks_numbers_even_with_the_request_line_and_referer_put_back():
    from gunicorn.config import Config

    from doorstep.core.accesslog import AccessLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", '"%(r)s" "%(f)s" %(q)s %({query_string}e)s')
    logger = AccessLogger(cfg)
    out = io.StringIO()
    logger.access_log.handlers[0].setStream(out)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/t/{ID_NUMBER}/", "SERVER_PROTOCOL": "HTTP/1.1",
               "QUERY_STRING": f"q={ID_NUMBER}", "RAW_URI": f"/t/{ID_NUMBER}/?q={ID_NUMBER}",
               "HTTP_REFERER": f"http://x/?phone={PHONE}"}
    logger.access(SimpleNamespace(status="404 Not Found", sent=0, headers=[]), SimpleNamespace(headers=[]),
                  environ, datetime.timedelta(0))
    line = out.getvalue()
    assert "/t/4303**********003X/ HTTP/1.1" in line
    assert ID_NUMBER not in line and PHONE not in line and "q=" not in line and "phone=" not in line


@pytest.fixture
def django_log():
    """What the configured console handler prints (the root logger's masked handler)."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, MaskingFormatter))
    out = io.StringIO()
    previous = handler.setStream(out)
    yield out
    handler.setStream(previous)


@pytest.mark.django_db
def test_django_request_warnings_print_no_query_string_and_no_id_number(django_log):
    clerk = Client()
    clerk.force_login(user("clerk_c001001"))
    assert clerk.get(f"/residents/999999999/?q={ID_NUMBER}&phone={PHONE}").status_code == 404
    assert Client().get(f"/t/{ID_NUMBER}/?q={PHONE}").status_code == 404
    printed = django_log.getvalue()
    assert "/residents/999999999/" in printed and "/t/4303**********003X/" in printed
    assert ID_NUMBER not in printed and PHONE not in printed and "q=" not in printed


def test_tracebacks_and_messages_are_masked(django_log):
    try:
        raise ValueError(f"居民 {ID_NUMBER} 手机 {PHONE}")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error: /residents/?q=%s", ID_NUMBER,
                                                  exc_info=True)
    printed = django_log.getvalue()
    assert "Traceback" in printed and "4303**********003X" in printed and "138****5678" in printed
    assert ID_NUMBER not in printed and PHONE not in printed


def test_masking_leaves_other_numbers_alone():
    assert mask_personal_numbers("办件 2026043000001 共 12345678901234 条") == "办件 2026043000001 共 12345678901234 条"
    assert mask_personal_numbers(f"{ID_NUMBER.lower()},{PHONE}") == "4303**********003x,138****5678"


@pytest.mark.django_db
def test_a_refused_request_is_logged_as_one_line_without_a_traceback(django_log):
    from django.test import Client

    from doorstep.demo.build import DEMO_PASSWORD

    client = Client()
    client.post("/accounts/login/", {"username": "13800000001", "password": DEMO_PASSWORD})
    assert client.get("/window/").status_code == 403
    text = django_log.getvalue()
    assert "Forbidden" in text and "Traceback" not in text
