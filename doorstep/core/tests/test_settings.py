"""Configuration from the environment: an empty DATABASE_URL means the embedded default, not a crash."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_empty_database_url_falls_back_to_sqlite():
    env = {**os.environ, "DATABASE_URL": "", "DJANGO_SETTINGS_MODULE": "doorstep.settings"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "django.db.backends.sqlite3"
