"""The connector contract every accounting-system plugin implements.

A connector maps domain types to one provider's API. It declares what it can
do as :class:`Capability` values; the planner adapts to the declaration and
an unsupported call raises :class:`~ledgerlink.errors.CapabilityError`
naming the capability. :class:`BaseConnector` implements every optional
operation as "not supported", so a connector overrides exactly what it
declares. ``ledgerlink.testing`` holds the conformance suite that checks a
connector keeps this contract.

Exactly-once relies on two promises every connector keeps:

1. ``create_invoice`` stores ``draft.key`` on the remote invoice where
   ``find_invoice(key)`` finds it again, and ``InvoiceLine.source_key`` on each
   line where :attr:`RemoteInvoice.line_keys` reports it (for drafts).
2. ``find_customer`` finds a customer created earlier by ``create_customer``
   for the same :attr:`Customer.id` (by a stored external reference, or by a
   unique registration number or email).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, Self, runtime_checkable

import attrs

from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, Product, RemoteInvoice
from ledgerlink.errors import CapabilityError, LedgerlinkError

__all__ = [
    "BaseConnector",
    "BatchItem",
    "BatchResult",
    "Capability",
    "Changes",
    "Connector",
    "CountsRequests",
    "KnownVersions",
    "ProductRefs",
    "find_each",
]

#: Local product id → the provider's product id, for linking invoice lines.
ProductRefs = Mapping[str, str]


@attrs.frozen
class BatchItem:
    """One invoice of a batch create: the draft and its customer's provider id."""

    draft: InvoiceDraft
    customer_ref: str


#: Provider id → the version (:attr:`RemoteInvoice.version`) the journal holds, None
#: when it holds none: the invoices a status refresh follows, for ``changes(known=...)``.
KnownVersions = Mapping[str, str | None]


#: Per item of a batch, in order: the created invoice, or the error that item met.
BatchResult = Sequence[RemoteInvoice | LedgerlinkError]


@attrs.frozen
class Changes:
    """What changed at the provider since a point in time (CHANGE_FEED).

    Attributes:
        invoices: the current state of every invoice (and credit note) that changed.
        deleted: provider ids of invoices deleted since then.
        until: where the next call should start (the provider's clock, not ours).
        unmoved: (provider id, version now) of followed invoices (``known``) left out
            of ``invoices`` because they have not moved, where the provider's version
            is more exact than the one held; the caller keeps it.
    """

    invoices: tuple[RemoteInvoice, ...]
    deleted: tuple[str, ...]
    until: datetime
    unmoved: tuple[tuple[str, str], ...] = ()


class Capability(enum.Enum):
    """Things a connector may be able to do beyond creating invoices."""

    DRAFTS = "drafts"  #: invoices can stay unbooked and gain or lose lines
    BOOKING = "booking"  #: a draft can be booked (numbered, final)
    EMAIL = "email"  #: the provider emails an invoice to the customer
    PDF = "pdf"  #: the invoice can be downloaded as PDF
    VOID = "void"  #: a booked invoice can be voided
    DELETE = "delete"  #: an invoice (draft) can be deleted
    CREDIT_NOTES = "credit_notes"  #: a booked invoice can be credited
    BATCH = "batch"  #: several invoices created in one request (``create_invoices``)
    CHANGE_FEED = "change_feed"  #: what changed since a time, in one call (``changes``)
    WEBHOOKS = "webhooks"  #: the provider pushes change notifications
    WEB_URL = "web_url"  #: an invoice has a URL in the provider's web app
    RATE_LIMITS = "rate_limits"  #: the provider enforces request rate limits
    PAYMENTS = "payments"  #: payments can be registered through the connector
    #: a linked customer's details are updated when they change (``update_customer``),
    #: and ``find_customer`` brings a customer it finds up to date; opt-in, as it
    #: writes to customers a person may keep by hand
    CUSTOMER_UPDATES = "customer_updates"


