"""retention: periods per country, legal holds, erasure mark, duplicate matching

Per-country retention periods (seeded by `nbassist init`, edited by administrators),
a legal hold per case, the time a case's personal data was erased, and the keyed hash
of her details that tells a second organisation whom to contact.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.create_table(
        "retention_rule",
        sa.Column("country", sa.String(2), primary_key=True),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=True),
    )
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_file.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column(
            "placed_by_user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True
        ),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column(
            "released_by_user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True
        ),
    )
    op.create_index("ix_legal_hold_case", "legal_hold", ["case_id", "released_at"])
    op.create_table(
        "case_match",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_file.id"), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_index("ix_case_match_digest", "case_match", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_case_match_digest", table_name="case_match")
    op.drop_table("case_match")
    op.drop_index("ix_legal_hold_case", table_name="legal_hold")
    op.drop_table("legal_hold")
    op.drop_table("retention_rule")
    with op.batch_alter_table("case_file") as batch_op:
        batch_op.drop_column("erased_at")
