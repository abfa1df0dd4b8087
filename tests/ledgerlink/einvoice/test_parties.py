"""Electronic addresses by scheme, checked with python-stdnum where they are made."""

from __future__ import annotations

import pytest

from ledgerlink.domain import Address
from ledgerlink.einvoice import ElectronicAddress, Seller, endpoint_for
from ledgerlink.errors import ValidationError


@pytest.mark.parametrize(("scheme", "identifier"), [
    ("0184", "DK1234567"),      # PEPPOL-COMMON-R042's example: seven digits
    ("0184", "13585627"),       # eight digits, wrong CVR check digit
    ("0007", "5560360794"),     # wrong Luhn digit (PEPPOL-COMMON-R049)
    ("0192", "974760674"),      # wrong mod-11 digit (PEPPOL-COMMON-R041)
    ("0088", "5790000435976"),  # wrong GS1 check digit (PEPPOL-COMMON-R040)
    ("0088", "57900004359"),    # an EAN-11 is no GLN
    ("184", "13585628"),        # a scheme is four digits
])
def test_bad_endpoints_are_refused_where_they_are_made(scheme: str, identifier: str) -> None:
    """An identifier its scheme's check rejects raises a ValidationError naming the endpoint."""
    with pytest.raises(ValidationError) as caught:
        ElectronicAddress(scheme, identifier)
    assert str(caught.value.field).startswith("endpoint.")


@pytest.mark.parametrize(("scheme", "given", "stored"), [
    ("0184", "13 58 56 28", "13585628"),
    ("0007", "556036-0793", "5560360793"),
    ("0192", "974 760 673", "974760673"),
    ("0088", "5790000435975", "5790000435975"),
    ("9930", "DE123456789", "DE123456789"),  # a scheme not checked here is kept as given
])
def test_good_endpoints_are_compacted(scheme: str, given: str, stored: str) -> None:
    """A valid identifier is kept in the compact form the rules check."""
    assert ElectronicAddress(scheme, given).identifier == stored


@pytest.mark.parametrize(("number", "country", "address"), [
    ("DK13585628", "DK", "0184:13585628"),
    ("13585628", "DK", "0184:13585628"),
    ("SE556036079301", "SE", "0007:5560360793"),
    ("NO974760673MVA", "NO", "0192:974760673"),
])
def test_nordic_numbers_give_their_endpoint(number: str, country: str, address: str) -> None:
    """A Danish, Swedish or Norwegian VAT/organisation number gives its PEPPOL participant."""
    assert str(endpoint_for(number, country)) == address


def test_other_countries_need_an_explicit_endpoint() -> None:
    """A number from a country without a scheme here is refused, naming the field."""
    with pytest.raises(ValidationError, match="no PEPPOL scheme") as caught:
        endpoint_for("DE136695976", "DE", field="customer.registration_number")
    assert caught.value.field == "customer.registration_number"


def test_seller_endpoint_comes_from_its_vat_number() -> None:
    """A seller without an explicit endpoint is reached at the one its VAT number gives."""
    seller = Seller("Fjordvarme ApS", Address("Havnegade 12", "8000", "Aarhus C", "DK"),
                    vat_number="13585628")
    assert seller.vat_number == "DK13585628"
    assert str(seller.electronic_address) == "0184:13585628"
    with pytest.raises(ValidationError) as caught:
        Seller("X", Address("Vej 1", "8000", "Aarhus", "DK"), vat_number="DK13585627")
    assert caught.value.field == "seller.vat_number"
