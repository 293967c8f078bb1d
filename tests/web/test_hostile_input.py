"""Hostile input is the client's mistake: a 400 that says what to fix, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from engine.case.consents import withdraw_consent
from engine.errors import NotFound
from tests.factories.api_client import START_DATA, Api
from tests.factories.case_walker import Walker, staff
from tests.factories.pages import post, sign_in
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


@pytest.mark.parametrize(
    "path", ["/cases/a%00b", "/tasks/a%00b", "/cases?country=S%00", "/tasks?case=a%00"]
)
def test_a_nul_character_in_the_address_is_refused(api, path):
    response = api.client.get(f"/api/v1{path}", headers=api.headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "NUL" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("text", ["\\u0000", "\\ud800"])
def test_a_nul_or_lone_surrogate_in_a_json_string_is_refused(api, text):
    case = api.open_case()
    status, body = api.post(f"/cases/{case['id']}/legal-hold", raw=f'{{"reason": "a{text}b"}}')
    assert status == 400, body


def test_a_30_digit_notification_id_on_the_page_is_not_found(client, session):
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    assert post(client, "/notifications/" + "9" * 30 + "/read").status_code == 404
