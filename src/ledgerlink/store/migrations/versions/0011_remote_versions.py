"""The provider's change stamp of each invoice, so a refresh skips what has not moved.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("remote_version", sa.String(100)))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("remote_version")
