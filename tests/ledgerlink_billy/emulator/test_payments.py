"""Bank payments against invoices (balance, isPaid), voiding, deleting; credit notes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_billy.emulator import Organization
from tests.ledgerlink_billy.emulator.support import (
    contact_body,
    fresh_company,
    invalid,
    invoice_body,
    load_billy,
    ok,
)

Make = Callable[..., dict[str, Any]]


def _pay(client: httpx.Client, org: Organization, amount: Any, *invoices: str,
         **extra: Any) -> httpx.Response:
    body = {"entryDate": "2026-06-01", "cashAmount": amount, "cashSide": "debit",
            "cashAccountId": org.default("bank"),
            "associations": [{"subjectReference": f"invoice:{i}"} for i in invoices], **extra}
    return client.post("/v2/bankPayments", json={"bankPayment": body})


def _invoice(client: httpx.Client, invoice_id: str) -> dict[str, Any]:
    return dict(ok(client.get(f"/v2/invoices/{invoice_id}"))["invoice"])


def test_a_full_payment_marks_the_invoice_paid(client: httpx.Client, org: Organization,
                                               approved: Make,
                                               contact: dict[str, Any]) -> None:
    """Paying the gross: balance 0 and isPaid; the payment has the captured keys."""
    made = approved()
    answer = ok(_pay(client, org, 750, made["id"]))
    payment = answer["bankPayments"][0]
    assert set(payment) == set(load_billy("examples/bankPayments_single.json")["bankPayment"])
    assert (payment["contactId"], payment["subjectCurrencyId"]) == (contact["id"], "DKK")
    assert answer["invoices"][0]["isPaid"] is True
    assert (_invoice(client, made["id"])["balance"], _invoice(client, made["id"])["isPaid"]) == (
        0, True)


def test_a_partial_payment_lowers_the_balance(client: httpx.Client, org: Organization,
                                              approved: Make) -> None:
    """Paying 500 of 750 leaves 250 and isPaid false; the rest pays it."""
    made = approved()
    ok(_pay(client, org, 500, made["id"]))
    assert (_invoice(client, made["id"])["balance"], _invoice(client, made["id"])["isPaid"]) == (
        250, False)
    ok(_pay(client, org, 250, made["id"]))
    assert _invoice(client, made["id"])["isPaid"] is True


def test_one_payment_settles_several_invoices_in_order(client: httpx.Client, org: Organization,
                                                       approved: Make) -> None:
    """1000 over two invoices of 750: the first is paid, the second owes 500."""
    first, second = approved(), approved()
    answer = ok(_pay(client, org, 1000, first["id"], second["id"]))
    assert [m["amount"] for m in answer["balanceModifiers"]] == [750, 250]
    assert _invoice(client, first["id"])["isPaid"] is True
    assert _invoice(client, second["id"])["balance"] == 500


def test_a_fee_is_offset_on_a_deposit(client: httpx.Client, org: Organization,
                                      approved: Make) -> None:
    """cashAmount 745 with a fee of 5 pays an invoice of 750 in full [B1]."""
    made = approved()
    ok(_pay(client, org, 745, made["id"], feeAmount=5, feeAccountId=org.default("fees")))
    assert _invoice(client, made["id"])["isPaid"] is True
    invalid(_pay(client, org, 1, made["id"], feeAmount=5), "bankPayment.feeAccountId")


def test_drafts_and_bad_payments_are_refused(client: httpx.Client, org: Organization,
                                             draft: Make, approved: Make) -> None:
    """A draft cannot be paid; amounts are positive; the cash account takes payments."""
    open_draft, made = draft(), approved()
    invalid(_pay(client, org, 10, open_draft["id"]),
            "bankPayment.associations[0].subjectReference")
    invalid(_pay(client, org, 0, made["id"]), "bankPayment.cashAmount")
    invalid(_pay(client, org, 10, made["id"], cashAccountId=org.default("sales")),
            "bankPayment.cashAccountId")
    invalid(_pay(client, org, 10), "bankPayment.contactId")
    invalid(_pay(client, org, 10, made["id"], isVoided=True), "bankPayment.isVoided")
    invalid(_pay(client, org, "10", made["id"]), "bankPayment.cashAmount")
    assert ok(client.get("/v2/bankPayments"))["bankPayments"] == []


def test_a_voided_payment_reopens_the_invoice_for_good(client: httpx.Client,
                                                       org: Organization,
                                                       approved: Make) -> None:
    """isVoided true puts the balance back; it cannot be reinstated nor otherwise changed."""
    made = approved()
    payment = ok(_pay(client, org, 750, made["id"]))["bankPayments"][0]
    path = f"/v2/bankPayments/{payment['id']}"
    voided = ok(client.put(path, json={"bankPayment": {"isVoided": True}}))
    assert voided["invoices"][0]["balance"] == 750
    assert _invoice(client, made["id"])["isPaid"] is False
    invalid(client.put(path, json={"bankPayment": {"isVoided": False}}), "bankPayment.isVoided")
    invalid(client.put(path, json={"bankPayment": {"cashAmount": 1}}), "bankPayment.cashAmount")


def test_deleting_a_payment_is_idempotent(client: httpx.Client, org: Organization,
                                          approved: Make) -> None:
    """DELETE removes the payment and its modifiers; the invoice owes again."""
    made = approved()
    payment = ok(_pay(client, org, 750, made["id"]))
    deleted = ok(client.delete(f"/v2/bankPayments/{payment['bankPayments'][0]['id']}"))
    assert deleted["meta"]["deletedRecords"] == {
        "bankPayments": [payment["bankPayments"][0]["id"]],
        "balanceModifiers": [payment["balanceModifiers"][0]["id"]]}
    assert _invoice(client, made["id"])["balance"] == 750
    again = ok(client.delete(f"/v2/bankPayments/{payment['bankPayments'][0]['id']}"))
    assert again["meta"]["deletedRecords"] == {}


def test_payments_are_listed_by_contact_in_the_captured_shape(
        client: httpx.Client, org: Organization, approved: Make,
        contact: dict[str, Any]) -> None:
    """bankPayments?contactId= lists them with meta.paging, as captured."""
    ok(_pay(client, org, 100, approved()["id"]))
    listed = ok(client.get("/v2/bankPayments", params={"contactId": contact["id"]}))
    captured = load_billy("examples/bankPayments_list.json")
    assert set(captured["meta"]["paging"]) <= set(listed["meta"]["paging"])
    assert [set(p) for p in listed["bankPayments"]] == [set(captured["bankPayments"][0])]


def test_a_credit_note_credits_an_approved_invoice(client: httpx.Client, approved: Make,
                                                   contact: dict[str, Any],
                                                   product: dict[str, Any]) -> None:
    """type creditNote with creditedInvoiceId: numbered on approval, the invoice settled."""
    made = approved()
    body = invoice_body(contact["id"], product["id"], type="creditNote",
                        creditedInvoiceId=made["id"], state="approved")
    answer = ok(client.post("/v2/invoices", json=body))
    credit, original = answer["invoices"]
    assert (credit["type"], credit["invoiceNo"], credit["isPaid"]) == ("creditNote", "2", True)
    assert credit["downloadUrl"].endswith("/credit-note-no-2.pdf")
    assert (original["id"], original["balance"], original["isPaid"]) == (made["id"], 0, True)
    found = ok(client.get("/v2/invoices", params={"creditedInvoiceId": made["id"]}))
    assert [i["id"] for i in found["invoices"]] == [credit["id"]]


def test_a_credit_note_needs_an_approved_invoice_of_its_contact(
        client: httpx.Client, draft: Make, approved: Make, contact: dict[str, Any],
        product: dict[str, Any]) -> None:
    """Crediting a draft, another contact's invoice, or from a plain invoice is refused."""
    open_draft, made = draft(), approved()
    for credited in (open_draft["id"], "nope"):
        invalid(client.post("/v2/invoices", json=invoice_body(
            contact["id"], product["id"], type="creditNote", creditedInvoiceId=credited)),
            "invoice.creditedInvoiceId")
    other = ok(client.post("/v2/contacts", json=contact_body(name="Anden")))["contacts"][0]
    invalid(client.post("/v2/invoices", json=invoice_body(
        other["id"], product["id"], type="creditNote", creditedInvoiceId=made["id"])),
        "invoice.creditedInvoiceId")
    invalid(client.post("/v2/invoices", json=invoice_body(
        contact["id"], product["id"], creditedInvoiceId=made["id"])),
        "invoice.creditedInvoiceId")


