"""Saving a task as a draft without completing it, giving it to a named colleague, and
forms that start from what is known about her."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Task, TaskDraft
from tests.factories.api_client import Api
from tests.factories.form_data import valid_data
from tests.factories.pages import post, sign_in, switch_user, task_id, text
from tests.factories.people import make_user


def test_a_draft_is_kept_for_its_writer_alone_and_the_task_stays_open(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    make_user(session, "eva", "se-roks")
    case = api.open_case()
    safety = api.task(case, "immediate_safety")["id"]
    sign_in(client, "anna")
    saved = post(client, f"/tasks/{safety}", {"action": "draft", "notes": "Called the shelter"})
    assert saved.status_code == 302
    page = text(client.get(f"/tasks/{safety}"))
    assert "Called the shelter" in page
    assert 'data-testid="draft-notice"' in page
    session.commit()
    assert session.get(Task, safety).state == "open"
    stored = session.scalar(select(TaskDraft.data).where(TaskDraft.task_id == safety))
    assert b"Called the shelter" not in stored  # encrypted
    switch_user(client, "eva")
    assert "Called the shelter" not in text(client.get(f"/tasks/{safety}"))


def test_completing_the_task_drops_the_drafts(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case()
    safety = api.task(case, "immediate_safety")["id"]
    sign_in(client, "anna")
    post(client, f"/tasks/{safety}", {"action": "draft", "notes": "Half done"})
    status, _ = api.post(f"/tasks/{safety}/complete", {"data": valid_data("immediate_safety")})
    assert status == 200
    session.commit()
    assert session.scalar(select(TaskDraft).where(TaskDraft.task_id == safety)) is None


def test_the_button_that_completes_says_so(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case()
    sign_in(client, "anna")
    page = text(client.get(f"/tasks/{api.task(case, 'immediate_safety')['id']}"))
    assert "complete the task" in page.lower()
    assert ">Save as draft<" in page


def test_a_task_is_given_to_a_named_colleague(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    make_user(session, "eva", "se-roks")
    make_user(session, "per", "se-police")
    case = api.open_case()
    safety = api.task(case, "immediate_safety")["id"]
    sign_in(client, "anna")
    page = text(client.get(f"/tasks/{safety}"))
    assert '<option value="eva">' in page and "per" not in page.split('id="assignee"')[1][:300]
    given = post(client, f"/tasks/{safety}/assign", {"assignee": "eva"})
    assert given.status_code == 302
    assert "is now with eva" in text(client.get(given.headers["Location"]))
    session.commit()
    assert session.get(Task, safety).claimed_by.username == "eva"
    refused = post(client, f"/tasks/{safety}/assign", {"assignee": "anna"})
    assert "eva is working on this task" in text(client.get(refused.headers["Location"]))


def test_a_task_is_not_given_outside_the_organisation(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    make_user(session, "per", "se-police")
    case = api.open_case()
    safety = api.task(case, "immediate_safety")["id"]
    sign_in(client, "anna")
    refused = post(client, f"/tasks/{safety}/assign", {"assignee": "per"})
    assert "Choose a colleague of your organisation" in text(
        client.get(refused.headers["Location"])
    )
    session.commit()
    assert session.get(Task, safety).claimed_by_id is None


def test_a_language_question_starts_from_her_languages(journey, session):
    api = Api(journey, make_user(session, "anna", "se-roks"))
    case = api.open_case(languages=["ti", "en"])
    sign_in(journey, "anna")
    page = text(journey.get(f"/tasks/{task_id(session, case['id'], 'inform_rights')}"))
    assert '<option value="ti" selected' in page or 'value="ti" checked' in page
