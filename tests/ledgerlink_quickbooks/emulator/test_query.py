"""The QuickBooks query endpoint and its small, safe parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.query import parse
from tests.ledgerlink_quickbooks.emulator.support import (
    REALM,
    FakeClock,
    api,
    invoice_body,
    load_official,
)


def _query(client: httpx.Client, text: str) -> httpx.Response:
    return client.get(api("query"), params={"query": text})


def _names(response: httpx.Response) -> list[str]:
    return [c["DisplayName"] for c in response.json()["QueryResponse"].get("Customer", [])]


def test_escaped_quote_matches_name_with_apostrophe(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """``\\'`` inside a literal matches a name like Amy's (the official escape form)."""
    response = _query(client, "select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'")
    assert _names(response) == ["Amy's Bird Sanctuary"]


def test_injection_through_a_name_is_inert(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A name carrying quote tricks is compared as data and never widens the match."""
    evil = "O\\'Brien\\' or DisplayName LIKE \\'%"
    response = _query(client, f"select * from Customer where DisplayName = '{evil}'")
    assert response.status_code == 200
    assert _names(response) == []
    unescaped = _query(client, "select * from Customer where DisplayName = 'O'Brien'")
    assert unescaped.status_code == 400
    assert unescaped.json()["Fault"]["Error"][0]["code"] == "4000"


def test_in_like_and_paging(client: httpx.Client, emulator: QuickBooksEmulator) -> None:
    """IN, LIKE and STARTPOSITION/MAXRESULTS select and page customers."""
    for number in range(1, 6):
        client.post(
            api("customer"),
            json={
                "DisplayName": f"Acme {number}",
                "PrimaryEmailAddr": {"Address": f"a{number}@x.io"},
            },
        )
    like = _query(
        client, "select * from Customer where DisplayName like 'acme%' STARTPOSITION 2 MAXRESULTS 2"
    )
    assert _names(like) == ["Acme 2", "Acme 3"]
    assert like.json()["QueryResponse"]["startPosition"] == 2
    in_query = _query(
        client, "SELECT * FROM Customer WHERE PrimaryEmailAddr IN ('a1@x.io', 'a4@x.io')"
    )
    assert _names(in_query) == ["Acme 1", "Acme 4"]
    beyond = _query(client, "select * from Customer STARTPOSITION 50")
    assert beyond.json()["QueryResponse"] == {}


