"""quarantine and current process versions

- `case_file.quarantined_at` and `quarantine_reason`: a case the scheduler could not
  run is set aside until released; the due-timer index leads with the quarantine mark
  so that a tick's range scan never meets a quarantined case.
- `process_version.is_current`: the version new cases start on, one per process (a
  partial unique index); until now that was the highest version, so it is marked.
- `process_version.model_hash`: the canonical model's hash, so that a re-saved diagram
  with only layout or formatting changes is not a new version. Computed here from the
  stored spec the same way as engine/versions.py `model_hash` (kept self-contained:
  a migration must not change when the engine does).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:00:00
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("quarantined_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("quarantine_reason", sa.Text(), nullable=True))
        batch_op.drop_index("ix_case_timer_due")
        batch_op.create_index(
            "ix_case_timer_due", ["status", "quarantined_at", "next_timer_at"], unique=False
        )
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.add_column(
            sa.Column("is_current", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("model_hash", sa.String(length=64), nullable=True))
    _mark_current_and_hash()
    op.create_index("ix_process_version_model", "process_version", ["process_id", "model_hash"])
    op.create_index(
        "uq_process_version_current",
        "process_version",
        ["process_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )


def _without_file_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_file_names(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [_without_file_names(v) for v in value]
    return value


def _mark_current_and_hash() -> None:
    connection = op.get_bind()
    versions = sa.table(
        "process_version",
        sa.column("id"),
        sa.column("process_id"),
        sa.column("version"),
        sa.column("spec_json"),
        sa.column("start_form"),
        sa.column("is_current", sa.Boolean()),
        sa.column("model_hash"),
    )
    newest: dict[str, tuple[int, int]] = {}
    rows = connection.execute(
        sa.select(
            versions.c.id,
            versions.c.process_id,
            versions.c.version,
            versions.c.spec_json,
            versions.c.start_form,
        )
    )
    for row_id, process_id, number, spec_json, start_form in rows.all():
        model = {"spec": _without_file_names(json.loads(spec_json)), "start_form": start_form}
        digest = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()
        connection.execute(
            versions.update().where(versions.c.id == row_id).values(model_hash=digest)
        )
        if process_id not in newest or newest[process_id][0] < number:
            newest[process_id] = (number, row_id)
    for _, row_id in newest.values():
        connection.execute(versions.update().where(versions.c.id == row_id).values(is_current=True))


def downgrade() -> None:
    op.drop_index("uq_process_version_current", table_name="process_version")
    op.drop_index("ix_process_version_model", table_name="process_version")
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.drop_column("model_hash")
        batch_op.drop_column("is_current")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_index("ix_case_timer_due")
        batch_op.create_index("ix_case_timer_due", ["status", "next_timer_at"], unique=False)
        batch_op.drop_column("quarantine_reason")
        batch_op.drop_column("quarantined_at")
