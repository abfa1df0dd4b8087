"""Every action on every built-in connector that declares it: the sandbox, QuickBooks, Dinero,
Billy and e-conomic (each on its in-process emulator), on invoices ledgerlink made and
journaled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest

import ledgerlink as ll
from ledgerlink.connector import Capability, Connector
from ledgerlink.errors import CapabilityError
from ledgerlink.invoice_actions import ACTION_CAPABILITIES
from ledgerlink.sandbox.connector import CAPABILITIES as SANDBOX
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_work_order
from ledgerlink_billy.connector import CAPABILITIES as BILLY
from ledgerlink_billy.emulator import BillyEmulator
from ledgerlink_dinero.connector import CAPABILITIES as DINERO
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_economic.connector import CAPABILITIES as ECONOMIC
from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_quickbooks.connector import CAPABILITIES as QUICKBOOKS
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.served import state as quickbooks_state
from tests.ledgerlink_billy.support import build_connector as billy_connector
from tests.ledgerlink_dinero.support import build_connector as dinero_connector
from tests.ledgerlink_economic.support import build_connector as economic_connector
from tests.ledgerlink_quickbooks.support import build_connector as quickbooks_connector


@attrs.frozen
class Book:
    """A connector on a fresh account, and how many e-mails its provider sent per invoice."""

    connector: Connector
    currency: str
    emails: Callable[[], Counter[str]]


def _sandbox(tmp: Path) -> Book:
    book = ll.connect("sandbox", path=tmp / "book.db")
    return Book(book, "DKK", lambda: Counter(e.invoice_id for e in book.outbox()))  # type: ignore[attr-defined]


def _quickbooks(tmp: Path) -> Book:
    emulator = QuickBooksEmulator()
    book = quickbooks_connector(emulator, tmp)
    return Book(book, "USD", lambda: Counter(
        quickbooks_state(emulator)["realms"][book.realm_id]["emails_per_invoice"]))


def _dinero(tmp: Path) -> Book:
    emulator = DineroEmulator()
    book = dinero_connector(emulator, tmp)
    org = emulator.organisations[book.organisation_id]
    return Book(book, "DKK", lambda: Counter(m["InvoiceGuid"] for m in org.mails))


def _billy(tmp: Path) -> Book:
    emulator = BillyEmulator()
    book = billy_connector(emulator, tmp)
    return Book(book, "DKK", lambda: Counter(
        e["invoiceId"] for e in emulator.emails(book.organization_id)))


def _economic(tmp: Path) -> Book:
    # e-conomic cannot e-mail through its API (no EMAIL): nothing is ever counted.
    return Book(economic_connector(EconomicEmulator(), tmp), "DKK", Counter)


CONNECTORS: dict[str, Callable[[Path], Book]] = {
    "sandbox": _sandbox, "quickbooks": _quickbooks, "dinero": _dinero, "billy": _billy,
    "economic": _economic}
#: What each connector declares, read from its module (not from a built connector).
DECLARED = {"sandbox": SANDBOX, "quickbooks": QUICKBOOKS, "dinero": DINERO, "billy": BILLY,
            "economic": ECONOMIC}


def declaring(action: str) -> list[str]:
    """The built-in connectors that declare the capability ``action`` needs."""
    return [name for name, caps in DECLARED.items() if ACTION_CAPABILITIES[action] in caps]


#: (connector, action) for every action a built-in connector does not declare.
UNDECLARED = [(name, action) for action in ACTION_CAPABILITIES for name in CONNECTORS
              if name not in declaring(action)]


class Counting:
    """A connector that counts its void, delete and send calls (the writes that reach the
    provider) and passes everything through."""

    def __init__(self, inner: Connector) -> None:
        self.inner = inner
        self.writes: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name in ("void", "delete", "send"):
            def counted(*args: Any, **kwargs: Any) -> Any:
                self.writes[name] += 1
                return attribute(*args, **kwargs)
            return counted
        return attribute


@attrs.frozen
class Invoiced:
    """Two booked invoices and one draft (booked where the provider has no drafts)."""

    book: Book
    counting: Counting
    store: Store
    keys: dict[str, str]  # role ("void", "send", "delete") → ledgerlink key

    def provider_id(self, role: str) -> str:
        return {f.key: f.remote_id for f in self.store.invoice_facts(self.counting.account)}[
            self.keys[role]] or ""


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once (the ledgerlink pytest plugin's fixture)."""


@contextmanager
def invoiced_on(name: str, tmp_path: Path) -> Iterator[Invoiced]:
    """Invoices ledgerlink made through the connector ``name``, journaled in a store."""
    home = tmp_path / "connector"
    home.mkdir()
    book = CONNECTORS[name](home)
    drafts = Capability.DRAFTS in book.connector.capabilities
    roles = ("void", "send", "delete")
    customers = {role: make_customer(currency=book.currency, email=f"{role}@example.dk",
                                     policy=(ll.PolicyOverride(posting=ll.Posting.DRAFT)
                                             if role == "delete" and drafts else None))
                 for role in roles}
    orders = [make_work_order(customer=customers[role]) for role in roles]
    company = ll.Company("Actions ApS", currency=book.currency, time_zone="UTC",
                         policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))
    store = Store(tmp_path / "journal.db")
    try:
        assert ll.invoice(orders, list(customers.values()), company, book.connector,
                          store=store).ok
        by_customer = {f.customer_id: f.key for f in store.invoice_facts(book.connector.account)}
        keys = {role: by_customer[customers[role].id] for role in roles}
        yield Invoiced(book, Counting(book.connector), store, keys)
    finally:
        book.connector.close()


