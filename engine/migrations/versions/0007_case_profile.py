"""case profile

Her profile beside the workflow state: the few values the case page and lists show
(her languages), encrypted, so that showing them does not decrypt the whole workflow.
Existing cases get theirs at their next step; until then pages read the workflow.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("profile", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("profile")
