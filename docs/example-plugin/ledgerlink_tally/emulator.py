"""An emulator of Tally, the tiny book service this example connects to.

Tally is made up: a JSON API with a static API key (``Authorization: Bearer
KEY``), customers and products found by an ``external_id``, and invoices that
keep whatever ``key`` the client stores on them. Like many real services it
does not refuse a second invoice with the same key: keeping one invoice per key
is the connector's job. Errors are ``{"error": {"code": ..., "message": ...}}``.

==========================================  =========================================
request                                     answer
==========================================  =========================================
``GET /customers?external_id=X``            ``{"customers": [customer, ...]}``
``POST /customers``                         the customer (``external_id`` unique)
``GET /products?external_id=X``             ``{"products": [product, ...]}``
``POST /products``                          the product
``GET /invoices?key=K`` (``key`` repeats    ``{"invoices": [invoice, ...]}``
as ``,``) or ``?customer_id=C&from=D&to=D`` (by issue date, then creation)
``POST /invoices``                          the invoice, a draft
``GET /invoices/ID``                        the invoice
``PUT /invoices/ID/lines``                  the draft with these lines and VAT
``POST /invoices/ID/book``                  the invoice, numbered
``POST /invoices/ID/send``                  ``{"sent_to": email}``
``GET /invoices/ID/pdf``                    ``application/pdf``
``POST /invoices/ID/void``                  the invoice, voided
``DELETE /invoices/ID``                     204 (drafts only; the invoice is gone)
==========================================  =========================================

Tally stores the amounts the client computes (each line's ``amount`` and the
invoice's ``vat``) and adds them up; it checks they have no more decimals than
the currency has. Built on :mod:`ledgerlink.emulation`, so it runs in-process
(:meth:`transport`) or on 127.0.0.1 (:meth:`serve`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgerlink.emulation import EmuRequest, EmuResponse, Faults, Serving
from ledgerlink.http.jsonbody import encode
from ledgerlink.money import minor_unit

__all__ = ["DEFAULT_API_KEY", "TallyEmulator"]

#: The API key a fresh emulator accepts.
DEFAULT_API_KEY = "tally-test-key"
_JSON = {"content-type": "application/json"}
#: Error codes and their HTTP status.
_STATUS = {"unauthorized": 401, "not_found": 404, "invalid": 400}

#: One endpoint: path parts, query and JSON body in; status and answer out.
Route = Callable[[list[str], Any, Any], tuple[int, object]]


class Refused(Exception):
    """An error answer: ``code`` (its status from :data:`_STATUS`, else 409) and text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _answer(status: int, payload: object) -> EmuResponse:
    return EmuResponse(status, _JSON, encode(payload))


def _amount(value: object, currency: str, field: str) -> Decimal:
    """A JSON number with at most the currency's decimals (never a string or a float)."""
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise Refused("invalid", f"{field} must be a number")
    amount = Decimal(value)
    if amount != round(amount, minor_unit(currency)):
        raise Refused("invalid", f"{field} has more decimals than {currency} has")
    return amount


