"""a reopened case continues where it stopped

- `case_file.state_before_closing`: the encrypted workflow state just before she withdrew or
  the coordinator closed the case, so that reopening brings back the steps that were
  open then (nothing starts over). Erased with the rest of her data.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("state_before_closing", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("state_before_closing")
