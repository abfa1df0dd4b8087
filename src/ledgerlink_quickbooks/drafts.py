"""posting=draft on QuickBooks, which has no draft invoices: work collected on an open invoice.

With the connector option ``drafts=True`` the connector declares DRAFTS and
BOOKING, and maps them so:

* A *draft* is an ordinary QuickBooks invoice whose PrivateNote carries the
  line ``collecting`` (see :mod:`.keys`). It has a DocNumber from the start
  (``<customer>-D<n>`` for the planner's draft keys) but ledgerlink reports no
  number and ``booked=False`` while it collects.
* :func:`replace_lines` swaps the lines of one source key by a sparse update of
  ``Line`` and the note, under the invoice's SyncToken (a stale token, 5010, is
  re-read and retried once). The note lists one source key per sales line, so
  the lines of each work order are known. An invoice left without work keeps
  one DescriptionOnly line, as QuickBooks requires at least one line.
* :func:`book` removes the ``collecting`` line (a sparse update); from then on
  the invoice is final. An invoice with no sales lines cannot be booked.
* It is *booked by a person* — and ledgerlink stops adding to it — as soon as
  any of these holds, which :meth:`QuickBooksConnector.get_invoice` and the
  change feed report as ``booked=True`` and ``sync_drafts`` then closes: it
  was e-mailed (EmailStatus EmailSent) or printed (PrintStatus PrintComplete),
  a payment was applied, it was voided, or someone removed ``collecting`` from
  its note. A person who deletes it makes its work billable again.

A final invoice (``InvoiceDraft.final``: posting=book) is created without the
marker, booked at once, so bulk invoicing costs no extra request per invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.errors import InvoiceStateError
from ledgerlink_quickbooks import settings
from ledgerlink_quickbooks.keys import is_collecting, note_for, parse_note
from ledgerlink_quickbooks.wire import WIRE

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi
    from ledgerlink_quickbooks.mapping import InvoiceBodies

__all__ = ["EMPTY_LINE", "book", "is_booked", "replace_lines"]

SALES_LINE = "SalesItemLineDetail"
#: The line an open invoice keeps when no work is left on it.
EMPTY_LINE = {"DetailType": "DescriptionOnly", "Description": "No work collected yet"}


def is_booked(raw: Mapping[str, Any], *, voided: bool, sent: bool) -> bool:
    """Whether an invoice is final (see the module docstring for the rule)."""
    if voided or sent or not is_collecting(raw.get("PrivateNote")):
        return True
    if raw.get("PrintStatus") == "PrintComplete":
        return True
    total, balance = raw.get("TotalAmt"), raw.get("Balance")
    return total is not None and balance is not None and balance != total


def _sales_lines(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(line) for line in raw.get("Line") or () if line.get("DetailType") == SALES_LINE]


def _update(api: QuickBooksApi, provider_id: str, operation: str,
            change: Callable[[Mapping[str, Any]], dict[str, Any] | None]) -> RemoteInvoice:
    """Sparse-update the invoice with ``change(current)`` (None: nothing to write)."""
    raw, _ = api.update("Invoice", provider_id, operation, change)
    return api.invoice(raw)


def _open_lines(api: QuickBooksApi, raw: Mapping[str, Any]
                ) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """The key and (source key, line) pairs of an open invoice; refuses a final one."""
    provider_id = str(raw.get("Id"))
    if api.invoice(raw).booked:
        raise InvoiceStateError(
            f"QuickBooks invoice {provider_id} is final (booked, sent, paid or voided); "
            "its lines cannot change", provider=settings.PROVIDER)
    key, keys = parse_note(raw.get("PrivateNote"))
    sales = _sales_lines(raw)
    if key is None or len(keys) != len(sales):
        raise InvoiceStateError(
            f"the lines of QuickBooks invoice {provider_id} were changed in QuickBooks; "
            "ledgerlink can no longer tell which work each line bills",
            provider=settings.PROVIDER)
    return key, list(zip(keys, sales, strict=True))


def replace_lines(api: QuickBooksApi, bodies: InvoiceBodies, provider_id: str, source_key: str,
                  lines: Sequence[InvoiceLine], products: ProductRefs) -> RemoteInvoice:
    """On an open invoice, replace the lines tagged ``source_key`` by ``lines``."""

    def change(raw: Mapping[str, Any]) -> dict[str, Any]:
        key, tagged = _open_lines(api, raw)
        currency = str((raw.get("CurrencyRef") or {}).get("value") or "")
        kept = [(k, line) for k, line in tagged if k != source_key]
        added = bodies.lines(lines, currency, products)
        keys = [k for k, _ in kept] + [source_key] * len(added)
        body_lines: list[Any] = [line for _, line in kept]
        body_lines += [WIRE.unstructure(line) for line in added]
        try:
            note = note_for(key, keys, collecting=True)
        except ValueError as err:
            raise InvoiceStateError(
                f"QuickBooks invoice {provider_id} cannot collect more lines ({err}); "
                "book it and collect on a new one", provider=settings.PROVIDER) from err
        return {"Line": body_lines or [dict(EMPTY_LINE)], "PrivateNote": note}

    return _update(api, provider_id, "replace-lines", change)


def book(api: QuickBooksApi, provider_id: str) -> RemoteInvoice:
    """Make an open invoice final (remove ``collecting``); a final one is returned as is."""

    def change(raw: Mapping[str, Any]) -> dict[str, Any] | None:
        if api.invoice(raw).booked:
            return None
        key, tagged = _open_lines(api, raw)
        if not tagged:
            raise InvoiceStateError(
                f"QuickBooks invoice {provider_id} bills no work; an empty invoice is not booked",
                provider=settings.PROVIDER)
        return {"PrivateNote": note_for(key, (k for k, _ in tagged))}

    return _update(api, provider_id, "book-invoice", change)
