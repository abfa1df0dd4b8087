"""Credit notes as QuickBooks CreditMemos: the payload crediting an invoice, and reading one.

A credit note credits a whole invoice: :func:`credit_memo_for` copies the
invoice's sales lines (item, quantity, unit price, amount, description, tax
code), customer, currency and tax calculation mode into a CreditMemo, so
QuickBooks computes the same net and VAT. QuickBooks reports a CreditMemo's
``TotalAmt`` and ``RemainingCredit`` as positive amounts; ledgerlink's
:class:`~ledgerlink.domain.RemoteInvoice` negates an invoice with a credit
note, so :func:`remote_credit` reports them negative.

Which invoice a memo credits is kept in its ``PrivateNote`` (the XSD's
``InvoiceRef`` is for India only): the caller's note (e.g. ``ledgerlink:<key>``)
then a line ``credit-for:<invoice id>`` — see :func:`credit_note` and
:func:`credited_invoice`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ConflictError, ValidationError
from ledgerlink_quickbooks import lookup, statuses
from ledgerlink_quickbooks.keys import digest, doc_number, note_for
from ledgerlink_quickbooks.wire import (
    WIRE,
    QboCreditMemo,
    QboInvoice,
    QboLine,
    QboSalesItemLineDetail,
    dumps,
)

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi

__all__ = [
    "CREDIT_FOR_PREFIX",
    "credit_invoice",
    "credit_memo_for",
    "credit_note",
    "credited_invoice",
    "remote_credit",
]

#: Starts the PrivateNote line naming the credited invoice's Id.
CREDIT_FOR_PREFIX = "credit-for:"
#: QuickBooks' longest PrivateNote.
MAX_NOTE = 4000
SALES_LINE = "SalesItemLineDetail"


def credit_note(note: str, invoice_id: str) -> str:
    """``note`` followed by the line ``credit-for:<invoice_id>`` (≤ 4000 characters)."""
    if not invoice_id or "\n" in invoice_id:
        raise ValidationError("an invoice id on one line is needed", field="invoice_id",
                              value=invoice_id)
    tail = f"{CREDIT_FOR_PREFIX}{invoice_id}"
    text = f"{note}\n{tail}" if note else tail
    if len(text) > MAX_NOTE:
        raise ValidationError(f"a PrivateNote holds at most {MAX_NOTE} characters",
                              field="PrivateNote", value=len(text))
    return text


def credited_invoice(note: str | None) -> str | None:
    """The invoice Id a ``credit-for:`` line of ``note`` names, if any."""
    for row in (note or "").splitlines():
        if row.startswith(CREDIT_FOR_PREFIX) and row[len(CREDIT_FOR_PREFIX):]:
            return row[len(CREDIT_FOR_PREFIX):]
    return None


def _credit_line(line: QboLine) -> QboLine:
    detail = line.SalesItemLineDetail
    assert detail is not None
    return QboLine(
        DetailType=SALES_LINE,
        Amount=line.Amount,
        Description=line.Description,
        SalesItemLineDetail=QboSalesItemLineDetail(
            ItemRef=detail.ItemRef, Qty=detail.Qty, UnitPrice=detail.UnitPrice,
            TaxCodeRef=detail.TaxCodeRef),
    )


def credit_memo_for(invoice: Mapping[str, Any], *, doc_number: str, private_note: str,
                    txn_date: date | None = None) -> QboCreditMemo:
    """The CreditMemo that credits the whole ``invoice`` (its raw QuickBooks JSON).

    ``private_note`` is written as given (build it with :func:`credit_note`).
    A voided invoice, or one without sales lines, has nothing to credit
    (ValidationError).
    """
    parsed = WIRE.structure(invoice, QboInvoice, operation="read the invoice to credit")
    if statuses.is_voided(invoice):
        raise ValidationError("a voided invoice has nothing left to credit",
                              field="invoice", value=parsed.Id)
    lines = tuple(_credit_line(ln) for ln in parsed.Line
                  if ln.DetailType == SALES_LINE and ln.SalesItemLineDetail is not None)
    if not lines:
        raise ValidationError("the invoice has no sales lines to credit",
                              field="invoice", value=parsed.Id)
    return QboCreditMemo(
        CustomerRef=parsed.CustomerRef,
        Line=lines,
        DocNumber=doc_number,
        PrivateNote=private_note,
        TxnDate=txn_date,
        CurrencyRef=parsed.CurrencyRef,
        GlobalTaxCalculation=parsed.GlobalTaxCalculation,
    )


def remote_credit(raw: Mapping[str, Any], parse_key: Callable[[str | None], str | None],
                  web_url: str | None = None) -> RemoteInvoice:
    """A CreditMemo's raw JSON as a credit note: negative total and balance, booked.

    ``parse_key`` finds the ledgerlink key in the PrivateNote (e.g.
    ``lambda note: parse_note(note)[0]``); ``credit_for`` is the invoice Id of
    the note's ``credit-for:`` line. The balance is the credit not yet used
    (``RemainingCredit``, else ``Balance``), negated; a memo has no due date,
    so the due date is its TxnDate.
    """
    memo = WIRE.structure(raw, QboCreditMemo, operation="read a credit memo")
    memo_id = WIRE.required(memo.Id, "CreditMemo.Id", operation="read a credit memo")
    issued = memo.TxnDate or date.today()
    total = memo.TotalAmt if memo.TotalAmt is not None else Decimal(0)
    remaining = memo.RemainingCredit if memo.RemainingCredit is not None else memo.Balance
    return RemoteInvoice(
        provider_id=memo_id,
        key=parse_key(memo.PrivateNote),
        customer_ref=memo.CustomerRef.value,
        currency=memo.CurrencyRef.value if memo.CurrencyRef else "",
        total=-total,
        balance=-(remaining if remaining is not None else total),
        issue_date=issued,
        due_date=issued,
        number=memo.DocNumber,
        booked=True,
        voided=False,  # QuickBooks has no void for CreditMemo
        deleted=False,
        sent=statuses.is_sent(raw),
        web_url=web_url,
        credit_for=credited_invoice(memo.PrivateNote),
    )


def credit_invoice(api: QuickBooksApi, provider_id: str, key: str) -> RemoteInvoice:
    """Credit the whole invoice with a CreditMemo keyed ``key`` and apply it.

    The memo copies the invoice's lines (items, quantities, prices, tax codes);
    a Payment of 0 then applies the credit to the invoice, so the invoice is
    settled and the memo used up, as a person would in QuickBooks. Both writes
    carry requestids derived from ``key``; a memo already made for ``key`` is
    returned as it is (applied first if it still holds credit).
    """
    memo = lookup.find_invoice(api, key)
    if memo is None:
        raw = api.read_invoice(provider_id)
        payload = credit_memo_for(raw, doc_number=doc_number(key),
                                  private_note=credit_note(note_for(key, ()), provider_id))
        body = dumps(payload)
        try:
            created = api.save("CreditMemo", body, "create-credit-memo", f"{key}|{digest(body)}")
        except ConflictError as err:
            memo = lookup.ours_or(api, key, err)
        else:
            memo = api.credit(created)
            if memo.key != key:
                raise api.malformed(f"the created CreditMemo {memo.provider_id!r} does not "
                                    f"carry key {key!r}", operation="create-credit-memo",
                                    unclear=True)
    if memo.balance < 0:
        _apply(api, provider_id, memo, key)
        memo = api.credit(api.read("CreditMemo", memo.provider_id))
    return memo


def _apply(api: QuickBooksApi, invoice_id: str, memo: RemoteInvoice, key: str) -> None:
    """A Payment of 0 linking the invoice and the memo (as much as both allow)."""
    invoice = api.get_invoice(invoice_id)
    amount = min(invoice.balance, -memo.balance)
    if amount <= 0:
        return
    body = dumps({
        "CustomerRef": {"value": memo.customer_ref},
        "TotalAmt": Decimal(0),
        "CurrencyRef": {"value": memo.currency},
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": memo.provider_id, "TxnType": "CreditMemo"}]},
        ],
    })
    api.save("Payment", body, "apply-credit", f"{key}|{digest(body)}")
