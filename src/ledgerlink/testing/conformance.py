"""The connector conformance suite: the Connector contract, as tests.

A connector author subclasses :class:`ConnectorConformance` in their own test
suite and says how to build a fresh connector::

    from ledgerlink.testing.conformance import ConnectorConformance

    class TestFikenConformance(ConnectorConformance):
        def make_connector(self, tmp_path):
            return FikenConnector(transport=FikenEmulator().transport())

Every test adapts to the capabilities the connector declares. A declared
capability must work as :mod:`ledgerlink.connector` says; calling an
undeclared one must raise :class:`~ledgerlink.errors.CapabilityError` naming
it. Nothing is skipped: a declaration that does not match the behaviour fails.

Tests create their own customers with fresh ids, so they can run against a
persistent test account as well as against an emulator.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from ledgerlink.connector import Capability, Connector
from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import CapabilityError, ConflictError, InvoiceStateError, NotFoundError
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
    unique_id,
)

__all__ = ["ConnectorConformance"]

#: Lines whose amounts need rounding (3 x 33.335 = 100.005), at three VAT rates.
AWKWARD_LINES = (
    ("Hours", "3", "33.335", "25"),
    ("Parts", "1", "10.005", "12"),
    ("Fee", "2", "0.125", "0"),
)


def _digits(number: str | None) -> int:
    """The running part of an invoice number (``"2024-0042"`` → 42)."""
    found = re.search(r"(\d+)\D*$", number or "")
    assert found, f"invoice number {number!r} has no running number"
    return int(found.group(1))


class ConnectorConformance:
    """Tests every connector must pass; subclass and implement :meth:`make_connector`.

    Override the ``connector`` fixture instead when building a connector needs
    other fixtures.
    """

    def make_connector(self, tmp_path: Path) -> Connector:
        """A fresh connector to test; ``tmp_path`` is a private directory for its files."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_connector(tmp_path) "
            "or override the connector fixture"
        )

    @pytest.fixture
    def connector(self, tmp_path: Path) -> Iterator[Connector]:
        """A fresh connector from :meth:`make_connector`, closed after the test."""
        made = self.make_connector(tmp_path)
        try:
            yield made
        finally:
            made.close()

    # --- helpers (not tests) ----------------------------------------------------------

    @staticmethod
    def new_customer(connector: Connector, **fields: Any) -> tuple[Customer, str]:
        """Create a fresh customer; return it and the provider's id."""
        customer = make_customer(**fields)
        return customer, connector.create_customer(customer)

    @staticmethod
    def new_draft(customer: Customer, *lines: InvoiceLine, **fields: Any) -> InvoiceDraft:
        """A draft for ``customer`` with ``lines`` (one plain line when none are given)."""
        return make_invoice_draft(customer=customer, lines=lines or None, **fields)

    def new_invoice(
        self, connector: Connector, *lines: InvoiceLine, **fields: Any
    ) -> RemoteInvoice:
        """Create an invoice for a fresh customer, as ``create_invoice`` leaves it."""
        customer, ref = self.new_customer(connector)
        return connector.create_invoice(self.new_draft(customer, *lines, **fields), ref, {})

    def new_booked(self, connector: Connector, **fields: Any) -> RemoteInvoice:
        """Create and book an invoice (creating books it already without DRAFTS)."""
        invoice = self.new_invoice(connector, **fields)
        return invoice if invoice.booked else connector.book(invoice.provider_id)

    def assert_refused(
        self, connector: Connector, capability: Capability, call: Callable[[str], object]
    ) -> None:
        """Assert that ``call(invoice id)`` raises CapabilityError naming ``capability``."""
        invoice = self.new_invoice(connector)
        with pytest.raises(CapabilityError) as caught:
            call(invoice.provider_id)
        assert caught.value.capability == capability.value

    @staticmethod
    def _replace_nothing(connector: Connector) -> Callable[[str], object]:
        return lambda provider_id: connector.replace_lines(provider_id, "k", [], {})

    def drafts_and_booking(self, connector: Connector) -> bool:
        """True with both DRAFTS and BOOKING; otherwise assert the missing one is refused."""
        caps = connector.capabilities
        if Capability.DRAFTS not in caps:
            self.assert_refused(connector, Capability.DRAFTS, self._replace_nothing(connector))
            return False
        if Capability.BOOKING not in caps:
            self.assert_refused(connector, Capability.BOOKING, connector.book)
            return False
        return True

    @staticmethod
    def can_book(connector: Connector) -> bool:
        """Whether invoices end up booked: BOOKING, or no drafts at all."""
        caps = connector.capabilities
        return Capability.BOOKING in caps or Capability.DRAFTS not in caps

    # --- identity -----------------------------------------------------------------

    def test_identity(self, connector: Connector) -> None:
        """The connector names itself, its account and what it can do."""
        assert isinstance(connector, Connector)
        assert isinstance(connector.name, str) and connector.name
        assert isinstance(connector.account, str) and connector.account
        assert isinstance(connector.capabilities, frozenset)
        assert all(isinstance(c, Capability) for c in connector.capabilities)

    # --- customers and products ---------------------------------------------------

    def test_customer_is_found_by_its_id_after_creation(self, connector: Connector) -> None:
        """find_customer finds what create_customer made for the same Customer.id."""
        customer = make_customer()
        assert connector.find_customer(customer) is None
        ref = connector.create_customer(customer)
        assert isinstance(ref, str) and ref
        assert connector.find_customer(customer) == ref

    def test_customers_are_not_confused(self, connector: Connector) -> None:
        """Two customers get two ids, and an unknown one is not found."""
        _, first = self.new_customer(connector)
        _, second = self.new_customer(connector)
        assert first != second
        assert connector.find_customer(make_customer()) is None

    def test_product_is_found_after_creation(self, connector: Connector) -> None:
        """find_product finds what create_product made for the same Product.id."""
        product = make_product()
        assert connector.find_product(product) is None
        ref = connector.create_product(product)
        assert connector.find_product(product) == ref
        assert connector.find_product(make_product()) is None

    # --- invoices -----------------------------------------------------------------

    def test_invoice_carries_its_key(self, connector: Connector) -> None:
        """The draft's key is stored on the invoice, where find_invoice finds it."""
        customer, ref = self.new_customer(connector)
        product = make_product()
        product_ref = connector.create_product(product)
        draft = self.new_draft(customer, make_invoice_line(product_id=product.id))
        created = connector.create_invoice(draft, ref, {product.id: product_ref})
        found = connector.find_invoice(draft.key)
        assert found is not None and found.provider_id == created.provider_id
        assert (found.key, found.customer_ref, found.currency) == (draft.key, ref, draft.currency)
        assert (found.issue_date, found.due_date) == (draft.issue_date, draft.due_date)
        assert connector.get_invoice(created.provider_id).key == draft.key

    def test_unknown_invoices(self, connector: Connector) -> None:
        """An unknown key finds nothing and an unknown id raises NotFoundError."""
        assert connector.find_invoice(unique_id("missing")) is None
        with pytest.raises(NotFoundError) as caught:
            connector.get_invoice("999999999")
        assert caught.value.provider == connector.name

    def test_created_invoice_state(self, connector: Connector) -> None:
        """A created invoice is a draft reporting its line keys, or booked without DRAFTS."""
        lines = (make_invoice_line(), make_invoice_line(), make_invoice_line(source_key=None))
        invoice = self.new_invoice(connector, *lines)
        if Capability.DRAFTS in connector.capabilities:
            assert not invoice.booked and invoice.number is None
            assert set(invoice.line_keys) == {ln.source_key for ln in lines[:2]}
            assert invoice.status(date.today()) == InvoiceStatus.DRAFT
        else:
            assert invoice.booked

    def test_totals_follow_the_rounding_rules(self, connector: Connector) -> None:
        """Totals round each line once and VAT once per rate, as the domain does."""
        customer, ref = self.new_customer(connector)
        draft = self.new_draft(customer, *(make_invoice_line(*spec) for spec in AWKWARD_LINES))
        created = connector.create_invoice(draft, ref, {})
        assert created.total == draft.gross.amount
        assert connector.get_invoice(created.provider_id).total == draft.gross.amount

    def test_currency_must_match_the_customer(self, connector: Connector) -> None:
        """An invoice in another currency than its customer's is refused."""
        customer, ref = self.new_customer(connector, currency="DKK")
        draft = self.new_draft(customer, currency="EUR")
        with pytest.raises(ConflictError) as caught:
            connector.create_invoice(draft, ref, {})
        assert caught.value.provider == connector.name
        assert connector.find_invoice(draft.key) is None

    def test_replace_lines_on_a_draft(self, connector: Connector) -> None:
        """replace_lines swaps one source key's lines and keeps the others."""
        if Capability.DRAFTS not in connector.capabilities:
            self.assert_refused(connector, Capability.DRAFTS, self._replace_nothing(connector))
            return
        a, b = make_invoice_line(source_key="a"), make_invoice_line("Parts", source_key="b")
        invoice = self.new_invoice(connector, a, b)
        new = [make_invoice_line("More", "2", "12.50", source_key="a") for _ in range(2)]
        changed = connector.replace_lines(invoice.provider_id, "a", new, {})
        assert set(changed.line_keys) == {"a", "b"}
        assert changed.total == self.new_draft(make_customer(), b, *new).gross.amount
        emptied = connector.replace_lines(invoice.provider_id, "b", [], {})
        assert emptied.line_keys == ("a",)
        assert emptied.total == self.new_draft(make_customer(), *new).gross.amount
        assert connector.get_invoice(invoice.provider_id).total == emptied.total

    def test_booked_invoices_cannot_change(self, connector: Connector) -> None:
        """replace_lines on a booked invoice raises InvoiceStateError."""
        if not self.drafts_and_booking(connector):
            return
        booked = self.new_booked(connector)
        with pytest.raises(InvoiceStateError):
            connector.replace_lines(
                booked.provider_id, "k", [make_invoice_line(source_key="k")], {}
            )

    # --- booking ------------------------------------------------------------------

    def test_booking_numbers_are_gapless_and_increasing(self, connector: Connector) -> None:
        """Booked invoices get consecutive, increasing numbers."""
        if not self.can_book(connector):
            self.assert_refused(connector, Capability.BOOKING, connector.book)
            return
        numbers = [_digits(self.new_booked(connector).number) for _ in range(3)]
        assert numbers == list(range(numbers[0], numbers[0] + 3))

    def test_booking_twice_changes_nothing(self, connector: Connector) -> None:
        """Booking a booked invoice returns it unchanged."""
        if Capability.BOOKING not in connector.capabilities:
            self.assert_refused(connector, Capability.BOOKING, connector.book)
            return
        booked = self.new_booked(connector)
        again = connector.book(booked.provider_id)
        assert (again.provider_id, again.number, again.booked) == (
            booked.provider_id, booked.number, True)  # fmt: skip
        assert booked.balance == booked.total

    def test_empty_draft_cannot_be_booked(self, connector: Connector) -> None:
        """Booking a draft without lines raises InvoiceStateError."""
        if not self.drafts_and_booking(connector):
            return
        line = make_invoice_line()
        invoice = self.new_invoice(connector, line)
        connector.replace_lines(invoice.provider_id, line.source_key or "", [], {})
        with pytest.raises(InvoiceStateError):
            connector.book(invoice.provider_id)

    # --- after booking ------------------------------------------------------------

    def test_send(self, connector: Connector) -> None:
        """A booked invoice can be emailed, to the customer or another address."""
        if Capability.EMAIL not in connector.capabilities:
            self.assert_refused(connector, Capability.EMAIL, connector.send)
            return
        booked = self.new_booked(connector)
        connector.send(booked.provider_id)
        connector.send(booked.provider_id, email="accounts@example.com")
        assert connector.get_invoice(booked.provider_id).sent in (True, None)
        if Capability.DRAFTS in connector.capabilities:
            with pytest.raises(InvoiceStateError):
                connector.send(self.new_invoice(connector).provider_id)

    def test_pdf(self, connector: Connector) -> None:
        """pdf returns a PDF document."""
        if Capability.PDF not in connector.capabilities:
            self.assert_refused(connector, Capability.PDF, connector.pdf)
            return
        invoice = (
            self.new_booked(connector) if self.can_book(connector) else self.new_invoice(connector)
        )
        document = connector.pdf(invoice.provider_id)
        assert isinstance(document, bytes) and document.startswith(b"%PDF")

    def test_void(self, connector: Connector) -> None:
        """A voided invoice reports voided and the VOID status."""
        if Capability.VOID not in connector.capabilities:
            self.assert_refused(connector, Capability.VOID, connector.void)
            return
        booked = self.new_booked(connector)
        voided = connector.void(booked.provider_id)
        assert voided.voided
        fresh = connector.get_invoice(booked.provider_id)
        assert fresh.voided and fresh.status(date.today()) == InvoiceStatus.VOID

    def test_delete(self, connector: Connector) -> None:
        """A deleted invoice is gone or reported deleted."""
        if Capability.DELETE not in connector.capabilities:
            self.assert_refused(connector, Capability.DELETE, connector.delete)
            return
        invoice = self.new_invoice(connector)
        connector.delete(invoice.provider_id)
        found = connector.find_invoice(invoice.key or "")
        assert found is None or found.status(date.today()) == InvoiceStatus.DELETED
        try:
            fetched = connector.get_invoice(invoice.provider_id)
        except NotFoundError:
            return
        assert fetched.deleted

    def test_credit(self, connector: Connector) -> None:
        """A credit note negates the invoice, carries its key and is made once per key."""
        if Capability.CREDIT_NOTES not in connector.capabilities:
            key = unique_id("credit")
            self.assert_refused(
                connector, Capability.CREDIT_NOTES, lambda pid: connector.credit(pid, key)
            )
            return
        booked = self.new_booked(connector)
        key = unique_id("credit")
        note = connector.credit(booked.provider_id, key)
        assert (note.key, note.credit_for, note.booked) == (key, booked.provider_id, True)
        assert note.total == -booked.total and note.number
        assert connector.credit(booked.provider_id, key).provider_id == note.provider_id
        found = connector.find_invoice(key)
        assert found is not None and found.provider_id == note.provider_id

    def test_web_url(self, connector: Connector) -> None:
        """web_url gives the invoice's address in the provider's web app."""
        if Capability.WEB_URL not in connector.capabilities:
            self.assert_refused(connector, Capability.WEB_URL, connector.web_url)
            return
        invoice = self.new_invoice(connector)
        url = connector.web_url(invoice.provider_id)
        assert isinstance(url, str) and url
        assert connector.get_invoice(invoice.provider_id).web_url in (None, url)

    def test_list_invoices(self, connector: Connector) -> None:
        """list_invoices gives one customer's invoices in a date range, by issue date."""
        customer, ref = self.new_customer(connector)
        start = date.today()
        made = {}
        for offset in (5, 0, 40, 1):
            issue = start + timedelta(days=offset)
            draft = self.new_draft(customer, issue_date=issue)
            made[offset] = connector.create_invoice(draft, ref, {}).provider_id
        self.new_invoice(connector, issue_date=start)  # someone else's
        listed = list(connector.list_invoices(ref, start, start + timedelta(days=5)))
        assert [inv.provider_id for inv in listed] == [made[0], made[1], made[5]]
        assert all(inv.customer_ref == ref for inv in listed)

    # --- statuses -----------------------------------------------------------------

    def test_status_of_an_unpaid_invoice(self, connector: Connector) -> None:
        """A booked unpaid invoice is open, and overdue after its due date."""
        if not self.can_book(connector):
            self.assert_refused(connector, Capability.BOOKING, connector.book)
            return
        booked = connector.get_invoice(self.new_booked(connector).provider_id)
        assert booked.status(booked.issue_date) == InvoiceStatus.OPEN
        overdue = booked.due_date + timedelta(days=1)
        assert booked.status(overdue) == InvoiceStatus.OPEN | InvoiceStatus.OVERDUE

    def test_payments(self, connector: Connector) -> None:
        """Payments make an invoice partially paid, then paid."""
        register = connector.register_payment
        if Capability.PAYMENTS not in connector.capabilities:
            today = date.today()
            self.assert_refused(
                connector, Capability.PAYMENTS, lambda pid: register(pid, Decimal(1), today)
            )
            return
        booked = self.new_booked(connector)
        part = (booked.total / 4).quantize(Decimal("0.01"))
        register(booked.provider_id, part, booked.issue_date)
        after = connector.get_invoice(booked.provider_id)
        assert after.balance == booked.total - part
        late = after.due_date + timedelta(days=1)
        partly = InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID
        assert after.status(after.issue_date) == partly
        assert after.status(late) == partly | InvoiceStatus.OVERDUE
        register(booked.provider_id, booked.total - part, booked.issue_date)
        assert connector.get_invoice(booked.provider_id).status(late) == InvoiceStatus.PAID

    # --- change feed --------------------------------------------------------------

    def test_change_feed(self, connector: Connector) -> None:
        """changes(since) reports each invoice changed since then as it is now, and moves on.

        An invoice created, one paid, one voided and one deleted after a first
        read all appear in a read from its ``until`` (the deleted one by id, or
        flagged), with their statuses now. ``until`` moves forward with the
        provider's clock, and a read from an ``until`` taken after the changes
        reports none of them again. (A read from exactly the ``until`` of the
        read that reported them may repeat changes made in the same tick of a
        provider's clock: QuickBooks stamps whole seconds, and repeating a change
        is harmless where missing one is not.)
        """
        if Capability.CHANGE_FEED not in connector.capabilities:
            self.assert_refused(connector, Capability.CHANGE_FEED,
                                lambda _: connector.changes(datetime.now(UTC)))
            return
        caps = connector.capabilities
        start = connector.changes(datetime.now(UTC) - timedelta(hours=1)).until
        created = self.new_invoice(connector)
        expected = {created.provider_id: created.status(date.today())}
        if Capability.PAYMENTS in caps and self.can_book(connector):
            paid = self.new_booked(connector)
            connector.register_payment(paid.provider_id, paid.total, paid.issue_date)
            expected[paid.provider_id] = InvoiceStatus.PAID
        if Capability.VOID in caps and self.can_book(connector):
            voided = self.new_booked(connector)
            connector.void(voided.provider_id)
            expected[voided.provider_id] = InvoiceStatus.VOID
        deleted = None
        if Capability.DELETE in caps:
            deleted = self.new_invoice(connector).provider_id
            connector.delete(deleted)

        first = connector.changes(start)
        assert first.until >= start
        reported = {invoice.provider_id: invoice for invoice in first.invoices}
        for provider_id, status in expected.items():
            assert provider_id in reported, f"changes() misses invoice {provider_id}"
            assert reported[provider_id].status(date.today()) == status, provider_id
        if deleted is not None:
            assert deleted in first.deleted or reported[deleted].deleted

        later, deadline = first, time.monotonic() + 5
        while later.until <= first.until:
            assert time.monotonic() < deadline, "until does not move forward with time"
            time.sleep(0.05)
            later = connector.changes(first.until)
        again = connector.changes(later.until)
        made = {*expected, *([deleted] if deleted else [])}
        repeated = made & {*(i.provider_id for i in again.invoices), *again.deleted}
        assert not repeated, f"changes() reports old changes again: {sorted(repeated)}"

    def test_customer_updates(self, connector: Connector) -> None:
        """With CUSTOMER_UPDATES a changed e-mail and address are written once; then
        nothing is left to change. Without it the call is refused."""
        customer, ref = self.new_customer(connector, email="before@example.com")
        moved = attrs.evolve(customer, email="after@example.com",
                             address=attrs.evolve(customer.address, street="2 New Street"))
        if Capability.CUSTOMER_UPDATES not in connector.capabilities:
            with pytest.raises(CapabilityError) as caught:
                connector.update_customer(ref, moved)
            assert caught.value.capability == Capability.CUSTOMER_UPDATES.value
            return
        assert connector.update_customer(ref, moved) is True
        assert connector.update_customer(ref, moved) is False
        assert connector.find_customer(moved) == ref
