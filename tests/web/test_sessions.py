"""Sessions live on the server: a copied cookie stops working once the session ends
(sign-out, deactivation, a new password), after 30 idle minutes and 12 hours after
sign-in; a sign-in and a second factor's completion each start a new session id."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.audit import Actor
from engine.bpmn.clock import FixedClock
from engine.db.unit_of_work import in_transaction
from engine.models import UserSession
from tests.factories.pages import (
    current_code,
    post,
    sign_in,
    sign_in_as_administrator,
    text,
)
from tests.factories.people import PASSWORD, make_user

COOKIE = "nbassist"


def signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def session_id(client: FlaskClient) -> str | None:
    with client.session_transaction() as cookie:
        value = cookie.get("sid")
    return None if value is None else str(value)


def cookie_value(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def test_a_cookie_copied_before_sign_out_does_not_work_after_it(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    copied = cookie_value(client)
    post(client, "/sign-out")
    assert not signed_in(client)
    client.set_cookie(COOKIE, copied)  # replayed, e.g. from a shared computer's browser
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.advance(timedelta(minutes=20))
        assert signed_in(client)
    clock.advance(timedelta(minutes=21))
    assert not signed_in(client)


def test_page_views_within_a_minute_write_the_last_seen_time_once(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")

    def last_seen() -> object:
        session.rollback()
        return session.scalar(select(UserSession.last_seen_at))

    signed_in_at = last_seen()
    clock.advance(timedelta(seconds=30))
    assert signed_in(client)
    assert last_seen() == signed_in_at
    clock.advance(timedelta(seconds=40))
    assert signed_in(client)
    assert last_seen() == signed_in_at + timedelta(seconds=70)  # type: ignore[operator]


def test_deactivation_signs_her_out_at_once(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    token = make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    assert signed_in(client)
    in_transaction(session, lambda: users.deactivate(session, "anna", clock.now(), Actor.system()))
    assert not signed_in(client)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(client, "anna").status_code == 401


def test_changing_her_password_signs_her_out_elsewhere_but_not_here(
    app: Flask, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "anna")
    sign_in(elsewhere, "anna")
    changed = post(
        here,
        "/security/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "repeat_password": "a brand new passphrase",
        },
    )
    assert changed.status_code == 302
    assert "Your password is changed" in text(here.get(changed.headers["Location"]))
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert sign_in(elsewhere, "anna").status_code == 401
    assert sign_in(elsewhere, "anna", "a brand new passphrase").status_code == 302


def test_a_wrong_current_password_changes_nothing(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    refused = post(
        client,
        "/security/password",
        {"current_password": "guess", "new_password": "x" * 12, "repeat_password": "x" * 12},
    )
    assert refused.status_code == 422
    assert "not your current password" in text(refused)
    post(client, "/sign-out")
    assert sign_in(client, "anna").status_code == 302  # the old password still works


def test_a_new_password_must_be_long_enough_and_typed_twice_alike(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    for new, repeat, why in (
        ("short", "short", "at least 10 characters"),
        ("long enough one", "long enough two", "not the same"),
    ):
        refused = post(
            client,
            "/security/password",
            {"current_password": PASSWORD, "new_password": new, "repeat_password": repeat},
        )
        assert refused.status_code == 422 and why in text(refused)


def test_each_sign_in_starts_a_new_session_id(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    first = session_id(client)
    sign_in(client, "anna")
    second = session_id(client)
    assert first and second and first != second


def test_completing_the_second_factor_starts_a_new_session_id(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "ada", "no-police", admin=True)
    secret = sign_in_as_administrator(client, "ada")
    before = session_id(client)
    assert before is not None
    clock.advance(timedelta(minutes=1))
    assert sign_in(client, "ada").headers["Location"] == "/sign-in/code"
    assert session_id(client) is None  # half signed in: no session yet
    done = post(client, "/sign-in/code", {"code": current_code(client, secret)})
    assert done.status_code == 302
    after = session_id(client)
    assert after is not None and after != before


def test_ended_sessions_do_not_pile_up(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    for _ in range(3):
        sign_in(client, "anna")
        post(client, "/sign-out")
    sign_in(client, "anna")
    session.rollback()
    assert len(session.scalars(select(UserSession)).all()) == 1
