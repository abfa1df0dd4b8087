"""Dinero's JSON shapes: official examples structure without loss; writes round-trip exactly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ProviderError, ValidationError
from ledgerlink_dinero.wire import (
    WIRE,
    DineroBook,
    DineroContact,
    DineroInvoice,
    DineroInvoiceList,
    DineroMailout,
    DineroOrganization,
    DineroProduct,
    DineroProductLine,
    DineroProductList,
    converter,
    dumps,
    loads,
)

_RENAMED = {"TimeStamp": "Timestamp"}


def _assert_carried(raw: Mapping[str, Any], obj: attrs.AttrsInstance) -> None:
    """Every example field the class models arrives with the same value."""
    names = {a.name for a in attrs.fields(type(obj))}
    carried = 0
    for key, expected in raw.items():
        name = _RENAMED.get(key, key)
        if name not in names:
            continue
        carried += 1
        actual = getattr(obj, name)
        if isinstance(expected, list):
            assert len(actual) == len(expected), name
            for item, raw_item in zip(actual, expected, strict=True):
                _assert_carried(raw_item, item)
        elif expected is None:
            assert actual is None, name
        elif isinstance(actual, datetime):
            assert actual == datetime.fromisoformat(expected), name
        elif isinstance(actual, date):
            assert actual.isoformat() == expected, name
        elif isinstance(actual, Decimal):
            assert actual == Decimal(expected), name
        else:
            assert actual == expected, name
    assert carried >= len(raw) // 2, "most example fields should be modelled"


def test_the_official_single_invoice_structures_without_loss(
        dinero_example: Callable[[str], Any]) -> None:
    """GET invoice: ids, Timestamp, dates, Decimal totals, lines and total lines all arrive."""
    raw = dinero_example("invoices_single.json")
    invoice = converter.structure(raw, DineroInvoice)
    _assert_carried(raw, invoice)
    assert invoice.Timestamp == "0000000008766398"
    assert invoice.PaymentDate == date(2017, 5, 27)
    assert isinstance(invoice.TotalInclVat, Decimal)
    assert [line.AccountNumber for line in invoice.ProductLines] == [1000, 1000]
    assert invoice.ProductLines[1].ProductGuid == "13213123123123123"
    assert invoice.TotalLines is not None
    assert [t.Type for t in invoice.TotalLines] == ["SubTotal", "Total"]


def test_the_official_invoice_list_structures_without_loss(
        dinero_example: Callable[[str], Any]) -> None:
    """The invoice list's Collection keeps each invoice's status fields and totals."""
    raw = dinero_example("invoices_list.json")
    page = converter.structure(raw, DineroInvoiceList)
    assert len(page.Collection) == len(raw["Collection"])
    for item, invoice in zip(raw["Collection"], page.Collection, strict=True):
        _assert_carried(item, invoice)
    assert [i.Status for i in page.Collection] == ["Draft", "Overdue"]
    assert page.Collection[1].TotalInclVat == Decimal(250)


def test_the_official_products_structure_without_loss(
        dinero_example: Callable[[str], Any]) -> None:
    """The product read and product list (with its Pagination) arrive whole."""
    raw = dinero_example("products_single.json")
    product = converter.structure(raw, DineroProduct)
    _assert_carried(raw, product)
    raw_list = dinero_example("products_list.json")
    page = converter.structure(raw_list, DineroProductList)
    for item, listed in zip(raw_list["Collection"], page.Collection, strict=True):
        _assert_carried(item, listed)
    assert page.Pagination is not None
    assert (page.Pagination.Page, page.Pagination.PageSize,
            page.Pagination.MaxPageSizeAllowed) == (0, 100, 1000)
    assert page.Collection[1].ProductNumber == "TEST_CODE"


def test_camel_case_keys_structure_like_pascal_case() -> None:
    """Default list fields arrive camelCase (``name,contactGuid``; ``id,name,isPro``)."""
    contact = converter.structure({"name": "Børge", "contactGuid": "c-1"}, DineroContact)
    assert (contact.Name, contact.ContactGuid) == ("Børge", "c-1")
    organization = converter.structure({"id": 12345, "name": "Firma", "isPro": True},
                                       DineroOrganization)
    assert organization == DineroOrganization(Id="12345", Name="Firma", IsPro=True)
    invoice = converter.structure({"guid": "g", "timeStamp": "01",
                                   "totalInclVat": Decimal("12.50")}, DineroInvoice)
    assert (invoice.Guid, invoice.Timestamp, invoice.TotalInclVat) == ("g", "01",
                                                                     Decimal("12.50"))


def test_floats_are_refused_both_ways() -> None:
    """A float amount is neither read nor sent."""
    with pytest.raises(ProviderError, match="TotalInclVat"):
        WIRE.structure({"TotalInclVat": 1.5}, DineroInvoice, operation="read invoice")
    with pytest.raises(ValidationError):
        dumps({"Amount": 1.5})


@pytest.mark.parametrize(("field", "value"), [
    ("TotalInclVat", "12.50"), ("Number", "12"), ("PaymentConditionNumberOfDays", "8"),
    ("ShowLinesInclVat", "false"), ("Date", "19-05-2017"), ("ProductLines", {})])
def test_text_where_dinero_writes_a_number_or_bool_is_refused(field: str, value: object) -> None:
    """Dinero's material writes every number and bool as JSON ones: an amount, a whole
    number or a bool as text, a date in another format, an object for a list is a
    ProviderError naming the field (no digit string is read as a number)."""
    with pytest.raises(ProviderError, match=field) as caught:
        WIRE.structure({field: value}, DineroInvoice, operation="read invoice")
    assert caught.value.provider == "dinero"


def test_unset_fields_are_not_sent_and_amounts_keep_their_digits() -> None:
    """A write carries only what is set; 12.50 is written as 12.50."""
    line = DineroProductLine(Quantity=Decimal("2"), AccountNumber=1000,
                             BaseAmountValue=Decimal("12.50"), Description="Hours",
                             Unit="hours", LineType="Product")
    body = dumps(DineroInvoice(ProductLines=(line,), Currency="DKK", Date=date(2026, 11, 1)))
    assert body == (b'{"ProductLines":[{"Quantity":2,"AccountNumber":1000,'
                    b'"BaseAmountValue":12.50,"Description":"Hours","Unit":"hours",'
                    b'"LineType":"Product"}],"Currency":"DKK","Date":"2026-11-01"}')
    assert dumps(DineroBook(Timestamp="0000000008766398")) == b'{"Timestamp":"0000000008766398"}'


def test_write_rules_are_enforced_on_construction() -> None:
    """ExternalReference fits 128 characters; an email message must link the PDF."""
    with pytest.raises(ValidationError):
        DineroInvoice(ExternalReference="x" * 129)
    with pytest.raises(ValidationError, match="link-to-pdf"):
        DineroMailout(Message="Here is your invoice")
    assert DineroMailout(Message="See [link-to-pdf]").ShouldAddTrustPilotEmailAsBcc is False


_money = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4,
                     allow_nan=False, allow_infinity=False)
_text = st.text(max_size=40)
_optional_text = st.none() | _text
_lines = st.builds(
    DineroProductLine, Quantity=_money, AccountNumber=st.integers(1000, 99999),
    BaseAmountValue=st.none() | _money, ProductGuid=st.none() | st.uuids().map(str),
    Description=_optional_text, Unit=st.none() | st.sampled_from(["hours", "parts", "km"]),
    Discount=st.none() | st.decimals(0, 100, places=2), LineType=st.sampled_from(
        [None, "Product", "Text"]))
# Read-only moments: Dinero writes them without a zone, but a write never sends one
# naive, so the round trip uses moments in UTC.
_moments = st.datetimes(timezones=st.just(UTC))
_invoices = st.builds(
    DineroInvoice, ProductLines=st.lists(_lines, max_size=4).map(tuple),
    Guid=st.none() | st.uuids().map(str), Timestamp=_optional_text,
    ContactGuid=st.none() | st.uuids().map(str),
    ExternalReference=st.none() | st.text(max_size=128), Currency=st.sampled_from(
        [None, "DKK", "EUR"]), Date=st.none() | st.dates(), PaymentDate=st.none() | st.dates(),
    Description=_optional_text, PaymentConditionNumberOfDays=st.none() | st.integers(0, 90),
    ShowLinesInclVat=st.none() | st.booleans(), Number=st.none() | st.integers(1, 10**9),
    Status=st.sampled_from([None, "Draft", "Booked"]), TotalInclVat=st.none() | _money,
    CreatedAt=st.none() | _moments, DeletedAt=st.none() | _moments)
_contacts = st.builds(
    DineroContact, Name=_optional_text, CountryKey=st.sampled_from([None, "DK", "SE"]),
    IsPerson=st.none() | st.booleans(), IsMember=st.none() | st.booleans(),
    UseCvr=st.none() | st.booleans(), ContactGuid=st.none() | st.uuids().map(str),
    ExternalReference=st.none() | st.text(max_size=128), Email=_optional_text,
    VatNumber=_optional_text, PaymentConditionNumberOfDays=st.none() | st.integers(0, 90))
_products = st.builds(
    DineroProduct, ProductGuid=st.none() | st.uuids().map(str), Name=_optional_text,
    BaseAmountValue=st.none() | _money, Quantity=st.none() | _money,
    AccountNumber=st.none() | st.integers(1000, 99999), Unit=_optional_text)


@given(st.one_of(_invoices, _contacts, _products))
def test_any_shape_round_trips_through_json(value: object) -> None:
    """dumps, then loads and structure, gives back an equal object (Decimals exact)."""
    assert converter.structure(loads(dumps(value)), type(value)) == value
