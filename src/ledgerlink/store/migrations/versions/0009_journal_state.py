"""Partial indexes for reading only the work at hand: drafts by customer, unfinished invoices.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# As they stood when this revision was written (schema.DRAFT_ROWS, UNFINISHED_ROWS).
_DRAFTS = "target = 'draft'"
_UNFINISHED = ("((target = 'book' AND NOT closed AND NOT credited AND remote_id IS NOT NULL"
               " AND (NOT booked OR (send AND NOT sent))) OR credited)")


def upgrade() -> None:
    op.create_index("ix_invoices_drafts", "invoices", ["book", "customer_id"],
                    sqlite_where=sa.text(_DRAFTS), postgresql_where=sa.text(_DRAFTS))
    op.create_index("ix_invoices_unfinished", "invoices", ["book"],
                    sqlite_where=sa.text(_UNFINISHED), postgresql_where=sa.text(_UNFINISHED))


def downgrade() -> None:
    op.drop_index("ix_invoices_unfinished", table_name="invoices")
    op.drop_index("ix_invoices_drafts", table_name="invoices")
