"""`/api/v1/notifications`: the caller's reminders and escalations, read and unread."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from engine import directory
from engine.accounts import users
from engine.models import Notification
from engine.schedule.mail import MailSettings
from engine.schedule.scheduler import tick
from tests.factories.api_client import Api
from tests.factories.database import START
from tests.factories.people import make_user

FIELDS = {
    "id",
    "kind",
    "case_id",
    "task_id",
    "subject",
    "due_at",
    "message",
    "created_at",
    "read_at",
}


def run_tick(app: Flask, at: Any) -> None:
    state = app.extensions["nbassist"]
    tick(state.sessions, state.services, at, MailSettings(base_url="https://nbassist.example"))


@pytest.fixture
def coordinator(client: FlaskClient, session: Session) -> Api:
    return Api(client, make_user(session, "coordinator", "se-roks"))


@pytest.fixture
def police(client: FlaskClient, session: Session) -> Api:
    return Api(client, make_user(session, "officer", "se-police"))


@pytest.fixture
def case(coordinator: Api) -> dict[str, Any]:
    return coordinator.open_case()


def add_notification(
    session: Session, case: dict[str, Any], slug: str, user: str | None = None, n: int = 0
) -> int:
    notification = Notification(
        organisation_id=directory.organisation_by_slug(session, slug).id,
        user_id=users.user_by_username(session, user).id if user else None,
        kind="reminder",
        case_id=case["id"],
        subject="inform_rights",
        message=f"message {n}",
        created_at=START + timedelta(minutes=n),
    )
    session.add(notification)
    session.commit()
    return notification.id


def test_a_reminder_reaches_the_organisation_that_holds_the_task(
    app, session, coordinator, police, case
):
    run_tick(app, START + timedelta(days=1))

    status, body = police.get("/notifications")
    assert status == 200 and body["next"] is None
    (item,) = body["items"]
    assert set(item) == FIELDS
    task = police.task(case, "non_punishment_notice")
    assert item["kind"] == "reminder" and item["case_id"] == case["id"]
    assert (item["task_id"], item["subject"]) == (task["id"], "non_punishment_notice")
    assert item["due_at"] == task["due_at"] and item["read_at"] is None
    assert item["message"] == f"'Confirm non-punishment' is due in 1 day ({case['reference']})"
    assert item["created_at"] == (START + timedelta(days=1)).isoformat()

    _, own = coordinator.get("/notifications")
    assert [n["subject"] for n in own["items"]] == ["immediate_safety"]
    legal_aid = Api(coordinator.client, make_user(session, "lawyer", "se-legal-aid"))
    assert legal_aid.get("/notifications")[1]["items"] == []


def test_a_notification_marked_read_leaves_the_unread_list(app, police, case):
    run_tick(app, START + timedelta(days=1))
    (item,) = police.get("/notifications", unread="true")[1]["items"]

    status, marked = police.post(f"/notifications/{item['id']}/read")
    assert status == 200 and marked["read_at"] == START.isoformat()
    assert police.post(f"/notifications/{item['id']}/read") == (200, marked)  # idempotent

    assert police.get("/notifications", unread="true")[1]["items"] == []
    assert [n["read_at"] for n in police.get("/notifications")[1]["items"]] == [START.isoformat()]
    assert [n["id"] for n in police.get("/notifications", unread="false")[1]["items"]] == [
        item["id"]
    ]


def test_another_organisations_notification_is_not_found(app, coordinator, police, case):
    run_tick(app, START + timedelta(days=1))
    (theirs,) = police.get("/notifications")[1]["items"]

    status, body = coordinator.post(f"/notifications/{theirs['id']}/read")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert coordinator.post("/notifications/not-a-number/read")[0] == 404
    assert police.get("/notifications", unread="true")[1]["items"] == [theirs]


def test_a_notification_addressed_to_a_person_is_theirs_alone(client, session, police, case):
    colleague = Api(client, make_user(session, "colleague", "se-police"))
    personal = add_notification(session, case, "se-police", user="officer")

    assert [n["id"] for n in police.get("/notifications")[1]["items"]] == [personal]
    assert colleague.get("/notifications")[1]["items"] == []
    assert colleague.post(f"/notifications/{personal}/read")[0] == 404


def test_notifications_come_newest_first_in_pages(session, police, case):
    ids = [add_notification(session, case, "se-police", n=n) for n in range(5)]

    status, first = police.get("/notifications", limit=2)
    assert status == 200 and [n["id"] for n in first["items"]] == ids[::-1][:2]
    _, second = police.get("/notifications", limit=2, cursor=first["next"])
    _, third = police.get("/notifications", limit=2, cursor=second["next"])

    pages = [first, second, third]
    assert [n["id"] for page in pages for n in page["items"]] == ids[::-1]
    assert third["next"] is None


@pytest.mark.parametrize(
    ("params", "field", "expected"),
    [
        ({"cursor": "not-a-cursor"}, "cursor", 400),  # a malformed request, not bad data
        ({"limit": 0}, "limit", 422),
        ({"unread": "maybe"}, "unread", 422),
    ],
)
def test_bad_list_parameters_are_refused_with_the_field(police, params, field, expected):
    status, body = police.get("/notifications", **params)
    assert status == expected and field in body["error"]["fields"]


def test_notifications_need_a_token(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/1/read").status_code == 401
