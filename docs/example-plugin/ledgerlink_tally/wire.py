"""Tally's JSON, as attrs classes, and :data:`WIRE`, the one format they are read with.

Each class carries Tally's own field names, so a payload reads like Tally's
documentation (see :mod:`.emulator` for the API). The same class serves a
write and its answer where Tally's shapes are the same (:class:`TallyCustomer`:
``id`` is None in what we send, set in what Tally answers); otherwise there is
one class per direction (:class:`TallyNewInvoice` is sent,
:class:`TallyInvoice` is read).

:data:`WIRE` is configured once from :func:`ledgerlink.http.wire.wire_format`
and does all the checking: a bool only ``true``/``false``, amounts only JSON
numbers (never text, never floats), dates only ``YYYY-MM-DD``, lists only lists,
objects only objects, a status only one Tally documents. There is no
hand-written converter code. :mod:`.api` reads every answer through it with an
operation name, so a malformed answer is a ``ProviderError`` saying what was
wrong, never a ``KeyError`` or a wrong value. Writes leave ``None`` fields out
and keep each ``Decimal``'s exact digits.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs
from ledgerlink.http.wire import wire_format

from ledgerlink_tally.settings import PROVIDER

__all__ = [
    "WIRE",
    "TallyCustomer",
    "TallyCustomerList",
    "TallyError",
    "TallyInvoice",
    "TallyInvoiceList",
    "TallyLine",
    "TallyLines",
    "TallyNewInvoice",
    "TallyProduct",
    "TallyProductList",
    "TallySendTo",
    "TallySent",
    "TallyStatus",
]

def _issued(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    """An id Tally issued is never empty (an empty one would link nothing)."""
    if not value:
        raise ValueError(f"{attribute.name} is empty")


class TallyStatus(enum.Enum):
    """An invoice's ``status``; any other value is refused."""

    DRAFT = "draft"
    BOOKED = "booked"
    VOIDED = "voided"


@attrs.frozen
class TallyError:
    """The ``error`` member of every error answer."""

    code: str
    message: str


@attrs.frozen
class TallyCustomer:
    """A customer, sent by ``POST /customers`` and answered by it and by finds."""

    name: str
    currency: str
    external_id: str
    email: str | None = None
    id: str | None = None


@attrs.frozen
class TallyProduct:
    """A product, sent by ``POST /products`` and answered by it and by finds."""

    name: str
    external_id: str
    id: str | None = None


@attrs.frozen
class TallyCustomerList:
    """``GET /customers?external_id=X``."""

    customers: list[TallyCustomer]


@attrs.frozen
class TallyProductList:
    """``GET /products?external_id=X``."""

    products: list[TallyProduct]


@attrs.frozen
class TallyLine:
    """An invoice line, as sent and as read. ``amount`` is computed by the client."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    amount: Decimal
    source_key: str | None = None
    product_id: str | None = None


@attrs.frozen
class TallyLines:
    """``PUT /invoices/ID/lines``: a draft's lines and its VAT (computed by the client)."""

    lines: list[TallyLine]
    vat: Decimal


@attrs.frozen
class TallyNewInvoice:
    """``POST /invoices``: a new draft carrying our ``key``."""

    key: str | None
    customer_id: str
    currency: str
    issue_date: date
    due_date: date
    lines: list[TallyLine]
    vat: Decimal


@attrs.frozen
class TallyInvoice:
    """An invoice as Tally answers it (``number`` is None until it is booked)."""

    id: str = attrs.field(validator=_issued)
    customer_id: str = attrs.field(validator=_issued)
    currency: str
    issue_date: date
    due_date: date
    status: TallyStatus
    sent: bool
    total: Decimal
    balance: Decimal
    lines: list[TallyLine]
    key: str | None = None
    number: str | None = None


@attrs.frozen
class TallyInvoiceList:
    """``GET /invoices?key=...`` and ``GET /invoices?customer_id=...``."""

    invoices: list[TallyInvoice]


@attrs.frozen
class TallySendTo:
    """``POST /invoices/ID/send``: where to (None: the customer's address)."""

    email: str | None = None


@attrs.frozen
class TallySent:
    """The answer to a send: the address Tally emailed."""

    sent_to: str


#: Tally's wire format: amounts are JSON numbers and ids are text, so neither is
#: read from the other; fields no class declares are ignored (Tally may add some).
WIRE = wire_format(
    PROVIDER,
    (TallyError, TallyCustomer, TallyProduct, TallyCustomerList, TallyProductList, TallyLine,
     TallyLines, TallyNewInvoice, TallyInvoice, TallyInvoiceList, TallySendTo, TallySent),
    amounts_as_text=False,
    ids_as_numbers=False,
)
