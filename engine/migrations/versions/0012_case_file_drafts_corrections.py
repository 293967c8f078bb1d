"""her case file: drafts, corrections and the alias lookup key

- `task_draft`: a person's unfinished answers to an open task, encrypted, one per
  person and task.
- `case_correction`: a recorded value corrected by the coordinator; the old and new
  value and the reason are kept (encrypted) so the history shows both.
- `case_file.alias_key`: a keyed hash of her alias, indexed, so that a search by name
  neither stores the name readable nor decrypts every case's profile.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_draft",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("task_id", "user_id"),
    )
    op.create_table(
        "case_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_correction_case", "case_correction", ["case_id", "id"])
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("alias_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_case_file_alias_key", ["alias_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_index("ix_case_file_alias_key")
        batch_op.drop_column("alias_key")
    op.drop_index("ix_case_correction_case", table_name="case_correction")
    op.drop_table("case_correction")
    op.drop_table("task_draft")
