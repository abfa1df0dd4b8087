"""The conformance suite, subclassed for the memory outbox (run through pytester)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from ledgerlink.delivery import Channel, Delivery
from ledgerlink.testing.channels import Arrival, ChannelConformance
from tests.ledgerlink.delivery.memory_channels import PASSWORD, MemoryOutbox


class TestMemoryOutbox(ChannelConformance):
    knows_repeats = True
    channel_class: Any = MemoryOutbox

    def make_channel(self, tmp_path: Path) -> Channel:
        made: Channel = self.channel_class()
        return made

    def delivered(self, channel: Channel, delivery: Delivery) -> list[Arrival]:
        assert isinstance(channel, MemoryOutbox)
        return channel.delivered_for(delivery)

    def undeliverable(self, delivery: Delivery) -> dict[str, Delivery]:
        return {"email": attrs.evolve(delivery,
                                      customer=attrs.evolve(delivery.customer, email=None))}

    def secrets(self) -> tuple[str, ...]:
        return (PASSWORD,)
