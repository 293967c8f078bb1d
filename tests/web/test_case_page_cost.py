"""What one view of the case page costs: a bounded number of SQL statements, one audit
event, and no decryption of her workflow just to show her languages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import Session

from engine.case import overview
from engine.case.profile import decrypt_profile
from engine.db.context import Services
from engine.models import AuditEvent, Case
from tests.factories.case_walker import Walker
from tests.factories.pages import sign_in, text
from tests.factories.people import make_user

# Twelve for the page before her case file; the file adds two (her workflow's state, the
# corrections), reusing the case, tasks and timeline the page read already.
MOST_STATEMENTS = 14


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def journey_case(session: Session, services: Services) -> str:
    """A victim_journey case a few steps in, with tasks held by several organisations."""
    walker = Walker(session, services)
    walker.complete("immediate_safety")
    return walker.case.id


def case_views(session: Session, case_id: str) -> int:
    session.rollback()  # a fresh snapshot: the page wrote in its own session
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.action == "case.viewed")
    )


def test_a_case_page_view_costs_at_most_fourteen_statements_and_one_audit_event(
    client: FlaskClient, session: Session, services: Services, db: Engine
) -> None:
    make_user(session, "anna", "se-roks")
    case_id = journey_case(session, services)
    sign_in(client, "anna")
    client.get(f"/cases/{case_id}")  # the first view warms caches (diagram names, forms)
    before = case_views(session, case_id)
    with counted_statements(db) as statements:
        page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200, text(page)
    assert len(statements) <= MOST_STATEMENTS, "\n".join(s[:120] for s in statements)
    assert case_views(session, case_id) == before + 1


def test_her_languages_show_without_decrypting_her_workflow(
    client: FlaskClient, session: Session, services: Services, monkeypatch: Any
) -> None:
    make_user(session, "anna", "se-roks")
    case_id = journey_case(session, services)
    sign_in(client, "anna")

    def no_workflow(*_: Any) -> None:
        raise AssertionError("the case page loaded the workflow")

    monkeypatch.setattr(overview, "load_workflow", no_workflow)
    page = text(client.get(f"/cases/{case_id}"))
    assert "English" in page


def test_a_case_saved_before_profiles_existed_still_shows_her_languages(
    client: FlaskClient, session: Session, services: Services
) -> None:
    make_user(session, "anna", "se-roks")
    case_id = journey_case(session, services)
    session.execute(update(Case).where(Case.id == case_id).values(profile=None))
    session.commit()
    sign_in(client, "anna")
    assert "English" in text(client.get(f"/cases/{case_id}"))


def test_a_step_keeps_her_profile_in_step_with_her_workflow(
    session: Session, services: Services
) -> None:
    walker = Walker(session, services, languages=["en", "ru"])
    case = session.get(Case, walker.case.id)
    opened = decrypt_profile(services, case)
    assert opened["languages"] == ["en", "ru"]
    walker.complete("immediate_safety")
    session.refresh(case)
    assert decrypt_profile(services, case) == opened
