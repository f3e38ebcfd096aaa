"""WSGI entry point for gunicorn (or granian) behind nginx."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
application = get_wsgi_application()
# Import every view while the worker starts, not on its first request: the URL configuration pulls in the API's
# schemas, the pinyin tables and scipy (1.8 s on the bench machine), which made the first visitor of a fresh worker
# wait 2 s for /services/ (issue #11 item 9; bench/workbench_pages.py).
get_resolver().url_patterns  # noqa: B018 (the import is the point)
