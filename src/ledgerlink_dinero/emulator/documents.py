"""What invoices and credit notes share: the body (header and product lines) and the read model."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink_dinero.emulator import fields as f
from ledgerlink_dinero.emulator.catalog import find_contact, find_product
from ledgerlink_dinero.emulator.schema import LANGUAGES, PAYMENT_CONDITIONS
from ledgerlink_dinero.emulator.state import Organisation, Payment, Record
from ledgerlink_dinero.emulator.vat import LineAmounts, line_amounts, total_lines, totals
from ledgerlink_dinero.emulator.wire import DineroError, stale_timestamp, stamp, validation_error

DEFAULT_CONDITION = ("Netto", 8)
LINE_FIELDS = [
    "ProductGuid",
    "Description",
    "Comments",
    "Quantity",
    "AccountNumber",
    "Unit",
    "Discount",
    "LineType",
    "BaseAmountValue",
]


def today(now: float) -> date:
    """The calendar day (UTC) of an epoch time."""
    return datetime.fromtimestamp(now, UTC).date()


def check_timestamp(body: dict[str, Any], record: Record, *, required: bool = True) -> None:
    """Error 42 when a required ``Timestamp`` is missing, 58 when it is not the current one."""
    sent = body.get("Timestamp")
    if sent is None:
        if required:
            raise validation_error("Timestamp", "The Timestamp field is required.")
        return
    if str(sent) != record.timestamp_text:
        raise stale_timestamp()


def parse_lines(call: f.Call, body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Validate ``ProductLines`` into stored lines."""
    raw = body.get("ProductLines")
    if not isinstance(raw, list) or not raw:
        raise DineroError(
            400,
            45,
            f"{kind}s must have at least one {kind.lower()} line",
            {"ProductLines": f"{kind}s must have at least one {kind.lower()} line"},
        )
    return [_line(call, entry, index) for index, entry in enumerate(raw)]


def _line(call: f.Call, entry: dict[str, Any], index: int) -> dict[str, Any]:
    """A stored line from an entry :mod:`.schema` has checked (types, units, the
    ProductGuid/Description rule); the product and account must exist here."""
    description = entry.get("Description")
    if entry.get("LineType") == "Text":
        line = dict.fromkeys(LINE_FIELDS)
        line.update(LineType="Text", Description=description, Comments=entry.get("Comments"))
        return line
    product = None
    if entry.get("ProductGuid") is not None:
        product = find_product(call, entry["ProductGuid"])
    if product is None and entry.get("BaseAmountValue") is None:
        raise validation_error(
            f"ProductLines[{index}].BaseAmountValue",
            "BaseAmountValue is required without a product.",
        )
    return {
        "ProductGuid": product.guid if product is not None else None,
        # The read model always has a Description: the product's name on a product line.
        "Description": product.data.get("Name") if product is not None else description,
        "Comments": entry.get("Comments"),
        "Quantity": f.amount(entry, "Quantity"),
        "AccountNumber": f.account(call.org, entry),
        "Unit": f.unit(entry),
        "Discount": f.amount(entry, "Discount", Decimal(0)),
        "LineType": "Product",
        "BaseAmountValue": f.amount(
            entry, "BaseAmountValue", product.data["BaseAmountValue"] if product else None
        ),
    }


def parse_header(call: f.Call, body: dict[str, Any]) -> dict[str, Any]:
    """Validate the invoice/credit-note header fields into stored data."""
    currency = body.get("Currency") or "DKK"
    if currency not in call.org.rates:
        raise validation_error("Currency", f"Unknown currency {currency}.")
    language = body.get("Language") or "da-DK"
    if language not in LANGUAGES:
        raise validation_error("Language", "Language is da-DK or en-GB.")
    issued = body.get("Date") or today(call.now).isoformat()
    try:
        date.fromisoformat(str(issued))
    except ValueError as exc:
        raise validation_error("Date", "Date must be YYYY-MM-DD.") from exc
    contact = None
    if body.get("ContactGuid") is not None:
        contact = find_contact(call, body["ContactGuid"])
    condition = body.get("PaymentConditionType")
    days = body.get("PaymentConditionNumberOfDays")
    if condition is None and days is None:
        # Both empty: the contact's defaults apply, else Dinero's 8 days net.
        defaults = contact.data if contact is not None else {}
        condition = defaults.get("PaymentConditionType") or DEFAULT_CONDITION[0]
        days = defaults.get("PaymentConditionNumberOfDays")
        if days is None and condition in ("Netto", "CurrentMonthOut"):
            days = DEFAULT_CONDITION[1]
    if condition not in PAYMENT_CONDITIONS:
        raise validation_error("PaymentConditionType", f"Unknown payment condition {condition}.")
    if condition in ("NettoCash", "Paid"):
        days = None
    elif isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise validation_error("PaymentConditionNumberOfDays", "A number of days is required.")
    return {
        "ContactGuid": contact.guid if contact is not None else None,
        "Currency": currency,
        "Language": language,
        "ExternalReference": f.text(body, "ExternalReference", 128),
        "Description": f.text(body, "Description") or "Faktura",
        "Comment": f.text(body, "Comment") or "",
        "Date": str(issued),
        "Address": f.text(body, "Address"),
        "ShowLinesInclVat": f.boolean(body, "ShowLinesInclVat"),
        "PaymentConditionType": condition,
        "PaymentConditionNumberOfDays": days,
    }


