"""languages: a person's chosen language, reviewed translations, added leaflet languages

- `user_account.locale` may be empty: no language chosen yet, so the browser's and then
  the organisation country's language apply. Nobody could choose a language before this
  revision, so the old default "en" is cleared.
- `reviewed_message`: which translations a native speaker has checked, per language.
- `leaflet_text`: the rights leaflet in languages an administrator added.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=10), nullable=True)
    op.execute("UPDATE user_account SET locale = NULL WHERE locale = 'en'")
    op.create_table(
        "reviewed_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("msgid_hash", sa.String(length=64), nullable=False),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("msgstr", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("locale", "msgid_hash", name="uq_reviewed_message"),
    )
    op.create_table(
        "leaflet_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("edition", sa.String(length=20), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("language", "edition", name="uq_leaflet_text"),
    )


def downgrade() -> None:
    op.drop_table("leaflet_text")
    op.drop_table("reviewed_message")
    op.execute("UPDATE user_account SET locale = 'en' WHERE locale IS NULL")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=10), nullable=False)
