"""The second factor (TOTP): mandatory set-up for administrators, the code after the
password, replay, the throttle, the 5-minute half sign-in, the operator's reset, and a
secret that is never stored in plain text. Codes come from engine/totp.py at the
test clock's time, from the secret the set-up page shows."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cli.main import main
from engine.accounts import totp
from engine.accounts.users import user_by_username
from engine.bpmn.clock import FixedClock
from engine.crypto import Cipher, DecryptionError
from engine.models import AuditEvent, LoginAttempt, User
from engine.settings import Settings
from tests.factories.database import TEST_KEY
from tests.factories.pages import (
    PASSWORD,
    current_code,
    post,
    shown_secret,
    sign_in,
    sign_in_as_administrator,
)
from tests.factories.pages import (
    text as body,
)
from tests.factories.people import make_user

STEP = timedelta(seconds=30)


def fresh(session: Session) -> Session:
    """The test's session, seeing what the app's requests committed since (SQLite's WAL
    keeps a transaction's snapshot, and forbids writing from a stale one)."""
    session.rollback()
    return session


def failures(session: Session, username: str) -> int:
    fresh(session)
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key.startswith("code:"))  # one account per test
        )
        or 0
    )


def audit(session: Session, action: str) -> list[AuditEvent]:
    fresh(session)
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def enrolled_administrator(client: FlaskClient, session: Session, clock: FixedClock) -> bytes:
    """ada, an administrator who set up her factor and signed out; the clock moved on."""
    make_user(session, "ada", "no-police", admin=True)
    secret = sign_in_as_administrator(client, "ada")
    post(client, "/sign-out")
    clock.advance(STEP)
    return secret


def test_an_administrator_without_a_factor_reaches_only_the_set_up_page(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "ada", "no-police", admin=True)
    response = sign_in(client, "ada")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/set-up"
    for path in (
        "/",
        "/cases",
        "/admin/processes",
        "/notifications",
        "/security",
        "/sign-in/code",
        "/sign-in",
    ):
        other = client.get(path)
        assert other.status_code == 302, path
        assert other.headers["Location"] == "/sign-in/set-up", path
    page = client.get("/sign-in/set-up")
    assert page.status_code == 200
    secret = shown_secret(page)
    assert len(secret) == 20
    assert client.get("/sign-in/set-up").status_code == 200
    assert shown_secret(client.get("/sign-in/set-up")) == secret  # a reload keeps the secret
    b32 = base64.b32encode(secret).decode().rstrip("=")
    uri = f"otpauth://totp/Nordic%20Baltic%20Assist:ada?secret={b32}&amp;issuer=Nordic%20Baltic%20Assist"
    assert uri in body(page)
    assert 'src="data:image/svg+xml' in body(page)  # the QR code; CSP allows data: images
    assert "<script>" not in body(page)
    assert page.headers["Cache-Control"] == "no-store"
    # Signing out is the one other way out.
    assert post(client, "/sign-out").status_code == 302
    assert client.get("/sign-in/set-up").headers["Location"].startswith("/sign-in?next=")


