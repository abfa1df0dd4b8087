"""A small in-memory channel that keeps the Channel contract, and broken variants of it.

``MemoryOutbox`` stands for a real outbox: it keeps what it delivered by
delivery key and refuses customers without an e-mail address. Each variant
breaks one rule; the conformance suite must fail each at that rule.
"""

from __future__ import annotations

import attrs

from ledgerlink.delivery import Delivery, DeliveryReceipt, DeliveryState
from ledgerlink.errors import ValidationError
from ledgerlink.testing.channels import Arrival

PASSWORD = "hunter2-outbox"


class MemoryOutbox:
    """Delivers into a list; a repeated key answers the first receipt."""

    name = "memory"

    def __init__(self, password: str = PASSWORD) -> None:
        self._password = password
        self.arrived: list[tuple[str, Arrival]] = []
        self.receipts: dict[str, DeliveryReceipt] = {}

    def __repr__(self) -> str:
        return f"MemoryOutbox({len(self.arrived)} delivered)"

    def _check(self, delivery: Delivery) -> None:
        if not delivery.customer.email:
            raise ValidationError("the customer has no e-mail address", field="email",
                                  value=None)

    def _arrival(self, delivery: Delivery) -> Arrival:
        return Arrival(documents=(delivery.pdf,),
                       text=f"To: {delivery.customer.email}\nInvoice {delivery.invoice.number}")

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        self._check(delivery)
        if delivery.key in self.receipts:
            return self.receipts[delivery.key]
        self.arrived.append((delivery.key, self._arrival(delivery)))
        receipt = DeliveryReceipt(DeliveryState.SENT, f"kept as message {len(self.arrived)}",
                                  reference=str(len(self.arrived)))
        self.receipts[delivery.key] = receipt
        return receipt

    def delivered_for(self, delivery: Delivery) -> list[Arrival]:
        return [arrival for key, arrival in self.arrived if key == delivery.key]


class DeliversTwice(MemoryOutbox):
    """Forgets what it delivered: a repeat arrives again."""

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        self.receipts.clear()
        return super().deliver(delivery)


class MangledPdf(MemoryOutbox):
    """Re-encodes the PDF as text on the way: the receiver gets other bytes."""

    def _arrival(self, delivery: Delivery) -> Arrival:
        arrived = super()._arrival(delivery)
        text = delivery.pdf.decode("latin-1").replace("\n", "\r\n").encode("latin-1")
        return attrs.evolve(arrived, documents=(text,))


class LeaksPassword(MemoryOutbox):
    """Tells the password in its receipts."""

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        receipt = super().deliver(delivery)
        return attrs.evolve(receipt, message=f"{receipt.message} (logged in as {self._password})")


class SilentOnBadData(MemoryOutbox):
    """Accepts a customer without an e-mail address and delivers to nobody."""

    def _check(self, delivery: Delivery) -> None:
        return None


class VagueError(MemoryOutbox):
    """Refuses bad data without saying which field."""

    def _check(self, delivery: Delivery) -> None:
        if not delivery.customer.email:
            raise ValidationError("cannot deliver this")


class FailsEverything(MemoryOutbox):
    """Answers FAILED for everything and delivers nothing."""

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        self._check(delivery)
        return DeliveryReceipt(DeliveryState.FAILED, "mail server said no")
