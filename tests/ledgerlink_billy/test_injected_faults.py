"""Billy under injected faults: each write made once, counted from the emulator's state.

First a bulk run against the emulator served on 127.0.0.1 with the emulator kit's
faults on (5xx and 429 answers, connections cut after a write committed) at two
intensities, then a clean run: whatever the faulty run left undone is finished, and
each work order is on one invoice, approved and e-mailed once. The rate limit is
not under test here (429s are injected), so the emulator has none and the
connector a budget it never reaches.

Then the case those runs found: a create sent once more after its look-up found
nothing may be lost again, and must then not be repeated by the HTTP layer's
retries (Billy dedupes nothing), only after another look-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import ledgerlink as ll
from ledgerlink.errors import TransientProviderError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator, Limits, Organization
from tests.ledgerlink_billy.crash_job import COMPANY, CUSTOMERS, NOW
from tests.ledgerlink_billy.support import (
    Cutting,
    approved_invoice,
    assert_billed_once,
    build_connector,
    served_company,
)
from tests.runners import shared_work

#: Work orders of the bulk run: about 130 requests, enough to meet every kind of fault.
ORDERS = 40
#: Shares of calls answered 5xx and 429, and of committed writes whose answer is cut:
#: mild ones the run settles itself, harsh ones that leave work for the clean run.
SHARES = {"mild": (0.1, 0.1, 0.1), "harsh": (0.4, 0.1, 0.4)}

Served = tuple[BillyEmulator, Organization, str, Path, str]
Picks = Callable[[httpx.Request], bool]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A company served on 127.0.0.1 without a rate limit, the journal holding its token,
    and the ``rate_products`` option naming its 25 % product."""
    emulator = BillyEmulator(limits=Limits(per_minute=None))
    journal = tmp_path / "journal.db"
    with served_company(emulator, journal) as (org, base_url, products):
        yield emulator, org, base_url, journal, products


def invoice_all(served: Served) -> ll.RunResult:
    """One bulk run over every work order, in this process, over real HTTP."""
    _, org, base_url, journal, products = served
    store = Store(journal)
    book = BillyConnector(organization_id=org.id, token_store=store, base_url=base_url,
                          limiters=LimiterRegistry(), requests_per_minute=100_000,
                          rate_products=products)
    with book:
        return ll.invoice(shared_work(ORDERS, CUSTOMERS, NOW), CUSTOMERS, COMPANY, book,
                          now=NOW, store=store)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("shares", list(SHARES), ids=list(SHARES))
def test_a_faulty_bulk_run_then_a_clean_one_bill_each_order_once(
    served: Served, shares: str, seed: int,
) -> None:
    """5xx, 429 and cut connections during a bulk run, then a clean run: each work order on
    exactly one approved invoice, each e-mailed once, each customer created once, nothing
    left open in the journal."""
    emulator, org, _, journal, _ = served
    errors, throttles, drops = SHARES[shares]
    emulator.faults.randomly(errors=errors, throttles=throttles, drops=drops, seed=seed)
    invoice_all(served)
    injected = emulator.faults.injected
    emulator.faults.clear()
    clean = invoice_all(served)
    assert all(injected[kind] > 0 for kind in ("5xx", "429", "drop")), injected
    assert clean.ok, clean.summary
    invoices = assert_billed_once(emulator, org, ORDERS)
    contacts = Counter(contact["contactNo"] for contact in org.rows("contacts"))
    assert contacts == Counter({customer.id: 1 for customer in CUSTOMERS})
    with Store(journal) as store:
        assert not store.unresolved(f"billy-{org.id}")
        assert store.invoice_ids(f"billy-{org.id}") == {
            str(record["externalId"]): record["id"] for record in invoices}


# --- a create lost twice ---------------------------------------------------------------


def lost_twice(emulator: BillyEmulator, picks: Picks) -> httpx.BaseTransport:
    """The first request ``picks`` chooses is lost before it arrives (nothing done), the
    second is done and its answer lost: both failures leave the outcome unknown."""
    return Cutting(Cutting(emulator.transport(), picks), picks, before=True)


def _posts_to(path: str, marker: bytes = b"") -> Picks:
    return lambda request: (request.method == "POST" and request.url.path == path
                            and marker in request.content)


def test_an_invoice_created_again_after_its_look_up_is_sent_once(
        emulator: BillyEmulator, tmp_path: Path) -> None:
    """A create lost, looked up (not there), sent once more and lost again raises for the
    run to settle, instead of being retried into a second invoice with the same key."""
    billy = build_connector(emulator, tmp_path,
                            transport=lost_twice(emulator, _posts_to("/v2/invoices")))
    with billy:
        customer = make_customer(email="a@example.com")
        ref = billy.create_customer(customer)
        draft = make_invoice_draft(customer=customer)
        with pytest.raises(TransientProviderError):
            billy.create_invoice(draft, ref, {})
        found = billy.find_invoice(draft.key)
    keyed = [i["id"] for i in emulator.invoices(billy.organization_id)
             if i["externalId"] == draft.key]
    assert found is not None and keyed == [found.provider_id]


def test_a_credit_note_created_again_after_its_look_up_is_sent_once(
        emulator: BillyEmulator, tmp_path: Path) -> None:
    """The same for a credit note: one credit note with its key, however the create's
    answers were lost."""
    transport = lost_twice(emulator, _posts_to("/v2/invoices", b'"creditNote"'))
    with build_connector(emulator, tmp_path, transport=transport) as billy:
        invoice = approved_invoice(billy)
        with pytest.raises(TransientProviderError):
            billy.credit(invoice.provider_id, "credit:1")
    notes = [i for i in emulator.invoices(billy.organization_id)
             if i["externalId"] == "credit:1"]
    assert [(n["type"], n["creditedInvoiceId"]) for n in notes] == [
        ("creditNote", invoice.provider_id)]


def test_a_contact_created_again_after_its_look_up_is_sent_once(
        emulator: BillyEmulator, tmp_path: Path) -> None:
    """The same for a contact, and the next look-up reads the list again and finds the
    contact the lost answer made, so the run does not create a second."""
    transport = lost_twice(emulator, _posts_to("/v2/contacts"))
    with build_connector(emulator, tmp_path, transport=transport) as billy:
        customer = make_customer(email="a@example.com")
        with pytest.raises(TransientProviderError):
            billy.create_customer(customer)
        found = billy.find_customer(customer)
    org = emulator.organizations[billy.organization_id]
    made = [c["id"] for c in org.rows("contacts") if c["contactNo"] == customer.id]
    assert found is not None and made == [found]
