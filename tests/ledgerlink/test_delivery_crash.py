"""Deliveries under SIGKILL and with several processes on one book: every booked invoice
reaches its customer once (a letter in the folder, a mail at the SMTP server on 127.0.0.1,
the sandbox's e-mail), an e-mail a dead run may have sent is reported, never sent twice.
Counts come from the folder, the SMTP server's inbox and the sandbox book."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.delivery.letter import letter_file_name
from ledgerlink.delivery.model import delivery_key
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store
from tests.crashes import kill_mid_run
from tests.paths import ROOT
from tests.smtp_servers import Inbox, plain_servers

#: Re-runs before a test gives up (each run makes progress).
MAX_RUNS = 40
WAIT_SECONDS = 60


def start(tmp: Path, port: int, *, kill_after: int | None = None,
          wait: float = 0.0) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ledgerlink.delivery_crash_job", str(tmp / "book.db"),
         str(tmp / "journal.db"), str(tmp / "letters"), str(port),
         "-" if kill_after is None else str(kill_after), str(wait)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with plain_servers() as serve:
        yield serve()


def mailed_numbers(inbox: Inbox) -> Counter[str]:
    """How many mails reached the server for each invoice number (by the PDF's name)."""
    numbers: Counter[str] = Counter()
    for _, _, message in inbox.received:
        for part in message.iter_attachments():
            name = part.get_filename() or ""
            numbers[name.removeprefix("invoice-").removesuffix(".pdf")] += 1
    return numbers


def assert_delivered_once(tmp: Path, inbox: Inbox, kills: int) -> None:
    """Every invoice billed, booked and delivered once; an e-mail a dead run may have sent
    is unknown (at most one mail each), and without kills there is none."""
    book = SandboxConnector(tmp / "book.db")
    invoices = {i.key: i for i in book.invoices() if i.key}
    assert len(invoices) == 18 and all(i.booked for i in invoices.values())
    billed = Counter(k for i in invoices.values() for k in i.line_keys)
    assert set(billed.values()) == {1} and len(billed) == 18
    journal = Store(tmp / "journal.db")
    records = journal.deliveries(book.account)
    assert not journal.unresolved(book.account)
    by_customer = {key: inv for key, inv in invoices.items()}
    letters = sorted(p.name for p in (tmp / "letters").glob("*.pdf"))
    post = [k for k, i in by_customer.items() if k in records and records[k].channel == "letter"]
    assert len(post) == 6
    assert letters == sorted(letter_file_name(delivery_key(k, "letter-folder")) for k in post)
    assert all(records[k].state == "sent" for k in post)
    mailed = mailed_numbers(inbox)
    mail = [k for k in records if records[k].channel == "email"]
    assert len(mail) == 6
    unknown = 0
    for key in mail:
        count = mailed[invoices[key].number or ""]
        if records[key].state == "unknown":
            unknown += 1
            assert count <= 1
        else:
            assert records[key].state == "sent" and count == 1, (key, records[key], count)
    # A kill leaves every e-mail whose intent was committed unknown, sent or not.
    assert unknown == 0 or kills > 0
    assert sum(mailed.values()) <= 6, "no invoice was e-mailed twice"
    outbox = Counter(e.invoice_id for e in book.outbox())
    provider = [i.provider_id for k, i in invoices.items() if k not in post and k not in mail]
    assert outbox == Counter(dict.fromkeys(provider, 1))
    book.close()


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 3])
def test_sigkill_right_after_a_handover_then_rerun(tmp_path: Path, smtp: tuple[Inbox, int],
                                                    kill_after: int) -> None:
    """Each run dies right after its Nth hand-over, before journaling it; re-runs deliver
    the rest, letters again by key (refused as repeats), e-mails never twice."""
    inbox, port = smtp
    kills = 0
    for _ in range(MAX_RUNS):
        job = start(tmp_path, port, kill_after=kill_after)
        _, err = job.communicate(timeout=WAIT_SECONDS * 2)
        if job.returncode == 0:
            break
        assert job.returncode == -signal.SIGKILL, err.decode()
        kills += 1
    else:
        pytest.fail("the job never finished")
    assert kills >= 1
    assert_delivered_once(tmp_path, inbox, kills)


@pytest.mark.slow
def test_sigkill_from_outside_at_random_moments_then_rerun(
        tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    """The parent SIGKILLs runs once letters and mails have grown by a random amount; a
    final clean run leaves every invoice delivered once."""
    inbox, port = smtp

    def progress() -> int:
        folder = tmp_path / "letters"
        return len(inbox.received) + (len(list(folder.glob("*.pdf"))) if folder.exists()
                                      else 0)

    kills = kill_mid_run(lambda: start(tmp_path, port), progress, random.Random(20261207),
                         attempts=6, least=1, most=4, wait_seconds=WAIT_SECONDS)
    final = start(tmp_path, port)
    _, err = final.communicate(timeout=WAIT_SECONDS * 2)
    assert final.returncode == 0, err.decode()
    assert kills >= 1
    assert_delivered_once(tmp_path, inbox, kills)


@pytest.mark.slow
def test_several_processes_on_one_book_deliver_each_invoice_once(
        tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    """Three processes invoicing and delivering the same work on one book at once: one holds
    the book at a time, and every invoice is delivered exactly once."""
    inbox, port = smtp
    jobs = [start(tmp_path, port, wait=WAIT_SECONDS) for _ in range(3)]
    for job in jobs:
        _, err = job.communicate(timeout=WAIT_SECONDS * 3)
        assert job.returncode == 0, err.decode()
    assert_delivered_once(tmp_path, inbox, kills=0)
    assert sum(mailed_numbers(inbox).values()) == 6
