"""Invoice status facts and the change-feed watermark per book.

Statuses such as "overdue" depend on the day they are judged on, so the store
keeps the provider's facts (balance, due date, booked/voided/deleted) as of the
last refresh and derives the status when it is read, never a stale status.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STAMP = sa.String(40)


def upgrade() -> None:
    # All nullable: NULL means "never refreshed", which an existing row truly is.
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("remote_booked", sa.Boolean))
        batch.add_column(sa.Column("voided", sa.Boolean))
        batch.add_column(sa.Column("deleted", sa.Boolean))
        batch.add_column(sa.Column("balance", sa.String(40)))
        batch.add_column(sa.Column("due_date", sa.String(10)))
        batch.add_column(sa.Column("refreshed_at", _STAMP))
    op.create_table(
        "change_feeds",
        sa.Column("book", sa.String(200), primary_key=True),
        sa.Column("until", _STAMP, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("change_feeds")
    with op.batch_alter_table("invoices") as batch:
        for name in ("refreshed_at", "due_date", "balance", "deleted", "voided",
                     "remote_booked"):
            batch.drop_column(name)
