"""The Dinero connector's pure parts: keys, line tags, VAT accounts, the provider clock,
status from payments, and the plugin entry point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ledgerlink as ll
from ledgerlink.errors import ValidationError
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_line
from ledgerlink_dinero import CAPABILITIES, DineroConnector
from ledgerlink_dinero.changefeed import provider_clock
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DineroEmulator
from ledgerlink_dinero.keys import external_reference, line_comment, line_key, object_guid
from ledgerlink_dinero.mapping import VatAccounts, contact_payload, remote_invoice, vat_number
from ledgerlink_dinero.settings import MAX_EXTERNAL_REFERENCE
from ledgerlink_dinero.statuses import remote_status
from ledgerlink_dinero.wire import DineroInvoice
from tests.ledgerlink_dinero.support import BASE, connect_organisation, fresh_organisation

keys = st.text(min_size=1, max_size=60).filter(lambda k: k.strip() == k and k)


@given(keys)
def test_a_line_source_key_survives_its_comment(key: str) -> None:
    """Whatever the source key, the line's Comments gives it back."""
    assert line_key(line_comment(key)) == key


@given(st.text(max_size=40))
def test_a_persons_comment_is_never_read_as_a_source_key(comment: str) -> None:
    """Only comments we wrote carry a key."""
    assert line_key(comment) is None or comment.startswith("ledgerlink:")


@given(keys, keys)
def test_guids_are_deterministic_and_distinct(first: str, second: str) -> None:
    """The same id gives the same GUID; another id, kind or salt another."""
    assert object_guid("1", "invoice", first) == object_guid("1", "invoice", first)
    if first != second:
        assert object_guid("1", "invoice", first) != object_guid("1", "invoice", second)
    assert object_guid("1", "invoice", first) != object_guid("1", "contact", first)
    assert object_guid("1", "invoice", first) != object_guid("1", "invoice", first, salt="1")
    assert object_guid("1", "invoice", first) != object_guid("2", "invoice", first)


def test_an_external_reference_longer_than_dinero_holds_is_refused() -> None:
    """Dinero keeps 128 characters; a longer key could not be found again."""
    assert external_reference("k" * MAX_EXTERNAL_REFERENCE)
    with pytest.raises(ValidationError):
        external_reference("k" * (MAX_EXTERNAL_REFERENCE + 1))


def test_vat_accounts_follow_the_rate_and_refuse_an_unknown_one() -> None:
    """25 % and 0 % have standard accounts; other rates need the option."""
    accounts = VatAccounts("12=1012, 25=1001")
    assert accounts.account_for(Decimal(25), "x") == 1001
    assert accounts.account_for(Decimal(0), "x") == 1100
    assert accounts.account_for(Decimal("12.0"), "x") == 1012
    with pytest.raises(ValidationError) as caught:
        VatAccounts().account_for(make_invoice_line(vat_rate="12").vat_rate, "Parts")
    assert caught.value.value == "Parts"
    with pytest.raises(ValidationError):
        VatAccounts("25:1000")


def test_a_danish_contact_carries_its_cvr_and_our_tags() -> None:
    """CVR as 8 digits, UseCvr on, our GUID and the customer id as ExternalReference."""
    customer = make_customer(registration_number="13585628", currency="EUR")
    payload = contact_payload(customer, "guid-1")
    assert (payload.VatNumber, payload.UseCvr, payload.IsPerson) == ("13585628", True, False)
    assert (payload.ContactGuid, payload.ExternalReference) == ("guid-1", customer.id)
    assert payload.PreferredInvoiceCurrencyKey == "EUR"
    assert vat_number(make_customer()) is None


def test_the_provider_clock_is_whole_seconds_from_the_date_header() -> None:
    """The feed's ``until`` comes from Dinero's Date header, truncated to the second."""
    assert provider_clock("Sun, 22 Nov 2026 12:00:05 GMT") == datetime(
        2026, 11, 22, 12, 0, 5, tzinfo=UTC)
    assert provider_clock(None).microsecond == 0
    assert provider_clock("not a date").tzinfo is not None


def test_connect_finds_dinero_through_the_entry_point(tmp_path: Path) -> None:
    """ll.connect("dinero", ...) builds the connector, tokens read from the journal store."""
    emulator = DineroEmulator()
    organisation = fresh_organisation()
    path = tmp_path / "ledgerlink.db"
    emulator.add_organisation(organisation)
    connect_organisation(emulator, organisation, Store(path))
    book = ll.connect("dinero", organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
                      client_secret=DEFAULT_CLIENT_SECRET, store=str(path), base_url=BASE,
                      transport=emulator.transport())
    try:
        assert isinstance(book, DineroConnector)
        assert book.account == f"dinero-{organisation}"
        assert book.capabilities == CAPABILITIES
        assert [org.Id for org in book.organisations()] == [organisation]
        customer = make_customer()
        ref = book.create_customer(customer)
        assert book.find_customer(customer) == ref
    finally:
        book.close()


def test_required_options_are_checked_and_the_secret_kept_out_of_repr(tmp_path: Path) -> None:
    """A missing organisation is refused; repr names the organisation only."""
    with pytest.raises(ValidationError):
        DineroConnector(organisation_id=" ", client_id="id", client_secret="s",
                        store=str(tmp_path / "x.db"))
    book = DineroConnector(organisation_id="42", client_id="id", client_secret="secret",
                           store=str(tmp_path / "x.db"))
    with book:
        assert "secret" not in repr(book) and "42" in repr(book)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(total=money, payments=st.lists(money, max_size=4),
       payment_status=st.sampled_from(["Booked", "Paid", "OverPaid"]),
       days_late=st.integers(-30, 30))
def test_the_remote_invoice_status_agrees_with_dinero_status_derivation(
    total: Decimal, payments: list[Decimal], payment_status: str, days_late: int
) -> None:
    """The balance the connector reports gives the status :mod:`.statuses` derives from
    the same facts, over generated payment histories."""
    today = datetime(2026, 11, 22, tzinfo=UTC).date()
    invoice = DineroInvoice(Guid="g", Status="Booked", PaymentStatus=payment_status,
                            TotalInclVat=total, Number=7, Date=today,
                            PaymentDate=today - timedelta(days=days_late))
    remote = remote_invoice(invoice, paid=sum(payments, Decimal(0)))
    assert remote.status(today) == remote_status(invoice, today, payments=payments)
    assert remote.booked and remote.number == "7"
