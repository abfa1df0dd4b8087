"""The built-in channel list: every factory builds its channel from plain options."""

from __future__ import annotations

import sys
from pathlib import Path

from ledgerlink.delivery.builtin import BUILTIN_CHANNELS
from ledgerlink.delivery.model import DeliveryState
from tests.ledgerlink.delivery.support import make_delivery

SENDER = {"name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
          "city": "Aarhus C", "country": "DK"}


def test_the_list_names_each_channel_once_with_a_description() -> None:
    """email, letter, letter-folder and einvoice are listed once each, each described."""
    names = [name for name, _, _ in BUILTIN_CHANNELS]
    assert names == ["email", "letter", "letter-folder", "einvoice"]
    assert all(description for _, _, description in BUILTIN_CHANNELS)


def test_factories_build_working_channels_from_plain_options(tmp_path: Path) -> None:
    """From options a config file could hold, each factory's channel delivers under its name."""
    factories = {name: factory for name, factory, _ in BUILTIN_CHANNELS}
    folder = factories["letter-folder"](folder=str(tmp_path / "letters"), sender=SENDER)
    einvoice = factories["einvoice"](outbox=str(tmp_path / "outbox"), seller={
        **SENDER, "vat_number": "DK13585628", "bank_registration": "1234",
        "account": "0001234567"})
    email = factories["email"](host="127.0.0.1", sender="faktura@fjordvarme.dk")

    assert (folder.name, einvoice.name, email.name) == ("letter-folder", "einvoice", "email")
    for channel in (folder, einvoice):
        receipt = channel.deliver(make_delivery(channel.name))
        assert receipt.state is DeliveryState.SENT, receipt
    assert len(list((tmp_path / "letters").iterdir())) == 1
    assert len(list((tmp_path / "outbox").iterdir())) == 1


def test_reading_the_list_loads_no_channel_module() -> None:
    """Importing the list imports none of the channels' modules (SMTP, PDF, XML)."""
    import subprocess

    code = ("import sys, ledgerlink.delivery.builtin; "
            "print(sorted(m for m in sys.modules if m.startswith('ledgerlink.delivery.') "
            "or m in ('pypdf', 'smtplib', 'lxml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['ledgerlink.delivery.builtin', 'ledgerlink.delivery.model']"
