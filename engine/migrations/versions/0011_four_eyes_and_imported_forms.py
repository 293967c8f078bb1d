"""four eyes on process versions, forms imported beside diagrams

- `process_version.review_state` and what a review keeps: a deployed change is
  `proposed` until an administrator of another organisation approves it. Every version
  deployed before this was current or chosen by an administrator, so it is `approved`.
- `process_review_entry`: the proposal, comments, approval or rejection of a version.
- `imported_form`: forms uploaded beside a diagram (spiff-arena's
  `formJsonSchemaFilename`), named by their content's hash and never changed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_state", sa.String(length=12), nullable=False, server_default="approved"
            )
        )
        batch_op.add_column(sa.Column("proposed_by_org", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("proposed_over", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_diff", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=80), nullable=True))
    op.create_table(
        "process_review_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["process_version_id"], ["process_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_process_review_entry_process_version_id",
        "process_review_entry",
        ["process_version_id"],
    )
    op.create_table(
        "imported_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("source_file", sa.String(length=200), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("ui_schema", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("imported_form")
    op.drop_index("ix_process_review_entry_process_version_id", "process_review_entry")
    op.drop_table("process_review_entry")
    with op.batch_alter_table("process_version") as batch_op:
        for column in (
            "decided_by",
            "decided_at",
            "review_diff",
            "proposed_over",
            "proposed_by_org",
            "review_state",
        ):
            batch_op.drop_column(column)
