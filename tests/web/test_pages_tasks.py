"""The guided task list and the task page: claim, release, forms with errors kept next to
their fields, landing on the next task, and need to know."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.clock import FixedClock
from engine.models import Case, Notification, Task
from tests.factories.database import START
from tests.factories.form_data import valid_data
from tests.factories.pages import (
    open_case_through_the_page,
    post,
    sign_in,
    switch_user,
    task_id,
    text,
)
from tests.factories.people import make_user

ROW = 'data-task="immediate_safety"'  # a row of the task list


def opened_case(client: FlaskClient, session: Session) -> str:
    make_user(session, "anna", "se-roks")
    make_user(session, "sven", "se-police")
    sign_in(client, "anna")
    return open_case_through_the_page(client)


def test_an_empty_task_list_says_what_to_do_next(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    body = text(client.get("/"))
    assert "Nothing is waiting for your organisation" in body
    assert 'href="/cases/new"' in body


def test_the_list_shows_each_task_with_case_countdown_and_holder(
    client: FlaskClient, session: Session
) -> None:
    case_id = opened_case(client, session)
    body = text(client.get("/"))
    assert "Arrange immediate safety" in body
    assert "Confirm non-punishment" not in body  # the police's task, not ours
    assert "in 1 day" in body  # due in 24 hours, and the clock stands still
    assert "Nobody yet" in body
    assert f'href="/cases/{case_id}"' in body


def test_overdue_and_due_soon_views(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    opened_case(client, session)
    assert ROW in text(client.get("/?view=soon"))
    assert ROW not in text(client.get("/?view=overdue"))
    clock.advance(timedelta(days=3))
    client.get("/")  # three days later the session has long timed out: sign in again
    sign_in(client, "anna")
    body = text(client.get("/?view=overdue"))
    assert ROW in body
    assert "2 days overdue" in body


def test_filters_by_country_task_and_case_reference(client: FlaskClient, session: Session) -> None:
    case_id = opened_case(client, session)
    reference = session.get_one(Case, case_id).reference
    assert ROW in text(client.get("/?country=SE&task=immediate_safety"))
    assert ROW not in text(client.get("/?country=NO"))
    assert "No tasks match" in text(client.get("/?country=NO"))
    assert ROW in text(client.get(f"/?case={reference[:4].lower()}"))  # its beginning will do
    assert ROW not in text(client.get("/?case=NO-"))


def test_claim_and_release_in_one_click(client: FlaskClient, session: Session) -> None:
    case_id = opened_case(client, session)
    tid = task_id(session, case_id, "immediate_safety")
    response = post(client, f"/tasks/{tid}/claim", {"next": "/?view=mine"})
    assert response.headers["Location"] == "/?view=mine"
    mine = text(client.get("/?view=mine"))
    assert ROW in mine and "Release" in mine
    post(client, f"/tasks/{tid}/release", {"next": "/"})
    assert ROW not in text(client.get("/?view=mine"))


def test_form_errors_appear_next_to_their_fields_with_the_answers_kept(
    client: FlaskClient, session: Session
) -> None:
    case_id = opened_case(client, session)
    tid = task_id(session, case_id, "immediate_safety")
    page = text(client.get(f"/tasks/{tid}"))
    assert "<strong>emergency accommodation</strong>" in page  # Markdown instructions
    response = post(
        client, f"/tasks/{tid}", {"accommodation": "shelter", "notes": "Called the shelter."}
    )
    body = text(response)
    assert response.status_code == 422
    assert 'href="#f-safe_now"' in body  # the error summary links to the field
    assert 'id="f-safe_now-error"' in body and "Required" in body
    assert 'aria-describedby="f-safe_now-help f-safe_now-error"' in body
    assert re.search(r'value="shelter" selected', body)
    assert "Called the shelter." in body
    assert session.get(Task, tid).state == "open"


def test_after_submitting_the_next_task_of_the_case_opens(
    client: FlaskClient, session: Session
) -> None:
    case_id = opened_case(client, session)
    switch_user(client, "sven")
    police_task = task_id(session, case_id, "non_punishment_notice")
    answers = valid_data("non_punishment_notice")
    response = post(client, f"/tasks/{police_task}", answers)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # nothing else for the police here
    switch_user(client, "anna")
    safety = task_id(session, case_id, "immediate_safety")
    response = post(client, f"/tasks/{safety}", valid_data("immediate_safety"))
    following = task_id(session, case_id, "inform_rights")
    assert response.headers["Location"] == f"/tasks/{following}"
    landing = text(client.get(response.headers["Location"]))
    assert "Next for this case: Inform her of her rights" in landing


def test_police_see_only_their_step_and_cannot_open_another_organisations_task(
    client: FlaskClient, session: Session
) -> None:
    case_id = opened_case(client, session)
    switch_user(client, "sven")
    home = text(client.get("/"))
    assert 'data-task="non_punishment_notice"' in home
    assert ROW not in home
    safety = task_id(session, case_id, "immediate_safety")
    response = client.get(f"/tasks/{safety}")
    assert response.status_code == 404  # another organisation's work is not revealed
    assert post(client, f"/tasks/{safety}", valid_data("immediate_safety")).status_code == 404


def test_a_task_of_a_hidden_case_is_not_found(client: FlaskClient, session: Session) -> None:
    case_id = opened_case(client, session)
    make_user(session, "olav", "no-police")
    switch_user(client, "olav")
    safety = task_id(session, case_id, "immediate_safety")
    assert client.get(f"/tasks/{safety}").status_code == 404


def test_a_completed_task_says_so_instead_of_showing_the_form(
    client: FlaskClient, session: Session
) -> None:
    case_id = opened_case(client, session)
    safety = task_id(session, case_id, "immediate_safety")
    post(client, f"/tasks/{safety}", valid_data("immediate_safety"))
    body = text(client.get(f"/tasks/{safety}"))
    assert "This task was completed" in body
    assert 'name="safe_now"' not in body


def test_the_notifications_page_and_badge(client: FlaskClient, session: Session) -> None:
    case_id = opened_case(client, session)
    roks = session.scalar(
        select(Task.organisation_id).where(Task.case_id == case_id, Task.name == "immediate_safety")
    )
    session.add(
        Notification(
            organisation_id=roks,
            kind="reminder",
            case_id=case_id,
            subject="immediate_safety",
            message="Arrange immediate safety is due in 2 hours.",
            created_at=START,
        )
    )
    session.commit()
    home = text(client.get("/"))
    assert 'data-testid="unread-badge">1' in home
    page = text(client.get("/notifications"))
    assert "Arrange immediate safety is due in 2 hours." in page
    note_id = session.scalar(select(Notification.id))
    post(client, f"/notifications/{note_id}/read")
    assert "unread-badge" not in text(client.get("/"))
