"""The case pages: opening a case, the case page, need to know, notes, the diagram data."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, Note
from tests.factories.api_client import START_DATA
from tests.factories.pages import open_case_through_the_page, post, sign_in, switch_user, text
from tests.factories.people import make_user


def test_the_open_a_case_page_shows_the_start_form(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    page = text(client.get("/cases/new"))
    assert "Open a case" in page
    assert 'name="host_country"' in page
    assert 'for="f-contact_method"' in page and 'id="f-contact_method"' in page
    assert "<legend" in page  # choice groups are fieldsets with legends
    assert "No proof, police report or real name is needed" in page  # instructions, as HTML
    assert "<strong>" in page


def test_opening_a_case_lands_on_its_page_with_its_first_tasks(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    page = client.get(f"/cases/{case_id}")
    body = text(page)
    assert page.status_code == 200
    reference = session.get(Case, case_id).reference
    assert reference in body
    assert "is open" in body  # the flash message
    assert 'data-task="immediate_safety"' in body
    assert 'data-task="non_punishment_notice"' in body
    assert "Police — Sweden" in body
    assert "English" in body  # her languages
    assert "opened the case" in body  # the timeline


def test_invalid_start_data_shows_errors_next_to_fields_and_keeps_the_answers(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    data = {**START_DATA, "languages": [], "alias": "Joy", "year_of_birth": "1850"}
    response = post(client, "/cases/new", data)
    body = text(response)
    assert response.status_code == 422
    assert 'class="error-summary"' in body
    assert 'href="#f-languages"' in body
    assert 'id="f-languages-error"' in body and "Choose at least one language" in body
    assert 'id="f-year_of_birth-error"' in body
    assert 'value="Joy"' in body and 'value="1850"' in body
    assert re.search(r'name="contact_method"[^>]*>.*?value="outreach" selected', body, re.S)
    assert session.scalar(select(Case.id)) is None


def test_police_cannot_see_a_case_they_are_not_on(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    make_user(session, "olav", "no-police")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    post(client, "/sign-out")
    sign_in(client, "olav")
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/diagram"):
        response = client.get(path)
        assert response.status_code == 404
    assert "We could not find that page" in text(client.get(f"/cases/{case_id}"))


def test_a_note_is_private_to_its_organisation_unless_shared_and_a_confidential_one_leaves_no_trace(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    make_user(session, "sven", "se-police")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    post(client, f"/cases/{case_id}/notes", {"body": "She will call on Monday."})
    post(
        client,
        f"/cases/{case_id}/notes",
        {"body": "Shelter room booked.", "visibility": "team"},
    )
    response = post(
        client,
        f"/cases/{case_id}/notes",
        {"body": "She told us about her family.", "confidential": "on"},
    )
    assert response.status_code == 302
    body = text(client.get(f"/cases/{case_id}"))
    assert "She will call on Monday." in body and "Only your organisation" in body
    assert "She told us about her family." in body
    assert "Shelter room booked." in body and "Shared with the team" in body
    switch_user(client, "sven")  # the police, holding a task: no notes part in their view
    sven_page = client.get(f"/cases/{case_id}")
    assert sven_page.status_code == 200
    body = text(sven_page)
    for written in ("She will call on Monday.", "Shelter room booked.", "family"):
        assert written not in body
    assert "tag-confidential" not in body and "No notes yet." in body  # not even that one exists
    post(client, f"/cases/{case_id}/notes", {"body": "Police note: statement on Friday."})
    assert "Police note: statement on Friday." in text(client.get(f"/cases/{case_id}"))
    switch_user(client, "anna")
    assert "Police note: statement on Friday." not in text(client.get(f"/cases/{case_id}"))
    notes = session.scalars(select(Note)).all()
    assert all(b"family" not in n.body for n in notes)  # encrypted at rest


def test_an_empty_note_is_refused_with_a_message(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    response = post(client, f"/cases/{case_id}/notes", {"body": "  "})
    assert response.status_code == 422
    assert 'id="note-body-error"' in text(response)


def test_the_diagram_data_marks_done_and_current_steps(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    data = client.get(f"/cases/{case_id}/diagram").get_json()
    assert data["process"]["id"] == "demo_case"
    assert "<bpmn:definitions" in data["xml"]
    assert set(data["active"]) >= {"immediate_safety", "non_punishment_notice"}
    assert "split" in data["completed"]
    assert "immediate_safety" not in data["completed"]


def test_the_case_list_shows_the_organisations_cases(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    reference = session.get(Case, case_id).reference
    assert reference in text(client.get("/cases"))
