"""Domain objects to Billy shapes and back: contacts, invoice lines, invoices.

Where ledgerlink's ids live on Billy records (the "stored mapping"):

* a contact's ``contactNo`` ("arbitrary number (or string) that contacts can be
  referred to by" [B1]) holds the ledgerlink customer id;
* an invoice's ``externalId`` holds the ledgerlink key (:mod:`.lookup` says why);
* a line's ``discountText`` holds ``ledgerlink:<source key>``
  (:mod:`ledgerlink.linetags`), so the lines of
  one piece of work can be told apart on an open draft. Billy shows that text
  only on a line with a discount (its table: "text to display if the line
  includes a discount"), and the connector sends no discount (inferred: the
  material shows no invoice rendering a discount text without a discount).

Prices are sent excluding VAT (``taxMode`` ``excl``); the VAT is Billy's own,
from the product's sales tax ruleset and the contact (:mod:`.products` checks
that it is the line's rate before anything is written).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from ledgerlink.domain import Customer, InvoiceLine, PartyKind, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.linetags import line_key, line_tag
from ledgerlink_billy.statuses import APPROVED, VOIDED, gross_amount, is_sent, signed
from ledgerlink_billy.wire import BillyContact, BillyContactPerson, BillyInvoice, BillyInvoiceLine

__all__ = [
    "EMPTY_MARKER",
    "TAX_MODE",
    "contact_payload",
    "contact_type",
    "empty_line",
    "invoice_lines",
    "registration_number",
    "remote_invoice",
]

#: ``discountText`` of the 0 x 0 line an emptied draft keeps (Billy refuses an invoice
#: without lines [B1][B2]); never approved, carries no source key.
EMPTY_MARKER = "ledgerlink-empty"
#: Unit prices are sent excluding VAT.
TAX_MODE = "excl"
#: ``paymentTermsMode`` of a contact and an invoice: net days [B1][B2].
NET = "net"


def contact_type(customer: Customer) -> str:
    """Billy's contact ``type``: ``person`` or ``company`` (from the domain's PartyKind)."""
    return "person" if customer.kind == PartyKind.PERSON else "company"


def registration_number(customer: Customer) -> str | None:
    """The number Billy keeps as ``registrationNo``: a Danish CVR as its 8 digits
    (ledgerlink keeps the ``DK`` VAT prefix), any other number as it is."""
    number = customer.registration_number
    if number and customer.address.country == "DK" and number.upper().startswith("DK"):
        return number[2:]
    return number


def contact_payload(customer: Customer, payment_terms_days: int) -> BillyContact:
    """A new contact for ``customer``: its id as ``contactNo``, its e-mail on the primary
    contact person (Billy mails invoices to contact persons [B1])."""
    persons = None
    if customer.email:
        persons = (BillyContactPerson(name=customer.name, email=customer.email,
                                      isPrimary=True),)
    address = customer.address
    return BillyContact(
        type=contact_type(customer), name=customer.name, countryId=address.country,
        street=address.street or None, cityText=address.city or None,
        zipcodeText=address.postal_code or None, contactNo=customer.id,
        currencyId=customer.currency, registrationNo=registration_number(customer),
        isCustomer=True, paymentTermsMode=NET, paymentTermsDays=payment_terms_days,
        contactPersons=persons)


def empty_line(invoice_id: str, product_id: str) -> BillyInvoiceLine:
    """The stand-in line of an emptied draft: 0 x 0 of a product already on it."""
    return BillyInvoiceLine(invoiceId=invoice_id, productId=product_id, description="(no lines)",
                            quantity=Decimal(0), unitPrice=Decimal(0), discountText=EMPTY_MARKER)


def invoice_lines(lines: Iterable[InvoiceLine], products: Sequence[str], *,
                  invoice_id: str | None = None) -> list[BillyInvoiceLine]:
    """Billy lines for ``lines``, each linked to the product id at its position."""
    return [BillyInvoiceLine(invoiceId=invoice_id, productId=product,
                             description=line.description, quantity=line.quantity,
                             unitPrice=line.unit_price, discountText=line_tag(line.source_key))
            for line, product in zip(lines, products, strict=True)]


def remote_invoice(invoice: BillyInvoice) -> RemoteInvoice:
    """The domain view of a Billy invoice or credit note.

    Draft: nothing is owed yet, so the balance is the gross amount. Approved:
    Billy's ``balance``, nothing once ``isPaid``. A credit note is negative.
    """
    if not invoice.id:
        raise ValidationError("a Billy invoice without its id", field="id")
    booked = invoice.state in (APPROVED, VOIDED)
    total = signed(invoice, gross_amount(invoice))
    balance = total
    if booked and invoice.balance is not None:
        balance = signed(invoice, invoice.balance)
    if invoice.isPaid and balance * (-1 if total < 0 else 1) > 0:
        balance = Decimal(0)
    issued = invoice.entryDate or date.today()
    keys = (line_key(line.discountText) for line in invoice.lines or ())
    number = invoice.invoiceNo if booked and invoice.invoiceNo else None
    return RemoteInvoice(
        invoice.id, invoice.externalId or None, invoice.contactId or "",
        invoice.currencyId or "DKK", total, balance, issued, invoice.dueDate or issued,
        number=number, booked=booked, voided=invoice.state == VOIDED, sent=is_sent(invoice),
        line_keys=tuple(dict.fromkeys(k for k in keys if k)),
        credit_for=invoice.creditedInvoiceId)
