"""Signing in and out of the pages: sessions, CSRF, idle timeout, headers (throttling:
test_throttle.py; server-side sessions: test_sessions.py)."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from engine.bpmn.clock import FixedClock
from tests.factories.pages import csrf_token, post, sign_in, text
from tests.factories.people import make_user


def test_a_page_sends_a_visitor_to_sign_in_first(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/")


def test_signing_in_with_the_right_password_opens_the_task_list(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    response = sign_in(client, "anna")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Your tasks" in text(home)
    assert 'lang="en"' in text(home)


def test_a_wrong_password_says_so_and_keeps_the_username(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    response = sign_in(client, "anna", "not the password")
    assert response.status_code == 401
    assert "username or password is not right" in text(response)
    assert 'value="anna"' in text(response)
    assert client.get("/").status_code == 302


def test_sign_in_goes_back_to_the_page_asked_for_but_never_to_another_site(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    response = client.post(
        "/sign-in?next=/cases",
        data={
            "username": "anna",
            "password": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == "/cases"
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    response = client.post(
        "/sign-in?next=//evil.example/x",
        data={
            "username": "anna",
            "password": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == "/"


def test_signing_out_ends_the_session(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    response = post(client, "/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_form_post_without_the_csrf_token_is_refused(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    response = client.post("/sign-out", data={})
    assert response.status_code == 400
    assert "expired" in text(response)
    assert "<html" in text(response)  # the friendly error page, not JSON
    wrong = client.post("/sign-out", data={"csrf_token": "forged"})
    assert wrong.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_sign_in_itself_needs_the_csrf_token(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    response = client.post(
        "/sign-in", data={"username": "anna", "password": "correct horse battery"}
    )
    assert response.status_code == 400


def test_the_api_is_exempt_from_csrf_because_it_uses_bearer_tokens(
    client: FlaskClient, session: Session
) -> None:
    token = make_user(session, "anna", "se-roks")
    response = client.post(
        "/api/v1/cases", json={"data": {}}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422


def test_thirty_idle_minutes_end_the_session(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    clock.advance(timedelta(minutes=29))
    assert client.get("/").status_code == 200  # activity restarts the half hour
    clock.advance(timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=31))
    response = client.get("/cases")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"])
    assert "30 minutes without activity" in text(page)


def test_pages_carry_security_headers_and_cookie_flags(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    response = sign_in(client, "anna")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in text(page)  # no inline scripts anywhere


def test_an_unknown_page_is_a_friendly_404(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "We could not find that page" in text(response)
