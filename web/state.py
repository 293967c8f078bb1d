"""What the web application holds for its lifetime: settings, database, services.

Views get a request-scoped session from `db_session()`; it is closed when the request
ends, and rolled back if the request left a transaction open.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.bpmn.clock import Clock
from engine.db.context import Services
from engine.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    services: Services

    @property
    def clock(self) -> Clock:
        return self.services.clock


def state() -> AppState:
    return current_app.extensions["nbassist"]


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = state().sessions()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
