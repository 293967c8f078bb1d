"""`nbassist retention apply [--at] [--dry-run]` (API.md) and what an erased case still
shows: the command erases what is due, says what it did, and the case's pages answer
without her data instead of failing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cli.main import main
from engine.models import AuditEvent, Case
from engine.retention.rules import seed_retention_rules
from tests.factories.api_client import Api
from tests.factories.case_walker import Walker
from tests.factories.database import TEST_KEY
from tests.factories.pages import sign_in, text
from tests.factories.people import make_user

ALIAS = "Ottoline Brackwater"
LATER = "2032-06-01T00:00:00Z"  # past SE's five years for a case closed in January 2026


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBASSIST_DATABASE_URL", database_url)
    monkeypatch.setenv("NBASSIST_SECRET_KEY", "cli-test-secret-" + "x" * 32)
    monkeypatch.setenv("NBASSIST_DATA_KEY", TEST_KEY)
    monkeypatch.setenv("NBASSIST_ENV", "development")


def closed_case(session, services) -> Case:
    seed_retention_rules(session, services.now())
    walker = Walker(session, services, alias=ALIAS)
    walker.message("close_case")
    session.commit()
    session.close()  # no read left open: the command compacts the database file
    return walker.case


def test_a_dry_run_lists_the_case_and_apply_erases_it(environment, session, services, capsys):
    case = closed_case(session, services)

    assert main(["retention", "apply", "--at", LATER, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would erase {case.reference} (SE" in out and "dry run: nothing changed" in out
    session.rollback()
    assert session.get(Case, case.id).erased_at is None

    session.close()
    assert main(["retention", "apply", "--at", LATER]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"erased {case.reference}" in out and "1 case(s) erased" in out
    session.rollback()
    assert session.get(Case, case.id).erased_at is not None
    applied = session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.applied"))
    assert applied.detail == {"erased": 1, "held": 0}


def test_a_bad_instant_is_one_readable_line(environment, capsys):
    assert main(["retention", "apply", "--at", "next tuesday"]) == 1
    assert "not an ISO 8601 date-time" in capsys.readouterr().err


def test_an_erased_case_answers_without_her_data(environment, client, session, services, capsys):
    case = closed_case(session, services)
    main(["retention", "apply", "--at", LATER])
    capsys.readouterr()
    anna = Api(client, make_user(session, "anna", "se-roks"))

    status, summary = anna.get(f"/cases/{case.id}")
    assert status == 200 and summary["status"] == "closed"
    status, history = anna.get(f"/cases/{case.id}/history")
    assert status == 200 and history["items"][-1]["action"] == "case.erased"
    status, copy = anna.get(f"/cases/{case.id}/export")
    assert status == 200 and copy["recorded"] == {} and copy["retention"]["erased_at"]
    assert ALIAS not in str(copy)
    sign_in(client, "anna")
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and ALIAS not in text(page)
    retention = text(client.get(f"/cases/{case.id}/retention"))
    assert "Her personal data was erased on" in retention
