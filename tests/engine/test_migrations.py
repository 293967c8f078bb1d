"""The migrations build exactly the schema the models describe: a model changed without
its migration (or the other way round) would work in tests built from the models and
fail on an upgraded production database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from engine.models import Base


def test_the_migrated_database_matches_the_models(db_engine: Engine) -> None:
    # db_engine's database was built by running every migration (engine.db.migrate).
    with db_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
