"""A customer's Balance, kept by the change of each write, equals the balance counted afresh."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.entities import open_balance
from ledgerlink_quickbooks.emulator.handlers import write
from ledgerlink_quickbooks.emulator.persist import dump, load
from ledgerlink_quickbooks.emulator.state import Realm
from ledgerlink_quickbooks.emulator.wire import QBOFault
from tests.ledgerlink_quickbooks.emulator.support import REALM, START

CUSTOMERS = 3
OPENING = (Decimal(0), Decimal("250.00"), Decimal("-40.50"))
MOMENT = START
TODAY = datetime.fromtimestamp(START, UTC).date()

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2)
# One write: its kind, which customer or transaction it picks (taken modulo what
# exists) and an amount.
steps = st.tuples(
    st.sampled_from([  # payments listed twice: they are what the other writes undo
        "invoice", "memo", "pay", "pay", "pay_with_credit", "pay_with_credit", "void",
        "delete_invoice", "delete_memo", "delete_payment", "void_payment", "update_invoice",
        "move_invoice", "update_memo",
    ]),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=50),
    amounts,
)


def _sale(customer: str, item: str, amount: Decimal) -> dict[str, Any]:
    return {"CustomerRef": {"value": customer},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": amount,
                      "SalesItemLineDetail": {"ItemRef": {"value": item}}}]}


def _stub(txn: dict[str, Any]) -> dict[str, Any]:
    return {"Id": txn["Id"], "SyncToken": txn["SyncToken"]}


def _pick(rows: dict[str, dict[str, Any]], index: int) -> dict[str, Any] | None:
    ids = sorted(rows, key=int)
    return rows[ids[index % len(ids)]] if ids else None


def _apply(realm: Realm, customers: list[str], item: str,
           step: tuple[str, int, int, Decimal]) -> None:
    """Apply one write as the data service would; a write QuickBooks refuses changes nothing."""
    kind, first, second, amount = step
    invoice = _pick(realm.entities["Invoice"], first)
    memo = _pick(realm.entities["CreditMemo"], second)
    payment = _pick(realm.entities["Payment"], first)
    customer = customers[first % len(customers)]
    writes: dict[str, tuple[str, str, dict[str, Any]] | None] = {
        "invoice": ("Invoice", "create", _sale(customer, item, amount)),
        "memo": ("CreditMemo", "create", _sale(customer, item, amount)),
        "void": invoice and ("Invoice", "void", _stub(invoice)),
        "delete_invoice": invoice and ("Invoice", "delete", _stub(invoice)),
        "delete_memo": memo and ("CreditMemo", "delete", _stub(memo)),
        "delete_payment": payment and ("Payment", "delete", _stub(payment)),
        "void_payment": payment and ("Payment", "void", _stub(payment)),
        "update_invoice": invoice and ("Invoice", "update", {
            **_stub(invoice), "sparse": True, "Line": _sale(customer, item, amount)["Line"]}),
        "move_invoice": invoice and ("Invoice", "update", {
            **_stub(invoice), "sparse": True, "CustomerRef": {"value": customer}}),
        "update_memo": memo and ("CreditMemo", "update", {
            **_stub(memo), "sparse": True, "Line": _sale(customer, item, amount)["Line"]}),
    }
    if kind in ("pay", "pay_with_credit") and invoice is not None:
        owner = invoice["CustomerRef"]["value"]
        # Mostly what the invoice (and the credit) still holds, so most payments apply;
        # more than that now and then, which QuickBooks refuses.
        room = [Decimal(str(invoice["Balance"]))]
        if kind == "pay_with_credit" and memo is not None:
            room.append(Decimal(str(memo["Balance"])))
        amount = amount if second % 5 == 0 else min([amount, *room])
        lines = [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"],
                                                   "TxnType": "Invoice"}]}]
        total = amount
        if kind == "pay_with_credit" and memo is not None:
            lines.append({"Amount": amount, "LinkedTxn": [{"TxnId": memo["Id"],
                                                           "TxnType": "CreditMemo"}]})
            total = Decimal(0)
        writes[kind] = ("Payment", "create", {"CustomerRef": {"value": owner},
                                              "TotalAmt": total, "Line": lines})
    chosen = writes.get(kind)
    if chosen is None:
        return
    name, operation, body = chosen
    try:
        with realm.lock:
            write(realm, name, operation, body, MOMENT, TODAY)
    except QBOFault:
        pass


# A few invoices and credit memos first, so the writes after them have something to act on.
openings = st.lists(st.tuples(st.sampled_from(["invoice", "memo"]), st.integers(0, 50),
                              st.integers(0, 50), amounts), min_size=2, max_size=6)


@settings(max_examples=150, deadline=None)
@given(openings, st.lists(steps, min_size=1, max_size=40))
def test_kept_balance_equals_the_full_count(
        first: list[tuple[str, int, int, Decimal]],
        then: list[tuple[str, int, int, Decimal]]) -> None:
    """After any creates, payments, voids, deletes and updates, each customer's Balance is its
    opening balance plus its open invoices less its unused credit, counted afresh."""
    emulator = QuickBooksEmulator(clock=lambda: MOMENT)
    emulator.add_realm(REALM)
    customers = [
        emulator.seed(REALM, "Customer", {"DisplayName": f"Customer {n}", "Balance": opening})["Id"]
        for n, opening in enumerate(OPENING[:CUSTOMERS])
    ]
    item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})["Id"]
    realm = emulator.realms[REALM]
    for step in [*first, *then]:
        _apply(realm, customers, item, step)
        for customer_id, opening in zip(customers, OPENING, strict=True):
            kept = realm.entities["Customer"][customer_id]
            expected = opening + open_balance(realm, customer_id)
            assert (kept["Balance"], kept["BalanceWithJobs"]) == (expected, expected), step


def test_balance_survives_a_restore() -> None:
    """A realm restored from its saved state keeps each Balance and goes on moving it by
    each change, without counting the restored invoices twice."""
    emulator = QuickBooksEmulator(clock=lambda: MOMENT)
    emulator.add_realm(REALM)
    customer = emulator.seed(REALM, "Customer", {"DisplayName": "Kept", "Balance": 10})["Id"]
    item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})["Id"]
    first = emulator.seed(REALM, "Invoice", _sale(customer, item, Decimal(100)))
    restored = QuickBooksEmulator(clock=lambda: MOMENT)
    load(restored, dump(emulator))
    realm = restored.realms[REALM]
    assert realm.entities["Customer"][customer]["Balance"] == 110
    restored.seed(REALM, "Invoice", _sale(customer, item, Decimal(5)))
    with realm.lock:
        write(realm, "Invoice", "void", {"Id": first["Id"], "SyncToken": "0"}, MOMENT, TODAY)
    assert realm.entities["Customer"][customer]["Balance"] == 15
