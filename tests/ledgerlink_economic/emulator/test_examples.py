"""The official examples' shapes reproduced: what the emulator answers has the fields the
captured e-conomic answers have."""

from __future__ import annotations

from typing import Any

import httpx

from tests.ledgerlink_economic.emulator.support import draft_body, error_fields, official


def _keys(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every property (list entries merged under ``[]``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(prefix + key)
            found |= _keys(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            found |= _keys(item, f"{prefix}[].")
    return found


def _booked(client: httpx.Client) -> dict[str, Any]:
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    booked: dict[str, Any] = client.post("/invoices/booked", json={
        "draftInvoice": {"draftInvoiceNumber": number}}).json()
    return booked


def test_a_booked_invoice_has_the_fields_of_the_captured_one(client: httpx.Client) -> None:
    """Every property of apaq-bookedinvoices_single.json (but the optional ones) is answered."""
    captured = official("examples/apaq-bookedinvoices_single.json")
    ours = _keys(_booked(client))
    # The example's recipient has an address and the agreement a product number 3; ours
    # carries what the body sent.
    optional = {"recipient.address", "recipient.zip", "recipient.city"}
    assert _keys(captured) - optional <= ours


def test_a_draft_has_the_fields_of_the_captured_one(client: httpx.Client) -> None:
    """The money, terms, customer, recipient, layout, pdf and line fields of a captured draft."""
    captured = official("examples/apaq-draftinvoices_single.json")
    draft = client.post("/invoices/drafts", json=draft_body()).json()
    wanted = {key for key in _keys(captured)
              if key.split(".")[0] in {"draftInvoiceNumber", "date", "currency", "netAmount",
                                       "grossAmount", "vatAmount", "dueDate", "paymentTerms",
                                       "customer", "layout", "pdf", "self"}}
    assert wanted <= _keys(draft)


def test_the_seeded_vat_zones_are_the_captured_ones(client: httpx.Client) -> None:
    """GET /vat-zones answers the four zones of traels-vat_zones.json."""
    captured = official("examples/traels-vat_zones.json")
    page = client.get("/vat-zones", params={"pagesize": 1000}).json()
    assert page["collection"] == captured["collection"]
    assert set(page["pagination"]) == set(captured["pagination"])


def test_paging_links_have_the_captured_shape(client: httpx.Client) -> None:
    """The pagination object has the keys of traels-pagination.json."""
    captured = official("examples/traels-pagination.json")
    pagination = client.get("/customers", params={"pagesize": 1}).json()["pagination"]
    assert set(pagination) == set(captured) - {"nextPage"} | (
        {"nextPage"} if "nextPage" in pagination else set())


def test_a_validation_error_has_the_documented_shape(client: httpx.Client) -> None:
    """A refused draft answers the nesting of apaq-error_bad_request.json."""
    captured = official("examples/apaq-error_bad_request.json")
    response = client.post("/invoices/drafts", json=draft_body(
        currency="DKK", customer={"customerNumber": 987987987}))
    assert set(response.json()) == set(captured)
    entry = error_fields(response)["customer"]["errors"][0]
    assert set(entry) == set(captured["errors"]["customer"]["errors"][0])


def test_a_not_found_answer_has_the_captured_shape(client: httpx.Client) -> None:
    """A 404 has the keys of traels-404.json and the 401 those of apaq-error_unauthorized."""
    assert set(client.get("/nothing").json()) == set(official("examples/traels-404.json"))
    unauthorised = httpx.Client(transport=client._transport, base_url=str(client.base_url))
    assert set(unauthorised.get("/customers").json()) == set(
        official("examples/apaq-error_unauthorized.json")) - {"demoLink"}


def test_deleting_a_draft_answers_like_the_capture(client: httpx.Client) -> None:
    """DELETE of a draft answers the keys of traels-invoice_delete.json."""
    captured = official("examples/traels-invoice_delete.json")
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    deleted = client.delete(f"/invoices/drafts/{number}").json()
    assert _keys(deleted) == _keys(captured)
