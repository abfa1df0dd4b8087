"""`ledgerlink einvoice lookup` and `search` over the PEPPOL emulator on 127.0.0.1 (real UDP
DNS, real HTTP), and `ledgerlink emulate peppol` served by the real console script."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledgerlink.cli import main
from ledgerlink.einvoice.emulator import PeppolEmulator, Registration, ServedPeppol
from ledgerlink.einvoice.emulator.served import SAMPLE_PARTICIPANTS
from tests.ledgerlink.einvoice.support import START, served

#: Longest the served emulator may take to say where it listens.
WAIT = 60.0


@pytest.fixture(scope="module")
def peppol() -> Iterator[ServedPeppol]:
    """The sample participants served on 127.0.0.1, plus one that expired."""
    emulator = PeppolEmulator([*SAMPLE_PARTICIPANTS, Registration.of(
        "0184:10000017", expiration=START - timedelta(days=1))])
    with served(emulator) as serving:
        yield serving


def _lookup(peppol: ServedPeppol, *args: str) -> Any:
    result = CliRunner().invoke(main, ["einvoice", "lookup", *args, "--sml-zone", "test",
                                       "--dns", peppol.dns, "--timeout", "2"])
    return result


def test_lookup_json_shows_a_ready_receiver_and_its_endpoint(peppol: ServedPeppol) -> None:
    """`lookup 12345674 --json` prints the answer: both documents ready, endpoint and SMP."""
    result = _lookup(peppol, "12345674", "--country", "DK", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["participant"] == "iso6523-actorid-upis::0184:12345674"
    assert answer["can_receive_invoice"] and answer["can_receive_credit_note"]
    assert answer["invoice"]["reachability"] == "ready"
    assert answer["invoice"]["endpoint"]["url"] == "https://ap.example.test/as4"
    assert answer["invoice"]["endpoint"]["transport_profile"] == "peppol-transport-as4-v2_0"
    assert answer["smp_url"] == peppol.base_url


@pytest.mark.parametrize(("args", "invoice", "credit_note"), [
    (("NO988077917MVA", "--country", "NO"), "expired", "expired"),
    (("5561888404", "--country", "SE"), "ready", "not_supported"),
    (("10000009",), "not_supported", "not_supported"),
    (("12345682",), "not_registered", "not_registered"),
    (("5790000435975", "--scheme", "gln"), "unknown_at_smp", "unknown_at_smp"),
])
def test_lookup_json_says_why_a_receiver_cannot(peppol: ServedPeppol, args: tuple[str, ...],
                                                invoice: str, credit_note: str) -> None:
    """Expired, invoice only, no BIS3, not registered and unknown at the SMP, each exit 0."""
    result = _lookup(peppol, *args, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["invoice"]["reachability"], answer["credit_note"]["reachability"]) == (
        invoice, credit_note)


def test_lookup_for_people_names_the_register_and_each_documents_verdict(
        peppol: ServedPeppol) -> None:
    """Without --json the answer is lines for people: register, SMP, verdicts, endpoint dates."""
    result = _lookup(peppol, "0184:10000017")
    assert result.exit_code == 0, result.output
    assert "(DK CVR number 10000017)" in result.output
    assert "BIS Billing 3 invoice: cannot receive (expired)" in result.output
    assert "active open - 2026-05-31T12:00:00+00:00, certificate present" in result.output


def test_lookup_errors_are_json_objects_with_an_exit_status(peppol: ServedPeppol) -> None:
    """An SMP that is down exits 1 with the error as JSON; a bad CVR exits 2 naming the field."""
    peppol.emulator.smp_down = True
    try:
        down = _lookup(peppol, "12345674", "--json")
    finally:
        peppol.emulator.smp_down = False
    assert down.exit_code == 1
    error = json.loads(down.output)["error"]
    assert error["type"] == "SmpUnavailableError" and error["exit_status"] == 1
    assert "iso6523-actorid-upis::0184:12345674" in error["message"]
    bad = _lookup(peppol, "12345678", "--json")
    assert bad.exit_code == 2
    refused = json.loads(bad.output)["error"]
    assert refused["field"] == "organisation_number" and "'12345678'" in refused["message"]


def test_lookup_refuses_a_dns_server_that_is_not_an_address() -> None:
    """--dns takes HOST:PORT with an IP address; anything else is a usage error."""
    result = CliRunner().invoke(main, ["einvoice", "lookup", "12345674", "--dns", "dns.example"])
    assert result.exit_code == 2 and "not a DNS server" in result.output


def test_lookup_reads_its_settings_from_the_environment(peppol: ServedPeppol,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """LEDGERLINK_PEPPOL_SML_ZONE and LEDGERLINK_PEPPOL_DNS stand in for the options; a bad
    value there is a usage error naming the environment."""
    monkeypatch.setenv("LEDGERLINK_PEPPOL_SML_ZONE", "test")
    monkeypatch.setenv("LEDGERLINK_PEPPOL_DNS", peppol.dns)
    found = CliRunner().invoke(main, ["einvoice", "lookup", "12345674", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["can_receive_invoice"]
    monkeypatch.setenv("LEDGERLINK_PEPPOL_DNS", "dns.example")
    refused = CliRunner().invoke(main, ["einvoice", "lookup", "12345674"])
    assert refused.exit_code == 2 and "environment" in refused.output


def test_lookup_with_a_cache_file_answers_the_second_time_from_it(peppol: ServedPeppol,
                                                                  tmp_path: Path) -> None:
    """--cache keeps the answer in a SQLite file; the next lookup says it came from there."""
    cache = str(tmp_path / "lookups.db")
    first = _lookup(peppol, "12345674", "--cache", cache, "--json")
    second = _lookup(peppol, "12345674", "--cache", cache)
    assert not json.loads(first.output)["cached"]
    assert "Source: smp (cached)" in second.output


def test_search_finds_directory_cards_by_name(peppol: ServedPeppol) -> None:
    """`einvoice search --name` lists the matching business cards from the Directory."""
    result = CliRunner().invoke(main, ["einvoice", "search", "--name", "svensk",
                                       "--directory-url", peppol.base_url, "--json"])
    assert result.exit_code == 0, result.output
    (match,) = json.loads(result.output)
    assert match["participant"] == "iso6523-actorid-upis::0007:5561888404"
    assert match["entities"][0]["name"] == "Svensk Exempel AB"


@pytest.mark.slow
def test_ledgerlink_emulate_peppol_serves_what_lookup_finds(tmp_path: Path) -> None:
    """`ledgerlink emulate peppol --json --state FILE` prints its DNS and SMP; a lookup through
    them finds the receiver; on SIGTERM the participants are saved to the file."""
    program = shutil.which("ledgerlink")
    assert program, "the ledgerlink console script is installed with the project"
    state = tmp_path / "peppol.json"
    with subprocess.Popen([program, "emulate", "peppol", "--json", "--state", str(state)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            info = json.loads(child.stdout.readline())
            result = CliRunner().invoke(main, ["einvoice", "lookup", "12345674", "--sml-zone",
                                               info["sml_zone"], "--dns", info["dns"], "--json"])
            assert result.exit_code == 0, result.output
            assert json.loads(result.output)["smp_url"] == info["base_url"]
            assert info["lookup_command"].endswith(f"--dns {info['dns']}")
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(WAIT)
    kept = json.loads(state.read_text(encoding="utf-8"))
    assert [p["id"] for p in kept["participants"]] == [
        r.participant.value for r in SAMPLE_PARTICIPANTS]
