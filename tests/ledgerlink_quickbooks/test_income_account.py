"""Items are created with the income account QuickBooks requires of Service and
NonInventory Items (Finance.xsd; NOTES.md §4.3): the ``income_account`` option, else one
chosen from the company's Income accounts, else a clear refusal naming the option.

Each test gives the emulated company its own chart of accounts; the Item the emulator
stores shows the IncomeAccountRef the connector sent (the emulator refuses an Item
without one, as QuickBooks does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import ProductKind
from ledgerlink.errors import ProviderError, ValidationError
from ledgerlink.testing.factories import make_product
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.products import choose_income_account
from ledgerlink_quickbooks.wire import QboAccount
from tests.ledgerlink_quickbooks.support import build_connector
from tests.recording import RecordingTransport


def _account(id: str, name: str, kind: str = "Income", active: bool = True) -> dict[str, Any]:
    return {"Id": id, "Name": name, "AccountType": kind, "Active": active}


def _chart(accounts: list[dict[str, Any]]) -> tuple[tuple[str, str, str, str, str], ...]:
    return tuple((a["Id"], a["Name"], a["AccountType"], "", "Revenue") for a in accounts
                 if a["Active"])


def _connector(emulator: QuickBooksEmulator, tmp_path: Path, accounts: list[dict[str, Any]],
               **options: Any) -> tuple[QuickBooksConnector, RecordingTransport]:
    transport = RecordingTransport(emulator.transport())
    return build_connector(emulator, tmp_path, transport=transport, accounts=_chart(accounts),
                           **options), transport


class GarbledAccounts(httpx.BaseTransport):
    """The emulator's transport, answering the Account query with ``accounts`` as given."""

    def __init__(self, inner: httpx.BaseTransport, accounts: list[dict[str, Any]]) -> None:
        self.inner = inner
        self.accounts = accounts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if " FROM Account " not in request.url.params.get("query", ""):
            return self.inner.handle_request(request)
        return httpx.Response(200, json={"QueryResponse": {"Account": self.accounts}},
                              headers={"intuit_tid": "accounts"})


def _stored_account(emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector,
                    item: str) -> str:
    stored = emulator.realms[quickbooks.realm_id].entities["Item"][item]
    return str(stored["IncomeAccountRef"]["value"])


@pytest.mark.parametrize("kind", [ProductKind.SERVICE, ProductKind.GOODS])
def test_a_created_item_carries_the_chosen_income_account(
    emulator: QuickBooksEmulator, tmp_path: Path, kind: ProductKind
) -> None:
    """Without the option, the company's "Services" Income account goes on the Item,
    found by one Account query, asked once for every Item the connector creates."""
    quickbooks, transport = _connector(emulator, tmp_path, [
        _account("5", "Other Income"), _account("42", "Services"),
        _account("3", "Checking", kind="Bank")])
    try:
        first = quickbooks.create_product(make_product(id="P1", name="Consulting", kind=kind))
        second = quickbooks.create_product(make_product(id="P2", name="Support", kind=kind))
        assert _stored_account(emulator, quickbooks, first) == "42"
        assert _stored_account(emulator, quickbooks, second) == "42"
        assert transport.queries == [
            "SELECT * FROM Account WHERE AccountType = 'Income' ORDERBY Id "
            "STARTPOSITION 1 MAXRESULTS 1000"]
    finally:
        quickbooks.close()


def test_the_income_account_option_wins_without_a_query(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """``income_account`` is put on every created Item as given; no Account is queried."""
    quickbooks, transport = _connector(emulator, tmp_path, [_account("42", "Services"),
                                                            _account("77", "Fees")],
                                       income_account="77")
    try:
        item = quickbooks.create_product(make_product(id="P1", name="Consulting"))
        assert _stored_account(emulator, quickbooks, item) == "77"
        assert transport.queries == []
    finally:
        quickbooks.close()


@pytest.mark.parametrize("accounts", [
    [], [_account("3", "Checking", kind="Bank")]])
def test_no_active_income_account_is_refused_naming_the_option(
    emulator: QuickBooksEmulator, tmp_path: Path, accounts: list[dict[str, Any]]
) -> None:
    """No active Income account: a ValidationError naming ``income_account``; no Item."""
    quickbooks, _ = _connector(emulator, tmp_path, accounts, with_item=False)
    try:
        with pytest.raises(ValidationError, match="income_account") as caught:
            quickbooks.create_product(make_product(id="P1", name="Consulting"))
        assert caught.value.field == "income_account"
        assert not emulator.realms[quickbooks.realm_id].entities["Item"]
    finally:
        quickbooks.close()


def test_a_malformed_account_is_a_provider_error(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """``{"Active": "false"}`` on an Account is refused, not read as active."""
    quickbooks = build_connector(emulator, tmp_path, transport=GarbledAccounts(
        emulator.transport(), [dict(_account("42", "Services"), Active="false")]))
    try:
        with pytest.raises(ProviderError, match="Active"):
            quickbooks.create_product(make_product(id="P1", name="Consulting"))
    finally:
        quickbooks.close()


def test_the_choice_prefers_named_accounts_then_the_lowest_id() -> None:
    """Services before Sales of Product Income before Sales, case-blind; otherwise the
    active Income account with the lowest Id (numerically)."""
    def chosen(*rows: dict[str, Any]) -> str | None:
        return choose_income_account(QboAccount(**row) for row in rows)

    assert chosen(_account("9", "sales of product income"), _account("12", "SERVICES")) == "12"
    assert chosen(_account("9", "Sales"), _account("12", "Sales of Product Income")) == "12"
    assert chosen(_account("10", "Fees"), _account("9", "Tips")) == "9"
    assert chosen(_account("1", "Services", active=False), _account("8", "Fees")) == "8"
    assert chosen(_account("1", "Services", kind="Expense")) is None


accounts = st.lists(st.builds(
    lambda id, name, kind, active: QboAccount(Id=str(id), Name=name, AccountType=kind,
                                              Active=active),
    st.integers(1, 60), st.sampled_from(["Services", "Sales", "Sales of Product Income",
                                         "Fees", "services", None]),
    st.sampled_from(["Income", "Expense", "Bank"]), st.booleans()),
    max_size=8, unique_by=lambda a: a.Id)


@given(accounts, st.randoms())
def test_the_choice_is_an_active_income_account_whatever_the_order(
    listed: list[QboAccount], random: Any
) -> None:
    """The chosen Id is an active Income account's, the same however the rows are ordered;
    None only when there is none."""
    usable = {a.Id for a in listed if a.AccountType == "Income" and a.Active is not False}
    shuffled = list(listed)
    random.shuffle(shuffled)
    choice = choose_income_account(listed)
    assert choice == choose_income_account(shuffled)
    assert (choice in usable) if usable else choice is None
