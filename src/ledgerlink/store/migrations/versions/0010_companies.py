"""Companies registered for the worker pool, and provider rate limits shared by processes.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("book", sa.String(200), nullable=False),
        sa.Column("connector", sa.String(100), nullable=False),
        sa.Column("connector_options", sa.Text, nullable=False),
        sa.Column("secrets", sa.Text, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("source_options", sa.Text, nullable=False),
        sa.Column("policy", sa.Text),
        sa.Column("projects", sa.Text),
        sa.Column("time_zone", sa.String(60), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "rate_accounts",
        sa.Column("account", sa.String(200), primary_key=True),
    )
    op.create_table(
        "rate_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("limit_name", sa.String(40), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("answered_at", sa.Float),
        sa.Column("held_until", sa.Float, nullable=False),
    )
    op.create_index("ix_rate_requests_account", "rate_requests", ["account", "limit_name"])


def downgrade() -> None:
    op.drop_index("ix_rate_requests_account", "rate_requests")
    op.drop_table("rate_requests")
    op.drop_table("rate_accounts")
    op.drop_table("companies")
