"""Tally's answers, read strictly: the one place the connector trusts nothing.

Every answer the connector uses passes through :class:`Answer`. Anything that
is not what Tally documents (a body that is not JSON, a list where an object
belongs, a missing id, an amount as text) raises
:class:`~ledgerlink.errors.ProviderError` naming the operation and what was
wrong; after a write it raises :class:`~ledgerlink.errors.TransientProviderError`
instead, because the write may have been done, and ledgerlink then looks the
invoice up by its key rather than guessing. :func:`parse_error` reads Tally's
error bodies for :class:`~ledgerlink.http.ProviderClient`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.http import Fault
from ledgerlink.http.jsonbody import decode

__all__ = ["PROVIDER", "Answer", "parse_error"]

#: The name errors carry as their provider.
PROVIDER = "tally"
#: Tally's statuses of an invoice.
STATUSES = ("draft", "booked", "voided")
#: How much of an unreadable answer an error quotes.
EXCERPT = 80


def parse_error(response: httpx.Response) -> Fault | None:
    """Tally's ``{"error": {"code", "message"}}``; None for a success."""
    if response.is_success:
        return None
    try:
        error = decode(response.content)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return None  # not Tally's shape: the status and an excerpt make the message
    return Fault(message, code=code, kind="not_found" if code == "not_found" else None)


class Answer:
    """One successful response, read for one operation (``"create_invoice"``).

    Args:
        response: the response.
        operation: what was asked, for messages.
        write: the request changed something, so a malformed answer leaves the
            outcome unknown (TransientProviderError).
    """

    def __init__(self, response: httpx.Response, operation: str, *, write: bool = False) -> None:
        self.response, self.operation, self.write = response, operation, write

    def fail(self, what: str) -> ProviderError:
        """The error for an answer that is wrong in ``what`` way."""
        error = TransientProviderError if self.write else ProviderError
        outcome = "; whether it was done is unknown" if self.write else ""
        return error(f"{self.operation}: {what}{outcome}", provider=PROVIDER,
                     status=self.response.status_code,
                     request_id=self.response.headers.get("x-request-id"))

    def json(self) -> Any:
        """The decoded body."""
        try:
            return decode(self.response.content)
        except ValueError:
            raise self.fail(f"the answer is not JSON: {self.response.text[:EXCERPT]!r}") from None

    def object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        data = self.json()
        if not isinstance(data, dict):
            raise self.fail(f"expected a JSON object, got {type(data).__name__}")
        return data

    def rows(self, name: str) -> list[dict[str, Any]]:
        """``{name: [object, ...]}``: the objects."""
        rows = self.object().get(name)
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise self.fail(f"expected {name!r} to be a list of objects")
        return rows

    def field(self, data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
        """``data[name]``, which must be of ``kind`` (and not a bool posing as an int)."""
        value = data.get(name)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.fail(f"{name!r} is {value!r}, not {kind}")
        return value

    def id(self, data: dict[str, Any]) -> str:
        """The object's id: non-empty text."""
        value = self.field(data, "id", str)
        if not value:
            raise self.fail("the id is empty")
        return str(value)

    def day(self, data: dict[str, Any], name: str) -> date:
        """An ISO date field."""
        try:
            return date.fromisoformat(self.field(data, name, str))
        except ValueError:
            raise self.fail(f"{name!r} is not an ISO date") from None

    def amount(self, data: dict[str, Any], name: str) -> Decimal:
        """An amount field: a JSON number, read exactly."""
        return Decimal(self.field(data, name, (Decimal, int)))

    def lines(self, data: dict[str, Any]) -> list[tuple[InvoiceLine, dict[str, Any]]]:
        """The invoice's lines, each as ledgerlink's line and as Tally sent it."""
        raw = self.field(data, "lines", list)
        try:
            return [(InvoiceLine(line["description"], self.amount(line, "quantity"),
                                 self.amount(line, "unit_price"), self.amount(line, "vat_rate"),
                                 source_key=self.field(line, "source_key", (str, type(None)))),
                     line) for line in raw]
        except (TypeError, KeyError, ValueError) as err:
            raise self.fail(f"a line is malformed ({err})") from None

    def invoice(self, data: dict[str, Any] | None = None) -> RemoteInvoice:
        """The invoice in ``data`` (by default the whole body)."""
        data = self.object() if data is None else data
        status = self.field(data, "status", str)
        if status not in STATUSES:
            raise self.fail(f"unknown invoice status {status!r}")
        keys = [line.source_key for line, _ in self.lines(data) if line.source_key]
        return RemoteInvoice(
            provider_id=self.id(data),
            key=self.field(data, "key", (str, type(None))),
            customer_ref=self.field(data, "customer_id", str),
            currency=self.field(data, "currency", str),
            total=self.amount(data, "total"),
            balance=self.amount(data, "balance"),
            issue_date=self.day(data, "issue_date"),
            due_date=self.day(data, "due_date"),
            number=self.field(data, "number", (str, type(None))),
            booked=status != "draft",
            voided=status == "voided",
            sent=self.field(data, "sent", bool),
            line_keys=tuple(dict.fromkeys(keys)),
        )
