"""Database engine and sessions from a URL, schema migration with Alembic, and the
planner's statistics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

# How long a SQLite writer waits for the lock before the request answers 503 (busy).
SQLITE_BUSY_SECONDS = 15
# The execution option a unit of work sets to begin its transaction as a writer.
WRITE_OPTION = "nbassist_write"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    # Operators write postgresql://…; we use psycopg 3, not the psycopg2 default.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(
    url: str, sqlite_busy_seconds: float = SQLITE_BUSY_SECONDS, **kwargs: Any
) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_seconds}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_busy_timeout(sqlite_busy_seconds))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit transactions are off).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Overwrite deleted content with zeros, whatever the build's default: erased personal
    # data must not linger in free pages (engine/retention/erasure.py).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_busy_timeout(seconds: float) -> Callable[[Any, Any], None]:
    def set_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")

    return set_timeout


def _sqlite_begin(connection: Any) -> None:
    # A unit of work takes the write lock up front (engine/db/unit_of_work.py): a
    # deferred BEGIN that reads and then writes fails at once ("database is locked")
    # when another writer committed meanwhile, because the busy timeout does not help
    # an upgrade from a read snapshot. Writers so wait their turn; readers never wait.
    immediate = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Create or upgrade the schema to the newest migration, then refresh statistics:
    a migration may add the very indexes the planner should now choose."""
    command.upgrade(alembic_config(url), "head")
    analyse(url)


def analyse(url: str) -> None:
    """Refresh the query planner's statistics (after `nbassist init` and migrations).

    Without them SQLite guesses, and at 10,000 cases it chose to search the team and
    task tables once per case for the case list (minutes instead of milliseconds).
    SQLite samples at most `analysis_limit` rows per index, so this stays quick however
    large the database grows; PostgreSQL's ANALYZE samples by itself.
    """
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    finally:
        engine.dispose()
