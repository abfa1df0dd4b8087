"""The fingerprint of each customer's details as last written to the provider.

With it the planner updates a provider's customer only when the address, e-mail
or registration number changed since ledgerlink last wrote them (no read per
customer per run).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: NULL means "not known", and the next run with updates writes once.
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("details", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("details")
