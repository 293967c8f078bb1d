"""`nbassist users deactivate|password|tokens`, `nbassist tokens revoke` and
`nbassist audit verify` (API.md): ending access at once, and a trail that proves itself."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from cli.main import main
from engine import directory
from engine.accounts import sessions, users
from engine.db import make_engine, make_sessionmaker, migrate
from engine.models import AuditEvent
from tests.factories.database import START, TEST_KEY

PASSWORD = "a long enough password"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("NBASSIST_DATABASE_URL", url)
    monkeypatch.setenv("NBASSIST_SECRET_KEY", "cli-test-secret-" + "x" * 32)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")
    migrate(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        directory.seed_directory(session)
        users.create_user(session, "anna", "se-roks", PASSWORD, START)
        session.commit()
    yield engine
    engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def issue(engine: Engine) -> tuple[int, str]:
    with make_sessionmaker(engine)() as session:
        token = users.issue_token(session, "anna", START)
        session.commit()
        (row,) = users.tokens_of(session, "anna")[-1:]
        return row.id, token


def signed_in_session(engine: Engine) -> str:
    with make_sessionmaker(engine)() as session:
        user = users.user_by_username(session, "anna")
        session_id = sessions.begin_session(session, user, START)
        session.commit()
        return session_id


def still_signed_in(engine: Engine, session_id: str) -> bool:
    with make_sessionmaker(engine)() as session:
        return sessions.signed_in(session, session_id, START) is not None


def token_works(engine: Engine, token: str) -> bool:
    with make_sessionmaker(engine)() as session:
        return users.token_user(session, token, START) is not None


def test_deactivating_ends_her_sessions_and_tokens_at_once(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id = signed_in_session(database)
    _token_id, token = issue(database)
    code, out, _ = run(capsys, "users", "deactivate", "anna")
    assert code == 0 and "anna deactivated" in out
    assert not still_signed_in(database, session_id)
    assert not token_works(database, token)
    with make_sessionmaker(database)() as session:
        assert users.check_password(session, "anna", PASSWORD) is None


def test_setting_a_password_ends_her_sessions_and_the_new_one_signs_in(
    database: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = signed_in_session(database)
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    code, out, _ = run(capsys, "users", "password", "anna", "--password-stdin")
    assert code == 0 and "1 session(s) ended" in out
    assert not still_signed_in(database, session_id)
    with make_sessionmaker(database)() as session:
        assert users.check_password(session, "anna", "another long password") is not None
        assert users.check_password(session, "anna", PASSWORD) is None


def test_a_too_short_password_is_refused_with_a_reason(
    database: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "users", "password", "anna", "--password-stdin")
    assert code == 1 and "at least 10 characters" in err


def test_tokens_are_listed_without_their_secret_and_revoked_at_once(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    token_id, token = issue(database)
    code, out, _ = run(capsys, "users", "tokens", "anna", "--json")
    assert code == 0 and token not in out
    (listed,) = json.loads(out)
    assert listed["id"] == token_id
    assert listed["created_at"].startswith("2026-01-05T09:00")
    assert listed["expires_at"].startswith("2026-04-05T09:00")  # 90 days
    assert listed["last_used_at"] is None and listed["revoked_at"] is None
    code, out, _ = run(capsys, "tokens", "revoke", str(token_id))
    assert code == 0 and f"API token {token_id} revoked" in out
    assert not token_works(database, token)
    code, out, _ = run(capsys, "users", "tokens", "anna")
    assert "revoked" in out


def test_revoking_an_unknown_token_says_so(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "tokens", "revoke", "999999")
    assert code == 1 and "no API token 999999" in err


def test_audit_verify_passes_an_intact_trail_with_one_line(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    issue(database)
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0
    assert out.startswith("audit trail intact:") and out.count("\n") == 1


def test_audit_verify_names_the_first_altered_event(
    database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    issue(database)
    issue(database)
    with make_sessionmaker(database)() as session:
        first = _first_token_event(session)
        session.execute(
            update(AuditEvent).where(AuditEvent.id == first).values(detail={"username": "eve"})
        )
        session.commit()
    code, _, err = run(capsys, "audit", "verify")
    assert code == 1
    assert f"event #{first}" in err and "altered" in err


def _first_token_event(session: Session) -> int:
    first = session.scalar(
        select(func.min(AuditEvent.id)).where(AuditEvent.action == "token.issued")
    )
    assert first is not None
    return first
