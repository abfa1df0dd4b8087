"""What a channel is handed and answers: delivery keys, deliveries and receipts."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.delivery import Delivery, DeliveryReceipt, DeliveryState, delivery_key
from ledgerlink.errors import ValidationError
from ledgerlink.testing import make_delivery

names = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)


@given(names, names, names)
def test_a_delivery_key_is_stable_per_invoice_and_channel(invoice: str, channel: str,
                                                          other: str) -> None:
    """The same invoice and channel always give one key; another channel another key."""
    assert delivery_key(invoice, channel) == delivery_key(invoice, channel)
    assert (delivery_key(invoice, channel) == delivery_key(invoice, other)) == (channel == other)


def test_a_delivery_key_reads_invoice_then_channel() -> None:
    """The key is the invoice key and the channel name, colon-separated."""
    assert delivery_key("inv:wo-1", "email") == "inv:wo-1:email"


@pytest.mark.parametrize(("invoice", "channel", "field"), [
    ("", "email", "invoice_key"), ("inv:1", " ", "channel")])
def test_a_delivery_key_needs_both_parts(invoice: str, channel: str, field: str) -> None:
    """An empty invoice key or channel is a ValidationError naming it."""
    with pytest.raises(ValidationError) as caught:
        delivery_key(invoice, channel)
    assert caught.value.field == field


def test_for_invoice_keys_the_delivery_by_its_draft_and_channel() -> None:
    """Delivery.for_invoice takes the invoice key from the draft and builds the key."""
    delivery = make_delivery("letter-folder")
    assert delivery.invoice_key == delivery.draft.key
    assert delivery.key == delivery_key(delivery.draft.key, "letter-folder")
    assert not delivery.is_credit_note


def test_a_delivery_needs_a_pdf() -> None:
    """A delivery without PDF bytes is refused, naming the pdf field."""
    delivery = make_delivery("email")
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(delivery, pdf=b"")
    assert caught.value.field == "pdf"


def test_the_pdf_stays_out_of_the_repr() -> None:
    """A delivery's repr shows the PDF's size, not its bytes (logs stay readable)."""
    delivery = make_delivery("email")
    assert f"pdf=<{len(delivery.pdf)} bytes>" in repr(delivery)
    assert "%PDF" not in repr(delivery)


def test_a_credit_note_delivery_names_what_it_credits() -> None:
    """With ``credited`` the delivery is a credit note and its invoice points at it."""
    original = make_delivery("email")
    credit = make_delivery("email", customer=original.customer, credited=original.invoice)
    assert credit.is_credit_note
    assert credit.invoice.credit_for == original.invoice.provider_id


def test_a_receipt_state_must_be_a_delivery_state() -> None:
    """A receipt built with a string state is refused naming the field."""
    with pytest.raises(ValidationError) as caught:
        DeliveryReceipt("sent", "ok")  # type: ignore[arg-type]
    assert caught.value.field == "state"
    assert DeliveryReceipt(DeliveryState.UNKNOWN, "timed out").reference is None


def test_delivery_fields_are_the_interface() -> None:
    """The Delivery fields are exactly the shared interface, in its order."""
    assert [f.name for f in attrs.fields(Delivery)] == [
        "key", "invoice_key", "channel", "company", "customer", "draft", "invoice", "pdf",
        "credited"]
