"""Listing invoices: the documented filters, sorting and 1-based paging with meta.paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledgerlink_billy.emulator.support import (
    contact_body,
    fresh_company,
    invoice_body,
    load_billy,
    ok,
    refused,
)

Make = Callable[..., dict[str, Any]]


def _ids(body: dict[str, Any]) -> list[str]:
    return [str(invoice["id"]) for invoice in body["invoices"]]


def test_paging_is_one_based_with_billys_meta(client: httpx.Client, draft: Make) -> None:
    """pageSize 2 over 5 invoices: pages 1..3, the last holding one, URLs to move along."""
    made = [draft()["id"] for _ in range(5)]
    first = ok(client.get("/v2/invoices", params={"pageSize": 2}))
    paging = first["meta"]["paging"]
    assert set(load_billy("examples/invoices_list.json")["meta"]["paging"]) <= set(paging)
    assert (paging["page"], paging["pageCount"], paging["pageSize"], paging["total"]) == (
        1, 3, 2, 5)
    assert paging["previousUrl"] is None and "page=2" in paging["nextUrl"]
    third = ok(client.get("/v2/invoices", params={"pageSize": 2, "page": 3}))
    assert third["meta"]["paging"]["nextUrl"] is None
    seen = _ids(first) + _ids(ok(client.get(paging["nextUrl"]))) + _ids(third)
    assert seen == made


def test_the_default_page_is_a_thousand(client: httpx.Client, draft: Make) -> None:
    """Without pageSize a page holds up to 1000 invoices; 1001 is refused."""
    draft()
    assert ok(client.get("/v2/invoices"))["meta"]["paging"]["pageSize"] == 1000
    for bad in ({"pageSize": 1001}, {"pageSize": 0}, {"page": 0}, {"page": "x"}):
        refused(client.get("/v2/invoices", params=bad), 400, "INVALID_PARAMETER")


def test_an_empty_list_is_one_empty_page(client: httpx.Client) -> None:
    """No invoices: total 0 on page 1 of 1."""
    paging = ok(client.get("/v2/invoices"))["meta"]["paging"]
    assert (paging["page"], paging["pageCount"], paging["total"]) == (1, 1, 0)


def test_filters_by_contact_state_and_payment(client: httpx.Client, draft: Make,
                                              approved: Make, contact: dict[str, Any],
                                              product: dict[str, Any]) -> None:
    """contactId, state and isPaid select the invoices they name."""
    open_draft, booked = draft(), approved()
    other = ok(client.post("/v2/contacts", json=contact_body(name="Jensen")))["contacts"][0]
    theirs = ok(client.post("/v2/invoices", json={"invoice": {
        "contactId": other["id"], "entryDate": "2026-05-28", "currencyId": "DKK",
        "paymentTermsDays": 8, "lines": [{"productId": product["id"], "unitPrice": 1}]}}))
    mine = ok(client.get("/v2/invoices", params={"contactId": contact["id"]}))
    assert _ids(mine) == [open_draft["id"], booked["id"]]
    assert _ids(ok(client.get("/v2/invoices", params={"contactId": other["id"]}))) == [
        theirs["invoices"][0]["id"]]
    approved_only = ok(client.get("/v2/invoices", params={"state": "approved"}))
    assert _ids(approved_only) == [booked["id"]]
    unpaid = ok(client.get("/v2/invoices", params={"isPaid": "false", "state": "approved"}))
    assert _ids(unpaid) == [booked["id"]]
    assert _ids(ok(client.get("/v2/invoices", params={"isPaid": "true"}))) == []
    assert _ids(ok(client.get("/v2/invoices", params={"state": "voided"}))) == []


def test_entry_date_range_and_periods(client: httpx.Client, draft: Make,
                                      contact: dict[str, Any]) -> None:
    """minEntryDate/maxEntryDate are inclusive; entryDatePeriod reads months and ranges."""
    may, june, july = (draft(entryDate=day)["id"]
                       for day in ("2026-05-31", "2026-06-01", "2026-07-15"))
    ranged = ok(client.get("/v2/invoices", params={
        "contactId": contact["id"], "minEntryDate": "2026-06-01", "maxEntryDate": "2026-07-15"}))
    assert _ids(ranged) == [june, july]
    month = ok(client.get("/v2/invoices", params={"entryDatePeriod": "month:2026-05"}))
    assert _ids(month) == [may]
    dates = ok(client.get("/v2/invoices",
                          params={"entryDatePeriod": "dates:2026-05-31...2026-06-01"}))
    assert _ids(dates) == [may, june]
    quarter = ok(client.get("/v2/invoices", params={"entryDatePeriod": "quarter:2026-3"}))
    assert _ids(quarter) == [july]
    refused(client.get("/v2/invoices", params={"entryDatePeriod": "week:2026-1"}), 400,
            "INVALID_PARAMETER")
    refused(client.get("/v2/invoices", params={"minEntryDate": "31-05-2026"}), 400,
            "INVALID_PARAMETER")


def test_sorting_by_a_documented_property(client: httpx.Client, draft: Make) -> None:
    """sortProperty and sortDirection order the list; an undocumented property is refused."""
    late, early = draft(entryDate="2026-06-02")["id"], draft(entryDate="2026-06-01")["id"]
    ascending = ok(client.get("/v2/invoices", params={"sortProperty": "entryDate"}))
    assert _ids(ascending) == [early, late]
    descending = ok(client.get("/v2/invoices", params={"sortProperty": "entryDate",
                                                       "sortDirection": "DESC"}))
    assert _ids(descending) == [late, early]
    refused(client.get("/v2/invoices", params={"sortProperty": "id"}), 400, "INVALID_PARAMETER")
    refused(client.get("/v2/invoices", params={"sortDirection": "up"}), 400,
            "INVALID_PARAMETER")


def test_invoice_numbers_sort_as_numbers(client: httpx.Client, approved: Make) -> None:
    """invoiceNo 10 sorts after 9."""
    made = [approved(invoiceNo=str(n))["id"] for n in (10, 9)]
    ordered = ok(client.get("/v2/invoices", params={"sortProperty": "invoiceNo"}))
    assert _ids(ordered) == list(reversed(made))


def test_free_text_search(client: httpx.Client, approved: Make) -> None:
    """q finds by invoice number, the contact's name or the gross amount."""
    made = approved(invoiceNo="777")
    for text in ("777", "hansen", "750"):
        assert _ids(ok(client.get("/v2/invoices", params={"q": text}))) == [made["id"]]
    assert _ids(ok(client.get("/v2/invoices", params={"q": "nobody"}))) == []


