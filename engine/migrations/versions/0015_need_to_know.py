"""need to know: note visibility, what a task needs, access on a legal basis

- `case_note.visibility`: "organisation" (the new default: only the writer reads it),
  "team" or "confidential". Notes written before were read by the whole team, so they
  keep "team"; confidential ones become "confidential".
- `task.needs`: the case fields a task declares it needs (its `needs` property), what
  an agency holding the task may read of her.
- `access_grant`: access on a recorded legal basis, confirmed by a second person,
  time-limited.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_note") as batch_op:
        batch_op.add_column(
            sa.Column("visibility", sa.String(20), nullable=False, server_default="organisation")
        )
    op.execute(
        "UPDATE case_note SET visibility = CASE WHEN confidential THEN 'confidential' "
        "ELSE 'team' END"
    )
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("needs", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "access_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_file.id"), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("basis", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column(
            "requested_by_user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id"),
            nullable=False,
        ),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column(
            "confirmed_by_user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True
        ),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_access_grant_case_org", "access_grant", ["case_id", "organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_access_grant_case_org", "access_grant")
    op.drop_table("access_grant")
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_column("needs")
    with op.batch_alter_table("case_note") as batch_op:
        batch_op.drop_column("visibility")
