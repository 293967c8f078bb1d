"""list indexes

Indexes that let the case and task lists start from the organisation's own rows (its
team memberships, its tasks) and read them in the order a page shows them, so that a
list costs the same at 100,000 cases as at 1,000. The organisation's earlier one-column
and two-column indexes are prefixes of the new ones and are dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index("ix_case_created", ["created_at", "id"], unique=False)
    with op.batch_alter_table("case_team", schema=None) as batch_op:
        batch_op.drop_index("ix_case_team_organisation_id")
        batch_op.create_index("ix_case_team_org_case", ["organisation_id", "case_id"], unique=False)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_org_state")
        batch_op.create_index(
            "ix_task_org_state_due",
            ["organisation_id", "state", "due_at", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_task_org_state_name", ["organisation_id", "state", "name"], unique=False
        )
        batch_op.create_index(
            "ix_task_org_state_created",
            ["organisation_id", "state", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_task_claimed", ["claimed_by_id", "state", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_task_org_case", ["organisation_id", "case_id", "role"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_org_case")
        batch_op.drop_index("ix_task_claimed")
        batch_op.drop_index("ix_task_org_state_created")
        batch_op.drop_index("ix_task_org_state_name")
        batch_op.drop_index("ix_task_org_state_due")
        batch_op.create_index("ix_task_org_state", ["organisation_id", "state"], unique=False)
    with op.batch_alter_table("case_team", schema=None) as batch_op:
        batch_op.drop_index("ix_case_team_org_case")
        batch_op.create_index("ix_case_team_organisation_id", ["organisation_id"], unique=False)
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_created")
