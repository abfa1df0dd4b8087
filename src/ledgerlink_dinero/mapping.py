"""Domain objects to Dinero shapes and back: contacts, product lines, invoices.

VAT as Dinero models it: a line has no VAT code of its own; its sales
``AccountNumber`` decides the rate. :class:`VatAccounts` maps each VAT rate a
line may carry to the account to book it on (default: 1000 "Salg af
varer/ydelser m/moms" for 25 %, 1100 "… u/moms" for 0 %); a rate without an
account is refused before any write, naming the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import attrs

from ledgerlink.domain import Customer, InvoiceLine, PartyKind, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink_dinero.keys import EMPTY_MARKER, external_reference, line_comment, line_key
from ledgerlink_dinero.statuses import (
    PAID_VALUES,
    booked_number,
    is_booked,
    is_deleted,
    is_sent,
    version,
)
from ledgerlink_dinero.wire import (
    DineroContact,
    DineroCreditNote,
    DineroInvoice,
    DineroProductLine,
)

__all__ = [
    "DEFAULT_UNIT",
    "DEFAULT_VAT_ACCOUNTS",
    "ProductLink",
    "VatAccounts",
    "contact_payload",
    "copy_line",
    "empty_line",
    "product_lines",
    "remote_credit_note",
    "remote_invoice",
    "vat_number",
]

#: The unit put on lines and products (Dinero requires one of its fixed units).
DEFAULT_UNIT = "parts"
#: VAT rate → sales account of Dinero's standard chart.
DEFAULT_VAT_ACCOUNTS: Mapping[Decimal, int] = {Decimal(25): 1000, Decimal(0): 1100}


def _parse_accounts(text: str) -> dict[Decimal, int]:
    accounts: dict[Decimal, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        rate, sep, number = part.partition("=")
        try:
            if not sep:
                raise ValueError(part)
            accounts[Decimal(rate.strip())] = int(number.strip())
        except (ValueError, InvalidOperation) as err:
            raise ValidationError("expected rate=account pairs like '25=1000,0=1100'",
                                  field="vat_accounts", value=text) from err
    return accounts


class VatAccounts:
    """Which sales account books a line of each VAT rate."""

    def __init__(self, accounts: str | Mapping[Decimal, int] | None = None) -> None:
        given = _parse_accounts(accounts) if isinstance(accounts, str) else dict(accounts or {})
        #: VAT rate → account number.
        self.by_rate: dict[Decimal, int] = {**DEFAULT_VAT_ACCOUNTS,
                                            **{Decimal(r): int(a) for r, a in given.items()}}

    def account_for(self, rate: Decimal, what: str) -> int:
        """The account of VAT ``rate`` (for ``what``, named in the error when there is none)."""
        number = self.by_rate.get(rate)
        if number is None:
            raise ValidationError(f"no Dinero sales account is set for VAT rate {rate} "
                                  "(option vat_accounts)", field="vat_rate", value=what)
        return number


def empty_line(account: int) -> DineroProductLine:
    """The zero line an emptied draft keeps (see :data:`.keys.EMPTY_MARKER`): Dinero
    refuses an invoice without lines. It is a product line of 0 x 0, not a text line,
    so it reads back like any other line; it carries no source key."""
    return DineroProductLine(Quantity=Decimal(0), AccountNumber=account, Description="(no lines)",
                             Comments=EMPTY_MARKER, Unit=DEFAULT_UNIT, BaseAmountValue=Decimal(0),
                             LineType="Product")


def vat_number(customer: Customer) -> str | None:
    """The number Dinero keeps as ``VatNumber``: a Danish CVR as its 8 digits (ledgerlink
    keeps the ``DK`` VAT prefix), a foreign number with its country prefix."""
    number = customer.registration_number
    if number and customer.address.country == "DK" and number.upper().startswith("DK"):
        return number[2:]
    return number


def contact_payload(customer: Customer, contact_guid: str) -> DineroContact:
    """ContactCreateModel for ``customer``, carrying our GUID and its id."""
    company = customer.kind != PartyKind.PERSON
    return DineroContact(
        Name=customer.name,
        CountryKey=customer.address.country,
        IsPerson=not company,
        IsMember=False,
        UseCvr=bool(company and customer.registration_number
                    and customer.address.country == "DK"),
        ContactGuid=contact_guid,
        ExternalReference=external_reference(customer.id, "customer.id"),
        Street=customer.address.street or None,
        ZipCode=customer.address.postal_code or None,
        City=customer.address.city or None,
        Email=customer.email,
        VatNumber=vat_number(customer),
        PreferredInvoiceCurrencyKey=customer.currency,
    )


@attrs.frozen
class ProductLink:
    """The Dinero product a ledgerlink product id is linked to.

    Attributes:
        guid: its ``ProductGuid``.
        name: its ``Name`` in Dinero (None: it has none), the text a line linked
            to it shows.
    """

    guid: str
    name: str | None = None

    def shows(self, text: str) -> bool:
        """True when a line linked to this product shows ``text`` (its name)."""
        return self.name is not None and self.name.strip() == text.strip()


def product_lines(lines: Iterable[InvoiceLine], links: Mapping[str, ProductLink],
                  accounts: VatAccounts) -> list[DineroProductLine]:
    """Dinero product lines: unit price excl. VAT, quantity, account by VAT rate, and
    the source key in ``Comments``.

    A line's text is its ``Description``, or, on a line linked to a product
    (``ProductGuid``), the product's name: Dinero wants ``Description`` null when
    ``ProductGuid`` is set [D16]. So a line is linked to its product only when
    its text is the product's name; a line whose text differs (work described
    in more detail) is sent unlinked with its own ``Description``, so the
    invoice shows what was billed. Price, quantity and VAT are the line's own
    either way (``BaseAmountValue`` and ``AccountNumber`` are always sent).
    """
    result = []
    for line in lines:
        link = links.get(line.product_id) if line.product_id else None
        linked = link is not None and link.shows(line.description)
        result.append(DineroProductLine(
            ProductGuid=link.guid if link is not None and linked else None,
            Description=None if linked else line.description,
            Comments=line_comment(line.source_key),
            Quantity=line.quantity,
            AccountNumber=accounts.account_for(line.vat_rate, line.description),
            Unit=DEFAULT_UNIT,
            BaseAmountValue=line.unit_price,
            LineType="Product",
        ))
    return result


def copy_line(line: DineroProductLine) -> DineroProductLine:
    """A read line as a write line (computed amounts and names dropped; a line linked
    to a product sends no Description, which Dinero fills in from the product)."""
    return DineroProductLine(
        ProductGuid=line.ProductGuid,
        Description=None if line.ProductGuid else line.Description, Comments=line.Comments,
        Quantity=line.Quantity, AccountNumber=line.AccountNumber, Unit=line.Unit,
        BaseAmountValue=line.BaseAmountValue, Discount=line.Discount, LineType=line.LineType)


def _line_keys(lines: Sequence[DineroProductLine]) -> tuple[str, ...]:
    keys = (line_key(line.Comments) for line in lines)
    return tuple(dict.fromkeys(k for k in keys if k))


def remote_invoice(invoice: DineroInvoice, *, paid: Decimal = Decimal(0)) -> RemoteInvoice:
    """The domain view of a Dinero invoice, given what was paid on it.

    Partially paid has no native value: the balance is the total less the
    payments read; Dinero's Paid/OverPaid settles the balance even while the
    payments were not read (lists).
    """
    if invoice.Guid is None:
        raise ValidationError("a Dinero invoice without its Guid", field="Guid")
    booked = is_booked(invoice)
    total = invoice.TotalInclVat if invoice.TotalInclVat is not None else Decimal(0)
    balance = total - paid if booked else total
    if (invoice.PaymentStatus or invoice.Status) in PAID_VALUES:
        balance = min(balance, Decimal(0))
    issued = invoice.Date or date.today()
    return RemoteInvoice(
        provider_id=invoice.Guid,
        key=invoice.ExternalReference,
        customer_ref=invoice.ContactGuid or "",
        currency=invoice.Currency or "DKK",
        total=total,
        balance=balance,
        issue_date=issued,
        due_date=invoice.PaymentDate or issued,
        number=booked_number(invoice),
        booked=booked,
        deleted=is_deleted(invoice),
        sent=is_sent(invoice),
        line_keys=_line_keys(invoice.ProductLines),
        version=version(invoice),
    )


def remote_credit_note(note: DineroCreditNote) -> RemoteInvoice:
    """The domain view of a credit note: booked once numbered, its total negative."""
    if note.Guid is None:
        raise ValidationError("a Dinero credit note without its Guid", field="Guid")
    total = -(note.TotalInclVat if note.TotalInclVat is not None else Decimal(0))
    issued = note.Date or date.today()
    booked = note.Number is not None
    return RemoteInvoice(
        provider_id=note.Guid,
        key=note.ExternalReference,
        customer_ref=note.ContactGuid or "",
        currency=note.Currency or "DKK",
        total=total,
        balance=total if not booked else Decimal(0),
        issue_date=issued,
        due_date=issued,
        number=str(note.Number) if booked else None,
        booked=booked,
        deleted=note.DeletedAt is not None,
        line_keys=_line_keys(note.ProductLines),
        credit_for=note.CreditNoteFor,
    )
