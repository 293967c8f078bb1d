"""server-side sessions, token expiry, keyed audit chain heads

- `user_session`: signed-in browsers, so that sign-out and deactivation end them.
- `api_token.expires_at` and `last_used_at`: existing tokens expire 90 days from now.
- `audit_head`: each chain's newest hash and length. Events recorded before this
  migration keep their plain SHA-256 hashes (the migration has no data key to re-key
  them with); each chain's `keyed_from` marks where keyed chaining starts, and
  `nbassist audit verify` checks the older events the old way.
- `login_attempt`: emptied, because it held typed usernames in plain text.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:55:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASELESS_CHAIN = "*"


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_hash"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
    expiry = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=90)
    op.execute(sa.text("UPDATE api_token SET expires_at = :at").bindparams(at=expiry))
    op.execute("DELETE FROM login_attempt")
    head = op.create_table(
        "audit_head",
        sa.Column("chain", sa.String(length=36), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=True),
        sa.Column("keyed_from", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    _mark_legacy_chains(head)


def _mark_legacy_chains(head: sa.Table) -> None:
    connection = op.get_bind()
    events = sa.table("audit_event", sa.column("id"), sa.column("case_id"), sa.column("hash"))
    keyed_from = (connection.scalar(sa.select(sa.func.max(events.c.id))) or 0) + 1
    latest = (
        sa.select(
            events.c.case_id,
            sa.func.max(events.c.id).label("last_id"),
            sa.func.count().label("count"),
        )
        .group_by(events.c.case_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(latest.c.case_id, latest.c.count, events.c.hash).join(
            events, events.c.id == latest.c.last_id
        )
    ).all()
    heads = [
        {
            "chain": case_id or CASELESS_CHAIN,
            "hash": digest,
            "count": count,
            "mac": None,
            "keyed_from": keyed_from,
        }
        for case_id, count, digest in rows
    ]
    # The case-less chain (sign-ins) gets a keyed event soon, sealing the boundary
    # that every older chain's head shares: so it starts with a head even if empty.
    if not any(row["chain"] == CASELESS_CHAIN for row in heads):
        heads.append(
            {"chain": CASELESS_CHAIN, "hash": "", "count": 0, "mac": None, "keyed_from": keyed_from}
        )
    op.bulk_insert(head, heads)


def downgrade() -> None:
    op.drop_table("audit_head")
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
