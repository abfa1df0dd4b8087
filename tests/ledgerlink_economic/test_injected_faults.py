"""e-conomic under injected faults: each write made once, counted from the emulator's state.

A bulk run against the emulator served on 127.0.0.1 with the emulator kit's faults
on (5xx and 429 answers, connections cut after a write committed) at two
intensities, then a clean run: whatever the faulty run left undone is finished,
and each work order is on one booked invoice, each customer made once. Then the
mechanism that makes it so: a write whose answer is lost is retried with the same
``Idempotency-Key``, and e-conomic answers the retry from its cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.crash_job import COMPANY, CUSTOMERS, NOW
from tests.ledgerlink_economic.support import (
    OPTIONS,
    assert_booked_once,
    build_connector,
    served_agreement,
)
from tests.recording import RecordingTransport
from tests.runners import shared_work

#: The bulk run's work orders (about 90 requests: each kind of fault is met).
ORDERS = 30
#: (5xx share, 429 share, share of committed writes cut) of a mild and a harsh run.
SHARES = {"mild": (0.1, 0.1, 0.1), "harsh": (0.3, 0.1, 0.4)}

Served = tuple[EconomicEmulator, Agreement, str, Path]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """An agreement served on 127.0.0.1, the journal holding its tokens."""
    emulator = EconomicEmulator()
    journal = tmp_path / "journal.db"
    with served_agreement(emulator, journal) as (agreement, base_url):
        yield emulator, agreement, base_url, journal


def invoice_all(served: Served) -> ll.RunResult:
    """One bulk run over every work order, in this process, over real HTTP."""
    _, agreement, base_url, journal = served
    store = Store(journal)
    with EconomicConnector(agreement=str(agreement.agreement_number), token_store=store,
                           base_url=base_url, limiters=LimiterRegistry(), **OPTIONS) as book:
        return ll.invoice(shared_work(ORDERS, CUSTOMERS, NOW), CUSTOMERS, COMPANY, book,
                          now=NOW, store=store)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("shares", list(SHARES), ids=list(SHARES))
def test_a_faulty_bulk_run_then_a_clean_one_book_each_order_once(
        served: Served, shares: str, seed: int) -> None:
    """5xx, 429 and cut connections during a bulk run, then a clean run: each work order on
    exactly one booked invoice, each customer created once, nothing open in the journal."""
    emulator, agreement, _, journal = served
    faults = emulator.faults
    share_5xx, share_429, share_cut = SHARES[shares]
    faults.randomly(errors=share_5xx, throttles=share_429, drops=share_cut, seed=seed)
    invoice_all(served)
    met = faults.injected
    faults.clear()
    assert min(met["5xx"], met["429"], met["drop"]) > 0, met
    clean = invoice_all(served)
    assert clean.ok, clean.summary
    assert_booked_once(emulator, agreement, ORDERS)
    with Store(journal) as store:
        assert not store.unresolved(f"economic-{agreement.agreement_number}")


def test_a_lost_answer_is_replayed_from_economics_cache(emulator: EconomicEmulator,
                                                        agreement: Agreement,
                                                        tmp_path: Path) -> None:
    """A draft whose answer is cut after it was made is retried with the same key; e-conomic
    answers from its cache (X-ResultFromCache) and there is one draft."""
    recording = RecordingTransport(emulator.transport())
    with build_connector(emulator, tmp_path, agreement=agreement,
                         transport=recording) as book:
        customer = make_customer()
        ref = book.create_customer(customer)
        emulator.faults.drop_after_commit(1)
        draft = make_invoice_draft(customer=customer)
        created = book.create_invoice(draft, ref, {})
    posts = [r for r in recording.requests if (r.method, r.url.path) == ("POST",
                                                                          "/invoices/drafts")]
    assert len(posts) == 2
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    cached = [r for r in emulator.records if r.path == "/invoices/drafts" and r.from_cache]
    assert len(cached) == 1
    assert [d["references"]["other"] for d in emulator.drafts(agreement)] == [draft.key]
    assert created.provider_id == draft.key


class Lost(httpx.BaseTransport):
    """Every POST to ``path`` is done by the emulator and its answer lost."""

    def __init__(self, inner: httpx.BaseTransport, path: str) -> None:
        self.inner = inner
        self.path = path
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        answer = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path == self.path:
            self.keys.append(request.headers["Idempotency-Key"])
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return answer


def test_a_create_lost_every_time_is_made_once_and_looked_up(emulator: EconomicEmulator,
                                                             agreement: Agreement,
                                                             tmp_path: Path) -> None:
    """A create whose every answer is lost: each try carries the one key, the connector looks
    the key up before sending it again, finds the draft and returns it; one draft exists."""
    lost = Lost(emulator.transport(), "/invoices/drafts")
    with build_connector(emulator, tmp_path, agreement=agreement, transport=lost) as book:
        customer = make_customer()
        ref = book.create_customer(customer)
        draft = make_invoice_draft(customer=customer)
        created = book.create_invoice(draft, ref, {})
    assert created.provider_id == draft.key and not created.booked
    assert len(set(lost.keys)) == 1 and len(lost.keys) >= 2
    assert [d["references"]["other"] for d in emulator.drafts(agreement)] == [draft.key]


def test_a_booking_lost_every_time_is_booked_once(emulator: EconomicEmulator,
                                                  agreement: Agreement,
                                                  tmp_path: Path) -> None:
    """A booking whose every answer is lost is found booked by its key afterwards: one booked
    invoice, one number, no draft left."""
    lost = Lost(emulator.transport(), "/invoices/booked")
    with build_connector(emulator, tmp_path, agreement=agreement, transport=lost) as book:
        customer = make_customer()
        ref = book.create_customer(customer)
        draft = make_invoice_draft(customer=customer)
        created = book.create_invoice(draft, ref, {})
        booked = book.book(created.provider_id)
    assert booked.booked and booked.number == "1"
    assert [b["references"]["other"] for b in emulator.invoices(agreement)] == [draft.key]
    assert emulator.drafts(agreement) == []
