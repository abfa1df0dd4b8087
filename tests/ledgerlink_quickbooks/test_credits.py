"""Crediting a whole invoice with a CreditMemo (ledgerlink_quickbooks.credits)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import InvoiceDraft, InvoiceLine
from ledgerlink.errors import ValidationError
from ledgerlink.testing.conformance import AWKWARD_LINES
from ledgerlink_quickbooks.connector import note_for, parse_note
from ledgerlink_quickbooks.credits import (
    credit_memo_for,
    credit_note,
    credited_invoice,
    remote_credit,
)
from ledgerlink_quickbooks.emulator.contract import SCHEMAS, XsdContract
from ledgerlink_quickbooks.taxes import TaxCodes
from ledgerlink_quickbooks.wire import converter, dumps, loads
from tests.ledgerlink_quickbooks.taxes_support import Company
from tests.paths import SHARED

XSD = SHARED / "providers" / "quickbooks" / "xsd"


def _key(note: str | None) -> str | None:
    return parse_note(note)[0]


@given(st.text(max_size=200).filter(lambda t: "credit-for:" not in t),
       st.text("0123456789", min_size=1, max_size=12))
def test_the_credited_invoice_survives_the_note(note: str, invoice_id: str) -> None:
    """Whatever the caller's note, the credit-for line gives the invoice id back."""
    assert credited_invoice(credit_note(note, invoice_id)) == invoice_id


@given(st.text("abc:-0123456789", min_size=1, max_size=40),
       st.text("0123456789", min_size=1, max_size=12))
def test_the_key_survives_the_credit_line(key: str, invoice_id: str) -> None:
    """The connector's parse_note still reads the ledgerlink key of a credit note."""
    assert _key(credit_note(note_for(key, ()), invoice_id)) == key


def test_bad_notes_are_refused() -> None:
    """An empty or multi-line id, or a note over 4000 characters, is a ValidationError."""
    for bad in ("", "1\n2"):
        with pytest.raises(ValidationError):
            credit_note("n", bad)
    with pytest.raises(ValidationError, match="4000"):
        credit_note("x" * 3990, "12345")
    assert credited_invoice(None) is None and credited_invoice("ledgerlink:k") is None


def _taxed_invoice(company: Company) -> tuple[dict[str, Any], InvoiceDraft]:
    """An invoice of the awkward lines, each with the TaxCode of its VAT rate."""
    codes = TaxCodes(company.query)
    lines = [InvoiceLine(d, q, p, r) for d, q, p, r in AWKWARD_LINES]
    draft = InvoiceDraft("inv:1", "c", "USD", date(2026, 5, 1), date(2026, 5, 31), tuple(lines))
    body = {
        "CustomerRef": {"value": company.customer["Id"]},
        "CurrencyRef": {"value": "USD"},
        "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": ln.net("USD"),
             "Description": ln.description,
             "SalesItemLineDetail": {"ItemRef": {"value": company.item["Id"]},
                                     "Qty": ln.quantity, "UnitPrice": ln.unit_price,
                                     "TaxCodeRef": {"value": codes.code_for(ln.vat_rate)}}}
            for ln in lines
        ],
    }
    return company.post("Invoice", dumps(body)), draft


def test_a_credit_memo_negates_the_invoice(company: Company) -> None:
    """The memo repeats lines and VAT; read back it is a booked credit note of -gross."""
    invoice, draft = _taxed_invoice(company)
    assert invoice["TotalAmt"] == draft.gross.amount
    note = credit_note(note_for("credit:1", ()), invoice["Id"])
    payload = credit_memo_for(invoice, doc_number="CN-1", private_note=note,
                              txn_date=date(2026, 5, 3))
    memo = company.post("CreditMemo", dumps(payload))
    assert memo["TotalAmt"] == invoice["TotalAmt"]
    assert memo["TxnTaxDetail"]["TotalTax"] == invoice["TxnTaxDetail"]["TotalTax"]
    sales = [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    copied = [ln for ln in memo["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert [(ln["Amount"], ln["Description"], ln["SalesItemLineDetail"]) for ln in copied] == [
        (ln["Amount"], ln["Description"], ln["SalesItemLineDetail"]) for ln in sales]
    remote = remote_credit(memo, _key, web_url="https://example.test/cm")
    assert remote.total == -draft.gross.amount == remote.balance
    assert (remote.key, remote.credit_for, remote.booked, remote.number) == (
        "credit:1", invoice["Id"], True, "CN-1")
    assert (remote.customer_ref, remote.currency) == (company.customer["Id"], "USD")
    assert remote.issue_date == remote.due_date == date(2026, 5, 3)


def test_a_used_credit_has_a_smaller_balance(company: Company) -> None:
    """The balance of a credit note is the remaining credit, negated."""
    invoice, _ = _taxed_invoice(company)
    payload = credit_memo_for(invoice, doc_number="CN-2", private_note="n")
    memo = {**company.post("CreditMemo", dumps(payload)), "RemainingCredit": Decimal("10.00")}
    assert remote_credit(memo, _key).balance == Decimal("-10.00")
    assert remote_credit(memo, _key).key is None


def test_nothing_to_credit(company: Company) -> None:
    """A voided invoice, or one without sales lines, cannot be credited."""
    invoice, _ = _taxed_invoice(company)
    answer = company.http.post(
        company.path("invoice"), params={"operation": "void"},
        content=dumps({"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}))
    void = loads(answer.text)["Invoice"]
    with pytest.raises(ValidationError, match="voided"):
        credit_memo_for(void, doc_number="CN-3", private_note="n")
    only_text = {**invoice, "Line": [{"DetailType": "DescriptionOnly", "Description": "x"}]}
    with pytest.raises(ValidationError, match="no sales lines"):
        credit_memo_for(only_text, doc_number="CN-3", private_note="n")


def test_the_payload_follows_the_xsd(company: Company) -> None:
    """Every field of the written CreditMemo exists in the official CreditMemo type."""
    if not (XSD / SCHEMAS[0]).is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {XSD} (set LEDGERLINK_SHARED)")
    invoice, _ = _taxed_invoice(company)
    payload = credit_memo_for(invoice, doc_number="CN-4", private_note="n")
    written = converter.unstructure(payload)
    assert XsdContract(XSD).unknown_fields(written, "CreditMemo") == []
