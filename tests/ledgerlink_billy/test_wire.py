"""Billy's wire format: exact amounts both ways, strict types, and answers that are not what
Billy documents refused with the operation named (httpx.MockTransport, no emulator)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.testing.factories import make_customer
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.wire import WIRE, BillyInvoice, BillyInvoiceLine

TOKEN = "mock-token-0123456789abcdef"
amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4,
                      allow_nan=False, allow_infinity=False)


@given(amount=amounts, quantity=amounts, day=st.dates(), key=st.text(min_size=1, max_size=40))
def test_an_invoice_survives_the_round_trip_exactly(amount: Decimal, quantity: Decimal,
                                                    day: date, key: str) -> None:
    """Written and read back, an invoice keeps every digit, date and text; None fields are
    not written at all (Billy's PUT is partial)."""
    invoice = BillyInvoice(entryDate=day, externalId=key, amount=amount,
                           lines=(BillyInvoiceLine(productId="p", unitPrice=amount,
                                                   quantity=quantity),))
    text = WIRE.dumps(invoice)
    written = json.loads(text, parse_float=Decimal)
    assert None not in written.values() and None not in written["lines"][0].values()
    back = WIRE.structure(written, BillyInvoice, operation="t")
    assert back == invoice


@pytest.mark.parametrize("bad", [{"isPaid": "false"}, {"amount": 1.5}, {"entryDate": "22/11"},
                                 {"lines": {"id": "x"}}])
def test_wrong_types_are_refused_naming_the_field(bad: dict[str, object]) -> None:
    """A bool as text, an amount as a float, a date in another format, an object for a list:
    each is a ProviderError naming the field."""
    (field,) = bad
    with pytest.raises(ProviderError, match=field):
        WIRE.structure(bad, BillyInvoice, operation="read invoice")


def _connector(answer: httpx.Response, *, empty_lists: bool = False) -> BillyConnector:
    def handler(request: httpx.Request) -> httpx.Response:
        if empty_lists and request.method == "GET":
            root = request.url.path.rsplit("/", 1)[-1]
            return httpx.Response(200, json={"meta": {"paging": {"page": 1, "pageCount": 1}},
                                             root: []})
        return answer

    return BillyConnector(organization_id="org", access_token=TOKEN,
                          transport=httpx.MockTransport(handler), limiters=LimiterRegistry())


def test_an_html_page_answering_a_write_is_an_unknown_outcome() -> None:
    """A 200 HTML page to a create may follow a done write: the contact is looked up (none),
    sent once more, and a second such page is a TransientProviderError, so the run
    reconciles by key."""
    with _connector(httpx.Response(200, text="<html>proxy</html>"), empty_lists=True) as billy, \
            pytest.raises(TransientProviderError, match="create contact of customer"):
        billy.create_customer(make_customer())


def test_a_page_other_than_the_one_asked_for_is_refused() -> None:
    """A list answering page 2 for page 1 would lose rows: refused."""
    body = {"meta": {"paging": {"page": 2, "pageCount": 2}}, "invoices": []}
    with _connector(httpx.Response(200, json=body)) as billy, \
            pytest.raises(ProviderError, match="page 2 answered for page 1"):
        billy.find_invoice("k")


def test_an_error_quoting_the_token_never_repeats_it() -> None:
    """Billy's message quoting the token reaches the error without it."""
    body = {"errorCode": "OAUTH_INVALID_ACCESS_TOKEN", "errorMessage": f"bad token {TOKEN}"}
    with _connector(httpx.Response(401, json=body)) as billy, \
            pytest.raises(ProviderError) as caught:
        billy.find_invoice("k")
    assert TOKEN not in str(caught.value)
    assert caught.value.code == "OAUTH_INVALID_ACCESS_TOKEN"
