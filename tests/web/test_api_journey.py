"""The real case process through the API: a case opened with JOURNEY.md's start fields."""

from __future__ import annotations

from tests.factories.api_client import Api
from tests.factories.people import make_user
from web import create_app


def test_a_case_opened_through_the_api_starts_the_journey(db, session, settings, clock):
    client = create_app({"settings": settings, "engine": db, "clock": clock}).test_client()
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case(host_country="SE", has_residence_right=False)
    assert case["process"]["id"] == "victim_journey"
    held = {t["name"]: t["organisation"] for t in case["open_tasks"]}
    assert "non_punishment_notice" not in held  # the coordinator checks first
    assert held["non_punishment_check"] == "se-roks"
    assert held["immediate_safety"] == "se-roks"
    assert held["request_reflection_period"] == "se-roks"
    assert held["inform_compensation_rights"] == "se-legal-aid"
    check = api.task(case, "non_punishment_check")["id"]
    status, case = api.post(
        f"/tasks/{check}/complete",
        {
            "data": {
                "faces_charges": "possibly",
                "detention_or_removal": "none",
                "police_basis": "her_consent",
                "explained_in_language": "ro",
                "interpreter_used": True,
            }
        },
    )
    assert status == 200, case
    officer = Api(client, make_user(session, "per", "se-police"))
    status, tasks = officer.get("/tasks")
    assert [t["name"] for t in tasks["items"]] == ["non_punishment_notice"]


def test_a_withdrawn_case_is_reopened_over_the_api(db, session, settings, clock):
    client = create_app({"settings": settings, "engine": db, "clock": clock}).test_client()
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case(host_country="SE", has_residence_right=False)
    status, body = api.post(
        f"/cases/{case['id']}/messages", {"name": "withdraw", "data": {"reason": "her_choice"}}
    )
    assert status == 200 and body["status"] == "withdrawn", body
    status, body = api.post(f"/cases/{case['id']}/reopen", {})
    assert status == 422 and "reason" in body["error"]["fields"]
    status, body = api.post(f"/cases/{case['id']}/reopen", {"reason": "She came back"})
    assert status == 200, body
    assert (body["id"], body["reference"], body["status"]) == (
        case["id"],
        case["reference"],
        "open",
    )
    status, history = api.get(f"/cases/{case['id']}/history")
    assert status == 200 and len(history["items"]) >= 3