class TallyEmulator(Serving):
    """An in-memory Tally book (thread-safe); :attr:`outbox` records every email sent."""

    def __init__(self, api_key: str = DEFAULT_API_KEY) -> None:
        self.api_key = api_key
        self.faults = Faults()
        self.outbox: list[tuple[str, str]] = []  # (invoice id, address)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)
        self._customers: dict[str, dict[str, Any]] = {}
        self._products: dict[str, dict[str, Any]] = {}
        self._invoices: dict[str, dict[str, Any]] = {}

    def delivered(self, invoice_id: str, email: str) -> bool:
        """Whether invoice ``invoice_id`` was emailed to ``email``."""
        with self._lock:
            return (invoice_id, email) in self.outbox

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one request."""
        fault = self.faults.take_error()
        if fault is not None:
            return _answer(fault, {"error": {"code": "unavailable", "message": "try later"}})
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _answer(401, {"error": {"code": "unauthorized", "message": "bad API key"}})
        parts = request.path.strip("/").split("/")
        route = self._route(request.method, parts)
        try:
            body = request.json() if request.body else {}
            with self._lock:
                status, payload = route(parts, request.query, body)
        except (Refused, ValueError, KeyError, TypeError) as err:
            code, message = (err.code, err.message) if isinstance(err, Refused) else (
                "invalid", f"malformed request: {err!r}")
            return _answer(_STATUS.get(code, 409), {"error": {"code": code, "message": message}})
        if status == 204:
            return EmuResponse(204, {}, b"")
        if isinstance(payload, bytes):
            return EmuResponse(status, {"content-type": "application/pdf"}, payload)
        return _answer(status, payload)

    # --- routing ----------------------------------------------------------------------

    def _route(self, method: str, parts: list[str]) -> Route:
        routes: dict[tuple[str, str, int], Route] = {
            ("GET", "customers", 1): self._find("customers", self._customers),
            ("POST", "customers", 1): self._create_customer,
            ("GET", "products", 1): self._find("products", self._products),
            ("POST", "products", 1): self._create_product,
            ("GET", "invoices", 1): self._list_invoices,
            ("POST", "invoices", 1): self._create_invoice,
            ("GET", "invoices", 2): lambda p, q, b: (200, self._invoice(p[1])),
            ("DELETE", "invoices", 2): self._delete,
            ("PUT", "lines", 3): self._replace_lines,
            ("POST", "book", 3): self._book,
            ("POST", "send", 3): self._send,
            ("GET", "pdf", 3): self._pdf,
            ("POST", "void", 3): self._void,
        }
        key = (method, parts[-1] if len(parts) == 3 else parts[0], len(parts))
        return routes.get(key, self._no_route)

    @staticmethod
    def _no_route(parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        raise Refused("not_found", f"no such path /{'/'.join(parts)}")

    @staticmethod
    def _find(name: str, table: dict[str, dict[str, Any]]) -> Route:
        def find(parts: list[str], query: Any, body: Any) -> tuple[int, object]:
            wanted = query["external_id"]
            return 200, {name: [row for row in table.values() if row["external_id"] == wanted]}
        return find

    def _new_id(self) -> str:
        return str(next(self._ids))

    def _create_customer(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        if any(c["external_id"] == body["external_id"] for c in self._customers.values()):
            raise Refused("duplicate_customer", f"external_id {body['external_id']} is taken")
        minor_unit(body["currency"])
        customer = {"id": self._new_id(), "name": str(body["name"]), "email": body.get("email"),
                    "currency": body["currency"], "external_id": str(body["external_id"])}
        self._customers[customer["id"]] = customer
        return 201, customer

    def _create_product(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        product = {"id": self._new_id(), "name": str(body["name"]),
                   "external_id": str(body["external_id"])}
        self._products[product["id"]] = product
        return 201, product

    # --- invoices ---------------------------------------------------------------------

    def _invoice(self, invoice_id: str) -> dict[str, Any]:
        if invoice_id not in self._invoices:
            raise Refused("not_found", f"invoice {invoice_id} not found")
        return self._invoices[invoice_id]

    def _list_invoices(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        if "key" in query:
            keys = set(query["key"].split(","))
            return 200, {"invoices": [i for i in self._invoices.values() if i["key"] in keys]}
        found = [i for i in self._invoices.values() if i["customer_id"] == query["customer_id"]
                 and query["from"] <= i["issue_date"] <= query["to"]]
        return 200, {"invoices": sorted(found, key=lambda i: (i["issue_date"], int(i["id"])))}

    def _set_lines(self, invoice: dict[str, Any], body: Any) -> None:
        currency = invoice["currency"]
        lines = [{**line, "amount": _amount(line["amount"], currency, "amount")}
                 for line in body["lines"]]
        for line in lines:
            if line["product_id"] is not None and line["product_id"] not in self._products:
                raise Refused("not_found", f"product {line['product_id']} not found")
        vat = _amount(body["vat"], currency, "vat")
        net = sum((line["amount"] for line in lines), Decimal(0))
        invoice.update(lines=lines, vat=vat, total=net + vat, balance=net + vat)

    def _create_invoice(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        customer = self._customers.get(body["customer_id"])
        if customer is None:
            raise Refused("not_found", f"customer {body['customer_id']} not found")
        if body["currency"] != customer["currency"]:
            raise Refused("currency_mismatch", f"the customer invoices in {customer['currency']}")
        invoice = {"id": self._new_id(), "key": body.get("key"), "customer_id": customer["id"],
                   "currency": body["currency"], "issue_date": body["issue_date"],
                   "due_date": body["due_date"], "number": None, "status": "draft",
                   "sent": False}
        self._set_lines(invoice, body)
        self._invoices[invoice["id"]] = invoice
        return 201, invoice

    def _draft(self, invoice_id: str) -> dict[str, Any]:
        invoice = self._invoice(invoice_id)
        if invoice["status"] != "draft":
            raise Refused("invoice_not_draft", f"invoice {invoice_id} is {invoice['status']}")
        return invoice

    def _replace_lines(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        invoice = self._draft(parts[1])
        self._set_lines(invoice, body)
        return 200, invoice

    def _book(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        invoice = self._invoice(parts[1])
        if invoice["status"] == "booked":
            return 200, invoice
        self._draft(parts[1])
        if not invoice["lines"]:
            raise Refused("invoice_empty", f"invoice {parts[1]} has no lines")
        invoice.update(status="booked", number=f"T-{next(self._numbers):04d}")
        return 200, invoice

    def _booked(self, invoice_id: str) -> dict[str, Any]:
        invoice = self._invoice(invoice_id)
        if invoice["status"] != "booked":
            raise Refused(f"invoice_{invoice['status']}", f"invoice {invoice_id} is not booked")
        return invoice

    def _send(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        invoice = self._booked(parts[1])
        email = body.get("email") or self._customers[invoice["customer_id"]]["email"]
        if not email:
            raise Refused("no_recipient", "the customer has no email address")
        self.outbox.append((invoice["id"], email))
        invoice["sent"] = True
        return 200, {"sent_to": email}

    def _pdf(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        invoice = self._booked(parts[1])
        return 200, f"%PDF-1.4\n% Tally invoice {invoice['number']}\n%%EOF\n".encode()

    def _void(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        invoice = self._invoice(parts[1])
        if invoice["status"] != "voided":
            self._booked(parts[1])
            invoice.update(status="voided", balance=Decimal(0))
        return 200, invoice

    def _delete(self, parts: list[str], query: Any, body: Any) -> tuple[int, object]:
        del self._invoices[self._draft(parts[1])["id"]]
        return 204, None