def payment_date(issued: str, condition: str, days: int | None) -> str:
    """The due date (``PaymentDate``) a payment condition gives."""
    start = date.fromisoformat(issued)
    if condition == "CurrentMonthOut":
        month_end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        return (month_end + timedelta(days=days or 0)).isoformat()
    return (start + timedelta(days=days or 0)).isoformat()


def line_amounts_of(org: Organisation, data: dict[str, Any]) -> list[LineAmounts | None]:
    """Amounts of each line (None for text lines)."""
    result: list[LineAmounts | None] = []
    for line in data["ProductLines"]:
        if line["LineType"] == "Text":
            result.append(None)
            continue
        rate = org.accounts[line["AccountNumber"]].vat_rate
        result.append(
            line_amounts(
                line["BaseAmountValue"],
                line["Quantity"],
                line["Discount"],
                rate,
                prices_incl_vat=data["ShowLinesInclVat"],
            )
        )
    return result


def paid_amount(payments: Sequence[Payment], currency: str) -> Decimal:
    """Sum of registered payments in the invoice's ``currency`` (``AmountInForeignCurrency``
    on a non-DKK invoice: DKK and EUR amounts are never added together)."""
    return sum((p.settles(currency) for p in payments), Decimal(0))


def document_total(org: Organisation, data: dict[str, Any]) -> Decimal:
    """``TotalInclVat`` of an invoice's or credit note's stored data."""
    return totals(a for a in line_amounts_of(org, data) if a is not None).incl_vat


def document_view(
    org: Organisation, record: Record, payments: Sequence[Payment], now: float
) -> dict[str, Any]:
    """The read model of an invoice or credit note."""
    data = record.data
    amounts = line_amounts_of(org, data)
    summary = totals(a for a in amounts if a is not None)
    rate = org.rates[data["Currency"]]
    due = payment_date(
        data["Date"], data["PaymentConditionType"], data["PaymentConditionNumberOfDays"]
    )
    booked = data.get("Number") is not None
    contact = org.contacts.get(data["ContactGuid"] or "")
    view: dict[str, Any] = {
        "Guid": record.guid,
        "TimeStamp": record.timestamp_text,
        "Number": data.get("Number"),
        "Status": "Booked" if booked else "Draft",
        "PaymentStatus": _payment_status(
            booked, due, summary.incl_vat, paid_amount(payments, data["Currency"]), now
        ),
        "MailOutStatus": data.get("MailOutStatus", "NotSent"),
        "LatestMailOutType": data.get("LatestMailOutType"),
        "PaymentDate": due,
        "ContactName": contact.data.get("Name") if contact is not None else None,
        "TotalExclVat": summary.excl_vat,
        "TotalVatableAmount": summary.vatable,
        "TotalNonVatableAmount": summary.non_vatable,
        "TotalVat": summary.vat,
        "TotalInclVat": summary.incl_vat,
        "TotalExclVatInDkk": (summary.excl_vat * rate).quantize(Decimal("0.01")),
        "TotalInclVatInDkk": (summary.incl_vat * rate).quantize(Decimal("0.01")),
        "TotalLines": total_lines(summary, data["Currency"]),
        "ProductLines": [
            _line_view(org, line, a) for line, a in zip(data["ProductLines"], amounts, strict=True)
        ],
        "CreatedAt": stamp(record.created_at),
        "UpdatedAt": stamp(record.updated_at),
        "DeletedAt": None if record.deleted_at is None else stamp(record.deleted_at),
    }
    for name, value in data.items():
        if name not in ("ProductLines", "Number", "MailOutStatus", "LatestMailOutType"):
            view[name] = value
    return view


def _payment_status(booked: bool, due: str, total: Decimal, paid: Decimal, now: float) -> str:
    if not booked:
        return "Draft"
    if total and paid > total:
        return "OverPaid"
    if paid >= total:
        return "Paid"
    return "Overdue" if date.fromisoformat(due) < today(now) else "Booked"


def _line_view(
    org: Organisation, line: dict[str, Any], amounts: LineAmounts | None
) -> dict[str, Any]:
    view = dict(line)
    account = org.accounts.get(line["AccountNumber"]) if line["AccountNumber"] else None
    view["AccountName"] = account.name if account is not None else None
    zero = Decimal(0)
    view["BaseAmountValueInclVat"] = amounts.base_incl if amounts else zero
    view["TotalAmount"] = amounts.total_excl if amounts else zero
    view["TotalAmountInclVat"] = amounts.total_incl if amounts else zero
    if amounts is None:
        view.update(BaseAmountValue=zero, Quantity=zero, Discount=zero)
    return view
