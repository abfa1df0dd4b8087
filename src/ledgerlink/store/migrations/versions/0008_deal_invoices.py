"""The invoices linked to each deal: by ledgerlink when it invoices the deal, or by hand.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deal_invoices",
        sa.Column("book", sa.String(200), primary_key=True),
        sa.Column("deal_id", sa.String(200), primary_key=True),
        sa.Column("provider_id", sa.String(200), primary_key=True),
        sa.Column("invoice_key", sa.String(400)),
        sa.Column("how", sa.String(20), nullable=False),
        sa.Column("linked_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deal_invoices")
