"""Shared test fixtures: one migrated database per run (SQLite by default, PostgreSQL when
NBASSIST_TEST_DATABASE_URL says so), emptied of case data between tests; a fixed clock."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session

from engine import audit, directory, versions
from engine.accounts import users
from engine.audit import Actor
from engine.bpmn.clock import FixedClock
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker, migrate, normalise_url
from engine.db.context import Services
from engine.settings import PROCESSES_DIR, Settings
from tests.factories.database import CASE_TABLES, DATA, START, TEST_KEY


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> None:
    """Minimal argon2 parameters: at production cost, hashing took most of a page test."""
    users.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


class EnglishBrowser(FlaskClient):
    """A test browser that asks for English, as most tests read English pages; a test
    of another language sends its own Accept-Language, which wins."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(scope="session", autouse=True)
def english_browser() -> Iterator[None]:
    """Without Accept-Language a page is in the organisation country's language."""
    previous = Flask.test_client_class
    Flask.test_client_class = EnglishBrowser
    yield
    Flask.test_client_class = previous


@pytest.fixture(scope="session", autouse=True)
def audit_chain_key() -> None:
    """The audit chain keyed with the test data key, as the app and the CLI key it."""
    audit.use_data_key(base64.urlsafe_b64decode(TEST_KEY))


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = os.environ.get("NBASSIST_TEST_DATABASE_URL")
    if url:
        if normalise_url(url).startswith("postgresql"):
            _reset_postgres(url)
        yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/test.db"


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = (
        make_engine(database_url, pool_size=30, max_overflow=10)
        if "postgresql" in normalise_url(database_url)
        else make_engine(database_url, sqlite_busy_seconds=2)
    )
    with make_sessionmaker(engine)() as session:
        directory.seed_directory(session)
        versions.deploy_files(
            session,
            {"demo_case.bpmn": (DATA / "demo_case.bpmn").read_bytes()},
            START,
            Actor.system(),
        )
        versions.deploy_directory(session, PROCESSES_DIR, START, Actor.system())
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def db(db_engine: Engine) -> Iterator[Engine]:
    """The shared database, emptied of cases, users and history after the test."""
    yield db_engine
    with db_engine.begin() as connection:
        for model in CASE_TABLES:
            connection.execute(delete(model))


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    with make_sessionmaker(db)() as s:
        yield s


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def services(clock: FixedClock) -> Services:
    return Services(cipher=Cipher(base64.urlsafe_b64decode(TEST_KEY)), clock=clock)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        env="development",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        data_key=base64.urlsafe_b64decode(TEST_KEY),
        smtp_url=None,
        base_url="http://127.0.0.1:5000",
        # Like a one-organisation development install: a deploy is current at once.
        # The four-eyes tests turn it on (tests/web/test_pages_admin_proposals.py).
        four_eyes=False,
    )
