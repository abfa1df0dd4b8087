"""A line linked to a Dinero product sends no Description (Dinero wants it null when
ProductGuid is set): it links only when its text is the product's name, and a line of
other text is sent unlinked with its own Description, so the invoice shows what was billed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import Customer, InvoiceLine
from ledgerlink.errors import ValidationError
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.mapping import ProductLink, VatAccounts, copy_line, product_lines
from ledgerlink_dinero.wire import DineroProductLine
from tests.ledgerlink_dinero.support import build_connector
from tests.recording import RecordingTransport

PRODUCT = {"Name": "Vinduespudsning", "ExternalReference": "P-WIN", "BaseAmountValue": 95,
           "Quantity": 1, "AccountNumber": 1000, "Unit": "hours"}


@attrs.frozen
class Recorded:
    """A connector whose requests are recorded, a customer and the product P-WIN."""

    dinero: DineroConnector
    recorder: RecordingTransport
    product_guid: str
    customer: Customer
    ref: str


@pytest.fixture
def recorded(emulator: DineroEmulator, tmp_path: Path) -> Iterator[Recorded]:
    recorder = RecordingTransport(emulator.transport())
    with build_connector(emulator, tmp_path, transport=recorder) as dinero:
        guid = emulator.seed(dinero.organisation_id, "products", PRODUCT)["ProductGuid"]
        customer = make_customer()
        yield Recorded(dinero, recorder, guid, customer, dinero.create_customer(customer))


def _sent_lines(recorder: RecordingTransport, method: str) -> list[dict[str, Any]]:
    bodies = [json.loads(r.content) for r in recorder.requests
              if r.method == method and "/invoices" in r.url.path and r.content]
    return [line for body in bodies for line in body.get("ProductLines", [])]


def test_a_line_with_the_products_name_is_linked_without_a_description(
    recorded: Recorded, emulator: DineroEmulator
) -> None:
    """The line goes out with ProductGuid and no Description; Dinero shows the product's
    name on it. A line of other text goes out unlinked with its own text."""
    draft = make_invoice_draft(customer=recorded.customer, lines=[
        make_invoice_line("Vinduespudsning", "2", "95", product_id="P-WIN", source_key="a"),
        make_invoice_line("Vinduespudsning, 3. sal", "1", "120", product_id="P-WIN",
                          source_key="b")])
    created = recorded.dinero.create_invoice(draft, recorded.ref, {})
    linked, own_text = _sent_lines(recorded.recorder, "POST")
    assert linked["ProductGuid"] == recorded.product_guid and "Description" not in linked
    assert "ProductGuid" not in own_text
    assert own_text["Description"] == "Vinduespudsning, 3. sal"
    assert own_text["AccountNumber"] == 1000 and own_text["BaseAmountValue"] == 120
    organisation = emulator.organisations[recorded.dinero.organisation_id]
    shown = [line["Description"]
             for line in organisation.invoices[created.provider_id].data["ProductLines"]]
    assert shown == ["Vinduespudsning", "Vinduespudsning, 3. sal"]
    assert recorded.dinero.get_invoice(created.provider_id).total == Decimal("387.50")


def test_kept_linked_lines_go_back_without_a_description(recorded: Recorded) -> None:
    """Replacing other lines sends the linked line back as it was linked: no Description,
    even though Dinero reads it back with the product's name."""
    draft = make_invoice_draft(customer=recorded.customer, lines=[
        make_invoice_line("Vinduespudsning", product_id="P-WIN", source_key="a")])
    created = recorded.dinero.create_invoice(draft, recorded.ref,
                                             {"P-WIN": recorded.product_guid})
    recorded.dinero.replace_lines(created.provider_id, "b",
                                  [make_invoice_line(source_key="b")], {})
    kept, added = _sent_lines(recorded.recorder, "PUT")
    assert kept["ProductGuid"] == recorded.product_guid and "Description" not in kept
    assert added["Description"] == "Work" and "ProductGuid" not in added


def test_the_journals_link_is_read_once_for_its_name(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """A product the journal links is read once per connector (its name decides the
    link); a journal link to a product Dinero no longer has blocks the invoice."""
    guid = emulator.seed(dinero.organisation_id, "products", PRODUCT)["ProductGuid"]
    customer = make_customer()
    ref = dinero.create_customer(customer)
    before = len(emulator.requests)
    for key in ("k1", "k2"):
        dinero.create_invoice(make_invoice_draft(customer=customer, key=key, lines=[
            make_invoice_line("Vinduespudsning", product_id="P-WIN", source_key=key)]),
            ref, {"P-WIN": guid})
    reads = [r for r in emulator.requests[before:] if r.path.endswith(f"/products/{guid}")]
    assert len(reads) == 1
    with pytest.raises(ValidationError, match="no longer has") as caught:
        dinero.create_invoice(make_invoice_draft(customer=customer, lines=[
            make_invoice_line("Filter", product_id="P-GONE", source_key="c")]),
            ref, {"P-GONE": "00000000-0000-0000-0000-000000000000"})
    assert caught.value.field == "lines[0].product_id"


_texts = st.sampled_from(["Vinduespudsning", "Vinduespudsning ", "Filter", "", "Andet"])


@given(description=_texts.filter(bool), name=st.none() | _texts,
       linked=st.booleans(), read_description=st.none() | _texts)
def test_no_line_ever_carries_both_a_product_and_a_description(
    description: str, name: str | None, linked: bool, read_description: str | None,
) -> None:
    """For any line text and product name, a line sent (new or copied from a read) has a
    ProductGuid or a Description, never both; linked exactly when it shows the name."""
    line = InvoiceLine(description, Decimal(1), Decimal(10), product_id="P" if linked else None)
    links = {"P": ProductLink("guid-p", name)}
    (sent,) = product_lines([line], links, VatAccounts())
    shows_name = linked and name is not None and name.strip() == description.strip()
    assert (sent.ProductGuid is not None) == shows_name
    assert (sent.Description is None) == shows_name
    read = DineroProductLine(Quantity=Decimal(1), AccountNumber=1000,
                             ProductGuid="guid-p" if linked else None,
                             Description=read_description)
    copied = copy_line(read)
    assert copied.ProductGuid is None or copied.Description is None
