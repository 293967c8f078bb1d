"""What people and systems are told when the fault is not theirs: a database busy past
its wait is a 503 to retry (never a 409), and anything broken on our side is a 500
naming an error id that the log holds too."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine.bpmn.clock import FixedClock
from engine.crypto import DecryptionError
from engine.db import make_engine, normalise_url
from engine.errors import ServerFault
from engine.models import Task
from engine.schedule.mail import MailConfigError
from engine.settings import ConfigError, Settings
from tests.factories.api_client import Api
from tests.factories.form_data import valid_data
from tests.factories.pages import open_case_through_the_page, post, sign_in, text
from tests.factories.people import make_user
from web import create_app

ERROR_ID = re.compile(r"error id ([0-9a-f]{12})")


@pytest.fixture
def sqlite_path(database_url: str) -> str:
    url = normalise_url(database_url)
    if not url.startswith("sqlite:///"):
        pytest.skip("the database lock and its busy timeout are SQLite's")
    return url.removeprefix("sqlite:///")


@pytest.fixture
def impatient_app(
    db: Engine, database_url: str, sqlite_path: str, settings: Settings, clock: FixedClock
) -> Iterator[Flask]:
    """The app on the shared database, waiting only 0.2 s for the write lock."""
    engine = make_engine(database_url, sqlite_busy_seconds=0.2)
    yield create_app(
        {
            "settings": settings,
            "engine": engine,
            "clock": clock,
            "TESTING": True,
            "CASE_PROCESS": "demo_case",
        }
    )
    engine.dispose()


@contextmanager
def write_lock_held_elsewhere(path: str) -> Iterator[None]:
    """Another process's writer holding SQLite's write lock, as a long transaction does."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_writer_that_waits_past_the_busy_timeout_gets_503_with_retry_after_not_409(
    impatient_app: Flask, session: Session, sqlite_path: str
) -> None:
    api = Api(impatient_app.test_client(), make_user(session, "anna", "se-roks"))
    case = api.open_case()
    task_id = api.task(case, "immediate_safety")["id"]
    data = {"data": valid_data("immediate_safety")}

    with write_lock_held_elsewhere(sqlite_path):
        response = api.client.post(
            f"/api/v1/tasks/{task_id}/complete", headers=api.headers, json=data
        )

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()["error"]
    assert error["code"] == "busy" and "try again" in error["message"]
    # Nothing was saved, and trying again once the lock is free completes the task.
    session.rollback()
    assert session.get(Task, task_id).state == "open"
    status, _body = api.post(f"/tasks/{task_id}/complete", data)
    assert status == 200


def test_a_person_whose_save_waits_past_the_busy_timeout_sees_a_page_asking_to_retry(
    impatient_app: Flask, session: Session, sqlite_path: str
) -> None:
    make_user(session, "anna", "se-roks")
    client = impatient_app.test_client()
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)

    with write_lock_held_elsewhere(sqlite_path):
        response = post(client, f"/cases/{case_id}/notes", {"body": "Called her sister."})

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = text(response)
    assert "Busy for a moment" in page and "try again in a few seconds" in page
    assert "changed this meanwhile" not in page
    assert "Called her sister." not in text(client.get(f"/cases/{case_id}"))


def test_a_lock_timeout_met_outside_a_unit_of_work_is_503_too(app: Flask, session: Session) -> None:
    locked = OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
    api = Api(faulty_app(app, locked).test_client(), make_user(session, "anna", "se-roks"))
    response = api.client.get("/api/v1/fault", headers=api.headers)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert response.get_json()["error"]["code"] == "busy"


def faulty_app(app: Flask, error: Exception) -> Flask:
    """The app with one page and one API route that fail with `error`."""

    def fail() -> str:
        raise error

    app.add_url_rule("/api/v1/fault", "api_fault", fail)
    app.add_url_rule("/fault", "page_fault", fail)
    return app


FAULTS = [
    DecryptionError("data cannot be decrypted with this key"),
    ConfigError("NBASSIST_DATA_KEY must encode exactly 32 bytes"),
    MailConfigError("NBASSIST_SMTP_URL has a bad port"),
    RuntimeError("disk on fire"),
]


@pytest.mark.parametrize("error", FAULTS, ids=lambda e: type(e).__name__)
def test_a_fault_on_our_side_is_a_500_whose_error_id_is_in_the_log_for_api_clients(
    app: Flask, session: Session, caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    api = Api(faulty_app(app, error).test_client(), make_user(session, "anna", "se-roks"))
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        status, body = api.get("/fault")

    assert status == 500
    assert body["error"]["code"] == "internal_error"
    error_id = body["error"]["error_id"]
    assert f"error id {error_id}" in body["error"]["message"]
    assert str(error) not in str(body)  # the reason is for the log, not the client
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info and logged[0].exc_info[1] is error


@pytest.mark.parametrize("error", FAULTS, ids=lambda e: type(e).__name__)
def test_a_fault_on_our_side_shows_people_a_plain_page_with_the_error_id(
    app: Flask,
    client: FlaskClient,
    session: Session,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    faulty_app(app, error)
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = client.get("/fault")

    assert response.status_code == 500
    page = text(response)
    assert "Something went wrong on our side" in page
    match = ERROR_ID.search(page)
    assert match, page
    assert response.headers["X-Error-Id"] == match.group(1)
    assert str(error) not in page
    assert any(match.group(1) in r.getMessage() for r in caplog.records)


def test_configuration_key_and_mail_errors_are_server_faults_not_client_mistakes() -> None:
    assert all(isinstance(error, ServerFault) for error in FAULTS[:3])


def test_a_case_stored_under_another_data_key_is_a_500_with_an_error_id_not_a_400(
    app: Flask, db: Engine, session: Session, settings: Settings, clock: FixedClock
) -> None:
    """An operator who changed NBASSIST_DATA_KEY: the notes no longer decrypt."""
    make_user(session, "anna", "se-roks")
    client = app.test_client()
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    post(client, f"/cases/{case_id}/notes", {"body": "Called her sister."})

    other_key = Settings(**{**settings.__dict__, "data_key": b"z" * 32})
    rekeyed = create_app(
        {"settings": other_key, "engine": db, "clock": clock, "CASE_PROCESS": "demo_case"}
    ).test_client()
    sign_in(rekeyed, "anna")
    response = rekeyed.get(f"/cases/{case_id}")

    assert response.status_code == 500
    assert ERROR_ID.search(text(response))
    assert "Called her sister." not in text(response)
