"""Syncing drafts reads only the open drafts: their own feed watermark and an index of them.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# As it stood when this revision was written (schema.OPEN_DRAFT_ROWS).
_OPEN_DRAFTS = "target = 'draft' AND NOT closed"


def upgrade() -> None:
    op.create_table(
        "draft_feeds",
        sa.Column("book", sa.String(200), primary_key=True),
        sa.Column("until", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_invoices_open_drafts", "invoices", ["book"],
                    sqlite_where=sa.text(_OPEN_DRAFTS), postgresql_where=sa.text(_OPEN_DRAFTS))


def downgrade() -> None:
    op.drop_index("ix_invoices_open_drafts", table_name="invoices")
    op.drop_table("draft_feeds")