@runtime_checkable
class Connector(Protocol):
    """What the runner, the CLI and the conformance suite call on a connector."""

    #: Registered name (``"sandbox"``, ``"quickbooks"``...).
    name: str
    #: Identifies the provider account (company/realm/organisation); the journal
    #: is kept per account, so one store can serve several books.
    account: str
    #: What this connector can do.
    capabilities: frozenset[Capability]

    def find_customer(self, customer: Customer) -> str | None:
        """The provider's id of ``customer`` if it exists there, else None."""
        ...

    def create_customer(self, customer: Customer) -> str:
        """Create ``customer`` (tagged with its id) and return the provider's id."""
        ...

    def find_product(self, product: Product) -> str | None:
        """The provider's id of ``product`` if it exists there, else None."""
        ...

    def customer_currency(self, customer_ref: str) -> str | None:
        """The currency the provider invoices customer ``customer_ref`` in (ISO 4217),
        from what the connector already knows where it can; None when the customer
        has no fixed currency (any invoice currency is taken)."""
        ...

    def update_customer(self, customer_ref: str, customer: Customer) -> bool:
        """Make the provider's address, e-mail and registration number of the customer
        match ``customer`` (CUSTOMER_UPDATES); True when the provider changed."""
        ...

    def create_product(self, product: Product) -> str:
        """Create ``product`` and return the provider's id."""
        ...

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice (or credit note) carrying ledgerlink key ``key``, if any."""
        ...

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """The invoices (or credit notes) carrying each of ``keys``, by key.

        Keys with no invoice are absent from the answer. Recovery reconciles a
        crashed run's intents with it, so a connector answers many keys in few
        requests (one query per page of keys); :class:`BaseConnector` falls back
        to one :meth:`find_invoice` per key.
        """
        ...

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice with the provider's id; NotFoundError if there is none."""
        ...

    def create_invoice(
        self, draft: InvoiceDraft, customer_ref: str, products: ProductRefs
    ) -> RemoteInvoice:
        """Create ``draft`` unbooked (or booked, without DRAFTS) for ``customer_ref``."""
        ...

    def create_invoices(
        self, items: Sequence[BatchItem], products: ProductRefs
    ) -> BatchResult:
        """Create several invoices in one request (BATCH); at most ``max_batch`` items.

        Each item behaves as ``create_invoice`` would; one item's error does not
        stop the others. An error of the whole request (transport, throttling,
        auth) is raised, and then none, some or all items may exist: the caller
        reconciles by key.
        """
        ...

    def changes(self, since: datetime) -> Changes:
        """Invoices changed or deleted since ``since`` (CHANGE_FEED).

        A connector may also take ``known`` (:data:`KnownVersions`, keyword): the
        invoices the caller follows with the versions it holds. It may then leave
        out an invoice whose version has not moved (sparing reads its state would
        cost), and must report as deleted a followed invoice its feed cannot see
        (checking those ids in pages where the feed may miss deletions). Connectors
        whose ``changes`` has no ``known`` parameter are called without it.
        """
        ...

    def replace_lines(
        self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        """On a draft, replace the lines tagged ``source_key`` by ``lines`` (may be empty)."""
        ...

    def book(self, provider_id: str) -> RemoteInvoice:
        """Book a draft; booking a booked invoice returns it unchanged."""
        ...

    def send(self, provider_id: str, email: str | None = None) -> None:
        """Email a booked invoice to the customer (or to ``email``)."""
        ...

    def pdf(self, provider_id: str) -> bytes:
        """The invoice as a PDF document."""
        ...

    def void(self, provider_id: str) -> RemoteInvoice:
        """Void a booked invoice (irreversible)."""
        ...

    def delete(self, provider_id: str) -> None:
        """Delete an invoice (drafts, where the provider allows nothing else)."""
        ...

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """Create and book a credit note for the whole invoice, tagged ``key``."""
        ...

    def list_invoices(
        self, customer_ref: str, start: date, end: date
    ) -> Iterator[RemoteInvoice]:
        """A customer's invoices with an issue date in ``start..end`` (inclusive)."""
        ...

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """Record a payment against a booked invoice (PAYMENTS)."""
        ...

    def web_url(self, provider_id: str) -> str:
        """Where the invoice opens in the provider's web app."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


def find_each(
    find_invoice: Callable[[str], RemoteInvoice | None], keys: Sequence[str],
) -> dict[str, RemoteInvoice]:
    """``find_invoices`` the slow way: one look-up per distinct key."""
    found: dict[str, RemoteInvoice] = {}
    for key in dict.fromkeys(keys):
        invoice = find_invoice(key)
        if invoice is not None:
            found[key] = invoice
    return found


@runtime_checkable
class CountsRequests(Protocol):
    """A connector that counts the requests it sends, through its HTTP client
    (:attr:`ledgerlink.http.ProviderClient.sent`); a status refresh reports the count."""

    @property
    def requests_sent(self) -> int:
        """Requests sent to the provider since the connector was made, retries included."""
        ...


class BaseConnector:
    """Convenience base: every optional operation raises CapabilityError.

    Subclasses set ``name``, ``account`` and ``capabilities`` and override the
    operations they declare.
    """

    name: str = "base"
    account: str = "default"
    capabilities: frozenset[Capability] = frozenset()
    #: Most calls worth having in flight at once; None means no limit of its own.
    #: A provider's concurrency cap, or 1 for an in-process book where threads
    #: only contend for one lock. The runner never exceeds it.
    max_in_flight: int | None = None
    #: Most invoices one ``create_invoices`` call takes (BATCH).
    max_batch: int = 1
    #: True when every invoice this connector returns says whether it was emailed
    #: (``RemoteInvoice.sent`` never None): a run may then commit a send's intent
    #: ahead of its turn (:mod:`ledgerlink.lookahead`), as recovery can tell it never went out.
    tells_sent: bool = False

    def supports(self, capability: Capability) -> bool:
        """True when the connector declares ``capability``."""
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """Raise CapabilityError unless ``capability`` is declared."""
        if capability not in self.capabilities:
            raise CapabilityError(self.name, capability.value)

    def find_invoice(self, key: str) -> RemoteInvoice | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """One :meth:`find_invoice` per key; override with a batched look-up."""
        return find_each(self.find_invoice, keys)

    def create_invoices(
        self, items: Sequence[BatchItem], products: ProductRefs
    ) -> BatchResult:
        raise CapabilityError(self.name, Capability.BATCH.value)

    def update_customer(self, customer_ref: str, customer: Customer) -> bool:
        raise CapabilityError(self.name, Capability.CUSTOMER_UPDATES.value)

    def customer_currency(self, customer_ref: str) -> str | None:
        """None: nothing known, the provider refuses a mismatch when invoicing."""
        return None

    def changes(self, since: datetime) -> Changes:
        raise CapabilityError(self.name, Capability.CHANGE_FEED.value)

    def replace_lines(
        self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        raise CapabilityError(self.name, Capability.DRAFTS.value)

    def book(self, provider_id: str) -> RemoteInvoice:
        raise CapabilityError(self.name, Capability.BOOKING.value)

    def send(self, provider_id: str, email: str | None = None) -> None:
        raise CapabilityError(self.name, Capability.EMAIL.value)

    def pdf(self, provider_id: str) -> bytes:
        raise CapabilityError(self.name, Capability.PDF.value)

    def void(self, provider_id: str) -> RemoteInvoice:
        raise CapabilityError(self.name, Capability.VOID.value)

    def delete(self, provider_id: str) -> None:
        raise CapabilityError(self.name, Capability.DELETE.value)

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        raise CapabilityError(self.name, Capability.CREDIT_NOTES.value)

    def web_url(self, provider_id: str) -> str:
        raise CapabilityError(self.name, Capability.WEB_URL.value)

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        raise CapabilityError(self.name, Capability.PAYMENTS.value)

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
