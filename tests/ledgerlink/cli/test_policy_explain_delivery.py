"""``ledgerlink policy explain`` shows each customer's delivery channel and where it comes
from: the company default, the customer's own choice in the customers file or the policy file
(which wins), or a rule that changed it; ``auto`` is looked up over the network only with
``--lookup`` (here against the PEPPOL emulator on 127.0.0.1)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from ledgerlink.cli import main, output
from ledgerlink.cli.policy import AUTO_PENDING
from ledgerlink.domain import DeliveryChannel
from ledgerlink.einvoice.emulator import PeppolEmulator, ServedPeppol
from ledgerlink.einvoice.emulator.served import SAMPLE_PARTICIPANTS
from tests.ledgerlink.einvoice.support import served

WIDTH = 80
POLICY = """\
[company]
name = "Varme & Vand ApS"
delivery = "auto"
deliver_through_ledgerlink = true

[customers."c-17"]
posting = "draft"

[customers."c-20"]
delivery = "provider_email"
"""
CUSTOMERS = """\
id,name,kind,email,street,postal_code,city,country,registration_number,currency,delivery
c-17,Acme ApS,company,billing@acme.dk,Havnegade 1,1058,København K,DK,DK12345674,DKK,
c-18,Nordic,company,ap@nordic.dk,Havnegade 1,1058,København K,DK,,DKK,
c-19,Bo Berg,person,,Strandvej 9,2100,København Ø,DK,,DKK,letter
c-20,Café Hav,company,,Strandvej 9,2100,København Ø,DK,,DKK,letter
"""


@pytest.fixture(autouse=True)
def consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """80-column consoles, as in a CI log."""
    monkeypatch.setattr(output, "console", Console(width=WIDTH))
    monkeypatch.setattr(output, "stderr", Console(width=WIDTH, stderr=True))


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """policy.toml and customers.csv in the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    """Run ``ledgerlink policy explain`` with ``args``."""
    return CliRunner().invoke(main, ["policy", "explain", *args])


def deliveries(text: str) -> dict[str, tuple[str, str]]:
    """Each table's title → its delivery row's (value, from), continuation lines joined;
    the columns are where each table's header puts them."""
    found: dict[str, list[list[str]]] = {}
    title, inside, value, source = "", False, 0, 0
    for line in text.splitlines():
        if line.startswith("Billing policy"):
            title, inside = line.strip(), False
        elif line.startswith("field "):
            value, source = line.index("value"), line.index("from")
        elif line.startswith("delivery ") or (inside and line.startswith(" " * value)):
            if not inside:
                found[title] = [[], []]
            inside = True
            found[title][0].append(line[value:source].strip())
            found[title][1].append(line[source:].strip())
        else:
            inside = False
    return {t: (" ".join(filter(None, v)), " ".join(filter(None, f)))
            for t, (v, f) in found.items()}


def test_the_table_shows_each_channel_and_its_source(files: Path) -> None:
    """The company's auto waits for the lookup; c-17 (a number to look up) too; c-18 (no
    number) is e-mailed by rule; c-19's letter is its own in customers.csv; c-20's choice in
    policy.toml wins over customers.csv and is changed by deliver_through_ledgerlink."""
    result = invoke("--policy", "policy.toml", "--customers", "customers.csv")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= WIDTH, result.stdout
    assert deliveries(result.stdout) == {
        "Billing policy": (AUTO_PENDING, "company default"),
        "Billing policy for c-17": (AUTO_PENDING, "company default"),
        "Billing policy for c-18": ("email", "changed by rule"),
        "Billing policy for c-19": ("letter", "customer override"),
        "Billing policy for c-20": ("email", "changed by rule"),
    }
    flat = re.sub(r"\s+", " ", result.stdout)
    assert "note delivery: letter is the customer's own choice in customers.csv" in flat
    c20 = flat.split("Billing policy for c-20")[1]
    assert ("note delivery: provider_email is the customer's own choice in policy.toml note "
            "delivery: the company delivers every invoice through ledgerlink") in c20


def test_json_has_the_choice_the_channel_and_the_file(files: Path) -> None:
    """--json gives per customer what was chosen, by whom, in which file, the channel (None
    while auto waits for the lookup) and the reasons."""
    result = invoke("--policy", "policy.toml", "--customers", "customers.csv", "--json")
    assert result.exit_code == 0, result.output
    data = {cid: entry["delivery"] for cid, entry in json.loads(result.stdout).items()}
    assert data["c-17"] == {"chosen": "auto", "channel": None, "shown": AUTO_PENDING,
                            "source": "company", "file": None, "from": "company default",
                            "reasons": [data["c-17"]["reasons"][0]]}
    assert "ledgerlink's own" in data["c-17"]["reasons"][0]
    assert (data["c-18"]["channel"], data["c-18"]["from"]) == ("email", "changed by rule")
    assert any("no organisation number" in r for r in data["c-18"]["reasons"])
    assert data["c-19"] == {
        "chosen": "letter", "channel": "letter", "shown": "letter", "source": "customer",
        "file": "customers.csv", "from": "customer override",
        "reasons": ["letter is the customer's own choice in customers.csv"]}
    assert (data["c-20"]["chosen"], data["c-20"]["file"]) == ("provider_email", "policy.toml")


