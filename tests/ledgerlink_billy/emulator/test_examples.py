"""Every captured example response is reproduced in shape: the same keys, the same JSON types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ledgerlink_billy.emulator import BillyEmulator, Organization
from tests.ledgerlink_billy.emulator.support import load_billy

Make = Callable[..., dict[str, Any]]
#: Keys the emulator answers beyond the captured ones, each documented: paging URLs [B1],
#: and invoice properties seen in live responses (NOTES-danish 2.4) [B9].
DOCUMENTED_EXTRAS = {"firstUrl", "previousUrl", "nextUrl", "lastUrl", "grossAmount",
                     "externalId", "quoteId"}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def assert_same_shape(captured: Any, answered: Any, where: str = "") -> None:
    """``answered`` has every key of ``captured`` with a value of the same JSON type (a
    null on either side matches anything), and no key beyond the documented extras."""
    if captured is None or answered is None:
        return
    assert _kind(captured) == _kind(answered), (where, captured, answered)
    if isinstance(captured, dict):
        missing = set(captured) - set(answered)
        extra = set(answered) - set(captured) - DOCUMENTED_EXTRAS
        assert not missing and not extra, (where, missing, extra)
        for key, value in captured.items():
            assert_same_shape(value, answered[key], f"{where}.{key}")
    elif isinstance(captured, list) and captured and answered:
        for item in answered:
            assert_same_shape(captured[0], item, f"{where}[]")


@pytest.fixture
def invoice(draft: Make) -> dict[str, Any]:
    """A draft with VAT included and a message, as in the captured invoices_single.json."""
    return draft(taxMode="incl", contactMessage="Husk at betale")


def test_a_single_invoice(client: httpx.Client, invoice: dict[str, Any]) -> None:
    """GET /v2/invoices/:id with lines embedded has invoices_single.json's shape."""
    answer = client.get(f"/v2/invoices/{invoice['id']}", params={"include": "invoice.lines:embed"})
    assert_same_shape(load_billy("examples/invoices_single.json"), answer.json())


def test_an_invoice_list(client: httpx.Client, invoice: dict[str, Any], approved: Make) -> None:
    """GET /v2/invoices with lines embedded has invoices_list.json's shape."""
    approved()
    answer = client.get("/v2/invoices", params={"include": "invoice.lines:embed"})
    assert_same_shape(load_billy("examples/invoices_list.json"), answer.json())


def test_a_single_product_and_a_list(client: httpx.Client, product: dict[str, Any]) -> None:
    """GET /v2/products/:id and /v2/products have the captured products' shapes."""
    assert_same_shape(load_billy("examples/products_single.json"),
                      client.get(f"/v2/products/{product['id']}").json())
    assert_same_shape(load_billy("examples/products_list.json"),
                      client.get("/v2/products").json())


def test_a_single_bank_payment_and_a_list(client: httpx.Client, org: Organization,
                                          approved: Make) -> None:
    """GET /v2/bankPayments/:id and /v2/bankPayments have the captured payments' shapes."""
    made = approved()
    body = {"bankPayment": {"entryDate": "2026-06-02", "cashAmount": 153.75, "cashSide": "debit",
                            "cashAccountId": org.default("bank"),
                            "associations": [{"subjectReference": f"invoice:{made['id']}"}]}}
    payment = client.post("/v2/bankPayments", json=body).json()["bankPayments"][0]
    assert_same_shape(load_billy("examples/bankPayments_single.json"),
                      client.get(f"/v2/bankPayments/{payment['id']}").json())
    assert_same_shape(load_billy("examples/bankPayments_list.json"),
                      client.get("/v2/bankPayments").json())


def test_the_error_examples(client: httpx.Client, emu: BillyEmulator,
                            contact: dict[str, Any], product: dict[str, Any]) -> None:
    """Bad request, not found, unauthorized and server error answer the captured shapes."""
    no_lines = {"invoice": {"contactId": contact["id"], "entryDate": "2026-05-28",
                            "currencyId": "DKK", "paymentTermsDays": 8, "lines": []}}
    assert_same_shape(load_billy("examples/error_bad_request.json"),
                      client.post("/v2/invoices", json=no_lines).json())
    assert_same_shape(load_billy("examples/error_not_found.json"),
                      client.get("/v2/contacts/nope").json())
    with httpx.Client(transport=emu.transport(), base_url=str(client.base_url)) as anonymous:
        assert_same_shape(load_billy("examples/error_unauthorized.json"),
                          anonymous.get("/v2/organization").json())
    emu.faults.fail_next(1, status=501)
    server_error = client.get("/v2/organization")
    assert server_error.status_code == 501
    assert_same_shape(load_billy("examples/error_server_error.json"), server_error.json())


def test_the_shape_check_notices_a_difference() -> None:
    """The comparison fails on a missing key, an undocumented extra and a changed type."""
    captured = {"a": 1, "b": {"c": "x"}}
    for answered in ({"a": 1}, {"a": 1, "b": {"c": "x"}, "z": 0}, {"a": "1", "b": {"c": "x"}},
                     {"a": 1, "b": {"c": True}}):
        with pytest.raises(AssertionError):
            assert_same_shape(captured, answered)
