"""``ledgerlink run`` delivers by the policy file's [channels.*] tables, ``ledgerlink
deliver`` retries and resends, ``ledgerlink status`` shows each invoice's delivery; bad
channel tables are bad input naming the file and the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledgerlink.cli.test_commands import (  # noqa: F401 - company and wide_terminal are fixtures
    FILES,
    NOW,
    company,
    edit,
    invoke,
    invoke_json,
    wide_terminal,
)

#: Every test works in the small company's directory that test_commands' fixture writes.
pytestmark = pytest.mark.usefixtures("company")

LETTER_TABLE = """
[channels.letter]
use = "letter-folder"
folder = "letters"
sender = { name = "Varme & Vand ApS", street = "Vestergade 4", postal_code = "8000", city = "Aarhus C", country = "DK" }
"""  # noqa: E501 - one TOML line as a user writes it


def letters() -> list[str]:
    folder = Path("letters")
    return sorted(p.name for p in folder.glob("*.pdf")) if folder.exists() else []


def take_letters(customer: str) -> None:
    """Make ``customer`` (c-1 or c-2 of the company fixture) want letters."""
    row = {"c-1": "DK12345674,DKK,,", "c-2": "Aarhus C,DK,,DKK,,"}[customer]
    edit("customers.csv", row, row.replace("DKK,,", "DKK,letter,", 1))


def test_run_writes_each_letter_once_and_status_shows_it() -> None:
    """With a [channels.letter] table a run writes c-1's letters, a second run none, and
    status --json names the channel and state of each."""
    take_letters("c-1")
    Path("policy.toml").write_text(Path("policy.toml").read_text() + LETTER_TABLE)
    first = invoke_json("run", *FILES, "--now", NOW)
    assert first["summary"]["delivered"] == 2 and letters() and len(letters()) == 2
    again = invoke_json("run", *FILES, "--now", NOW)
    assert again["summary"]["delivered"] == 0 and len(letters()) == 2
    shown = {row["key"]: row["delivery"] for row in invoke_json("status")["invoices"]}
    assert shown["inv:wo-1"]["channel"] == "letter"
    assert shown["inv:wo-1"]["state"] == "sent"
    assert "letter written to letters/" in shown["inv:wo-1"]["message"]


def test_without_the_table_the_run_fails_the_letters_and_deliver_sends_them() -> None:
    """No [channels.letter]: the run invoices and exits 1 naming the table; once the table
    is added, `ledgerlink deliver` writes the letters, once."""
    take_letters("c-1")
    failed = invoke_json("run", *FILES, "--now", NOW, exit_code=1)
    assert failed["summary"]["invoices_created"] == 2
    assert all("[channels.*]" in f["message"] for f in failed["failures"])
    Path("policy.toml").write_text(Path("policy.toml").read_text() + LETTER_TABLE)
    sent = invoke_json("deliver", "--customers", "customers.csv", "--policy", "policy.toml")
    assert sent["summary"]["delivered"] == 2 and len(letters()) == 2
    nothing = invoke_json("deliver", "--customers", "customers.csv", "--policy", "policy.toml",
                          "--retry-failed")
    assert nothing["summary"]["delivered"] == 0 and len(letters()) == 2


def test_resend_writes_a_new_letter() -> None:
    """--resend KEY delivers that invoice once more under a new key."""
    take_letters("c-1")
    Path("policy.toml").write_text(Path("policy.toml").read_text() + LETTER_TABLE)
    invoke_json("run", *FILES, "--now", NOW)
    again = invoke_json("deliver", "--customers", "customers.csv", "--policy", "policy.toml",
                        "--resend", "inv:wo-1")
    assert again["summary"]["delivered"] == 1 and len(letters()) == 3


def test_a_resend_of_an_unknown_key_is_bad_input() -> None:
    """--resend of an invoice ledgerlink never delivered exits 2 naming it."""
    result = invoke("deliver", "--customers", "customers.csv", "--policy", "policy.toml",
                    "--resend", "inv:nope")
    assert result.exit_code == 2 and "inv:nope" in result.output


@pytest.mark.parametrize(("table", "named"), [
    ('[channels.letter]\nuse = "letter-folder"\nfolder = "letters"\ncolour = "red"\n',
     "channels.letter"),
    ("[channels.fax]\nnumber = 1\n", "channels.fax"),
])
def test_a_bad_channels_table_is_bad_input_and_nothing_is_written(
        table: str, named: str) -> None:
    """A table that names no kind of channel, or an option its channel does not take,
    exits 2 naming the file and the table, before anything is written."""
    Path("policy.toml").write_text(Path("policy.toml").read_text() + "\n" + table)
    result = invoke("run", *FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert "policy.toml" in result.output and named in result.output
    assert not Path("ledgerlink-sandbox.db").exists()
