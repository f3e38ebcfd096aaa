"""A bounded schemathesis pass over the OpenAPI document (/api/v1/openapi.json): every operation, valid and invalid
inputs (NUL bytes included), as a clerk with a real token, through the real WSGI application; no answer may be a 5xx
(issue #10, item 7). It runs in `make test` on SQLite and PostgreSQL, so it stays small: DOORSTEP_FUZZ_EXAMPLES
examples per operation (default 25), derandomized so a run is repeatable — well under a minute on each database.

The document is taken from django-ninja directly (the same call the /api/v1/openapi.json view makes; a test checks
they agree) because fetching it over HTTP at collection time would touch the database before pytest-django allows
it, and schemathesis's lazy fixture loader does not work with this pytest."""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from doorstep.accounts.services import api_token_create
from doorstep.api import api
from doorstep.conftest import user

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "25"))
DOCUMENT = json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder))

schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = get_wsgi_application()
schema.location = "/api/v1/openapi.json"


@pytest.fixture
def clerk_token():
    # The test's database connection (and its transaction) must survive each request through the WSGI application,
    # so Django's end-of-request connection closing is off for the test, as in Django's own test client.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield api_token_create(actor=None, user=user("clerk_c001001"), name="schemathesis")
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_fuzzed_document_is_the_one_served():
    assert Client().get("/api/v1/openapi.json").json() == DOCUMENT
    assert len(DOCUMENT["paths"]) >= 6


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_api_operation_answers_5xx(case, clerk_token):
    response = case.call(headers={"Authorization": f"Bearer {clerk_token}"})
    case.validate_response(response, checks=[not_a_server_error])
