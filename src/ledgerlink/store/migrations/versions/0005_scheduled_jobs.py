"""Scheduled invoicing jobs: the jobs and their versions, runs, log and billed items.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.String(200)
_JOB = sa.String(40)
_STAMP = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "schedule_jobs",
        sa.Column("id", _JOB, primary_key=True),
        sa.Column("company", _ID, nullable=False),
        sa.Column("name", _ID, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sa.Column("deleted_at", _STAMP),
    )
    # Unique among the jobs not deleted: a deleted job's name may be reused.
    op.create_index("ux_schedule_jobs_name", "schedule_jobs", ["company", "name"], unique=True,
                    sqlite_where=sa.text("deleted_at IS NULL"),
                    postgresql_where=sa.text("deleted_at IS NULL"))
    op.create_table(
        "schedule_job_versions",
        sa.Column("job_id", _JOB, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("saved_at", _STAMP, nullable=False),
    )
    op.create_table(
        "schedule_runs",
        sa.Column("run_id", _JOB, primary_key=True),
        sa.Column("job_id", _JOB, nullable=False),
        sa.Column("slot", sa.String(60), nullable=False),
        sa.Column("scheduled_for", sa.String(10), nullable=False),
        sa.Column("trigger", sa.String(10), nullable=False),
        sa.Column("job_version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("worker", _ID, nullable=False),
        sa.Column("claimed_at", _STAMP, nullable=False),
        sa.Column("lease_until", _STAMP, nullable=False),
        sa.Column("finished_at", _STAMP),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.UniqueConstraint("job_id", "slot", name="uq_schedule_runs_slot"),
    )
    op.create_index("ix_schedule_runs_claimed", "schedule_runs", ["claimed_at"])
    op.create_table(
        "schedule_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", _JOB, nullable=False),
        sa.Column("job_id", _JOB, nullable=False),
        sa.Column("at", _STAMP, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("customer_id", _ID),
        sa.Column("projects", sa.Text),
        sa.Column("invoice_key", sa.String(400)),
        sa.Column("provider_id", _ID),
        sa.Column("number", sa.String(100)),
        sa.Column("amount", sa.String(40)),
        sa.Column("currency", sa.String(3)),
        sa.Column("creator", _ID),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_schedule_log_job", "schedule_log", ["job_id", "id"])
    op.create_index("ix_schedule_log_run", "schedule_log", ["run_id", "id"])
    op.create_table(
        "billed_items",
        sa.Column("book", _ID, primary_key=True),
        sa.Column("item_id", _ID, primary_key=True),
        sa.Column("job_id", _JOB, nullable=False),
        sa.Column("run_id", _JOB, nullable=False),
        sa.Column("work_order_id", _ID, nullable=False),
        sa.Column("claimed_at", _STAMP, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_billed_items_run", "billed_items", ["run_id"])


def downgrade() -> None:
    for name in ("billed_items", "schedule_log", "schedule_runs", "schedule_job_versions",
                 "schedule_jobs"):
        op.drop_table(name)
