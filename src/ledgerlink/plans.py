"""Internal: what the planner reads and writes: journal state in, actions and notices out.

The planner (:mod:`ledgerlink.planning`) is a pure function between these
values; the runner executes the actions and the store keeps the state. Keys are
deterministic (``inv:<work order>``, ``draft:<customer>:<n>``,
``credit:<invoice key>``) so a plan made twice names the same operations.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

import attrs

from ledgerlink.connector import Capability
from ledgerlink.domain import (
    Company,
    Customer,
    DeliveryChannel,
    InvoiceDraft,
    InvoiceLine,
    Product,
    WorkOrder,
)
from ledgerlink.journal_state import (
    DeliveryRecord,
    InvoiceRecord,
    JournalState,
    WorkRecord,
    draft_key,
)
from ledgerlink.tabular import MAX_ROWS, Rows, html_table, to_frame

__all__ = [
    "ALL_CAPABILITIES",
    "CREDIT_PREFIX",
    "Action",
    "Book",
    "CreateInvoice",
    "Credit",
    "Deliver",
    "DeliveryRecord",
    "EnsureCustomer",
    "EnsureProduct",
    "InvoiceRecord",
    "JournalState",
    "Notice",
    "NoticeKind",
    "Plan",
    "ReplaceLines",
    "Send",
    "UpdateCustomer",
    "WorkRecord",
    "describe",
    "draft_key",
    "invoice_key",
    "overview_rows",
    "plan_rows",
    "work_key",
]

#: What a credit note's key starts with: ``credit:`` and the key of the invoice it credits.
CREDIT_PREFIX = "credit:"

#: What the planner assumes when no connector is named: everything a connector may
#: do, but not what a user must switch on (updating customers kept by hand).
ALL_CAPABILITIES = frozenset(Capability) - {Capability.CUSTOMER_UPDATES}


def work_key(work_order_id: str) -> str:
    """The source key tagging invoice lines that bill one work order."""
    return f"wo:{work_order_id}"


def invoice_key(work_order_id: str, revision: int) -> str:
    """Key of the invoice billing one work order (revision > 0 after a credit)."""
    return f"inv:{work_order_id}" if revision == 0 else f"inv:{work_order_id}:r{revision}"


# --- actions (output) -------------------------------------------------------------


@attrs.frozen(slots=True)
class EnsureCustomer:
    """Find the customer in the provider, or create it."""

    customer: Customer

    kind = "ensure_customer"

    @property
    def customer_id(self) -> str:
        return self.customer.id

    @property
    def op_key(self) -> str:
        return f"customer:{self.customer.id}"

    @property
    def subject(self) -> str:
        return self.customer.id


@attrs.frozen(slots=True)
class EnsureProduct:
    """Find the product in the provider, or create it (``ledgerlink sync products``).

    A product belongs to no customer: each is a lane of its own (its
    ``customer_id`` is ``product:<id>``), so one product's failure stops no other.
    """

    product: Product

    kind = "ensure_product"

    @property
    def customer_id(self) -> str:
        return f"product:{self.product.id}"

    @property
    def op_key(self) -> str:
        return f"product:{self.product.id}"

    @property
    def subject(self) -> str:
        return self.product.id


@attrs.frozen(slots=True)
class UpdateCustomer:
    """Bring a linked customer's address, e-mail and registration number up to date."""

    customer: Customer

    kind = "update_customer"

    @property
    def customer_id(self) -> str:
        return self.customer.id

    @property
    def op_key(self) -> str:
        return f"customer-details:{self.customer.id}:{self.customer.details_fingerprint()}"

    @property
    def subject(self) -> str:
        return self.customer.id


@attrs.frozen(slots=True)
class CreateInvoice:
    """Create an invoice (unbooked where the provider has drafts) for some work.

    Attributes:
        key: the invoice's ledgerlink key.
        customer_id: local customer id.
        currency: the customer's currency.
        issue_date, due_date: invoice dates.
        work: the work orders it bills, with the revision each is billed at.
        target: ``"book"`` when a Book action follows, ``"draft"`` when a person books it.
        send: a Send action follows once booked.
        registration_date: the registration (posting) date; None means the issue date.
    """

    key: str
    customer_id: str
    currency: str
    issue_date: date
    due_date: date
    work: tuple[tuple[WorkOrder, int], ...]
    target: str
    send: bool
    registration_date: date | None = None

    kind = "create_invoice"

    @property
    def op_key(self) -> str:
        return f"create:{self.key}"

    @property
    def subject(self) -> str:
        return self.key

    def draft(self) -> InvoiceDraft:
        """The invoice to create (built on demand: planning stays cheap)."""
        lines = [
            InvoiceLine.from_work(line, work_key(order.id))
            for order, _ in self.work
            for line in order.lines
        ]
        reference = ", ".join(order.project or order.id for order, _ in self.work)
        return InvoiceDraft(self.key, self.customer_id, self.currency, self.issue_date,
                            self.due_date, tuple(lines), reference,
                            final=self.target != "draft",
                            registration_date=self.registration_date)


