"""The built-in channels, registered through the plugin hook: each opens from plain options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ledgerlink.delivery import channels, open_channel
from ledgerlink.delivery.model import DeliveryState
from ledgerlink.delivery.plugin import BUILT_IN
from ledgerlink.errors import ConnectorOptionError
from tests.ledgerlink.delivery.support import make_delivery

SENDER = {"name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
          "city": "Aarhus C", "country": "DK"}


def test_each_built_in_channel_is_installed_once_with_a_description() -> None:
    """email, letter, letter-folder and einvoice are installed through the hook, each described."""
    assert [name for name, _, _ in BUILT_IN] == ["email", "letter", "letter-folder", "einvoice"]
    installed = {info.name: info for info in channels()}
    for name, _, description in BUILT_IN:
        assert installed[name].description == description != ""


def test_built_in_channels_open_from_plain_options_and_deliver(tmp_path: Path) -> None:
    """From options a config file could hold, open_channel builds channels that deliver."""
    folder = open_channel("letter-folder", folder=str(tmp_path / "letters"), sender=SENDER)
    einvoice = open_channel("einvoice", outbox=str(tmp_path / "outbox"), seller={
        **SENDER, "vat_number": "DK13585628", "bank_registration": "1234",
        "account": "0001234567"})
    email = open_channel("email", host="127.0.0.1", sender="faktura@fjordvarme.dk")

    assert (folder.name, einvoice.name, email.name) == ("letter-folder", "einvoice", "email")
    for channel in (folder, einvoice):
        receipt = channel.deliver(make_delivery(channel.name))
        assert receipt.state is DeliveryState.SENT, receipt
    assert len(list((tmp_path / "letters").iterdir())) == 1
    assert len(list((tmp_path / "outbox").iterdir())) == 1


def test_an_option_a_built_in_channel_does_not_take_is_refused_by_name(tmp_path: Path) -> None:
    """A misspelt option is refused before the channel is built, naming it."""
    with pytest.raises(ConnectorOptionError, match="foldr"):
        open_channel("letter-folder", foldr=str(tmp_path), sender=SENDER)


def test_importing_the_plugin_module_loads_no_channel_module() -> None:
    """The entry point's module names its channels without importing SMTP, PDF or XML code."""
    code = ("import sys, ledgerlink.delivery.plugin; "
            "print(sorted(m for m in sys.modules if m.startswith('ledgerlink.delivery.') "
            "or m in ('pypdf', 'smtplib', 'lxml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['ledgerlink.delivery.plugin']"
