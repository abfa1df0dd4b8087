"""The journal store (SQLAlchemy Core; SQLite by default, PostgreSQL alike)."""

from ledgerlink.store.facts import InvoiceFacts
from ledgerlink.store.records import RunList
from ledgerlink.store.store import (
    LogEntry,
    OpRecord,
    RunRecord,
    Store,
    Transaction,
    TransferLog,
)

__all__ = [
    "InvoiceFacts",
    "LogEntry",
    "OpRecord",
    "RunList",
    "RunRecord",
    "Store",
    "Transaction",
    "TransferLog",
]