def test_without_the_customers_file_the_policy_files_choice_shows(files: Path) -> None:
    """With --policy alone, c-20's channel from policy.toml is shown, and the command says
    the customers file's delivery column may differ."""
    result = invoke("--policy", "policy.toml")
    assert result.exit_code == 0, result.output
    assert deliveries(result.stdout)["Billing policy for c-20"] == ("email", "changed by rule")
    flat = re.sub(r"\s+", " ", result.stdout)
    assert "policy and delivery columns in the customers file" in flat


_channels = st.sampled_from(DeliveryChannel)


@settings(max_examples=30, deadline=None)
@given(company=_channels, through=st.booleans(), own=st.none() | _channels,
       top=st.none() | _channels)
def test_the_source_follows_the_precedence(
        tmp_path_factory: pytest.TempPathFactory, company: DeliveryChannel, through: bool,
        own: DeliveryChannel | None, top: DeliveryChannel | None) -> None:
    """Chosen is the policy file's channel, else the customers file's, else the company's,
    and the JSON names that source and file; the channel is never auto."""
    folder = tmp_path_factory.mktemp("precedence")
    policy = (f'[company]\nname = "F"\ndelivery = "{company.value}"\n'
              f"deliver_through_ledgerlink = {str(through).lower()}\n")
    if top is not None:
        policy += f'[customers.c-1]\ndelivery = "{top.value}"\n'
    (folder / "p.toml").write_text(policy, encoding="utf-8")
    (folder / "c.csv").write_text(
        CUSTOMERS.splitlines()[0] + "\n"
        f"c-1,C,company,a@b.dk,,,,DK,DK12345674,DKK,{own.value if own else ''}\n",
        encoding="utf-8")
    result = invoke("--policy", str(folder / "p.toml"), "--customers", str(folder / "c.csv"),
                    "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)["c-1"]["delivery"]
    expected = top or own or company
    assert shown["chosen"] == expected.value
    file = folder / "p.toml" if top else folder / "c.csv" if own else None
    assert (shown["source"], shown["file"]) == (
        "customer" if file else "company", str(file) if file else None)
    assert shown["channel"] != "auto"
    if expected is DeliveryChannel.PROVIDER_EMAIL:
        assert shown["channel"] == ("email" if through else "provider_email")


# --- --lookup: the receiver lookup against the PEPPOL emulator on 127.0.0.1 ---------------


@pytest.fixture(scope="module")
def peppol() -> Iterator[ServedPeppol]:
    """The emulator's sample participants (12345674 can receive; 12345682 is not on PEPPOL)."""
    with served(PeppolEmulator(SAMPLE_PARTICIPANTS)) as serving:
        yield serving


def test_lookup_resolves_auto_by_asking_peppol(files: Path, peppol: ServedPeppol) -> None:
    """With --lookup, auto becomes einvoice for a registered number and e-mail for one not on
    PEPPOL, each changed by rule with the lookup's answer as a reason; the company's own row
    still waits, having no number."""
    (files / "customers.csv").write_text(
        CUSTOMERS.splitlines()[0] + "\n"
        "c-17,Acme ApS,company,billing@acme.dk,,,,DK,DK12345674,DKK,\n"
        "c-21,Fjord,company,ap@fjord.dk,,,,DK,DK12345682,DKK,\n", encoding="utf-8")
    (files / "policy.toml").write_text('[company]\nname = "F"\ndelivery = "auto"\n',
                                       encoding="utf-8")
    result = invoke("--policy", "policy.toml", "--customers", "customers.csv", "--lookup",
                    "--sml-zone", "test", "--dns", peppol.dns, "--timeout", "2", "--json")
    assert result.exit_code == 0, result.output
    data = {cid: entry["delivery"] for cid, entry in json.loads(result.stdout).items()}
    assert (data["c-17"]["channel"], data["c-17"]["from"]) == ("einvoice", "changed by rule")
    assert "DK12345674 can receive PEPPOL BIS Billing 3 invoices" in data["c-17"]["reasons"]
    assert (data["c-21"]["channel"], data["c-21"]["from"]) == ("provider_email",
                                                               "changed by rule")
    assert "DK12345682 cannot receive PEPPOL BIS Billing 3 invoices" in data["c-21"]["reasons"]
    assert data["(company)"]["channel"] is None


def test_lookup_needs_the_customers_file(files: Path) -> None:
    """--lookup without --customers is a usage error (exit 2) saying why."""
    result = invoke("--policy", "policy.toml", "--lookup")
    assert result.exit_code == 2
    assert "--lookup needs --customers" in result.stderr