@attrs.frozen(slots=True)
class ReplaceLines:
    """Replace one work order's lines on an unbooked invoice (empty: remove them)."""

    invoice_key: str
    customer_id: str
    order: WorkOrder
    revision: int
    remove: bool = False

    kind = "replace_lines"

    @property
    def op_key(self) -> str:
        suffix = "removed" if self.remove else self.order.fingerprint()
        return f"lines:{self.invoice_key}:{self.order.id}:{suffix}"

    @property
    def subject(self) -> str:
        return self.invoice_key

    @property
    def source_key(self) -> str:
        """The source key tagging this work order's lines on the invoice."""
        return work_key(self.order.id)

    def lines(self) -> tuple[InvoiceLine, ...]:
        """The new lines for the work order."""
        if self.remove:
            return ()
        return tuple(InvoiceLine.from_work(line, self.source_key) for line in self.order.lines)


@attrs.frozen(slots=True)
class Book:
    """Book an invoice."""

    invoice_key: str
    customer_id: str

    kind = "book"

    @property
    def op_key(self) -> str:
        return f"book:{self.invoice_key}"

    @property
    def subject(self) -> str:
        return self.invoice_key


@attrs.frozen(slots=True)
class Send:
    """Email a booked invoice to the customer."""

    invoice_key: str
    customer_id: str
    email: str

    kind = "send"

    @property
    def op_key(self) -> str:
        return f"send:{self.invoice_key}"

    @property
    def subject(self) -> str:
        return self.invoice_key


@attrs.frozen(slots=True)
class Deliver:
    """Deliver a booked invoice by ledgerlink's own channels (e-mail, letter, e-invoice).

    Which channel is decided when the run starts (``auto`` may ask PEPPOL), from
    the customer's and the company's choice; see :func:`ledgerlink.delivery.choose_channel`.

    Attributes:
        invoice_key: the invoice to deliver.
        customer: the receiver (its e-mail, postal address, organisation number).
        company: the sender (its delivery default and templates' names).
        chosen: the channel as chosen: ``email``, ``letter``, ``einvoice`` or ``auto``.
        source: the create action that made the invoice, for its lines (an
            e-invoice needs them); None when the invoice was made by an earlier run
            and its work is not in this run's input.
        attempt: 0 for the first delivery, +1 for each resend a person asked for.
        credits: for a credit note (``invoice_key`` is ``credit:<key>``), the key of
            the invoice it credits.
        document: the lines as an earlier e-invoice delivery kept them (JSON),
            used when ``source`` is None.
    """

    invoice_key: str
    customer: Customer
    company: Company
    chosen: DeliveryChannel
    source: CreateInvoice | None = None
    attempt: int = 0
    credits: str | None = None
    document: str | None = None

    kind = "deliver"

    @property
    def customer_id(self) -> str:
        return self.customer.id

    @property
    def op_key(self) -> str:
        suffix = f":a{self.attempt}" if self.attempt else ""
        return f"deliver:{self.invoice_key}{suffix}"

    @property
    def subject(self) -> str:
        return self.invoice_key


@attrs.frozen(slots=True)
class Credit:
    """Credit a booked invoice in full; its work becomes billable again."""

    invoice_key: str
    customer_id: str
    reason: str

    kind = "credit"

    @property
    def credit_key(self) -> str:
        return f"{CREDIT_PREFIX}{self.invoice_key}"

    @property
    def op_key(self) -> str:
        return f"{CREDIT_PREFIX}{self.invoice_key}"

    @property
    def subject(self) -> str:
        return self.invoice_key


Action: TypeAlias = (EnsureCustomer | UpdateCustomer | CreateInvoice | ReplaceLines | Book
                     | Send | Deliver | Credit | EnsureProduct)


class NoticeKind(enum.Enum):
    """Why a work order produced no action."""

    POLICY = "skipped_by_policy"  #: posting=none
    CANCELLED = "cancelled"  #: cancelled before it was invoiced
    NOT_DUE = "not_due"  #: not billable yet under its timing
    BLOCKED = "blocked"  #: cannot be invoiced as things stand (reason given)
    CREDIT_NEEDED = "credit_needed"  #: changed after booking; credits not allowed
    NOT_SENT = "not_sent"  #: invoiced, but cannot be sent or delivered (reason given)


