"""The provider's change stamp of each invoice, so a refresh skips what has not moved.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("remote_version", sa.String(100)))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("remote_version")
