"""Schemathesis over `/api/v1/openapi.json`: generated requests to every operation, valid
and hostile, signed in as a coordinator, must never get a 5xx. A bounded number of
examples with a fixed seed, so that `make test` stays fast and a failure repeats."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.orm import Session

from tests.factories.people import make_user

EXAMPLES = 12


@pytest.fixture
def token(session: Session) -> str:
    return make_user(session, "fuzz", "se-roks")


def test_no_generated_request_gets_a_server_error(app: Flask, token: str) -> None:
    # Operations are walked here rather than parametrized at collection: the schema is
    # served by the app, which only exists once the database fixtures have run.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19  # every operation of the document, none skipped
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()


def test_every_api_route_is_described(app: Flask) -> None:
    documented = set(app.test_client().get("/api/v1/openapi.json").get_json()["paths"])
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
    }
    named = {_generic(path) for path in documented}
    undocumented = {r for r in routes if _generic(r) not in named}
    assert undocumented == set()


def _generic(path: str) -> str:
    parts = path.split("/")
    return "/".join("{x}" if p.startswith("{") else p for p in parts)
