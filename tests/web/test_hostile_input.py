"""Hostile input is the client's mistake: a 400 that says what to fix, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from engine.case.consents import withdraw_consent
from engine.errors import NotFound
from tests.factories.api_client import START_DATA, Api
from tests.factories.case_walker import Walker, staff
from tests.factories.people import make_user


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.fixture
def api(client, session) -> Api:
    return Api(client, make_user(session, "anna", "se-roks"))


def test_a_json_body_nested_100000_deep_is_refused(api):
    status, body = api.post("/cases", raw="[" * 100_000 + "]" * 100_000)
    assert status == 400, body
    assert "nested" in body["error"]["message"]


@pytest.mark.parametrize("path", ["/cases", "/tasks"])
def test_a_cursor_without_a_time_zone_is_refused(api, path):
    status, body = api.get(path, cursor=cursor_of(["2026-01-05T09:00:00", "x"]))
    assert status == 400, body
    assert "cursor" in body["error"]["fields"]


@pytest.mark.parametrize("path", ["/cases", "/tasks", "/notifications"])
def test_an_infinite_number_in_a_cursor_is_refused(api, path):
    status, body = api.get(path, cursor=base64.urlsafe_b64encode(b"[1e999]").decode())
    assert status == 400, body
    assert "cursor" in body["error"]["fields"]


def test_a_30_digit_notification_id_is_not_found(api):
    status, body = api.post("/notifications/" + "9" * 30 + "/read")
    assert status == 404, body


def test_a_5000_digit_year_of_birth_is_refused(api):
    raw = json.dumps({"data": {**START_DATA}})[:-2] + ', "year_of_birth": ' + "9" * 5000 + "}}"
    status, body = api.post("/cases", raw=raw)
    assert status == 400, body
    assert "digits" in body["error"]["message"]


def test_a_30_digit_consent_id_is_not_found(session, services):
    walker = Walker(session, services)
    with pytest.raises(NotFound):
        withdraw_consent(session, services, staff(session, "se-roks"), walker.case.id, "9" * 30)