@pytest.mark.parametrize("name", ["type", "registrationNo", "limit", "offset"])
def test_an_undocumented_filter_is_refused(client: httpx.Client, name: str) -> None:
    """Only the documented filters are taken (inferred: the strict choice)."""
    body = refused(client.get("/v2/invoices", params={name: "1"}), 400, "INVALID_PARAMETER")
    assert name in body["validationErrors"]


def test_every_documented_filter_is_taken(client: httpx.Client, draft: Make) -> None:
    """Each list filter of the official page is accepted (with a value of its kind)."""
    draft()
    values = {"sortProperty": "amount", "sortDirection": "ASC", "state": "draft",
              "isPaid": "false", "amount": "600", "minEntryDate": "2026-01-01",
              "maxEntryDate": "2026-12-31", "minDueDate": "2026-01-01",
              "maxDueDate": "2026-12-31", "entryDatePeriod": "year:2026",
              "minApprovedTime": "2026-01-01 00:00:00",
              "maxApprovedTime": "2026-12-31 23:59:59", "approvedTimePeriod": "all"}
    filters = load_billy("billy-api-v2-resources.json")["resources"]["invoices"]["list_filters"]
    for name in (f["parameter"] for f in filters):
        ok(client.get("/v2/invoices", params={name: values.get(name, "x")}))


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=4))
def test_the_pages_together_are_the_whole_list(count: int, size: int) -> None:
    """For any number of invoices and page size, pages 1..pageCount hold each once, in order."""
    with fresh_company() as company:
        made = [ok(company.http.post("/v2/invoices", json=invoice_body(
            company.contact_id, company.product_id)))["invoices"][0]["id"] for _ in range(count)]
        first = ok(company.http.get("/v2/invoices", params={"pageSize": size}))
        pages = first["meta"]["paging"]["pageCount"]
        assert pages == max(1, -(-count // size))
        seen = _ids(first)
        for page in range(2, pages + 1):
            seen += _ids(ok(company.http.get("/v2/invoices",
                                             params={"pageSize": size, "page": page})))
    assert seen == made
