"""The delivery channel conformance suite: the Channel contract, as tests.

A channel author subclasses :class:`ChannelConformance` in their own test
suite, says how to build a fresh channel and how to see what it delivered::

    from ledgerlink.testing.channels import Arrival, ChannelConformance

    class TestFaxConformance(ChannelConformance):
        knows_repeats = True

        def make_channel(self, tmp_path):
            self.machine = FakeFaxMachine()
            return FaxChannel(machine=self.machine, password="s3cret")

        def delivered(self, channel, delivery):
            return [Arrival(documents=(fax.pdf,), text=fax.cover_page)
                    for fax in self.machine.received if fax.to == delivery.customer.id]

        def undeliverable(self, delivery):
            no_fax = attrs.evolve(delivery.customer, fax=None)
            return {"fax": attrs.evolve(delivery, customer=no_fax)}

        def secrets(self):
            return ("s3cret",)

Hooks:

* ``make_channel(tmp_path)``: required; a fresh channel per test.
* ``delivered(channel, delivery) -> list[Arrival]``: required; what reached the
  receiver for ``delivery`` (an e-mail in the test server's mailbox, a file in
  the outbox, a letter at the emulated print service), one :class:`Arrival`
  each, with the documents it carried as the receiver would open them (the
  PDF attachment; for an e-invoice, the PDF embedded in the document).
* ``undeliverable(delivery) -> {field: delivery}``: required; deliveries the
  channel must refuse with :class:`~ledgerlink.errors.ValidationError`, each
  under the field the error must name (``"email"``, ``"address.street"``...).
* ``knows_repeats``: required; True when the channel can tell a delivery it
  made before by its :attr:`~ledgerlink.delivery.Delivery.key` (an outbox, an
  access point, a print service with an idempotency key): a repeat then must
  not arrive twice. False for one that cannot know (plain SMTP), checked, not
  skipped: each delivery then gets its own receipt.
* ``secrets()``: required; the credentials the channel was made with (``()``
  for one without); none may appear in a receipt, an error, an arrival's text
  or the channel's ``repr``.
* ``make_delivery(channel)``: a delivery the channel can deliver; the default
  (:func:`~ledgerlink.testing.factories.make_delivery`) is a Danish company
  customer with an e-mail address, a postal address and a CVR number.

Nothing is skipped: a hook left out fails the test that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs
import pytest

from ledgerlink.delivery import Channel, Delivery, DeliveryReceipt, DeliveryState
from ledgerlink.errors import ValidationError
from ledgerlink.testing.factories import make_delivery

__all__ = ["Arrival", "ChannelConformance"]


@attrs.frozen
class Arrival:
    """One thing that reached the receiver: an e-mail, a file, a letter, an e-invoice.

    Attributes:
        documents: the documents it carried, as the receiver opens them.
        text: everything else a person reads (headers, body, envelope), for the
            secret check.
    """

    documents: tuple[bytes, ...]
    text: str = ""


class ChannelConformance:
    """The Channel contract; subclass it and fill in the hooks (module docstring)."""

    knows_repeats: bool

    # --- hooks --------------------------------------------------------------------

    def make_channel(self, tmp_path: Path) -> Channel:
        raise NotImplementedError("make_channel(tmp_path) must return a fresh channel")

    def delivered(self, channel: Channel, delivery: Delivery) -> Sequence[Arrival]:
        raise NotImplementedError("delivered(channel, delivery) must list what arrived")

    def undeliverable(self, delivery: Delivery) -> Mapping[str, Delivery]:
        raise NotImplementedError("undeliverable(delivery) must give deliveries to refuse, "
                                  "by the field the error names")

    def secrets(self) -> Sequence[str]:
        raise NotImplementedError("secrets() must return the channel's credentials "
                                  "(an empty tuple for a channel that has none)")

    def make_delivery(self, channel: Channel) -> Delivery:
        return make_delivery(channel.name)

    # --- fixtures -----------------------------------------------------------------

    @pytest.fixture
    def channel(self, tmp_path: Path) -> Iterator[Channel]:
        made = self.make_channel(tmp_path)
        yield made
        close = getattr(made, "close", None)
        if callable(close):
            close()

    # --- helpers ------------------------------------------------------------------

    def _leaks(self, text: str) -> list[str]:
        return [secret for secret in self.secrets() if secret and secret in text]

    # --- the contract ---------------------------------------------------------------

    def test_is_a_channel_with_a_name(self, channel: Channel) -> None:
        """The channel implements the Channel protocol and has a non-empty name."""
        assert isinstance(channel, Channel)
        assert isinstance(channel.name, str) and channel.name.strip()

    def test_a_delivery_returns_a_sent_receipt_and_arrives(self, channel: Channel) -> None:
        """Delivering returns a SENT receipt with a message, and exactly one arrival."""
        delivery = self.make_delivery(channel)
        receipt = channel.deliver(delivery)
        assert isinstance(receipt, DeliveryReceipt)
        assert receipt.state is DeliveryState.SENT, receipt.message
        assert receipt.message.strip(), "a receipt says what happened, in the channel's words"
        assert len(self.delivered(channel, delivery)) == 1

    def test_the_document_arrives_intact(self, channel: Channel) -> None:
        """The invoice's PDF reaches the receiver byte for byte."""
        delivery = self.make_delivery(channel)
        channel.deliver(delivery)
        arrivals = self.delivered(channel, delivery)
        assert arrivals, "nothing arrived"
        for arrival in arrivals:
            assert delivery.pdf in arrival.documents, "the PDF did not arrive unchanged"

    def test_deliveries_of_different_invoices_arrive_apart(self, channel: Channel) -> None:
        """Two invoices are two arrivals, each with its own PDF."""
        first, second = self.make_delivery(channel), self.make_delivery(channel)
        for delivery in (first, second):
            channel.deliver(delivery)
        for delivery, other in ((first, second), (second, first)):
            arrivals = self.delivered(channel, delivery)
            assert len(arrivals) == 1
            assert delivery.pdf in arrivals[0].documents
            assert other.pdf not in arrivals[0].documents

    def test_a_repeated_key_is_not_delivered_twice(self, channel: Channel) -> None:
        """Delivering one key twice: a channel that knows repeats delivers once and
        answers SENT both times; one that cannot know answers each with a receipt."""
        delivery = self.make_delivery(channel)
        first = channel.deliver(delivery)
        again = channel.deliver(delivery)
        assert isinstance(again, DeliveryReceipt)
        if self.knows_repeats:
            assert len(self.delivered(channel, delivery)) == 1, "a repeat was delivered again"
            assert again.state is DeliveryState.SENT, (
                "the invoice did arrive: the repeat's receipt must say SENT (or be the "
                f"first receipt), not {again.state.value}: {again.message}")
            assert again.reference == first.reference or first.reference is None
        else:
            assert first.state is DeliveryState.SENT
            assert len(self.delivered(channel, delivery)) == 2

    def test_undeliverable_data_is_a_validation_error_naming_the_field(
            self, channel: Channel) -> None:
        """What the channel cannot deliver raises ValidationError naming the field, and
        nothing arrives."""
        cases = self.undeliverable(self.make_delivery(channel))
        assert cases, "undeliverable() must give at least one delivery the channel refuses"
        for field, delivery in cases.items():
            with pytest.raises(ValidationError) as caught:
                channel.deliver(delivery)
            named = caught.value.field or ""
            assert named == field or named.endswith(f".{field}"), (
                f"expected the error to name {field!r}, it named {named!r}: {caught.value}")
            assert not list(self.delivered(channel, delivery)), (
                f"{field}: refused, yet it was delivered")

    def test_no_secret_in_receipts_errors_or_repr(self, channel: Channel) -> None:
        """The channel's credentials appear in no receipt, error, arrival or repr."""
        delivery = self.make_delivery(channel)
        receipt = channel.deliver(delivery)
        said = [receipt.message, receipt.reference or "", repr(channel), repr(receipt)]
        said += [arrival.text for arrival in self.delivered(channel, delivery)]
        for bad in self.undeliverable(delivery).values():
            try:
                channel.deliver(bad)
            except ValidationError as err:
                said.append(str(err))
        leaked = sorted({secret for text in said for secret in self._leaks(text)})
        assert leaked == [], "secrets appeared in what the channel says"
