"""The JSON API for cases and tasks, with each status code of API.md demonstrated."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import verify_chain
from engine.models import AuditEvent, Case, Task
from tests.factories.api_client import Api
from tests.factories.form_data import valid_data
from tests.factories.people import make_user


def coordinator(client, session: Session) -> Api:
    return Api(client, make_user(session, "anna", "se-roks"))


def police(client, session: Session) -> Api:
    return Api(client, make_user(session, "per", "se-police"))


def test_opening_a_case_gives_first_tasks_to_the_right_organisations(client, session):
    api = coordinator(client, session)
    case = api.open_case()
    assert case["status"] == "open"
    assert case["host_country"] == "SE"
    assert case["reference"].startswith("SE-")
    assert case["team"]["coordinator"] == "se-roks"
    assert case["team"]["police"] == "se-police"
    held = {t["name"]: t["organisation"] for t in case["open_tasks"]}
    assert held == {"immediate_safety": "se-roks", "non_punishment_notice": "se-police"}
    safety = api.task(case, "immediate_safety")
    assert safety["due_at"] == "2026-01-06T09:00:00+00:00"  # PT24H after opening


def test_a_case_is_completed_step_by_step_and_its_history_says_who_did_what(client, session):
    api = coordinator(client, session)
    officer = police(client, session)
    case = api.open_case()
    status, case = api.post(
        f"/tasks/{api.task(case, 'immediate_safety')['id']}/complete",
        {"data": valid_data("immediate_safety")},
    )
    assert status == 200, case
    status, tasks = officer.get("/tasks")
    assert [t["name"] for t in tasks["items"]] == ["non_punishment_notice"]
    status, case = officer.post(
        f"/tasks/{tasks['items'][0]['id']}/complete", {"data": valid_data("non_punishment_notice")}
    )
    assert status == 200, case
    assert case["open_tasks"] == []  # the police are told nothing of the coordinator's work
    assert [t["name"] for t in api.get(f"/cases/{case['id']}")[1]["open_tasks"]] == [
        "inform_rights"
    ]
    status, history = api.get(f"/cases/{case['id']}/history")
    assert status == 200
    actions = [(e["action"], e["by"], e["detail"].get("task")) for e in history["items"]]
    assert actions == [
        ("case.opened", "anna", None),
        ("task.completed", "anna", "immediate_safety"),
        ("task.completed", "per", "non_punishment_notice"),
    ]
    assert verify_chain(session, case["id"]) == []


def test_the_last_task_closes_the_case(client, session):
    api = coordinator(client, session)
    officer = police(client, session)
    case = api.open_case()
    api.post(
        f"/tasks/{api.task(case, 'immediate_safety')['id']}/complete",
        {"data": valid_data("immediate_safety")},
    )
    officer.post(
        f"/tasks/{api.task(case, 'non_punishment_notice')['id']}/complete",
        {"data": valid_data("non_punishment_notice")},
    )
    status, case = api.get(f"/cases/{case['id']}")
    status, case = api.post(
        f"/tasks/{api.task(case, 'inform_rights')['id']}/complete",
        {"data": valid_data("inform_rights")},
    )
    assert status == 200, case
    assert case["status"] == "closed"
    assert case["open_tasks"] == []


def test_invalid_start_data_is_422_with_per_field_messages_and_no_case(client, session):
    api = coordinator(client, session)
    status, body = api.post(
        "/cases", {"data": {"host_country": "XX", "languages": "en", "unknown": 1}}
    )
    assert status == 422
    fields = body["error"]["fields"]
    assert {"host_country", "languages", "unknown"} <= set(fields)
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_malformed_json_and_wrong_shapes_are_clear_errors(client, session):
    api = coordinator(client, session)
    status, body = api.post("/cases", raw="{not json")
    assert status == 422 and body["error"]["code"] == "invalid_data"
    status, body = api.post("/cases", ["a list"])
    assert status == 422
    status, body = api.post("/cases", {"data": {}, "extra": True})
    assert status == 422 and "extra" in body["error"]["fields"]
    status, body = api.post("/cases", {})
    assert status == 422 and body["error"]["fields"] == {"data": "Required"}


def test_wrong_types_in_task_data_are_422_and_nothing_changes(client, session):
    api = coordinator(client, session)
    case = api.open_case()
    task_id = api.task(case, "immediate_safety")["id"]
    status, body = api.post(f"/tasks/{task_id}/complete", {"data": {"safe_now": "maybe"}})
    assert status == 422
    assert "safe_now" in body["error"]["fields"]
    assert session.get(Task, task_id).state == "open"
    assert session.get(Case, case["id"]).revision == 1


def test_a_case_the_caller_may_not_see_is_404(client, session):
    api = coordinator(client, session)
    case = api.open_case()
    stranger = Api(client, make_user(session, "nils", "no-police"))
    assert stranger.get(f"/cases/{case['id']}")[0] == 404
    assert stranger.get(f"/cases/{case['id']}/history")[0] == 404
    assert stranger.get(f"/tasks/{api.task(case, 'immediate_safety')['id']}")[0] == 404
    status, body = stranger.post(
        f"/tasks/{api.task(case, 'immediate_safety')['id']}/complete",
        {"data": valid_data("immediate_safety")},
    )
    assert status == 404
    assert stranger.get("/cases")[1]["items"] == []
    assert api.get("/cases/not-a-case")[0] == 404


def test_a_task_of_another_organisation_is_403_to_whom_sees_it_and_404_to_an_agency(
    client, session
):
    api = coordinator(client, session)
    officer = police(client, session)
    case = api.open_case()
    safety = api.task(case, "immediate_safety")["id"]
    status, body = officer.post(
        f"/tasks/{safety}/complete", {"data": valid_data("immediate_safety")}
    )
    assert status == 404  # an agency sees its own tasks only: others' are not revealed
    assert officer.post(f"/tasks/{safety}/claim")[0] == 404
    notice = api.task(case, "non_punishment_notice")["id"]
    status, body = api.post(f"/tasks/{notice}/complete", {"data": {}})
    assert status == 403, body
    assert api.post(f"/tasks/{notice}/claim")[0] == 403


def test_police_see_the_case_but_not_what_others_wrote(client, session):
    api = coordinator(client, session)
    officer = police(client, session)
    case = api.open_case()
    safety = api.task(case, "immediate_safety")["id"]
    api.post(f"/tasks/{safety}/complete", {"data": valid_data("immediate_safety", notes="private")})
    status, _ = officer.get(f"/tasks/{safety}")
    assert status == 404  # another organisation's work is not shown to an agency at all
    assert api.get(f"/tasks/{safety}")[1]["data"]["notes"] == "private"


def test_double_submission_is_409_and_completes_once(client, session):
    api = coordinator(client, session)
    case = api.open_case()
    task_id = api.task(case, "immediate_safety")["id"]
    data = {"data": valid_data("immediate_safety")}
    assert api.post(f"/tasks/{task_id}/complete", data)[0] == 200
    status, body = api.post(f"/tasks/{task_id}/complete", data)
    assert status == 409
    assert "completed" in body["error"]["message"]
    completions = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.completed")
    )
    assert completions == 1


def test_claiming_holds_a_task_for_one_person(client, session):
    anna = coordinator(client, session)
    berit = Api(client, make_user(session, "berit", "se-roks"))
    case = anna.open_case()
    task_id = anna.task(case, "immediate_safety")["id"]
    status, task = anna.post(f"/tasks/{task_id}/claim")
    assert status == 200 and task["assignee"] == "anna"
    assert berit.post(f"/tasks/{task_id}/claim")[0] == 409
    assert (
        berit.post(f"/tasks/{task_id}/complete", {"data": valid_data("immediate_safety")})[0] == 409
    )
    assert berit.get("/tasks", scope="mine")[1]["items"] == []
    assert [t["id"] for t in anna.get("/tasks", scope="mine")[1]["items"]] == [task_id]
    assert berit.post(f"/tasks/{task_id}/unclaim")[0] == 409
    assert anna.post(f"/tasks/{task_id}/unclaim")[1]["assignee"] is None
    assert berit.post(f"/tasks/{task_id}/claim")[0] == 200


def test_unknown_ids_are_404(client, session):
    api = coordinator(client, session)
    assert api.get("/tasks/00000000-0000-0000-0000-000000000000")[0] == 404
    assert api.post("/tasks/nope/complete", {"data": {}})[0] == 404
    assert api.post("/cases/nope/messages", {"name": "withdraw"})[0] == 404
    assert api.get("/forms/no_such_form")[0] == 404


def test_requests_without_a_valid_token_are_401(client, session):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer nba_wrong"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorised"


def test_me_organisations_processes_and_forms(client, session):
    api = coordinator(client, session)
    status, me = api.get("/me")
    assert me["username"] == "anna" and me["organisation"]["slug"] == "se-roks" and not me["admin"]
    status, orgs = api.get("/organisations", country="SE", role="police")
    assert [o["slug"] for o in orgs["items"]] == ["se-police"]
    status, processes = api.get("/processes")
    assert "demo_case" in {p["process_id"] for p in processes["items"]}
    status, form = api.get("/forms/record_first_contact")
    assert "host_country" in form["schema"]["properties"]


def test_task_lists_filter_by_due_and_paginate(client, session, clock):
    api = coordinator(client, session)
    for _ in range(3):
        api.open_case()
    status, page = api.get("/tasks", limit=2)
    assert len(page["items"]) == 2 and page["next"]
    status, rest = api.get("/tasks", limit=2, cursor=page["next"])
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert api.get("/tasks", due="overdue")[1]["items"] == []
    assert len(api.get("/tasks", due="soon")[1]["items"]) == 3
    from datetime import timedelta

    clock.advance(timedelta(hours=25))
    assert len(api.get("/tasks", due="overdue")[1]["items"]) == 3
    assert api.get("/tasks", due="later")[0] == 422
    assert api.get("/tasks", limit=0)[0] == 422
    assert api.get("/tasks", cursor="garbage")[0] == 400  # the request, not its data


def test_messages_reach_the_running_case(client, session):
    api = coordinator(client, session)
    case = api.open_case()
    for _ in range(2):
        status, case = api.post(
            f"/cases/{case['id']}/messages",
            {"name": "new_information", "data": valid_data("new_information")},
        )
        assert status == 200, case
    assert [t["name"] for t in case["open_tasks"]].count("review_identification") == 2


def test_withdrawal_cancels_open_tasks_and_keeps_everything(client, session):
    api = coordinator(client, session)
    officer = police(client, session)
    case = api.open_case()
    assert (
        officer.post(
            f"/cases/{case['id']}/messages", {"name": "withdraw", "data": valid_data("withdraw")}
        )[0]
        == 403
    )
    status, case = api.post(
        f"/cases/{case['id']}/messages", {"name": "withdraw", "data": valid_data("withdraw")}
    )
    assert status == 200, case
    assert case["status"] == "withdrawn" and case["open_tasks"] == []
    states = sorted(session.scalars(select(Task.state).where(Task.case_id == case["id"])))
    assert states == ["cancelled", "cancelled"]
    status, body = api.post(
        f"/cases/{case['id']}/messages",
        {"name": "new_information", "data": valid_data("new_information")},
    )
    assert status == 409


def test_unknown_message_names_are_422(client, session):
    api = coordinator(client, session)
    case = api.open_case()
    status, body = api.post(f"/cases/{case['id']}/messages", {"name": "shout"})
    assert status == 422 and "name" in body["error"]["fields"]


def test_the_openapi_document_lists_every_route(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/cases", "/cases/{id}", "/tasks/{id}/complete", "/notifications"):
        assert path in document["paths"]


def test_a_crash_mid_request_is_a_clear_500_and_leaves_the_case_as_it_was(
    client, session, monkeypatch
):
    api = coordinator(client, session)
    case = api.open_case()
    task_id = api.task(case, "immediate_safety")["id"]

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("engine.case.store.sync_tasks", crash)
    status, body = api.post(f"/tasks/{task_id}/complete", {"data": valid_data("immediate_safety")})
    assert status == 500
    assert (
        body["error"]["code"] == "internal_error"
        and "nothing was saved" in body["error"]["message"]
    )
    assert "disk on fire" not in str(body)
    session.rollback()
    assert session.get(Task, task_id).state == "open"
    assert session.get(Case, case["id"]).revision == 1
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "task.completed")
        )
        == 0
    )
    monkeypatch.undo()
    assert (
        api.post(f"/tasks/{task_id}/complete", {"data": valid_data("immediate_safety")})[0] == 200
    )


def test_the_answer_to_an_agencys_completion_shows_only_what_it_may_see(client, session):
    api = coordinator(client, session)
    officer = police(client, session)
    case = api.open_case()
    notice = api.task(case, "non_punishment_notice")["id"]
    status, body = officer.post(
        f"/tasks/{notice}/complete",
        {"data": valid_data("non_punishment_notice", no_charges_confirmed=True)},
    )
    assert status == 200, body
    assert body["team"] == {} and body["deadlines"] == []
    assert {t["organisation"] for t in body["open_tasks"]} <= {"se-police"}
    assert "immediate_safety" not in str(body)
