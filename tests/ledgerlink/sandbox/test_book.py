"""The book itself: finding customers, storing invoices, listing, and registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.connector import Capability, Connector
from ledgerlink.domain import Customer, RemoteInvoice
from ledgerlink.errors import NotFoundError
from ledgerlink.plugins import get_plugin_manager
from ledgerlink.sandbox import CAPABILITIES, SandboxConnector
from ledgerlink.testing import make_customer, make_invoice_draft, make_invoice_line, make_product

MakeInvoice = Callable[..., RemoteInvoice]


def test_find_customer_by_reference_number_or_email(book: SandboxConnector) -> None:
    """A hand-entered customer is found by its unique registration number or email."""
    by_number = book.seed_customer(make_customer(registration_number="DK12345674", email=None))
    by_email = book.seed_customer(make_customer(email="Ops@Example.com"))
    assert book.find_customer(make_customer(registration_number="DK 12 34 56 74")) == by_number
    assert book.find_customer(make_customer(email="ops@example.com")) == by_email
    tagged = make_customer()
    assert book.find_customer(tagged) is None
    assert book.find_customer(tagged) is None  # looking is no write
    assert book.create_customer(tagged) not in (by_number, by_email)


def test_ambiguous_or_taken_customers_are_not_matched(book: SandboxConnector) -> None:
    """A shared email matches no one, and a customer tagged for another id is never returned."""
    book.seed_customer(make_customer(email="shared@example.com"))
    book.seed_customer(make_customer(email="shared@example.com"))
    assert book.find_customer(make_customer(email="shared@example.com")) is None
    book.create_customer(make_customer(email="taken@example.com"))
    assert book.find_customer(make_customer(email="taken@example.com")) is None


def test_ids_look_like_a_providers(book: SandboxConnector, acme: tuple[Customer, str]) -> None:
    """Customers, products and invoices get C-, P- and INV- ids; the account is stable."""
    customer, ref = acme
    assert ref == "C-00001"
    assert book.create_product(make_product()) == "P-00001"
    invoice = book.create_invoice(make_invoice_draft(customer=customer), ref, {})
    assert invoice.provider_id == "INV-00001"
    assert book.account.startswith("sandbox-") and len(book.account) == len("sandbox-") + 12
    assert book.web_url(invoice.provider_id) == f"sandbox://{book.account}/invoices/INV-00001"
    assert invoice.web_url == book.web_url(invoice.provider_id)
    with pytest.raises(NotFoundError):
        book.web_url("INV-00002")


def test_invoice_keeps_what_it_was_given(
    book: SandboxConnector, acme: tuple[Customer, str]
) -> None:
    """Key, dates, currency, line keys and product refs survive a round trip."""
    customer, ref = acme
    product = make_product()
    product_ref = book.create_product(product)
    lines = [
        make_invoice_line("Hours", product_id=product.id, source_key="w-1"),
        make_invoice_line("Unlisted", product_id="not-synced", source_key="w-1"),
        make_invoice_line("Parts", source_key="w-2"),
    ]
    draft = make_invoice_draft(customer=customer, lines=lines, reference="Job 17")
    created = book.create_invoice(draft, ref, {product.id: product_ref})
    found = book.find_invoice(draft.key)
    assert found == created == book.get_invoice(created.provider_id)
    assert created.line_keys == ("w-1", "w-2")
    assert (created.issue_date, created.due_date) == (draft.issue_date, draft.due_date)
    stored = book._book.one("SELECT lines, reference FROM invoices WHERE id = 1")
    assert f'"{product_ref}"' in stored[0] and stored[1] == "Job 17"


def test_replace_lines_updates_totals_and_keys(
    book: SandboxConnector, draft_for: MakeInvoice
) -> None:
    """Replacing a key's lines recomputes the totals; an empty list removes the key."""
    draft = draft_for(
        make_invoice_line("A", 1, "100", source_key="a"),
        make_invoice_line("B", 1, "10", source_key="b"),
    )
    assert draft.total == Decimal("137.50")
    changed = book.replace_lines(
        draft.provider_id, "a", [make_invoice_line("A2", 2, "100", source_key=None)], {}
    )
    assert (changed.total, changed.line_keys) == (Decimal("262.50"), ("b", "a"))
    emptied = book.replace_lines(draft.provider_id, "b", [], {})
    assert (emptied.total, emptied.line_keys) == (Decimal("250.00"), ("a",))


def test_deleted_invoices_stay_findable(book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """A deleted draft is still found by key and id, flagged deleted."""
    draft = draft_for()
    book.delete(draft.provider_id)
    found = book.find_invoice(draft.key or "")
    assert found is not None and found.deleted
    assert book.get_invoice(draft.provider_id).deleted


def test_list_invoices_by_customer_and_date(
    book: SandboxConnector, acme: tuple[Customer, str], draft_for: MakeInvoice
) -> None:
    """list_invoices gives one customer's invoices in range, by issue date then id."""
    today = date.today()
    later = draft_for(issue_date=today + timedelta(days=2))
    first = draft_for(issue_date=today)
    same_day = draft_for(issue_date=today)
    draft_for(issue_date=today + timedelta(days=3))
    other = make_customer()
    other_ref = book.create_customer(other)
    book.create_invoice(make_invoice_draft(customer=other, issue_date=today), other_ref, {})
    listed = book.list_invoices(acme[1], today, today + timedelta(days=2))
    assert [i.provider_id for i in listed] == [
        first.provider_id, same_day.provider_id, later.provider_id]  # fmt: skip
    assert len(book.invoices()) == 5
    with pytest.raises(NotFoundError):
        book.list_invoices("C-00077", today, today)


def test_memory_books_are_separate() -> None:
    """Each ':memory:' book is its own empty book with its own account."""
    with SandboxConnector(":memory:") as one, SandboxConnector(":memory:") as two:
        one.create_customer(make_customer())
        assert one.account != two.account
        assert two.invoices() == [] and two.create_customer(make_customer()) == "C-00001"


def test_another_process_sees_writes_at_once(tmp_path: Path) -> None:
    """A second connector on the same file reads what the first just wrote."""
    path = tmp_path / "b.db"
    with SandboxConnector(path) as writer, SandboxConnector(path) as reader:
        customer = make_customer()
        ref = writer.create_customer(customer)
        invoice = writer.create_invoice(make_invoice_draft(customer=customer), ref, {})
        assert reader.get_invoice(invoice.provider_id).booked is False
        writer.book(invoice.provider_id)
        assert reader.get_invoice(invoice.provider_id).number == "1"


def test_registered_as_the_sandbox_plugin() -> None:
    """The ledgerlink entry point registers 'sandbox' with its capabilities."""
    registry = get_plugin_manager(disabled=()).connectors()
    info = registry.get("sandbox")
    assert info.capabilities == CAPABILITIES
    assert info.origin.distribution == "ledgerlink" and info.description
    assert Capability.PAYMENTS in CAPABILITIES and Capability.BATCH not in CAPABILITIES
    made = registry.create("sandbox", path=":memory:")
    assert isinstance(made, SandboxConnector) and isinstance(made, Connector)
    made.close()


def test_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a path the book is ledgerlink-sandbox.db in the working directory."""
    monkeypatch.chdir(tmp_path)
    with SandboxConnector() as book:
        assert Path(book.path).name == "ledgerlink-sandbox.db"
    assert (tmp_path / "ledgerlink-sandbox.db").exists()
