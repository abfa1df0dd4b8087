"""``ledgerlink companies``, ``worker`` and ``enqueue`` on the default SQLite store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledgerlink import workers
from ledgerlink.cli import main
from ledgerlink.store import Store
from ledgerlink.workers import pool

#: A secret no command may print.
SECRET = "s3cr3t-value-never-shown"


def add(runner: CliRunner, tmp_path: Path, name: str, *extra: str) -> str:
    """``ledgerlink companies add NAME`` with a hidden secret; its output. The book is named,
    so the connector is not built (the sandbox takes no secret)."""
    result = runner.invoke(main, [
        "companies", "add", name, "--connector", "sandbox",
        "-o", f"path={tmp_path / name}.db", "-s", f"api_key={SECRET}",
        "--source-option", f"customers={tmp_path / 'customers.csv'}",
        "--store", str(tmp_path / "journal.db"), "--time-zone", "Europe/Copenhagen",
        "--book", f"book-{name}", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_add_list_remove_never_print_a_secret(tmp_path: Path) -> None:
    """Companies added, listed (as a table and as JSON) and removed; the secret option is
    kept in the store and shown as *** everywhere."""
    runner = CliRunner()
    printed = [add(runner, tmp_path, "acme"), add(runner, tmp_path, "bolt", "--json")]
    store = ["--store", str(tmp_path / "journal.db")]
    table = runner.invoke(main, ["companies", "list", *store])
    listing = runner.invoke(main, ["companies", "list", "--json", *store])
    printed += [table.output, listing.output]
    assert [c["name"] for c in json.loads(listing.output)] == ["acme", "bolt"]
    assert json.loads(listing.output)[0]["connector_options"]["api_key"] == "***"
    assert "acme" in table.output and "***" in table.output
    assert all(SECRET not in text for text in printed)
    kept = workers.companies(Store(tmp_path / "journal.db"))
    assert kept[0].secrets == {"api_key": SECRET}, "the store keeps the secret"
    removed = runner.invoke(main, ["companies", "remove", "acme", *store])
    assert removed.exit_code == 0
    assert [r.name for r in workers.companies(Store(tmp_path / "journal.db"))] == ["bolt"]
    again = runner.invoke(main, ["companies", "remove", "acme", *store])
    assert again.exit_code != 0 and "no company registered" in again.output


def test_an_option_named_like_a_credential_is_kept_secret(tmp_path: Path) -> None:
    """A credential passed as a plain ``-o client_secret=...`` is kept with the secrets."""
    record = workers.add_company(tmp_path / "journal.db", "acme", connector="sandbox",
                                 options={"path": str(tmp_path / "b.db"),
                                          "client_secret": SECRET}, book="book-1")
    assert record.secrets == {"client_secret": SECRET}
    assert SECRET not in json.dumps(record.shown()) and SECRET not in repr(record)


def test_a_bad_time_zone_is_refused(tmp_path: Path) -> None:
    """A time zone that is not an IANA name is bad input, and nothing is registered."""
    runner = CliRunner()
    result = runner.invoke(main, ["companies", "add", "acme", "--connector", "sandbox",
                                  "-o", f"path={tmp_path / 'b'}.db", "--time-zone", "Mars/Base",
                                  "--store", str(tmp_path / "journal.db")])
    assert result.exit_code != 0 and "time zone" in result.output
    assert workers.companies(tmp_path / "journal.db") == []


def test_the_worker_refuses_a_sqlite_store(tmp_path: Path) -> None:
    """``ledgerlink worker`` on SQLite says the pool needs PostgreSQL instead of starting."""
    result = CliRunner().invoke(main, ["worker", "--store", str(tmp_path / "journal.db")])
    assert result.exit_code != 0 and "PostgreSQL" in result.output


def test_the_worker_reports_its_refusal_as_json(tmp_path: Path) -> None:
    """With --json, the refusal of a SQLite store is one JSON error object naming PostgreSQL."""
    result = CliRunner().invoke(main, ["worker", "--store", str(tmp_path / "journal.db"),
                                       "--json"])
    assert result.exit_code != 0
    error = json.loads(result.output)["error"]
    assert "PostgreSQL" in json.dumps(error)


def test_without_procrastinate_the_error_names_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where procrastinate is not installed, the pool says which extra to install."""
    monkeypatch.setitem(sys.modules, "procrastinate", None)
    monkeypatch.delitem(sys.modules, "ledgerlink.workers.queue", raising=False)
    with pytest.raises(pool.WorkersUnavailable, match=r"ledgerlink\[workers\]"):
        pool.load()


def test_failed_jobs_kept_shorter_than_finished_ones_is_a_usage_error(tmp_path: Path) -> None:
    """``worker --keep-failed-jobs`` below ``--keep-jobs`` exits 2 naming the option, before
    opening any store."""
    result = CliRunner().invoke(main, ["worker", "--store", str(tmp_path / "journal.db"),
                                       "--keep-jobs", "3", "--keep-failed-jobs", "1"])
    assert result.exit_code == 2
    assert "--keep-failed-jobs" in result.output
    assert not (tmp_path / "journal.db").exists()
