"""Internal: conformance rules for an invoice after it is created: lines, booking, numbering,
sending, PDF, voiding, deleting, crediting, statuses and payments."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from ledgerlink.connector import Capability, Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import InvoiceStateError, NotFoundError
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.conformance.base import SuiteBase, running_number
from ledgerlink.testing.factories import make_invoice_line, unique_id

__all__ = ["BookingRules", "DeliveryRules", "EndingRules", "SettlementRules"]

#: An address no test sends to: a ``delivered`` hook must say False for it.
NEVER_SENT_TO = "nobody@example.invalid"
#: Errors that refuse an action on an invoice that is gone or in the wrong state.
REFUSED = (InvoiceStateError, NotFoundError)


class BookingRules(SuiteBase):
    """Drafts change until they are booked; booking numbers them without gaps."""

    def test_replace_lines_on_a_draft(self, connector: Connector) -> None:
        """replace_lines swaps one source key's lines and keeps the others."""
        if Capability.DRAFTS not in connector.capabilities:
            self.assert_refused(connector, Capability.DRAFTS, self.replace_nothing(connector))
            return
        a, b = make_invoice_line(source_key="a"), make_invoice_line("Parts", source_key="b")
        invoice = self.new_invoice(connector, a, b)
        new = [make_invoice_line("More", "2", "12.505", source_key="a") for _ in range(2)]
        changed = connector.replace_lines(invoice.provider_id, "a", new, {})
        assert set(changed.line_keys) == {"a", "b"}
        assert changed.total == self.expected_total([b, *new], invoice.currency)
        emptied = connector.replace_lines(invoice.provider_id, "b", [], {})
        assert emptied.line_keys == ("a",)
        assert emptied.total == self.expected_total(new, invoice.currency)
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

    def test_booking_numbers_are_gapless_and_increasing(self, connector: Connector) -> None:
        """Booked invoices get consecutive, increasing numbers, given when booked: a draft
        left unbooked (or deleted) in between takes no number."""
        if not self.can_book(connector):
            self.assert_refused(connector, Capability.BOOKING, connector.book)
            return
        numbers = [running_number(self.new_booked(connector).number)]
        if Capability.DRAFTS in connector.capabilities:
            self.new_invoice(connector)
            if Capability.DELETE in connector.capabilities:
                connector.delete(self.new_invoice(connector).provider_id)
        numbers += [running_number(self.new_booked(connector).number) for _ in range(2)]
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

    def test_final_draft_ends_booked(self, connector: Connector) -> None:
        """A draft marked ``final`` may be created booked at once; either way it ends
        booked and numbered, and booking it (again) returns it unchanged."""
        customer, ref = self.new_customer(connector)
        created = connector.create_invoice(self.new_draft(customer, final=True), ref, {})
        caps = connector.capabilities
        if not created.booked:
            assert Capability.DRAFTS in caps, "without DRAFTS an invoice is created booked"
            if Capability.BOOKING not in caps:
                return
            created = connector.book(created.provider_id)
        assert created.booked and created.number
        if Capability.BOOKING in caps:
            again = connector.book(created.provider_id)
            assert (again.booked, again.number) == (True, created.number)

    def test_empty_draft_cannot_be_booked(self, connector: Connector) -> None:
        """Booking a draft without lines raises InvoiceStateError."""
        if not self.drafts_and_booking(connector):
            return
        line = make_invoice_line()
        invoice = self.new_invoice(connector, line)
        connector.replace_lines(invoice.provider_id, line.source_key or "", [], {})
        with pytest.raises(InvoiceStateError):
            connector.book(invoice.provider_id)


