"""Corrections: the coordinator corrects a recorded value with a reason; the old value
stays in the history, the page says what a correction does not change."""

from __future__ import annotations

from tests.factories.api_client import Api
from tests.factories.pages import post, sign_in, text
from tests.factories.people import make_user


def test_a_correction_replaces_the_value_and_keeps_the_old_one(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case(alias="Joy")
    status, body = api.post(
        f"/cases/{case['id']}/corrections",
        {"field": "alias", "value": "Blessing", "reason": "She told us her real name"},
    )
    assert status == 201, body
    assert body["old_value"] == "Joy" and body["value"] == "Blessing"
    status, record = api.get(f"/cases/{case['id']}/record")
    assert record["fields"]["alias"] == "Blessing"
    assert record["steps"][0]["data"]["alias"] == "Joy"  # the step keeps what it recorded
    [correction] = record["corrections"]
    assert correction["reason"] == "She told us her real name" and correction["by"] == "anna"
    status, cases = api.get("/cases", q="Blessing")
    assert [c["id"] for c in cases["items"]] == [case["id"]]  # found by the new name
    status, history = api.get(f"/cases/{case['id']}/history")
    assert history["items"][-1]["action"] == "case.corrected"


def test_a_correction_is_checked_like_the_form_and_needs_a_reason(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case()
    path = f"/cases/{case['id']}/corrections"
    status, body = api.post(path, {"field": "origin_country", "value": "XX", "reason": "typo"})
    assert status == 422 and "value" in body["error"]["fields"]
    status, body = api.post(path, {"field": "origin_country", "value": "GH", "reason": " "})
    assert status == 422 and "reason" in body["error"]["fields"]
    status, body = api.post(path, {"field": "no_such_field", "value": 1, "reason": "x"})
    assert status == 422 and "field" in body["error"]["fields"]


def test_only_the_coordinator_corrects(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    officer = Api(client, make_user(session, "per", "se-police"))
    case = api.open_case()
    status, _ = officer.post(
        f"/cases/{case['id']}/corrections", {"field": "alias", "value": "X", "reason": "x"}
    )
    assert status in (403, 404)


def test_the_correction_page_shows_old_and_new_value_and_what_it_does_not_change(client, session):
    make_user(session, "anna", "se-roks")
    api = Api(client, make_user(session, "eva", "se-roks"))
    case = api.open_case(alias="Joy")
    sign_in(client, "anna")
    form = text(client.get(f"/cases/{case['id']}/correct?field=alias"))
    assert "It does not change deadlines already set" in form
    assert "Recorded now: Joy" in form
    done = post(
        client,
        f"/cases/{case['id']}/correct",
        {"field": "alias", "alias": "Blessing", "reason": "Her real name"},
    )
    assert done.status_code == 302
    page = text(client.get(f"/cases/{case['id']}"))
    assert 'data-testid="old-value">Joy<' in page
    assert 'data-testid="new-value">Blessing<' in page
    assert 'data-field="alias">Blessing<' in page
    failed = post(client, f"/cases/{case['id']}/correct", {"field": "alias", "alias": "X"})
    assert failed.status_code == 422 and "Say why the value is corrected" in text(failed)
