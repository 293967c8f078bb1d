"""Fixtures of the page and API tests: the app on the demo process, a client of it, a
client of the app running the real victim journey, and a process library that forgets
what a test deployed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from engine.bpmn.clock import FixedClock
from engine.models import ProcessVersion, ReviewEntry
from engine.settings import Settings
from web import create_app


@pytest.fixture
def app(db: Engine, settings: Settings, clock: FixedClock) -> Flask:
    return create_app(
        {
            "settings": settings,
            "engine": db,
            "clock": clock,
            "TESTING": True,
            "CASE_PROCESS": "demo_case",
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def journey(db: Engine, settings: Settings, clock: FixedClock) -> FlaskClient:
    """A client of the app running the real victim journey (not the demo process)."""
    app = create_app({"settings": settings, "engine": db, "clock": clock, "TESTING": True})
    return app.test_client()


@pytest.fixture
def library(db: Engine, session: Session) -> Iterator[Session]:
    """Forget the process versions a test deployed, and which was current: the library
    outlives a test."""
    rows = session.execute(select(ProcessVersion.id, ProcessVersion.is_current)).all()
    known = {version_id: was_current for version_id, was_current in rows}
    yield session
    session.rollback()
    session.execute(delete(ReviewEntry))
    session.execute(delete(ProcessVersion).where(ProcessVersion.id.not_in(list(known))))
    session.execute(update(ProcessVersion).values(is_current=False))
    current = [version_id for version_id, was_current in known.items() if was_current]
    session.execute(
        update(ProcessVersion).where(ProcessVersion.id.in_(current)).values(is_current=True)
    )
    session.commit()