class DeliveryRules(SuiteBase):
    """Sending really delivers, and what the connector says about it is true."""

    def assert_delivered(self, connector: Connector, provider_id: str, email: str) -> None:
        """After a send to ``email``: ``sent`` is True, or None with a ``delivered``
        hook that confirms it; a hook also says False for an address never used."""
        sent = connector.get_invoice(provider_id).sent
        assert sent is not False, "send() returned but the invoice reports sent=False"
        try:
            to_email = self.delivered(connector, provider_id, email)
        except NotImplementedError:
            assert sent is True, (
                "the connector reports sent=None (cannot tell), so the suite cannot see "
                f"the email: implement {type(self).__name__}.delivered(connector, "
                "provider_id, email) from the emulator's outbox")
            return
        assert to_email is True, f"the provider has no email of {provider_id} to {email}"
        assert self.delivered(connector, provider_id, NEVER_SENT_TO) is False

    def test_send_delivers(self, connector: Connector) -> None:
        """send() emails a booked invoice to the customer, or to the address given, and
        the invoice then reports sent (None only where the provider cannot tell)."""
        if Capability.EMAIL not in connector.capabilities:
            self.assert_refused(connector, Capability.EMAIL, connector.send)
            return
        customer, ref = self.new_customer(connector)
        created = connector.create_invoice(self.new_draft(customer), ref, {})
        booked = created if created.booked else connector.book(created.provider_id)
        assert connector.get_invoice(booked.provider_id).sent is not True, "sent before send()"
        connector.send(booked.provider_id)
        self.assert_delivered(connector, booked.provider_id, customer.email or "")
        other = f"{unique_id('accounts')}@example.com"
        connector.send(booked.provider_id, email=other)
        self.assert_delivered(connector, booked.provider_id, other)

    def test_drafts_are_not_sent(self, connector: Connector) -> None:
        """send() on a draft raises InvoiceStateError and delivers nothing."""
        if Capability.EMAIL not in connector.capabilities:
            self.assert_refused(connector, Capability.EMAIL, connector.send)
            return
        if Capability.DRAFTS not in connector.capabilities:
            assert self.new_invoice(connector).booked, "without DRAFTS invoices are booked"
            return
        draft = self.new_invoice(connector)
        with pytest.raises(InvoiceStateError):
            connector.send(draft.provider_id)
        assert connector.get_invoice(draft.provider_id).sent is not True

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


class EndingRules(SuiteBase):
    """Voiding, deleting and crediting: what each does, and which are refused."""

    def test_void(self, connector: Connector) -> None:
        """A voided invoice reports voided, nothing owed and the VOID status; voiding it
        again returns it unchanged."""
        if Capability.VOID not in connector.capabilities:
            self.assert_refused(connector, Capability.VOID, connector.void)
            return
        booked = self.new_booked(connector)
        voided = connector.void(booked.provider_id)
        assert voided.voided
        fresh = connector.get_invoice(booked.provider_id)
        assert fresh.voided and fresh.status(self.today()) == InvoiceStatus.VOID
        assert fresh.balance == 0
        assert connector.void(booked.provider_id).voided

    def test_delete(self, connector: Connector) -> None:
        """A deleted invoice is gone (NotFoundError) or reported deleted; deleting it again
        changes nothing, and booking, sending or voiding it is refused."""
        caps = connector.capabilities
        if Capability.DELETE not in caps:
            self.assert_refused(connector, Capability.DELETE, connector.delete)
            return
        invoice = self.new_invoice(connector)
        connector.delete(invoice.provider_id)
        found = connector.find_invoice(invoice.key or "")
        assert found is None or found.status(self.today()) == InvoiceStatus.DELETED
        with contextlib.suppress(NotFoundError):
            assert connector.get_invoice(invoice.provider_id).deleted
        with contextlib.suppress(NotFoundError):
            connector.delete(invoice.provider_id)
        calls: dict[Capability, Callable[[str], object]] = {
            Capability.BOOKING: connector.book, Capability.EMAIL: connector.send,
            Capability.VOID: connector.void}
        for capability, call in calls.items():
            if capability in caps:
                with pytest.raises(REFUSED):
                    call(invoice.provider_id)

    def test_ending_a_draft_or_a_booked_invoice(self, connector: Connector) -> None:
        """Voiding a draft, and deleting a booked invoice, either work or raise
        InvoiceStateError and leave the invoice as it was."""
        caps = connector.capabilities
        if Capability.DRAFTS in caps and Capability.VOID in caps:
            draft = self.new_invoice(connector)
            self._ended_or_refused(connector, draft, connector.void, "voided")
        if Capability.DELETE in caps and self.can_book(connector):
            booked = self.new_booked(connector)
            self._ended_or_refused(connector, booked, connector.delete, "deleted")

    @staticmethod
    def _ended_or_refused(connector: Connector, invoice: RemoteInvoice,
                          end: Callable[[str], object], flag: str) -> None:
        try:
            end(invoice.provider_id)
        except InvoiceStateError:
            after = connector.get_invoice(invoice.provider_id)
            assert (after.booked, after.voided, after.deleted) == (
                invoice.booked, invoice.voided, invoice.deleted)  # fmt: skip
            return
        try:
            after = connector.get_invoice(invoice.provider_id)
        except NotFoundError:
            assert flag == "deleted", "a voided invoice must still be there"
            return
        assert getattr(after, flag), f"the call returned but the invoice is not {flag}"

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


class SettlementRules(SuiteBase):
    """Statuses derive from what the provider reports; payments settle invoices."""

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
            today = self.today()
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
