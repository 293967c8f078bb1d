"""native speakers review the translations

- `user_account.reviews_locale`: the language a person reviews the translations of (a
  native speaker from a member organisation, named by an administrator); she reaches
  that language's review page without being an administrator.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("reviews_locale", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("reviews_locale")
