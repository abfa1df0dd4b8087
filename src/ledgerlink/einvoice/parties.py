"""Internal: an e-invoice's parties: electronic addresses, the seller's profile, payment accounts.

An electronic address (PEPPOL endpoint) is a scheme (ISO 6523 ICD, as PEPPOL's
EAS list uses them) and an identifier. The Nordic schemes and GLN are checked
with python-stdnum when the address is made, so a wrong number is refused
where it is typed, not by an access point days later:

====  ==================================  =======================
0184  Danish CVR number                   ``stdnum.dk.cvr``
0007  Swedish organisation number         ``stdnum.se.orgnr``
0192  Norwegian organisation number       ``stdnum.no.orgnr``
0088  GS1 Global Location Number (GLN)    ``stdnum.ean`` (13 digits)
====  ==================================  =======================

(python-stdnum's CVR check is stricter than PEPPOL's rule, which checks the
format only.)
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from stdnum import ean, iban
from stdnum.dk import cvr
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from ledgerlink.domain import Address, normalize_registration_number
from ledgerlink.errors import ValidationError

__all__ = [
    "SCHEMES",
    "ElectronicAddress",
    "PaymentAccount",
    "Seller",
    "endpoint_for",
]


def _gln(number: str) -> str:
    compact = str(ean.validate(number))
    if len(compact) != 13:
        raise StdnumError("a GLN has 13 digits")
    return compact


#: Scheme → (what it is, the python-stdnum check that compacts and validates it).
SCHEMES: dict[str, tuple[str, Callable[[str], str]]] = {
    "0184": ("Danish CVR number", lambda n: str(cvr.validate(n))),
    "0007": ("Swedish organisation number", lambda n: str(se_orgnr.validate(n))),
    "0192": ("Norwegian organisation number", lambda n: str(no_orgnr.validate(n))),
    "0088": ("GLN", _gln),
}


@attrs.frozen
class ElectronicAddress:
    """Where a party receives e-invoices: a PEPPOL participant's scheme and identifier.

    Attributes:
        scheme: the ICD scheme (``0184``, ``0007``, ``0192``, ``0088`` are checked).
        identifier: the number, compacted (``12345674``).
    """

    scheme: str
    identifier: str

    def __attrs_post_init__(self) -> None:
        if not (len(self.scheme) == 4 and self.scheme.isdigit()):
            raise ValidationError("an endpoint scheme is four digits (e.g. 0184)",
                                  field="endpoint.scheme", value=self.scheme)
        known = SCHEMES.get(self.scheme)
        if known is None:
            if not self.identifier.strip():
                raise ValidationError("empty endpoint identifier", field="endpoint.identifier")
            return
        name, check = known
        try:
            compact = check(self.identifier)
        except StdnumError as err:
            raise ValidationError(f"not a valid {name} (scheme {self.scheme}): {err}",
                                  field="endpoint.identifier", value=self.identifier) from None
        object.__setattr__(self, "identifier", compact)

    @classmethod
    def gln(cls, number: str) -> ElectronicAddress:
        """A Global Location Number (scheme 0088)."""
        return cls("0088", number)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.identifier}"


def endpoint_for(registration_number: str | None, country: str, *,
                 field: str = "registration_number") -> ElectronicAddress:
    """The electronic address a Nordic organisation/VAT number gives.

    ``DK12345674`` → ``0184:12345674``, ``SE556036079301`` → ``0007:5560360793``,
    ``NO974760673MVA`` → ``0192:974760673``. Raises ValidationError naming
    ``field`` when there is no number, or the country has no scheme here.
    """
    if not registration_number:
        raise ValidationError("no organisation number to find an electronic address by; "
                              "give one, or the party's endpoint", field=field)
    number = normalize_registration_number(registration_number, country)
    prefix, body = number[:2], number[2:]
    if prefix == "DK":
        return ElectronicAddress("0184", body)
    if prefix == "SE":
        return ElectronicAddress("0007", body[:10])
    if prefix == "NO":
        return ElectronicAddress("0192", body.removesuffix("MVA"))
    raise ValidationError(f"no PEPPOL scheme for {prefix} organisation numbers here; "
                          f"give the party's endpoint", field=field, value=registration_number)


@attrs.frozen
class PaymentAccount:
    """The account the buyer pays into (BG-17).

    Attributes:
        account: the IBAN, or a domestic account number.
        branch: the BIC, or the Danish bank registration number (reg.nr.).
        name: the account's name, if printed.
        means_code: the UNCL 4461 payment means: ``58`` SEPA credit transfer (an
            IBAN), ``42`` payment to a bank account (Danish reg.nr. and account),
            ``30`` credit transfer.
    """

    account: str
    branch: str | None = None
    name: str | None = None
    means_code: str = "58"

    @classmethod
    def from_iban(cls, number: str, bic: str | None = None, name: str | None = None
                  ) -> PaymentAccount:
        """A SEPA credit transfer to an IBAN (checked with python-stdnum)."""
        try:
            compact = str(iban.validate(number))
        except StdnumError as err:
            raise ValidationError(f"not a valid IBAN: {err}", field="payment.account",
                                  value=number) from None
        return cls(compact, bic, name, "58")

    @classmethod
    def danish(cls, registration: str, account: str, name: str | None = None) -> PaymentAccount:
        """A Danish bank account: 4-digit reg.nr. and an account number of up to 10 digits."""
        reg, number = registration.strip(), account.strip().replace(" ", "")
        if not (len(reg) == 4 and reg.isdigit()):
            raise ValidationError("a Danish reg.nr. has 4 digits", field="payment.branch",
                                  value=registration)
        if not (number.isdigit() and len(number) <= 10):
            raise ValidationError("a Danish account number has up to 10 digits",
                                  field="payment.account", value=account)
        return cls(number, reg, name, "42")


@attrs.frozen
class Seller:
    """What an e-invoice says about the company that sends it, beyond :class:`Company`.

    Attributes:
        name: the legal (registration) name.
        address: the postal address (a street and a city are required).
        vat_number: the VAT number with its country prefix (``DK12345674``);
            validated like a customer's. None for a seller not registered for VAT.
        endpoint: the seller's electronic address; None derives it from the VAT number.
        payment: where the buyer pays.
        email: the seller's contact e-mail, if printed.
        phone: the seller's contact telephone, if printed.
    """

    name: str
    address: Address
    vat_number: str | None = None
    endpoint: ElectronicAddress | None = None
    payment: PaymentAccount | None = None
    email: str | None = None
    phone: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("the seller needs a name", field="seller.name")
        if self.vat_number:
            try:
                normal = normalize_registration_number(self.vat_number, self.address.country)
            except ValidationError as err:
                raise ValidationError(err.message, field="seller.vat_number",
                                      value=self.vat_number) from None
            object.__setattr__(self, "vat_number", normal)
        if self.endpoint is None:
            object.__setattr__(self, "endpoint", endpoint_for(
                self.vat_number, self.address.country, field="seller.vat_number"))

    @property
    def electronic_address(self) -> ElectronicAddress:
        """The seller's endpoint (always set once the seller is made)."""
        assert self.endpoint is not None
        return self.endpoint
