"""Several runner processes invoicing the same work on one book, for each connector's
many-runners tests (tests/ledgerlink_<connector>/test_many_runners.py).

Job side: :func:`shared_work` and :func:`invoice_and_report`, used by each connector's
``many_job.py`` (run with :func:`start_job` as ``python -m`` from the checkout, so it
can import this module). Parent side: start the jobs, read their reports, kill the
holder of the book mid-run, and check from the journal how the book changed hands.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import ledgerlink as ll
from ledgerlink.connector import Connector
from ledgerlink.store import Store
from tests.paths import ROOT

__all__ = [
    "TAKEN_OVER",
    "assert_one_runner_did_the_work",
    "assert_taken_over_after_the_lease",
    "invoice_and_report",
    "kill_the_holder_mid_run",
    "reports_of",
    "shared_work",
    "start_job",
]

#: Journal outcomes of a run that found another run's intents still open.
TAKEN_OVER = ("recovered", "rolled_back")


# --- the job side ----------------------------------------------------------------------


def shared_work(orders: int, customers: Sequence[ll.Customer], now: datetime
                ) -> list[ll.WorkOrder]:
    """``orders`` work orders ``WO-0``, ``WO-1``... (1-3 hours of window cleaning at 25 %
    VAT, completed an hour before ``now``), spread over ``customers`` in turn."""
    return [ll.WorkOrder(id=f"WO-{i}", customer_id=customers[i % len(customers)].id,
                         completed_at=now - timedelta(hours=1),
                         lines=[ll.WorkLine("Vinduespudsning", Decimal(i % 3 + 1),
                                            Decimal("400"), Decimal(25))])
            for i in range(orders)]


def invoice_and_report(work: Sequence[ll.WorkOrder], customers: Sequence[ll.Customer],
                       company: ll.Company, book: Connector, store: Store, *, now: datetime,
                       lease: float, wait: float) -> int:
    """Invoice ``work`` on ``book`` holding the book for ``lease`` seconds at a time and
    waiting up to ``wait`` seconds for another run holding it; print the run's id, summary
    and recovered statuses as one JSON line; the exit status (0: the run went well)."""
    try:
        result = ll.invoice(work, customers, company, book, now=now, store=store,
                            lease=timedelta(seconds=lease), wait=timedelta(seconds=wait))
    finally:
        book.close()
    print(json.dumps({"run_id": result.run_id, "summary": result.summary,
                      "recovered": [o.status for o in result.recovered]}))
    return 0 if result.ok else 1


# --- the parent side -------------------------------------------------------------------


def start_job(module: str, *args: object) -> subprocess.Popen[str]:
    """``python -m module args...`` from the checkout, its output captured as text."""
    return subprocess.Popen([sys.executable, "-m", module, *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def reports_of(runners: Sequence[subprocess.Popen[str]], timeout: float
               ) -> list[dict[str, Any]]:
    """Each runner's report (its last line of output), once it has ended well."""
    reports = []
    for runner in runners:
        out, err = runner.communicate(timeout=timeout)
        assert runner.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


#: A host name the killed runner claims, so its death cannot be seen from this host.
ELSEWHERE = "runner-on-another-host.invalid"


def _on_another_host(start: Callable[[], subprocess.Popen[str]], folder: Path
                     ) -> subprocess.Popen[str]:
    """``start()`` in a process that reports another host name, as a runner on another
    machine would: the book lease cannot tell whether it is alive, so only its lease
    running out frees the book (a dead process of this host is seen at once)."""
    (folder / "sitecustomize.py").write_text(
        f"import socket\nsocket.gethostname = lambda: {ELSEWHERE!r}\n", encoding="utf-8")
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(folder), before)))
    try:
        return start()
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def kill_the_holder_mid_run(start: Callable[[], subprocess.Popen[str]],
                            progress: Callable[[], int], enough: int, *, waiting: int,
                            timeout: float) -> tuple[list[dict[str, Any]], datetime]:
    """Start a runner on "another host", and once ``progress()`` reaches ``enough`` start
    ``waiting`` more (which must wait for the book it holds) and SIGKILL it; the waiting
    runners' reports and when it was killed. Its lease can only run out."""
    with tempfile.TemporaryDirectory() as folder:
        first = _on_another_host(start, Path(folder))
        deadline = time.monotonic() + timeout
        while first.poll() is None and progress() < enough and time.monotonic() < deadline:
            time.sleep(0.005)
        assert first.poll() is None, "the first runner was still running when it was killed"
        others = [start() for _ in range(waiting)]
        time.sleep(0.5)  # not for correctness: lets them start while the first still runs
        first.send_signal(signal.SIGKILL)
        killed_at = datetime.now(UTC)
        first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL
    return reports_of(others, timeout), killed_at


def outcomes(journal: str, book: str) -> Counter[str]:
    """How many journal entries of ``book`` have each outcome."""
    with Store(journal) as store:
        return Counter(entry.outcome for entry in store.log(book=book))


def assert_one_runner_did_the_work(reports: Sequence[dict[str, Any]], journal: str, book: str,
                                   orders: int) -> None:
    """One run created every invoice and the others none, and no run found another's
    intent open (nothing recovered or rolled back): they really took turns."""
    created = sorted(report["summary"]["invoices_created"] for report in reports)
    assert created == [0] * (len(reports) - 1) + [orders], "the summaries add up"
    assert all(report["recovered"] == [] for report in reports), "no live intent recovered"
    taken = outcomes(journal, book)
    assert [taken[outcome] for outcome in TAKEN_OVER] == [0, 0], taken


def assert_taken_over_after_the_lease(reports: Sequence[dict[str, Any]], journal: str,
                                      book: str, killed_at: datetime, lease: float) -> None:
    """The killed runner's open intents were first recovered or rolled back only after its
    lease ran out, by one of the waiting runners; the others found the work done."""
    with Store(journal) as store:
        taken_over = min(datetime.fromisoformat(entry.at) for entry in store.log(book=book)
                         if entry.outcome in TAKEN_OVER)
    # The lease was renewed at most a third of it before the kill, so it ran out two
    # thirds of it or more after; a dead runner's book taken at once would be well under.
    assert taken_over - killed_at >= timedelta(seconds=lease / 2), (
        "the book was taken over only after the dead runner's lease ran out")
    finishing = [r for r in reports if r["summary"]["invoices_created"]
                 or r["summary"]["recovered"]]
    assert len(finishing) == 1, "one runner took over and finished; the rest found it done"