def test_invoice_filters_by_customer_doc_number_and_dates(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """CustomerRef, DocNumber and TxnDate ranges combine with AND."""
    customer, item = seeded["customer"], seeded["item"]
    for day in ("2026-01-10", "2026-02-10", "2026-03-10"):
        client.post(
            api("invoice"), json=invoice_body(customer, item, TxnDate=day, DocNumber=f"D-{day}")
        )
    text = (
        f"select * from Invoice where CustomerRef = '{customer['Id']}' "
        "and TxnDate >= '2026-02-01' and TxnDate <= '2026-03-31' ORDERBY TxnDate DESC"
    )
    rows = _query(client, text).json()["QueryResponse"]["Invoice"]
    assert [r["DocNumber"] for r in rows] == ["D-2026-03-10", "D-2026-02-10"]
    one = _query(client, "select * from Invoice where DocNumber = 'D-2026-01-10'")
    assert one.json()["QueryResponse"]["totalCount"] == 1
    count = _query(client, "select count(*) from Invoice where Balance > '0'")
    assert count.json()["QueryResponse"] == {"totalCount": 3}


def test_query_response_matches_official_shape(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """The QueryResponse carries the official paging keys."""
    client.post(api("invoice"), json=invoice_body(seeded["customer"], seeded["item"]))
    body = _query(client, "select * from Invoice").json()
    official = load_official("examples/invoice/query.response.json")
    assert set(official) == set(body)
    assert set(official["QueryResponse"]) == set(body["QueryResponse"])


def test_post_query_form_is_accepted(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """The POST form with an application/text body runs the same query."""
    response = client.post(
        api("query"), content=b"SELECT * FROM Item", headers={"Content-Type": "application/text"}
    )
    assert response.json()["QueryResponse"]["Item"][0]["Name"] == "Services"


@pytest.mark.parametrize(
    "text",
    [
        "select * from Customer where DisplayName = 'a' or DisplayName = 'b'",
        "select * from Customer; drop table Customer",
        "select * from Nope",
        "select * from Customer where Id > '3'",
        "delete from Customer",
        "select * from Customer where DisplayName != 'a'",
        "select * from Customer where DisplayName IN ()",
    ],
)
def test_parser_rejects_outside_grammar(text: str) -> None:
    """OR, statements, unknown entities, Id ranges, ``!=``, an empty IN list and
    non-SELECTs do not parse."""
    from ledgerlink_quickbooks.emulator.wire import QBOFault

    with pytest.raises(QBOFault) as caught:
        parse(text, ["Customer"])
    assert caught.value.code == "4000"


def _escape(value: str) -> str:
    """Escape a literal the way the official material says: backslash, then quote."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters=":\t\n\r"),
        min_size=1,
        max_size=30,
    ).filter(lambda s: s.strip() != "")
)
def test_any_escaped_name_finds_exactly_itself(name: str) -> None:
    """Whatever a customer is called, the escaped equality query finds that customer only."""
    emulator = QuickBooksEmulator(clock=FakeClock())
    emulator.seed(REALM, "Customer", {"DisplayName": "Decoy"})
    created = emulator.seed(REALM, "Customer", {"DisplayName": name})
    http = httpx.Client(
        transport=emulator.transport(),
        base_url="https://q",
        headers={"Authorization": f"Bearer {emulator.connect(REALM)['access_token']}"},
    )
    text = f"select * from Customer where DisplayName = '{_escape(name)}'"
    response = _query(http, text)
    assert response.status_code == 200, response.text
    assert [c["Id"] for c in response.json()["QueryResponse"]["Customer"]] == [created["Id"]]


def test_last_updated_time_compares_as_instants(
    client: httpx.Client, seeded: dict[str, Any], clock: FakeClock
) -> None:
    """MetaData.LastUpdatedTime filters compare instants, whatever the offset written."""
    clock.advance(600)
    client.post(api("customer"), json={"DisplayName": "Later"})
    stamp = datetime.fromtimestamp(clock.now - 60, UTC).astimezone(timezone(timedelta(hours=-7)))
    text = f"select * from Customer where Metadata.LastUpdatedTime > '{stamp.isoformat()}'"
    assert _names(_query(client, text)) == ["Later"]


def test_maxresults_above_1000_is_an_invalid_query(client: httpx.Client) -> None:
    """MAXRESULTS 1001 is refused with QuickBooks' 4001 QueryValidationError, not capped."""
    refused = _query(client, "select * from Customer STARTPOSITION 1 MAXRESULTS 1001")
    assert refused.status_code == 400
    error = refused.json()["Fault"]["Error"][0]
    assert error["code"] == "4001"
    assert error["Detail"] == (
        "QueryValidationError: value 1001 is too large. Max allowed value is 1000")
    assert _query(client, "select * from Customer MAXRESULTS 1000").status_code == 200


def test_doc_number_in_list_finds_each_listed_invoice(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """``DocNumber IN (...)`` over the POST form returns exactly the listed numbers, case-blind."""
    customer, item = seeded["customer"], seeded["item"]
    for number in ("A-1", "A-2", "A-3", "B-1"):
        client.post(api("invoice"), json=invoice_body(customer, item, DocNumber=number))
    text = "SELECT * FROM Invoice WHERE DocNumber IN ('a-1', 'A-3', 'B-1', 'C-9') MAXRESULTS 1000"
    response = client.post(
        api("query"), content=text.encode(), headers={"Content-Type": "application/text"}
    )
    rows = response.json()["QueryResponse"]["Invoice"]
    assert [r["DocNumber"] for r in rows] == ["A-1", "A-3", "B-1"]
