"""Internal: the ``einvoice`` channel: the booked invoice as PEPPOL BIS 3 UBL, to an access point.

The document is built by :func:`ledgerlink.einvoice.build_einvoice` from the
delivery (draft, booked invoice, credited invoice, company, customer) and the
seller's profile given in the channel's options; the buyer's electronic address
comes from the customer's organisation number (Danish CVR, Swedish and
Norwegian organisation numbers), so a customer without one is a
ValidationError naming ``customer.registration_number``. A credit note is a
``CreditNote`` document.

With a validator the document is checked first (XSD and both Schematron
layers); one with a fatal finding is not handed on, and the receipt is FAILED
with the rules it breaks. The access point gets the document with its stable
document id, so it can refuse a repeat; a repeat is answered SENT (it went
before). AS4 transport is the access point's business, not ledgerlink's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ledgerlink.delivery.model import Delivery, DeliveryReceipt, DeliveryState
from ledgerlink.delivery.outbox import AccessPoint, FileOutbox
from ledgerlink.domain import Address
from ledgerlink.einvoice import (
    EXPORT,
    INTRA_COMMUNITY,
    NOT_SUBJECT,
    REVERSE_CHARGE,
    ZERO_RATED,
    EInvoice,
    EInvoiceValidator,
    ElectronicAddress,
    PaymentAccount,
    Seller,
    VatExemption,
    build_einvoice,
)
from ledgerlink.errors import DeliveryError, EInvoiceRulesError, ValidationError

__all__ = ["EXEMPTIONS", "EInvoiceChannel", "einvoice_channel", "seller_from_options"]

#: The ``exemption`` option's names.
EXEMPTIONS = {"zero_rated": ZERO_RATED, "reverse_charge": REVERSE_CHARGE,
              "intra_community": INTRA_COMMUNITY, "export": EXPORT, "not_subject": NOT_SUBJECT}
#: Findings named in a FAILED receipt; the rest are counted.
_FINDINGS_SHOWN = 5


class EInvoiceChannel:
    """Builds each invoice as a BIS Billing 3 document and hands it to an access point.

    Args:
        access_point: where documents go (e.g. :class:`~.outbox.FileOutbox`).
        seller: the company's e-invoice profile.
        validator: checks each document before it goes; None sends unchecked.
        exemption: why 0 % lines carry no VAT, for invoices that have them.
        name: the channel's registered name.
    """

    def __init__(self, access_point: AccessPoint, seller: Seller, *,
                 validator: EInvoiceValidator | None = None,
                 exemption: VatExemption | None = None, name: str = "einvoice") -> None:
        self.name = name
        self.access_point = access_point
        self.seller = seller
        self.validator = validator
        self.exemption = exemption

    @property
    def refuses_repeats(self) -> bool:
        """Whether the access point refuses a document id it already took."""
        return bool(getattr(self.access_point, "refuses_repeats", False))

    def document(self, delivery: Delivery) -> EInvoice:
        """The UBL Invoice or CreditNote of the delivery's invoice."""
        if delivery.draft is None:
            raise ValidationError(
                f"an e-invoice of {delivery.invoice_key} is built from its lines, and this "
                f"run does not have them: give the work orders it bills in the input",
                field="draft")
        return build_einvoice(delivery.draft, delivery.invoice, company=delivery.company,
                              seller=self.seller, customer=delivery.customer,
                              credited=delivery.credited, exemption=self.exemption)

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        """Build, check when a validator is set, and hand the document to the access point."""
        document = self.document(delivery)
        if self.validator is not None:
            report = self.validator.validate(document.xml)
            if not report.is_valid:
                shown = "; ".join(str(f) for f in report.fatal[:_FINDINGS_SHOWN])
                more = len(report.fatal) - _FINDINGS_SHOWN
                tail = f"; and {more} more" if more > 0 else ""
                return DeliveryReceipt(DeliveryState.FAILED,
                                       f"not sent: {document.kind.label} {document.number} "
                                       f"breaks {len(report.fatal)} rule(s): {shown}{tail}",
                                       document.document_id)
        answer = self.access_point.send(document.xml, document.sender, document.receiver,
                                        document.document_id)
        if answer.repeat:
            return DeliveryReceipt(DeliveryState.SENT, f"already sent earlier: {answer.message}",
                                   document.document_id)
        state = DeliveryState.SENT if answer.accepted else DeliveryState.FAILED
        return DeliveryReceipt(state, answer.message, document.document_id)


