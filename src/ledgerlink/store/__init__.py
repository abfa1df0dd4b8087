"""The journal store (SQLAlchemy Core; SQLite by default, PostgreSQL alike)."""

from ledgerlink.store.store import (
    LogEntry,
    OpRecord,
    RunRecord,
    Store,
    Transaction,
    TransferLog,
)

__all__ = ["LogEntry", "OpRecord", "RunRecord", "Store", "Transaction", "TransferLog"]
