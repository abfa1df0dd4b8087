"""Registered companies for the worker-pool tests: sample files, a sandbox book each, and
the worker processes (``ledgerlink worker``) started from the checkout."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from ledgerlink import demo, loading, workers
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.store import Store
from ledgerlink.store.companies import CompanyRecord
from tests.paths import ROOT

__all__ = ["invoiced_work_orders", "line_keys", "register", "start_worker"]


def register(store: Store, root: Path, name: str, *, orders: int = 12, customers: int = 4,
             book: str | None = None, latency: float = 0.0,
             seed: int = 7) -> CompanyRecord:
    """Register company ``name``: ``orders`` sample work orders of ``customers`` customers in
    files under ``root/name``, invoiced into the sandbox book ``book`` (default its own)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    people = demo.demo_customers(customers, seed=seed)
    work = demo.demo_work_orders(people, orders, now=datetime.now(UTC), seed=seed)
    loading.save_customers(people, folder / "customers.csv")
    loading.save_work_orders(work, folder / "work-orders.csv")
    options: dict[str, object] = {"path": str(root / (book or name)) + ".db"}
    if latency:
        options["latency"] = latency
    return workers.add_company(
        store, name, connector="sandbox", options=options, source="files",
        source_options={"customers": str(folder / "customers.csv"),
                        "work_orders": str(folder / "work-orders.csv")},
        time_zone="Europe/Copenhagen")


def line_keys(book_path: str) -> list[str]:
    """The keys of every invoice line of the sandbox book (what each line bills)."""
    book = SandboxConnector(book_path)
    try:
        return [key for invoice in book.invoices() for key in invoice.line_keys if key]
    finally:
        book.close()


def invoiced_work_orders(book_path: str) -> Counter[str]:
    """How many invoice lines of the sandbox book bill each work order (its lines' keys)."""
    return Counter(key.split(":")[1] for key in line_keys(book_path))


def start_worker(url: str, *options: str) -> subprocess.Popen[str]:
    """``ledgerlink worker --store url options...`` as a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-c", "from ledgerlink.cli import main; main()", "worker",
         "--store", url, *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