def seller_from_options(value: Any) -> Seller:
    """A Seller, or one from a mapping: ``name``, ``street``, ``postal_code``, ``city``,
    ``country``, ``vat_number``, ``endpoint`` (``"0184:12345674"``), ``iban`` (and
    ``bic``) or ``bank_registration`` and ``account``, ``email``, ``phone``.

    Raises:
        DeliveryError: no seller, or one that does not hold (the field named).
    """
    if isinstance(value, Seller):
        return value
    if not isinstance(value, Mapping) or not value.get("name"):
        raise DeliveryError("the einvoice channel needs seller= (a Seller, or a mapping "
                            "with name, street, postal_code, city, country, vat_number...)")
    known = {"name", "street", "postal_code", "city", "country", "vat_number", "endpoint",
             "iban", "bic", "bank_registration", "account", "email", "phone"}
    unknown = sorted(set(value) - known)
    if unknown:
        raise DeliveryError(f"the einvoice channel's seller takes no {', '.join(unknown)}")
    try:
        endpoint = None
        if value.get("endpoint"):
            scheme, _, identifier = str(value["endpoint"]).partition(":")
            endpoint = ElectronicAddress(scheme, identifier)
        payment = None
        if value.get("iban"):
            payment = PaymentAccount.from_iban(value["iban"], value.get("bic"), value["name"])
        elif value.get("account"):
            payment = PaymentAccount.danish(str(value.get("bank_registration") or ""),
                                            str(value["account"]), value["name"])
        return Seller(str(value["name"]),
                      Address(str(value.get("street") or ""), str(value.get("postal_code") or ""),
                              str(value.get("city") or ""), str(value.get("country") or "DK")),
                      vat_number=value.get("vat_number"), endpoint=endpoint, payment=payment,
                      email=value.get("email"), phone=value.get("phone"))
    except ValidationError as err:
        raise DeliveryError(f"the einvoice channel's seller: {err}") from None


def einvoice_channel(*, seller: Any = None, access_point: AccessPoint | None = None,
                     outbox: str | os.PathLike[str] | None = None,
                     validate: bool = False, rules: str | os.PathLike[str] | None = None,
                     validator: EInvoiceValidator | None = None,
                     exemption: str | VatExemption | None = None) -> EInvoiceChannel:
    """The ``einvoice`` channel's factory.

    Options: ``seller`` (see :func:`seller_from_options`); an ``access_point``
    object or an ``outbox`` folder (:class:`~.outbox.FileOutbox`); ``validate``
    (or a ``rules`` folder, or a ready ``validator``) to check each document
    first; ``exemption`` for 0 % lines (a VatExemption or one of
    :data:`EXEMPTIONS`).

    Raises:
        DeliveryError: a missing or bad option; rules that cannot be loaded.
    """
    if (access_point is None) == (outbox is None):
        raise DeliveryError("the einvoice channel needs an access point: give "
                            "access_point= or outbox= (one of them)")
    chosen = access_point if access_point is not None else FileOutbox(outbox or ".")
    if isinstance(exemption, str):
        if exemption not in EXEMPTIONS:
            raise DeliveryError(f"unknown exemption {exemption!r}; known: "
                                f"{', '.join(EXEMPTIONS)}")
        exemption = EXEMPTIONS[exemption]
    if validator is None and (validate or rules is not None):
        try:
            validator = EInvoiceValidator(rules)
        except EInvoiceRulesError as err:
            raise DeliveryError(f"the einvoice channel cannot validate: {err}") from err
    return EInvoiceChannel(chosen, seller_from_options(seller), validator=validator,
                           exemption=exemption)
