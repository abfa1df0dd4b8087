"""``GET /v2/invoices``: the documented filters, sorting and 1-based paging.

The filters are the ones the page documents for invoices (the ``list_filters``
of the shipped table) [B1]; any other parameter is refused (inferred: the
strict choice). ``q`` searches ``invoiceNo``, ``orderNo``, the contact's name,
``lineDescription``, ``amount``, ``amount + tax`` and ``balance`` [B1], text
case-insensitively, numbers by equal value (inferred). Without
``sortProperty`` invoices come in creation order (inferred); ``invoiceNo``
sorts by number when it is one (inferred).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink_billy.emulator import lines as money
from ledgerlink_billy.emulator import schema
from ledgerlink_billy.emulator.invoices import lines_of
from ledgerlink_billy.emulator.records import Call, check_query, flag, listing
from ledgerlink_billy.emulator.wire import EmuResponse, bad_parameter, ok

__all__ = ["list_invoices", "period"]

SORTABLE = ("entryDate", "dueDate", "createdTime", "invoiceNo", "lineDescription", "amount",
            "grossAmount", "balance", "contact.name", "approvedTime", "orderNo")
STATES = ("draft", "approved", "voided")
#: Filters compared for equality with the property of the same name.
EQUAL = ("organizationId", "contactId", "creditedInvoiceId", "invoiceNo", "externalId",
         "currencyId", "recurringInvoiceId", "quoteId", "state")


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_parameter(name, f"`{name}` must be a date (YYYY-MM-DD).") from None


def period(name: str, text: str) -> tuple[date | None, date | None]:
    """First and last day of a period parameter (``month:2025-06``, ``dates:a...b``...)."""
    kind, _, value = text.partition(":")
    try:
        if kind == "all":
            return None, None
        if kind == "dates":
            start, _, end = value.partition("...")
            return _day(name, start), _day(name, end)
        if kind == "day":
            one = _day(name, value)
            return one, one
        if kind == "from":
            return _day(name, value), None
        if kind == "through":
            return None, _day(name, value)
        if kind == "month":
            year, month = (int(p) for p in value.split("-"))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if kind in ("year", "fiscalYear"):  # the fiscal year is the calendar year here
            return date(int(value), 1, 1), date(int(value), 12, 31)
        if kind in ("quarter", "halfYear", "half"):
            year, part = (int(p) for p in value.split("-"))
            months = 3 if kind == "quarter" else 6
            first = date(year, (part - 1) * months + 1, 1)
            last_month = first.month + months - 1
            return first, date(year, last_month, calendar.monthrange(year, last_month)[1])
    except ValueError:
        pass
    raise bad_parameter(name, f"`{name}` cannot be read: `{text}`.")


def _moment(name: str, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise bad_parameter(name, f"`{name}` must be a date-time.") from None


Check = Callable[[Mapping[str, Any]], bool]


def _equal(name: str, wanted: str) -> Check:
    return lambda record: str(record.get(name)) == wanted


def _between(prop: str, first: date | None, last: date | None) -> Check:
    def within(record: Mapping[str, Any]) -> bool:
        day = date.fromisoformat(record[prop])
        return (first is None or day >= first) and (last is None or day <= last)

    return within


def _conditions(query: Mapping[str, str]) -> list[Check]:
    checks: list[Check] = []
    if query.get("state", "draft") not in STATES:
        raise bad_parameter("state", "`state` must be one of " + ", ".join(STATES) + ".")
    for name in EQUAL:
        if name in query:
            checks.append(_equal(name, query[name]))
    paid = flag(query, "isPaid")
    if paid is not None:
        checks.append(lambda r: r["isPaid"] is paid)
    for prop, low, high, span in (("entryDate", "minEntryDate", "maxEntryDate",
                                   "entryDatePeriod"),
                                  ("dueDate", "minDueDate", "maxDueDate", None)):
        first = _day(low, query[low]) if low in query else None
        last = _day(high, query[high]) if high in query else None
        if span is not None and span in query:
            first, last = period(span, query[span])
        if first is not None or last is not None:
            checks.append(_between(prop, first, last))
    _approved(query, checks)
    if "amount" in query:
        try:
            wanted = Decimal(query["amount"])
        except InvalidOperation:
            raise bad_parameter("amount", "`amount` must be a number.") from None
        checks.append(lambda r: Decimal(r["amount"]) == wanted)
    return checks


def _approved(query: Mapping[str, str], checks: list[Check]
              ) -> None:
    low = _moment("minApprovedTime", query["minApprovedTime"]) \
        if "minApprovedTime" in query else None
    high = _moment("maxApprovedTime", query["maxApprovedTime"]) \
        if "maxApprovedTime" in query else None
    if "approvedTimePeriod" in query:
        first, last = period("approvedTimePeriod", query["approvedTimePeriod"])
        low = datetime.combine(first, datetime.min.time()) if first else None
        high = datetime.combine(last + timedelta(days=1), datetime.min.time()) \
            - timedelta(seconds=1) if last else None
    if low is not None or high is not None:
        def within(r: Mapping[str, Any]) -> bool:
            if r["approvedTime"] is None:
                return False
            moment = datetime.fromisoformat(r["approvedTime"])
            return (low is None or moment >= low) and (high is None or moment <= high)
        checks.append(within)


def _search(call: Call, text: str) -> Callable[[Mapping[str, Any]], bool]:
    folded = text.casefold()

    def matches(r: Mapping[str, Any]) -> bool:
        contact = call.org.tables["contacts"].get(r["contactId"], {})
        words = (r["invoiceNo"], r["orderNo"], contact.get("name"), r["lineDescription"])
        if any(folded in str(w).casefold() for w in words if w):
            return True
        try:
            wanted = Decimal(text)
        except InvalidOperation:
            return False
        return wanted in (r["amount"], r["amount"] + r["tax"], r["balance"])

    return matches


def _sort_key(call: Call, prop: str) -> Callable[[Mapping[str, Any]], Any]:
    def key(r: Mapping[str, Any]) -> Any:
        if prop == "contact.name":
            value = call.org.tables["contacts"].get(r["contactId"], {}).get("name")
        else:
            value = r.get(prop)
        if value is None:
            return (0, 0, "")
        if prop in ("invoiceNo", "orderNo") and str(value).isdigit():
            return (1, int(value), "")
        return (2, value, "") if isinstance(value, Decimal) else (3, 0, str(value))

    return key


def list_invoices(call: Call) -> EmuResponse:
    """``GET /v2/invoices`` (see the module docstring)."""
    filters = schema.load_table().resources["invoices"].filters
    query = check_query(call, filters)
    checks = _conditions(query)
    if query.get("q"):
        checks.append(_search(call, query["q"]))
    prop = query.get("sortProperty")
    if prop is not None and prop not in SORTABLE:
        raise bad_parameter("sortProperty", "`sortProperty` must be one of "
                            + ", ".join(SORTABLE) + ".")
    direction = query.get("sortDirection", "ASC")
    if direction not in ("ASC", "DESC"):
        raise bad_parameter("sortDirection", "`sortDirection` must be ASC or DESC.")
    with call.org.lock:
        rows = [money.refresh(call, r) for r in call.org.rows("invoices")]
        rows = [r for r in rows if all(check(r) for check in checks)]
        if prop is not None:
            rows.sort(key=_sort_key(call, prop), reverse=direction == "DESC")
        elif direction == "DESC":
            rows.reverse()
        payload, paging = listing(call, "invoices", rows, lines_of(call))
    return ok(payload, paging=paging)