def test_confirming_with_the_right_code_signs_the_administrator_in(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "ada", "no-police", admin=True)
    response = client.get("/admin/processes")
    assert response.headers["Location"].startswith("/sign-in?next=/admin/processes")
    response = post(client, response.headers["Location"], {"username": "ada", "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/set-up"
    secret = shown_secret(client.get("/sign-in/set-up"))
    code = current_code(client, secret)
    done = post(client, "/sign-in/set-up", {"code": code})
    assert done.status_code == 302
    assert done.headers["Location"] == "/admin/processes"
    library = client.get("/admin/processes")
    assert library.status_code == 200
    assert "Your second factor is set up" in body(library)
    assert "ada" in body(library)
    assert "has a second factor" in body(client.get("/security"))
    (enrolled,) = audit(session, "user.second_factor_enrolled")
    (signed_in,) = audit(session, "user.signed_in")
    assert signed_in.detail == {"second_factor": True}
    for event in (enrolled, signed_in):
        recorded = json.dumps(event.detail)
        assert code not in recorded and base64.b32encode(secret).decode()[:16] not in recorded


def test_a_wrong_code_is_refused_counted_and_audited(client: FlaskClient, session: Session) -> None:
    make_user(session, "ada", "no-police", admin=True)
    sign_in(client, "ada")
    secret = shown_secret(client.get("/sign-in/set-up"))
    wrong = f"{(int(current_code(client, secret)) + 1) % 1_000_000:06d}"
    refused = post(client, "/sign-in/set-up", {"code": wrong})
    assert refused.status_code == 401
    assert "That code is not right" in body(refused)
    assert shown_secret(refused) == secret
    assert failures(session, "ada") == 1
    (failed,) = audit(session, "user.second_factor_failed")
    assert failed.detail == {"during": "enrolment"}
    assert wrong not in json.dumps(failed.detail)
    assert client.get("/admin/processes").headers["Location"] == "/sign-in/set-up"
    assert session.scalar(select(User.totp_secret).where(User.username == "ada")) is None


def test_the_next_sign_in_asks_for_the_code(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    secret = enrolled_administrator(client, session, clock)
    response = sign_in(client, "ada")
    assert response.headers["Location"] == "/sign-in/code"
    for path in ("/", "/admin/processes", "/sign-in/set-up", "/security"):
        assert client.get(path).headers["Location"] == "/sign-in/code", path
    page = client.get("/sign-in/code")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in body(page)
    assert "totp-secret" not in body(page)  # the secret is never shown again
    refused = post(client, "/sign-in/code", {"code": "000000"})
    assert refused.status_code == 401
    assert failures(session, "ada") == 1
    done = post(client, "/sign-in/code", {"code": current_code(client, secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/admin/processes").status_code == 200
    assert failures(session, "ada") == 0  # fully signed in: the username starts afresh
    assert [e.detail for e in audit(session, "user.signed_in")] == [
        {"second_factor": True},
        {"second_factor": True},
    ]


def test_a_code_is_accepted_only_once(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "ada", "no-police", admin=True)
    sign_in(client, "ada")
    secret = shown_secret(client.get("/sign-in/set-up"))
    used = current_code(client, secret)
    assert post(client, "/sign-in/set-up", {"code": used}).status_code == 302
    post(client, "/sign-out")
    sign_in(client, "ada")
    replayed = post(client, "/sign-in/code", {"code": used})
    assert replayed.status_code == 401
    assert "used already" in body(replayed)
    # Nor does the code of the step before, which drift would otherwise accept.
    clock.advance(STEP)
    assert post(client, "/sign-in/code", {"code": used}).status_code == 401
    fresh = current_code(client, secret)
    assert post(client, "/sign-in/code", {"code": fresh}).status_code == 302
    post(client, "/sign-out")
    sign_in(client, "ada")
    assert post(client, "/sign-in/code", {"code": fresh}).status_code == 401


def test_a_code_from_a_phone_thirty_seconds_off_is_accepted(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    secret = enrolled_administrator(client, session, clock)
    clock.advance(STEP * 4)
    sign_in(client, "ada")
    late = totp.code_at(secret, clock.now() - STEP)
    assert post(client, "/sign-in/code", {"code": late}).status_code == 302


def test_wrong_codes_lock_signing_in_and_a_new_password_does_not_reset_the_count(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    secret = enrolled_administrator(client, session, clock)
    sign_in(client, "ada")
    for _ in range(3):
        assert post(client, "/sign-in/code", {"code": "000000"}).status_code == 401
    # The right password again does not wipe the slate: guessing codes must end.
    assert sign_in(client, "ada").headers["Location"] == "/sign-in/code"
    for _ in range(2):
        assert post(client, "/sign-in/code", {"code": "000000"}).status_code == 401
    assert failures(session, "ada") == 5
    locked = post(client, "/sign-in/code", {"code": current_code(client, secret)})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in body(locked)
    assert client.get("/").headers["Location"].startswith("/sign-in")  # half sign-in ended
    assert sign_in(client, "ada").headers["Location"] == "/sign-in/code"
    assert post(client, "/sign-in/code", {"code": current_code(client, secret)}).status_code == 429
    assert len(audit(session, "user.second_factor_failed")) == 5
    clock.advance(timedelta(minutes=16))
    assert sign_in(client, "ada").headers["Location"] == "/sign-in/code"
    assert post(client, "/sign-in/code", {"code": current_code(client, secret)}).status_code == 302


def test_the_half_signed_in_state_lapses_after_five_minutes(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    secret = enrolled_administrator(client, session, clock)
    sign_in(client, "ada")
    clock.advance(timedelta(minutes=4, seconds=50))
    assert client.get("/sign-in/code").status_code == 200
    clock.advance(timedelta(seconds=20))
    late = post(client, "/sign-in/code", {"code": current_code(client, secret)})
    assert late.status_code == 302
    assert late.headers["Location"] == "/sign-in"
    page = client.get("/sign-in")
    assert "More than 5 minutes passed" in body(page)
    assert client.get("/").headers["Location"].startswith("/sign-in?next=")
    assert len(audit(session, "user.signed_in")) == 1  # when she set up her factor
    # The set-up page lapses the same way.
    make_user(fresh(session), "bea", "no-police", admin=True)
    sign_in(client, "bea")
    clock.advance(timedelta(minutes=6))
    assert client.get("/sign-in/set-up").headers["Location"] == "/sign-in"


def test_staff_who_are_not_administrators_sign_in_with_the_password_as_before(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    response = sign_in(client, "anna")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Your tasks" in body(home)
    assert client.get("/sign-in/code").headers["Location"] == "/"
    (signed_in,) = audit(session, "user.signed_in")
    assert signed_in.detail == {"second_factor": False}


def test_anyone_may_add_a_second_factor_on_the_security_page(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    page = client.get("/security")
    assert page.status_code == 200 and "You sign in with your password alone" in body(page)
    secret = shown_secret(page)
    assert post(client, "/security", {"code": "123"}).status_code == 422
    done = post(client, "/security", {"code": current_code(client, secret)})
    assert done.headers["Location"] == "/security"
    assert "has a second factor" in body(client.get("/security"))
    assert len(audit(session, "user.second_factor_enrolled")) == 1
    post(client, "/sign-out")
    clock.advance(STEP)
    assert sign_in(client, "anna").headers["Location"] == "/sign-in/code"
    assert post(client, "/sign-in/code", {"code": current_code(client, secret)}).status_code == 302


def test_api_tokens_need_no_second_factor(client: FlaskClient, session: Session) -> None:
    token = make_user(session, "ada", "no-police", admin=True)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["username"] == "ada"


def test_the_secret_is_stored_encrypted_and_bound_to_the_account(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    secret = enrolled_administrator(client, session, clock)
    ada = user_by_username(session, "ada")
    raw = session.execute(
        text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": ada.id}
    ).scalar_one()
    stored = bytes(raw)
    b32 = base64.b32encode(secret)
    assert secret not in stored and b32 not in stored and b32.rstrip(b"=") not in stored
    assert len(stored) > len(secret)
    cipher = Cipher(base64.urlsafe_b64decode(TEST_KEY))
    assert cipher.decrypt(stored, f"totp:{ada.id}") == secret
    with pytest.raises(DecryptionError):
        cipher.decrypt(stored, f"totp:{ada.id + 1}")
    # Nor is it readable in the session cookie while it is being set up.
    make_user(fresh(session), "bea", "no-police", admin=True)
    sign_in(client, "bea")
    shown = shown_secret(client.get("/sign-in/set-up"))
    with client.session_transaction() as cookie_session:
        kept = json.dumps(dict(cookie_session))
    assert base64.b32encode(shown).decode().rstrip("=") not in kept
    assert base64.b64encode(shown).decode() not in kept


def test_an_operator_resets_a_lost_factor_from_the_command_line(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NBASSIST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("NBASSIST_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")
    secret = enrolled_administrator(client, session, clock)
    sign_in(client, "ada")
    post(client, "/sign-in/code", {"code": current_code(client, secret)})
    assert client.get("/admin/processes").status_code == 200

    assert main(["users", "reset-2fa", "ada"]) == 0
    out = capsys.readouterr().out
    assert out == "second factor of ada cleared; they set up a new one at next sign-in\n"
    ada = user_by_username(fresh(session), "ada")
    assert ada.totp_secret is None and ada.totp_last_step is None
    (reset,) = audit(session, "user.second_factor_reset")
    assert reset.detail == {"username": "ada"} and reset.user_id is None  # the operator

    # Her open session ends: an administrator without a factor reaches nothing.
    response = client.get("/admin/processes")
    assert response.headers["Location"].startswith("/sign-in")
    assert "set up your second factor" in body(client.get(response.headers["Location"]))
    clock.advance(STEP)
    assert sign_in_as_administrator(client, "ada") != secret

    assert main(["users", "reset-2fa", "nobody"]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err
    make_user(fresh(session), "anna", "se-roks")
    assert main(["users", "reset-2fa", "anna"]) == 0
    assert capsys.readouterr().out == "anna has no second factor; nothing changed\n"


def test_a_new_password_on_the_sign_in_form_ends_a_half_sign_in(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "ada", "no-police", admin=True)
    make_user(session, "anna", "se-roks")
    assert sign_in(client, "ada").headers["Location"] == "/sign-in/set-up"
    assert sign_in(client, "anna", "not the password").status_code == 401
    assert client.get("/sign-in/set-up").headers["Location"].startswith("/sign-in?next=")
    assert sign_in(client, "ada").headers["Location"] == "/sign-in/set-up"
    assert sign_in(client, "anna").headers["Location"] == "/"
    assert client.get("/").status_code == 200
