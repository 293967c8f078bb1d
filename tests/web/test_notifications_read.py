"""Marking notifications read from the notifications page: all at once in one statement,
and the page shows their times as times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from engine import directory
from engine.models import Notification
from tests.factories.case_walker import Walker
from tests.factories.database import START
from tests.factories.pages import post, sign_in, text
from tests.factories.people import make_user


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


def remind(session: Session, case_id: str, slug: str, count: int) -> None:
    organisation = directory.organisation_by_slug(session, slug)
    for n in range(count):
        session.add(
            Notification(
                organisation_id=organisation.id,
                kind="reminder",
                case_id=case_id,
                subject="inform_rights",
                message=f"Reminder {n}",
                due_at=START + timedelta(days=n + 1),
                created_at=START + timedelta(minutes=n),
            )
        )
    session.commit()


def test_mark_all_read_is_one_update_however_many_are_unread(
    client: FlaskClient, session: Session, services: Any, db: Engine
) -> None:
    make_user(session, "anna", "se-roks")
    case_id = Walker(session, services).case.id
    remind(session, case_id, "se-roks", 7)
    remind(session, case_id, "se-police", 2)  # another organisation's stay unread
    sign_in(client, "anna")
    with counted_statements(db) as statements:
        response = post(client, "/notifications/read-all")
    assert response.status_code == 302
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE NOTIFICATION")]
    assert len(updates) == 1
    session.rollback()
    read = [n.read_at is not None for n in session.scalars(select(Notification))]
    assert sum(read) == 7
    assert "Reminder 0" not in text(client.get("/notifications?show=unread"))


def test_the_notifications_page_shows_when_each_is_due(
    client: FlaskClient, session: Session, services: Any
) -> None:
    make_user(session, "anna", "se-roks")
    case_id = Walker(session, services).case.id
    remind(session, case_id, "se-roks", 1)
    sign_in(client, "anna")
    page = text(client.get("/notifications"))
    assert "Reminder 0" in page
    assert "Due" in page