cents = st.integers(min_value=1, max_value=120_000).map(lambda n: Decimal(n) / 100)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(cents, st.booleans()), min_size=1, max_size=6))
def test_balance_and_is_paid_follow_any_payment_history(
        history: list[tuple[Decimal, bool]]) -> None:
    """For payments (some voided later) on one invoice of 750: balance = max(0, 750 - what
    still counts, each capped at what was owed) and isPaid exactly when it reaches 0."""
    with fresh_company() as company:
        http, org = company.http, company.org
        made = ok(http.post("/v2/invoices", json=invoice_body(
            company.contact_id, company.product_id, state="approved")))["invoices"][0]
        owed = Decimal(750)
        for amount, void in history:
            answer = ok(_pay(http, org, float(amount), made["id"]))
            applied = Decimal(str(answer["balanceModifiers"][0]["amount"]))
            assert applied == min(amount, owed)
            owed -= applied
            if void:
                payment = answer["bankPayments"][0]["id"]
                ok(http.put(f"/v2/bankPayments/{payment}",
                            json={"bankPayment": {"isVoided": True}}))
                owed += applied
            invoice = _invoice(http, made["id"])
            assert Decimal(str(invoice["balance"])) == owed
            assert invoice["isPaid"] is (owed == 0)


def test_a_credit_note_on_a_paid_invoice_is_refunded(client: httpx.Client, org: Organization,
                                                     approved: Make, contact: dict[str, Any],
                                                     product: dict[str, Any]) -> None:
    """Crediting a paid invoice leaves the credit note owing; a withdrawal refunds it."""
    made = approved()
    ok(_pay(client, org, 750, made["id"]))
    credit = ok(client.post("/v2/invoices", json=invoice_body(
        contact["id"], product["id"], type="creditNote", creditedInvoiceId=made["id"],
        state="approved")))["invoices"][0]
    assert (credit["balance"], credit["isPaid"]) == (750, False)
    invalid(_pay(client, org, 750, credit["id"]),
            "bankPayment.associations[0].subjectReference")
    ok(_pay(client, org, 750, credit["id"], cashSide="credit"))
    assert _invoice(client, credit["id"])["isPaid"] is True
