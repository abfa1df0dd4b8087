"""The converter from domain lines to e-conomic lines, and the line tags, for any input."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from ledgerlink.domain import InvoiceLine
from ledgerlink.money import EXACT, round_money
from ledgerlink_economic.mapping import lines_body, priced_line, tagged, untagged

QUANTITIES = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3)
PRICES = st.decimals(min_value=Decimal("-5000"), max_value=Decimal(5000), places=4)
KEYS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
               min_size=1, max_size=40)
TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@given(quantity=QUANTITIES, price=PRICES, key=KEYS)
def test_a_line_keeps_its_net_amount_within_two_decimals(quantity: Decimal, price: Decimal,
                                                         key: str) -> None:
    """Whatever the line, e-conomic gets a quantity and unit price of at most 2 decimals
    whose product, rounded as e-conomic rounds it, is the line's net amount."""
    line = InvoiceLine("Arbejde", quantity, price, Decimal(25), source_key=key)
    sent = priced_line(line, "1", "DKK")
    assert _places(sent["quantity"]) <= 2 and _places(sent["unitNetPrice"]) <= 2
    net = round_money(EXACT.multiply(sent["quantity"], sent["unitNetPrice"]), "DKK")
    assert net == line.net("DKK")
    assert sent["product"] == {"productNumber": "1"}
    assert untagged(sent["description"])[1] == key


@given(text=TEXTS, key=st.one_of(st.none(), KEYS))
def test_tags_round_trip(text: str, key: str | None) -> None:
    """A tagged description gives back its text and its source key; an untagged one no key
    (unless the text itself ends in a line that looks like a tag)."""
    assume("\nledgerlink:" not in f"\n{text}")
    description, found = untagged(tagged(text, key))
    assert found == key
    assert description == text or key is None


def test_lines_keep_their_order_and_products() -> None:
    """Each line is linked to the product number at its position."""
    lines = [InvoiceLine("A", Decimal(1), Decimal(10), Decimal(25), source_key="a"),
             InvoiceLine("B", Decimal(2), Decimal("0.125"), Decimal(0), source_key="b")]
    sent = lines_body(lines, ["p1", "p2"], "DKK")
    assert [line["product"]["productNumber"] for line in sent] == ["p1", "p2"]
    assert sent[1]["description"] == "B (2 × 0.125)\nledgerlink:b"
    assert (sent[1]["quantity"], sent[1]["unitNetPrice"]) == (Decimal(1), Decimal("0.25"))
