"""Fault injection: SIGKILL right after the Nth committed write, and latency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ledgerlink.sandbox import SandboxConnector
from ledgerlink.testing import make_customer

pytestmark = pytest.mark.slow

#: Creates three customers; a kill after the second write leaves two.
SCRIPT = textwrap.dedent(
    """
    import sys
    from ledgerlink.sandbox import SandboxConnector
    from ledgerlink.testing import make_customer

    kill = int(sys.argv[2]) if len(sys.argv) > 2 else None
    book = SandboxConnector(sys.argv[1], kill_after_writes=kill)
    book.find_customer(make_customer(id="first"))  # reads are not writes
    for name in ("first", "second", "third"):
        book.create_customer(make_customer(id=name))
    print("survived")
    """
)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "LEDGERLINK_SANDBOX_KILL_AFTER_WRITES"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _customers(path: Path) -> list[str | None]:
    with SandboxConnector(path) as book:
        return [book.find_customer(make_customer(id=n)) for n in ("first", "second", "third")]


def test_kill_after_writes_sigkills_right_after_the_commit(tmp_path: Path) -> None:
    """The process dies by SIGKILL after its second write, which is in the book."""
    path = tmp_path / "book.db"
    proc = _run(str(path), "2")
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "survived" not in proc.stdout
    assert _customers(path) == ["C-00001", "C-00002", None]


def test_kill_count_comes_from_the_environment(tmp_path: Path) -> None:
    """LEDGERLINK_SANDBOX_KILL_AFTER_WRITES sets the kill point when the argument is absent."""
    path = tmp_path / "book.db"
    proc = _run(str(path), env={"LEDGERLINK_SANDBOX_KILL_AFTER_WRITES": "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _customers(path) == ["C-00001", None, None]


def test_without_a_kill_point_the_process_survives(tmp_path: Path) -> None:
    """With no argument and no environment variable nothing is killed."""
    path = tmp_path / "book.db"
    proc = _run(str(path))
    assert proc.returncode == 0 and "survived" in proc.stdout, proc.stderr
    assert None not in _customers(path)


def test_writes_that_change_nothing_do_not_count(tmp_path: Path) -> None:
    """Booking an already booked invoice is no write, so it does not reach the kill point."""
    path = tmp_path / "book.db"
    script = textwrap.dedent(
        f"""
        from ledgerlink.sandbox import SandboxConnector
        from ledgerlink.testing import make_customer, make_invoice_draft

        book = SandboxConnector({str(path)!r}, kill_after_writes=4)
        customer = make_customer()
        ref = book.create_customer(customer)                                  # write 1
        invoice = book.create_invoice(make_invoice_draft(customer=customer), ref, {{}})  # 2
        book.book(invoice.provider_id)                                        # write 3
        for _ in range(5):
            book.book(invoice.provider_id)                                    # no writes
        print("alive")
        book.send(invoice.provider_id)                                        # write 4
        print("not reached")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout.split() == ["alive"]
    with SandboxConnector(path) as book:
        assert len(book.outbox()) == 1


def test_latency_slows_every_call(tmp_path: Path) -> None:
    """Each call sleeps the configured latency before it runs."""
    with SandboxConnector(tmp_path / "b.db", latency=0.02) as book:
        start = time.perf_counter()
        book.find_customer(make_customer())
        book.create_customer(make_customer())
        assert time.perf_counter() - start >= 0.04
