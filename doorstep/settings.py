"""Django settings for doorstep. Everything a deployment changes comes from environment variables:

DATABASE_URL (default: embedded SQLite in var/), REDIS_URL (huey on Redis; default huey on SQLite),
DOORSTEP_SECRET_KEY, DOORSTEP_DATA_KEY (default: generated into var/secrets.json), DOORSTEP_DEBUG,
DOORSTEP_ALLOWED_HOSTS (comma separated), DOORSTEP_VAR_DIR; DOORSTEP_HTTPS, DOORSTEP_HSTS_*, DOORSTEP_TRUSTED_PROXIES,
DOORSTEP_PUBLIC_BASE_URL (the transport section below).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from doorstep.secrets import load_or_create

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DOORSTEP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

_secrets = load_or_create(VAR_DIR)
SECRET_KEY = _secrets["secret_key"]
DOORSTEP_DATA_KEY = _secrets["data_key"]

DEBUG = os.environ.get("DOORSTEP_DEBUG", "0").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = [h for h in os.environ.get("DOORSTEP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DOORSTEP_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "doorstep.accounts.adminconfig.DoorstepAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "csp",
    "doorstep.core",
    "doorstep.accounts",
    "doorstep.org",
    "doorstep.registry",
    "doorstep.audit",
    "doorstep.calendar",
    "doorstep.catalog",
    "doorstep.cases",
    "doorstep.notifications",
    "doorstep.ratings",
    "doorstep.partition",
    "doorstep.exports",
    "doorstep.incidents",
    "doorstep.hall",
    "doorstep.wishes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (transport section below)
    # before sessions, auth and views: control characters and bad UTF-8 never reach the database (core/edge.py)
    "doorstep.core.edge.EdgeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "doorstep.core.locale_middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "doorstep.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "doorstep.accounts.middleware.StaffIdleTimeoutMiddleware",
    "doorstep.accounts.middleware.PasswordChangeGateMiddleware",
    # TRACE refused, HEAD answered as GET, a view's 405 as the error page (after auth: the page shows the user's menu)
    "doorstep.core.middleware.MethodMiddleware",
    "doorstep.core.middleware.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "doorstep.urls"
WSGI_APPLICATION = "doorstep.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "doorstep" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "doorstep.accounts.context_processors.workspace",
                "doorstep.core.elder.elder_context",
            ],
        },
    },
]

# The embedded default is SQLite in WAL mode; PostgreSQL 15 through DATABASE_URL for real deployments.
_sqlite_path = VAR_DIR / "doorstep.sqlite3"
# An empty DATABASE_URL means the embedded default, like an unset one.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{_sqlite_path}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
            "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA mmap_size=2147418112;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for analytics, not for short lookups: with it on, a pinyin count at district scale
    # sometimes took 0.5-0.9 s compiling (bench/results/lookup-postgresql.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "doorstep.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not word + digits, keyboard rows, years, repeats (zxcvbn, with Chinese words: Admin@123, Woaini@1314).
    {"NAME": "doorstep.accounts.passwords.GuessabilityValidator", "OPTIONS": {"min_score": 3}},
    # Not close to the login name, the name or its pinyin (谢小波 → xiexiaobo).
    {"NAME": "doorstep.accounts.passwords.NameSimilarityValidator"},
]

# Account policy (settings, not magic numbers). Login failures are counted per account and per client address and
# decay (halve every HALF_LIFE minutes); see accounts.services.login_attempt and docs/decisions.md.
DOORSTEP_LOGIN_FAILURE_HALF_LIFE_MINUTES = 30
DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES = 5  # per account: then each attempt waits, from 1 minute doubling to 15
DOORSTEP_LOGIN_ACCOUNT_FIRST_WAIT_SECONDS = 60
DOORSTEP_LOGIN_ACCOUNT_MAX_WAIT_MINUTES = 15
DOORSTEP_LOGIN_ADDRESS_MAX_FAILURES = 30  # per client address: then a hard block
DOORSTEP_LOGIN_ADDRESS_LOCK_MINUTES = 15
# A browser that logged in to an account is trusted for it: others' failures do not hold it back.
DOORSTEP_LOGIN_DEVICE_DAYS = 180
DOORSTEP_API_TOKEN_DAYS = int(os.environ.get("DOORSTEP_API_TOKEN_DAYS", "90"))
# Machine interfaces outside /api/ that answer errors in their own shape, also where core answers before a view
# (bad bytes at the edge, an oversized body, an unknown address): path prefix -> function (request, status, message).
DOORSTEP_ERROR_SHAPES = {"/open311/": "doorstep.incidents.open311.render.shaped_error"}
DOORSTEP_STAFF_IDLE_MINUTES = 30
DOORSTEP_PAGE_SIZE = 20
# Paging (core/paging.py, issue #10 item 8): page numbers up to this page, then a cursor (keyset paging), so that a
# deep page costs what page 1 costs; list totals are counted up to this many rows, then shown as "10,000+".
DOORSTEP_PAGE_MAX_PAGES = 50
DOORSTEP_PAGE_COUNT_LIMIT = 10_000
# The home's figures (待受理, 超期 …: cases/workbench.py) are counted at most this often per user.
DOORSTEP_WORKBENCH_CACHE_SECONDS = 60
# Exports (doorstep.exports): up to this many rows written in the request; more go to a background job with
# progress, kept DOORSTEP_EXPORT_KEEP_HOURS. Every row is exported either way (issue #11 item 9).
DOORSTEP_EXPORT_INLINE_ROWS = int(os.environ.get("DOORSTEP_EXPORT_INLINE_ROWS", "5000"))
DOORSTEP_EXPORT_KEEP_HOURS = 24
DOORSTEP_EXPORTERS = {"cases.ledger": "doorstep.cases.export.LedgerExport"}
# Exports running at once across the site (core.ratelimit.shared_slot): fewer than the app's workers, so exports
# never take them all (scripts/serve.sh starts 3 by default).
DOORSTEP_EXPORT_CONCURRENCY = int(os.environ.get("DOORSTEP_EXPORT_CONCURRENCY", "1"))
# 全区通办 clerks open a resident or case outside their own place only after a search of theirs showed it, for this long.
DOORSTEP_SEARCH_GRANT_HOURS = 12
# A birth report (出生登记) is of a child: older people join a household by 区外迁入 (registry/changes/kinds.py).
DOORSTEP_BIRTH_REPORT_MAX_YEARS = 18
# The district's telephone area code: a landline typed without one (7 or 8 digits) is read as local (core/phones.py).
DOORSTEP_PHONE_AREA_CODE = os.environ.get("DOORSTEP_PHONE_AREA_CODE", "0731")
# Audit chain: an event dated more than this before the sealed tip is sealed with the `late` mark.
DOORSTEP_AUDIT_SEAL_GRACE_SECONDS = 300
DOORSTEP_AUDIT_SEAL_BATCH = 5000
# The periodic sealer looks for unsealed events this far back from the tip (an index range, not the whole table);
# `doorstep audit seal|verify` look at every event.
DOORSTEP_AUDIT_SEAL_LOOKBACK_HOURS = 24
# The chain's tip anchored outside the database: an append-only file (back it up or ship it off-host, docs/deploy.md).
DOORSTEP_AUDIT_ANCHOR = Path(os.environ.get("DOORSTEP_AUDIT_ANCHOR") or VAR_DIR / "audit-anchor.log")
# Electronic supervision (电子监察): yellow when due within this many working days, red when overdue.
# Online applications: uploaded materials (images or PDF, checked by content), kept privately under var/media.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"  # never served directly: files go out through a scoped view
DOORSTEP_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
DOORSTEP_UPLOAD_MAX_FILES = 10
# An online application sent back keeps the files already chosen for a day (cases/staging.py), at most 30 a person.
DOORSTEP_STAGED_UPLOAD_MAX_AGE = 24 * 3600
DOORSTEP_STAGED_UPLOAD_MAX_FILES = 30
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The edge (core/edge.py) refuses JSON bodies nested deeper than this (issue #10, item 7).
DOORSTEP_EDGE_JSON_MAX_DEPTH = 32
# Incidents and requests (issue #13). Working time for response and handling limits: the periods of a working day
# (calendar.workhours; 7 hours a day, the usual office hours of a district government).
DOORSTEP_WORKING_HOURS = os.environ.get("DOORSTEP_WORKING_HOURS", "08:30-12:00,14:00-17:30")
# A closed incident can be reopened by its reporter or the command center for this many days (then archived).
DOORSTEP_INCIDENT_REOPEN_DAYS = 10
# Photos: at most this many per report or step, each at most this big before it is re-encoded without EXIF.
DOORSTEP_INCIDENT_MAX_PHOTOS = 9
DOORSTEP_INCIDENT_PHOTO_MAX_BYTES = 8 * 1024 * 1024
# Possible duplicates: the same category within this distance and time window of an open report.
DOORSTEP_INCIDENT_DUPLICATE_METERS = 50
DOORSTEP_INCIDENT_DUPLICATE_HOURS = 72
# An order is "due soon" when this many working hours or fewer remain.
DOORSTEP_INCIDENT_DUE_SOON_HOURS = 2
# Escalation of overdue orders (督办): after this many working hours overdue, level n goes to its recipients —
# "department_head" (the department's head) or "district_leader" (the leaders at the district node).
DOORSTEP_INCIDENT_ESCALATION = [(0, "department_head"), (7, "district_leader")]
# The dispatch suggestion is advice: nothing is dispatched automatically, whatever its confidence (a dispatcher accepts
# or overrides it, and both are recorded as training data; docs/decisions.md).
# Catalog imports (catalog/limits.py): a whole YAML or workbook document, the free-form JSON of an item (rules, form
# fields), long texts (legal basis, conditions), and what a workbook may unpack to before openpyxl reads it.
DOORSTEP_CATALOG_MAX_NODES = 500_000
DOORSTEP_CATALOG_MAX_DEPTH = 12
DOORSTEP_CATALOG_JSON_MAX_DEPTH = 6
DOORSTEP_CATALOG_JSON_MAX_CHARS = 20_000
DOORSTEP_CATALOG_TEXT_MAX_CHARS = 5_000
DOORSTEP_CATALOG_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
DOORSTEP_XLSX_MAX_UNCOMPRESSED_BYTES = 25 * 1024 * 1024
DOORSTEP_XLSX_MAX_PARTS = 200
DOORSTEP_XLSX_MAX_ROWS = 5_000
DOORSTEP_XLSX_MAX_COLUMNS = 50
DOORSTEP_XLSX_MAX_CELL_CHARS = 20_000
# Population ledger imports (registry/ledger, docs/registry-import.md): a district's whole ledger in one file. A
# workbook of 300,000 residents is about 30 MB and unpacks to about 250 MB; the rest bounds memory (calamine holds a
# sheet while it is read). Uploads and error workbooks are kept, encrypted, for DOORSTEP_LEDGER_KEEP_HOURS.
DOORSTEP_LEDGER_UPLOAD_MAX_BYTES = int(os.environ.get("DOORSTEP_LEDGER_UPLOAD_MAX_BYTES", str(200 * 1024 * 1024)))
DOORSTEP_LEDGER_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
DOORSTEP_LEDGER_MAX_PARTS = 200
DOORSTEP_LEDGER_MAX_ROWS = 1_000_000  # per sheet
DOORSTEP_LEDGER_MAX_COLUMNS = 60
DOORSTEP_LEDGER_MAX_PROBLEMS = 100_000  # listed in the error workbook (all are counted)
DOORSTEP_LEDGER_KEEP_HOURS = 24
# a job queued (or confirmed) this long without the background worker taking it up: its page says the worker
# (huey's consumer) seems not to be running, and how to start it
DOORSTEP_LEDGER_STALL_SECONDS = 30
DOORSTEP_CATALOG_RECHECK_SECONDS = 10  # how stale another process's view of the catalog may be when taking in
DOORSTEP_CALENDAR_RECHECK_SECONDS = 10  # how stale another process's view of the holiday table may be
DOORSTEP_YELLOW_WORKING_DAYS = int(os.environ.get("DOORSTEP_YELLOW_WORKING_DAYS", "1"))
# Ratings (好差评): a bad rating must be answered within this many working days; unrated concluded cases get an
# invitation this many days after conclusion.
DOORSTEP_FOLLOWUP_WORKING_DAYS = 5
DOORSTEP_RATING_INVITE_DAYS = 3
# 国办发〔2019〕51号 asks for a review of disputed bad ratings (申诉复核) but sets no number of days; these are ours
# (docs/decisions.md): the rated staff member appeals within this many working days of the rating, and the district
# decides within this many working days of the appeal.
DOORSTEP_RATING_APPEAL_WORKING_DAYS = int(os.environ.get("DOORSTEP_RATING_APPEAL_WORKING_DAYS", "5"))
DOORSTEP_RATING_APPEAL_DECIDE_WORKING_DAYS = int(os.environ.get("DOORSTEP_RATING_APPEAL_DECIDE_WORKING_DAYS", "10"))
# The window's rating pad shows the case its clerk served within this many minutes; an SMS rating link is valid for
# this many days (and once).
DOORSTEP_RATING_PAD_MINUTES = int(os.environ.get("DOORSTEP_RATING_PAD_MINUTES", "30"))
DOORSTEP_RATING_LINK_DAYS = int(os.environ.get("DOORSTEP_RATING_LINK_DAYS", "30"))
# Submission keys (idempotent creates): a retry with the same key within this many days returns the first result;
# older keys are purged daily.
DOORSTEP_IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("DOORSTEP_IDEMPOTENCY_KEEP_DAYS", "7"))
# In-app messages always; an e-mail copy through EMAIL_BACKEND when this is on.
DOORSTEP_NOTIFY_EMAIL = os.environ.get("DOORSTEP_NOTIFY_EMAIL", "0").lower() in {"1", "true", "yes"}
EMAIL_BACKEND = os.environ.get("DOORSTEP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the <body hx-headers>, not the cookie
CSRF_FAILURE_VIEW = "doorstep.core.errorpages.csrf_failure"  # the site's error page in Chinese, not Django's

# ---- Transport and headers (issue #10 item 10) -------------------------------------------------------------------
# HTTPS behind a proxy, the Content-Security-Policy, which proxies may name the client, and the public base URL.
# Every value comes from the environment; docs/deploy.md lists them with the nginx configuration they go with.
def _env_flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


# DOORSTEP_HTTPS=1: TLS ends at nginx, which says so in X-Forwarded-Proto; cookies become Secure, plain HTTP is
# redirected and browsers are told to use HTTPS only (HSTS). Off by default: `make run` serves http://127.0.0.1:8000.
DOORSTEP_HTTPS = _env_flag("DOORSTEP_HTTPS")
if DOORSTEP_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_flag("DOORSTEP_SSL_REDIRECT", "1")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DOORSTEP_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("DOORSTEP_HSTS_INCLUDE_SUBDOMAINS", "1")
    SECURE_HSTS_PRELOAD = _env_flag("DOORSTEP_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a one-way door (browsers ship the list) and intranet host names cannot be on it; an
        # internet-facing deployment that submits its domain sets DOORSTEP_HSTS_PRELOAD=1 (docs/decisions.md).
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Tracking (/t/…) and verification (/verify/…) addresses are capabilities: never send them to another site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Client addresses: REMOTE_ADDR, unless it is one of these proxies (IPs or CIDRs, comma separated); then the
# right-most address in X-Forwarded-For (or X-Real-IP) that is not one of them (doorstep.core.clientip).
DOORSTEP_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("DOORSTEP_TRUSTED_PROXIES", "").split(",") if p.strip()]

# Links and QR codes sent to residents (receipt, certificate, notification e-mails) start with this, never with the
# address a clerk's browser happened to use (doorstep.core.links.public_url).
DOORSTEP_PUBLIC_BASE_URL = os.environ.get("DOORSTEP_PUBLIC_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")

# Content-Security-Policy (django-csp 4): scripts only from our own static files (no inline scripts, no eval);
# styles from our files plus inline style attributes (docs/decisions.md says why); images from us and data: URIs
# (Bootstrap's icons); nothing from any other host: government intranets are offline and a CDN is never used.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": DOORSTEP_HTTPS,
    },
}
# ---- end of transport and headers ----------------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # zh: each language's name for itself, as "English" is
LOCALE_PATHS = [BASE_DIR / "doorstep" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "doorstep" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Background and periodic work: huey on SQLite by default, on Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "doorstep", "url": REDIS_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "doorstep",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
if os.environ.get("DOORSTEP_HUEY_IMMEDIATE"):
    HUEY["immediate"] = True

NINJA_PAGINATION_PER_PAGE = 20

# Rate limits on expensive reads, per user (core/ratelimit.py, issue #10 item 8): django-ratelimit counting in the
# "ratelimit" cache, which every app server shares — a table in the database (created after every migrate, with an
# atomic increment), or Redis when REDIS_URL is set. "N/m" is N requests a minute; "" turns a limit off.
DOORSTEP_RATE_LIST = os.environ.get("DOORSTEP_RATE_LIST", "120/m")  # ledger, supervision, searches, API lists, audit
DOORSTEP_RATE_EXPORT = os.environ.get("DOORSTEP_RATE_EXPORT", "10/10m")  # Excel exports
# The public tracking form (/t/): lookups per address, and failed attempts per case number — the second field may be
# the last 4 characters of an ID number, which 5 tries an hour cannot guess (1 in 2,000 per hour).
DOORSTEP_RATE_TRACK = os.environ.get("DOORSTEP_RATE_TRACK", "20/10m")
DOORSTEP_RATE_TRACK_MISS = os.environ.get("DOORSTEP_RATE_TRACK_MISS", "5/h")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                   "KEY_PREFIX": "doorstep"} if REDIS_URL else
                  {"BACKEND": "doorstep.core.ratelimit.CounterCache", "LOCATION": "doorstep_rate_counters",
                   "OPTIONS": {"MAX_ENTRIES": 100_000}}),
}
RATELIMIT_USE_CACHE = "ratelimit"

# Every line (django.request's 4xx/5xx warnings and tracebacks included) masks ID and phone numbers; Django's own
# console handlers are replaced by ours so nothing is printed unmasked (doorstep.core.logs, issue #10 item 9).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "masked": {"()": "doorstep.core.logs.MaskingFormatter", "format": "%(levelname)s %(name)s: %(message)s"},
        "masked_server": {"()": "doorstep.core.logs.MaskingFormatter", "format": "[%(asctime)s] %(message)s"},
    },
    "filters": {"refusals": {"()": "doorstep.core.logs.RefusalWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "masked", "filters": ["refusals"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "masked_server"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": [], "level": "WARNING", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

SITE_TITLE = _("家门口办事")
