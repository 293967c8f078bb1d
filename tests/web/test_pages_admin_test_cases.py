"""The administrators' test-case page: start a test case on a chosen version from its start
form and walk its tasks on the ordinary task pages; the coordinator never sees it."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case
from tests.factories.form_data import valid_data
from tests.factories.pages import START_DATA, post, sign_in, switch_user, task_id, text
from tests.factories.people import make_user
from tests.factories.process_library import administrator


def test_the_test_case_page_is_for_administrators_only(client: FlaskClient, session: Session):
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")

    assert client.get("/admin/test-cases").status_code == 403
    assert post(client, "/admin/test-cases", {"version": "demo_case:1"}).status_code == 403


def test_an_administrator_starts_a_test_case_and_walks_it_on_the_task_pages(
    client: FlaskClient, session: Session
):
    make_user(session, "anna", "se-roks")
    administrator(client, session)

    started = post(client, "/admin/test-cases", {"version": "demo_case:1", **START_DATA})
    listed = text(client.get(started.headers["Location"]))
    case = session.scalars(select(Case).where(Case.is_test.is_(True))).one()
    safety = task_id(session, case.id, "immediate_safety")
    page = text(client.get(f"/tasks/{safety}"))
    done = post(client, f"/tasks/{safety}", valid_data("immediate_safety"))

    assert f"Test case {case.reference} runs on demo_case version 1" in listed
    assert f'href="/tasks/{safety}"' in listed and "Arrange immediate safety" in page
    assert done.headers["Location"] == "/admin/test-cases"
    assert "Confirm non-punishment" in text(client.get("/admin/test-cases"))
    assert task_id(session, case.id, "immediate_safety") is None  # completed
    assert 'data-testid="test-case"' in text(client.get(f"/cases/{case.id}"))
    switch_user(client, "anna")
    assert case.reference not in text(client.get("/cases"))
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_a_start_form_with_a_mistake_is_shown_again_with_the_error(
    client: FlaskClient, session: Session
):
    administrator(client, session)

    response = post(client, "/admin/test-cases", {"version": "demo_case:1"})

    assert response.status_code == 422 and "Start a test case on demo_case version 1" in text(
        response
    )
    assert session.scalar(select(Case.id).where(Case.is_test.is_(True))) is None
