"""How each booked invoice was delivered by ledgerlink's own channels.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("book", sa.String(200), primary_key=True),
        sa.Column("invoice_key", sa.String(400), primary_key=True),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("reference", sa.String(400)),
        sa.Column("document", sa.Text),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
