"""The first journal schema: operations, invoices, invoiced work, maps, runs, log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_KEY = sa.String(400)
_ID = sa.String(200)
_STAMP = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("book", _ID, primary_key=True),
        sa.Column("op_key", _KEY, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("subject", _KEY, nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_operations_intent", "operations", ["book"],
                    sqlite_where=sa.text("state = 'intent'"),
                    postgresql_where=sa.text("state = 'intent'"))
    op.create_table(
        "invoices",
        sa.Column("book", _ID, primary_key=True),
        sa.Column("key", _KEY, primary_key=True),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("target", sa.String(10), nullable=False),
        sa.Column("send", sa.Boolean, nullable=False),
        sa.Column("pending", sa.Boolean, nullable=False),
        sa.Column("remote_id", _ID),
        sa.Column("number", sa.String(100)),
        sa.Column("booked", sa.Boolean, nullable=False),
        sa.Column("sent", sa.Boolean),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("credited", sa.Boolean, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.String(40)),
        sa.Column("updated_at", _STAMP, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_invoices_customer", "invoices", ["book", "customer_id"])
    op.create_table(
        "invoiced_work",
        sa.Column("book", _ID, primary_key=True),
        sa.Column("work_order_id", _ID, primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("invoice_key", _KEY, nullable=False),
        sa.Column("credited", sa.Boolean, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_invoiced_work_invoice", "invoiced_work", ["book", "invoice_key"])
    for name, column in (("customers", "customer_id"), ("products", "product_id")):
        op.create_table(
            name,
            sa.Column("book", _ID, primary_key=True),
            sa.Column(column, _ID, primary_key=True),
            sa.Column("remote_id", _ID, nullable=False),
        )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("book", _ID, nullable=False),
        sa.Column("connector", sa.String(100), nullable=False),
        sa.Column("started_at", _STAMP, nullable=False),
        sa.Column("finished_at", _STAMP),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_table(
        "transfer_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("book", _ID, nullable=False),
        sa.Column("at", _STAMP, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", _KEY, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("remote_id", _ID),
        sa.Column("number", sa.String(100)),
        sa.Column("amount", sa.String(40)),
        sa.Column("currency", sa.String(3)),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_transfer_log_run", "transfer_log", ["run_id"])
    op.create_index("ix_transfer_log_book", "transfer_log", ["book", "id"])


def downgrade() -> None:
    for name in ("transfer_log", "runs", "products", "customers", "invoiced_work",
                 "invoices", "operations"):
        op.drop_table(name)
