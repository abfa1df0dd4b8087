"""One runner per book: the book's lease; and the work orders a policy keeps off invoices.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "book_leases",
        sa.Column("book", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("acquired_at", sa.String(40), nullable=False),
        sa.Column("lease_until", sa.String(40), nullable=False),
    )
    op.create_table(
        "policy_skips",
        sa.Column("book", sa.String(200), primary_key=True),
        sa.Column("work_order_id", sa.String(200), primary_key=True),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("policy_skips")
    op.drop_table("book_leases")
