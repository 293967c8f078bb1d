"""a task's access ends when its organisation leaves the case

- `task.access_ended_at`: set when her case moves to another country for the tasks of
  the organisations that leave it, so that their past work no longer shows them the
  case (need to know: the old team loses access at once).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("access_ended_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_column("access_ended_at")