@attrs.frozen(slots=True)
class Notice:
    """A work order (or invoice) the plan deliberately leaves alone, and why."""

    kind: NoticeKind
    subject: str
    customer_id: str
    reason: str


@attrs.frozen
class Plan:
    """An ordered list of actions, grouped per customer, plus notices.

    Attributes:
        actions: what a run will do, each customer's actions in order.
        notices: work left alone, with reasons.
        now: the instant the plan was made for.
        already_invoiced: work orders found invoiced and unchanged.
        capabilities: the connector capabilities the plan was made for.
    """

    actions: tuple[Action, ...]
    notices: tuple[Notice, ...]
    now: datetime
    already_invoiced: int = 0
    capabilities: frozenset[Capability] = ALL_CAPABILITIES

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def lanes(self) -> dict[str, list[Action]]:
        """Actions per customer, in order; customers are independent of each other."""
        lanes: dict[str, list[Action]] = {}
        for action in self.actions:
            lanes.setdefault(action.customer_id, []).append(action)
        return lanes

    def counts(self) -> dict[str, int]:
        """How many actions of each kind and notices of each kind."""
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action.kind] = counts.get(action.kind, 0) + 1
        for notice in self.notices:
            counts[notice.kind.value] = counts.get(notice.kind.value, 0) + 1
        return counts

    def __repr__(self) -> str:
        return (f"<Plan for {self.now:%Y-%m-%d %H:%M %Z}: {len(self.actions)} actions, "
                f"{len(self.notices)} notices, {self.already_invoiced} already invoiced>")

    def _repr_html_(self) -> str:
        hidden = len(self.actions) + len(self.notices) - MAX_ROWS
        cut = f"… {hidden} more rows" if hidden > 0 else ""
        caption = f"Plan: {len(self.actions)} actions, {len(self.notices)} notices. {cut}"
        return html_table(("customer", "what", "detail"), overview_rows(self), caption.strip())

    def to_pandas(self) -> Any:
        """One row per action, then per notice (``row`` says which); needs the pandas extra.

        ``amount`` (an invoice's gross) stays Decimal, ``due_date`` is a date.
        """
        return to_frame(plan_rows(self))


def describe(action: Action) -> str:
    """One line saying what an action does."""
    if isinstance(action, EnsureCustomer):
        return f"find or create customer {action.customer.name}"
    if isinstance(action, EnsureProduct):
        return f"find or create product {action.product.name}"
    if isinstance(action, UpdateCustomer):
        return f"update the address, e-mail and number of customer {action.customer.name}"
    if isinstance(action, CreateInvoice):
        draft = action.draft()
        what = "draft" if action.target == "draft" else "invoice"
        orders = ", ".join(order.id for order, _ in action.work)
        return f"create {what} {action.key} ({orders}) {draft.gross}, due {action.due_date}"
    if isinstance(action, ReplaceLines):
        verb = "remove lines of" if action.remove else "put lines of"
        return f"{verb} {action.order.id} on {action.invoice_key}"
    if isinstance(action, Send):
        return f"email {action.invoice_key} to {action.email}"
    if isinstance(action, Deliver):
        again = f" again (attempt {action.attempt + 1})" if action.attempt else ""
        what = f"the credit note of {action.credits}" if action.credits else action.invoice_key
        return f"deliver {what} by {action.chosen.value}{again}"
    if isinstance(action, Credit):
        return f"credit {action.invoice_key}: {action.reason}"
    return f"book {action.invoice_key}"


def overview_rows(plan: Plan, limit: int = MAX_ROWS) -> list[tuple[str, str, str]]:
    """(customer, what, detail) for the first ``limit`` actions, then notices in the room left."""
    rows = [(a.customer_id, a.kind, describe(a)) for a in plan.actions[:limit]]
    room = max(0, limit - len(rows))
    rows += [(n.customer_id, n.kind.value, f"{n.subject}: {n.reason}")
             for n in plan.notices[:room]]
    return rows


def plan_rows(plan: Plan) -> Rows:
    """One row per action, then one per notice; ``kind`` says which."""
    rows: list[tuple[Any, ...]] = []
    for action in plan.actions:
        amount: Decimal | None = None
        currency: str | None = None
        due: date | None = None
        if isinstance(action, CreateInvoice):
            gross = action.draft().gross
            amount, currency, due = gross.amount, gross.currency, action.due_date
        rows.append((action.customer_id, "action", action.kind, action.subject,
                     describe(action), amount, currency, due))
    rows += [(n.customer_id, "notice", n.kind.value, n.subject, n.reason, None, None, None)
             for n in plan.notices]
    return Rows(("customer_id", "row", "kind", "subject", "detail", "amount", "currency",
                 "due_date"), rows)
