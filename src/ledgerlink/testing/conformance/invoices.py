"""Internal: conformance rules for customers, products and creating invoices."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledgerlink.connector import Capability, Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ConflictError, NotFoundError
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.conformance.base import SuiteBase
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_line,
    make_product,
    unique_id,
)

__all__ = ["AWKWARD_LINES", "ROUNDING_LINES", "InvoiceRules", "PartyRules"]

#: Lines whose amounts need rounding (3 x 33.335 = 100.005), one per VAT rate (for
#: provider tests that need awkward amounts without several lines per rate).
AWKWARD_LINES = (
    ("Hours", "3", "33.335", "25"),
    ("Parts", "1", "10.005", "12"),
    ("Fee", "2", "0.125", "0"),
)

#: Several lines per VAT rate, each with a half cent or less to round: rounding
#: each line first (ledgerlink's rule) and rounding only the per-rate sums give
#: different totals, and so does computing in floats (4.005 is 4.00499… as a float).
ROUNDING_LINES = (
    ("Screws", "7", "0.125", "25"),  # 0.875 → 0.88
    ("Bolts", "3", "0.335", "25"),  # 1.005 → 1.01
    ("Nuts", "1", "0.005", "25"),  # 0.005 → 0.01
    ("Labour", "1.5", "33.333", "25"),  # 49.9995 → 50.00
    ("Washers", "5", "0.101", "12"),  # 0.505 → 0.51
    ("Rivets", "3", "1.335", "12"),  # 4.005 → 4.01
    ("Fee", "2", "0.125", "0"),  # 0.25
)


class PartyRules(SuiteBase):
    """Customers and products are found again by the id they were created for."""

    def test_identity(self, connector: Connector) -> None:
        """The connector names itself, its account and what it can do."""
        assert isinstance(connector, Connector)
        assert isinstance(connector.name, str) and connector.name
        assert isinstance(connector.account, str) and connector.account
        assert isinstance(connector.capabilities, frozenset)
        assert all(isinstance(c, Capability) for c in connector.capabilities)

    def test_customer_is_found_by_its_id_after_creation(self, connector: Connector) -> None:
        """find_customer finds what create_customer made for the same Customer.id, and
        finding it again creates nothing."""
        customer = make_customer()
        assert connector.find_customer(customer) is None
        ref = connector.create_customer(customer)
        assert isinstance(ref, str) and ref
        assert connector.find_customer(customer) == ref
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


class InvoiceRules(SuiteBase):
    """Creating invoices: keys, totals, currency, dates, retries and listing."""

    def test_invoice_carries_its_key(self, connector: Connector) -> None:
        """The draft's key is stored on the invoice, where find_invoice finds it."""
        customer, ref = self.new_customer(connector)
        product = make_product()
        product_ref = connector.create_product(product)
        draft = self.new_draft(customer, make_invoice_line(product_id=product.id))
        created = connector.create_invoice(draft, ref, {product.id: product_ref})
        assert created.key == draft.key
        found = connector.find_invoice(draft.key)
        assert found is not None and found.provider_id == created.provider_id
        assert (found.key, found.customer_ref, found.currency) == (draft.key, ref, draft.currency)
        assert (found.issue_date, found.due_date) == (draft.issue_date, draft.due_date)
        assert connector.get_invoice(created.provider_id).key == draft.key
        assert connector.find_invoices([draft.key, unique_id("missing")]) == {draft.key: found}

    def test_unknown_invoices(self, connector: Connector) -> None:
        """An unknown key finds nothing and an unknown id raises NotFoundError."""
        assert connector.find_invoice(unique_id("missing")) is None
        with pytest.raises(NotFoundError) as caught:
            connector.get_invoice("999999999")
        assert caught.value.provider == connector.name

    def test_create_retried_with_the_same_key_makes_one_invoice(
        self, connector: Connector
    ) -> None:
        """A create repeated with the same key (a retry, a re-run) leaves one invoice: the
        repeat returns that invoice or raises ConflictError."""
        customer, ref = self.new_customer(connector)
        draft = self.new_draft(customer)
        first = connector.create_invoice(draft, ref, {})
        try:
            again: RemoteInvoice | ConflictError = connector.create_invoice(draft, ref, {})
        except ConflictError as err:
            again = err
        if isinstance(again, ConflictError):
            assert again.provider == connector.name
        else:
            assert again.provider_id == first.provider_id, "the repeat made a second invoice"
        held = self.live(connector.list_invoices(ref, draft.issue_date, draft.issue_date))
        assert [invoice.provider_id for invoice in held] == [first.provider_id]
        found = connector.find_invoice(draft.key)
        assert found is not None and found.provider_id == first.provider_id

    def test_created_invoice_state(self, connector: Connector) -> None:
        """A created invoice is a draft reporting its line keys, or booked without DRAFTS."""
        lines = (make_invoice_line(), make_invoice_line(), make_invoice_line(source_key=None))
        invoice = self.new_invoice(connector, *lines)
        if Capability.DRAFTS in connector.capabilities:
            assert not invoice.booked and invoice.number is None
            assert set(invoice.line_keys) == {ln.source_key for ln in lines[:2]}
            assert invoice.status(self.today()) == InvoiceStatus.DRAFT
        else:
            assert invoice.booked and invoice.number

    def test_totals_round_each_line_then_vat_per_rate(self, connector: Connector) -> None:
        """With several lines per VAT rate, each line is rounded to the currency's minor
        unit before VAT; VAT is rounded once per rate on the rounded lines (or per
        line, where the provider declares it computes totals so)."""
        customer, ref = self.new_customer(connector)
        draft = self.new_draft(customer, *(make_invoice_line(*spec) for spec in ROUNDING_LINES))
        expected = self.expected_total(draft.lines, draft.currency)
        if self.vat_rounding == "per_rate":
            assert expected == draft.gross.amount  # the suite's rule is ledgerlink's
        created = connector.create_invoice(draft, ref, {})
        assert created.total == expected
        assert connector.get_invoice(created.provider_id).total == expected

    def test_currency_must_match_the_customer(self, connector: Connector) -> None:
        """An invoice in another currency than its customer's is refused with
        ConflictError, and nothing is created."""
        customer, ref = self.new_customer(connector, currency="DKK")
        draft = self.new_draft(customer, currency="EUR")
        with pytest.raises(ConflictError) as caught:
            connector.create_invoice(draft, ref, {})
        assert caught.value.provider == connector.name
        assert connector.find_invoice(draft.key) is None

    def test_registration_date_leaves_the_issue_date(self, connector: Connector) -> None:
        """A registration (posting) date other than the issue date is accepted; the
        invoice keeps its issue and due dates."""
        customer, ref = self.new_customer(connector)
        issued = date.today()
        draft = self.new_draft(customer, issue_date=issued,
                               registration_date=issued - timedelta(days=3))
        created = connector.create_invoice(draft, ref, {})
        fetched = connector.get_invoice(created.provider_id)
        assert (fetched.issue_date, fetched.due_date) == (draft.issue_date, draft.due_date)

    def test_list_invoices(self, connector: Connector) -> None:
        """list_invoices gives one customer's invoices issued from start to end (both
        included), oldest issue date first."""
        customer, ref = self.new_customer(connector)
        start = date.today()
        made = {}
        for offset in (5, 0, 40, 1, 6, -1):
            issue = start + timedelta(days=offset)
            draft = self.new_draft(customer, issue_date=issue)
            made[offset] = connector.create_invoice(draft, ref, {}).provider_id
        self.new_invoice(connector, issue_date=start)  # someone else's
        listed = list(connector.list_invoices(ref, start, start + timedelta(days=5)))
        assert [inv.provider_id for inv in listed] == [made[0], made[1], made[5]]
        assert all(inv.customer_ref == ref for inv in listed)