def _status(invoiced: Invoiced, role: str) -> ll.InvoiceStatus | None:
    facts = {f.key: f for f in invoiced.store.invoice_facts(invoiced.counting.account)}[
        invoiced.keys[role]]
    assert facts.due_date is not None
    return facts.status(facts.due_date)


@pytest.mark.parametrize("name", declaring("void"))
def test_void_is_made_once_and_the_status_is_void(name: str, tmp_path: Path) -> None:
    """Voiding twice voids once (one write), the second answer says already done, and the
    journal's status is void without a refresh."""
    with invoiced_on(name, tmp_path) as inv:
        book: Any = inv.counting
        first = ll.void(book, inv.keys["void"], store=inv.store)
        again = ll.void(book, inv.keys["void"], store=inv.store)
        assert (first.status, again.status) == ("done", "already_done")
        assert inv.counting.writes == Counter({"void": 1})
        assert inv.counting.get_invoice(inv.provider_id("void")).voided
        assert _status(inv, "void") == ll.InvoiceStatus.VOID
        assert not inv.store.unresolved(inv.counting.account)


@pytest.mark.parametrize("name", declaring("delete"))
def test_delete_is_made_once_and_the_status_is_deleted(name: str, tmp_path: Path) -> None:
    """Deleting (a draft, or QuickBooks' booked invoice) twice deletes once, and the journal's
    status is deleted without a refresh."""
    with invoiced_on(name, tmp_path) as inv:
        book: Any = inv.counting
        first = ll.delete(book, inv.keys["delete"], store=inv.store)
        again = ll.delete(book, inv.keys["delete"], store=inv.store)
        assert (first.status, again.status) == ("done", "already_done")
        assert inv.counting.writes == Counter({"delete": 1})
        assert _status(inv, "delete") == ll.InvoiceStatus.DELETED


@pytest.mark.parametrize("name", declaring("send"))
def test_send_emails_once_counted_by_the_provider(name: str, tmp_path: Path) -> None:
    """Sending twice makes the provider e-mail the invoice once; the second answer says
    already done; the journal shows it sent."""
    with invoiced_on(name, tmp_path) as inv:
        book: Any = inv.counting
        first = ll.send(book, inv.keys["send"], store=inv.store)
        again = ll.send(book, inv.keys["send"], store=inv.store)
        assert (first.status, again.status) == ("done", "already_done")
        assert inv.book.emails() == Counter({inv.provider_id("send"): 1})
        facts = {f.key: f for f in inv.store.invoice_facts(inv.counting.account)}
        assert facts[inv.keys["send"]].delivery_state == "sent"


@pytest.mark.parametrize("name", [n for n in declaring("send") if "drafts" in {
    c.value for c in DECLARED[n]}])
def test_a_draft_is_not_sent(name: str, tmp_path: Path) -> None:
    """Sending a draft is refused naming it, before anything is written or e-mailed."""
    with invoiced_on(name, tmp_path) as inv:
        book: Any = inv.counting
        with pytest.raises(ll.ValidationError, match="draft: book it before sending"):
            ll.send(book, inv.keys["delete"], store=inv.store)
        assert not inv.book.emails() and not inv.counting.writes
        assert not inv.store.ops(inv.counting.account, [f"send:{inv.keys['delete']}"])


@pytest.mark.parametrize("name", declaring("pdf"))
def test_the_pdf_is_returned_and_saved(name: str, tmp_path: Path) -> None:
    """The provider's PDF of the invoice is returned and written to the path given."""
    with invoiced_on(name, tmp_path) as inv:
        target = tmp_path / "invoice.pdf"
        document = ll.pdf(inv.counting, inv.keys["send"], path=target,  # type: ignore[arg-type]
                          store=inv.store)
        assert document.startswith(b"%PDF") and target.read_bytes() == document


@pytest.mark.parametrize("name", declaring("web_url"))
def test_the_web_url_names_the_invoice(name: str, tmp_path: Path) -> None:
    """The web URL is the provider's address of that invoice, by key or by provider id."""
    with invoiced_on(name, tmp_path) as inv:
        book: Any = inv.counting
        url = ll.web_url(book, inv.keys["send"], store=inv.store)
        assert inv.provider_id("send") in url
        assert ll.web_url(book, inv.provider_id("send"), store=inv.store) == url


@pytest.mark.parametrize(("name", "action"), UNDECLARED)
def test_an_undeclared_action_names_the_capability_and_writes_nothing(
        name: str, action: str, tmp_path: Path) -> None:
    """A connector without the capability raises CapabilityError naming it; nothing is
    journaled and nothing reaches the provider."""
    with invoiced_on(name, tmp_path) as inv:
        book: Any = inv.counting
        with pytest.raises(CapabilityError) as raised:
            getattr(ll, action)(book, inv.keys["void"], store=inv.store)
        assert raised.value.capability == ACTION_CAPABILITIES[action].value
        assert raised.value.connector == name
        assert not inv.counting.writes
        assert not inv.store.ops(inv.counting.account, [f"{action}:{inv.keys['void']}"])
