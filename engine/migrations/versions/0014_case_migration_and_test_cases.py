"""case migration and test cases

- `case_file.previous_state` and `previous_version_id`: what a case migrated to another
  process version goes back to while it has not moved on since.
- `case_file.is_test`: a test case an administrator started to try a version; the
  scheduler erases those older than a day through `ix_case_test_created`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(
            sa.Column("is_test", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("previous_state", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("previous_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_case_file_previous_version_id_process_version",
            "process_version",
            ["previous_version_id"],
            ["id"],
        )
        batch_op.create_index("ix_case_test_created", ["is_test", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_index("ix_case_test_created")
        batch_op.drop_constraint(
            "fk_case_file_previous_version_id_process_version", type_="foreignkey"
        )
        batch_op.drop_column("previous_version_id")
        batch_op.drop_column("previous_state")
        batch_op.drop_column("is_test")
