"""What ``plan``, ``log``, ``policy explain`` and the progress display print.

``plan`` shows its counts first, then the notices, then the actions, up to
``--limit`` rows (``--all`` for every one) and says how many it left out; the
log's time column carries the date and says UTC; progress goes to stderr,
only at a terminal, and never shows an unknown total as ``0/?``.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from ledgerlink.cli import main, output

NOW = "2024-05-02T10:00:00+02:00"
CUSTOMERS_CSV = (
    "id,name,kind,email,street,postal_code,city,country,registration_number,currency,"
    "delivery,posting,timing,send,payment_terms_days\n"
    "c-1,Acme ApS,company,billing@acme.dk,Havnegade 1,1058,København K,DK,DK12345674,DKK,"
    "email,,,,\n"
    "c-2,Jens Hansen,person,jens@example.dk,Skovvej 3,8000,Aarhus C,DK,,DKK,,,,,30\n"
)
HEADER = ("work_order_id,customer_id,status,planned_date,completed_at,project,description,"
          "line_description,quantity,unit_price,vat_rate,product_id\n")
POLICY_TOML = '[company]\nname = "Varme & Vand ApS"\n\n[customers."c-1"]\nsend = false\n'


def _orders(done: int, planned: int) -> str:
    rows = [f"wo-{n},c-1,completed,2024-05-01,2024-05-01T14:30:00+02:00,,Service,Labour,1,"
            f"{Decimal(100) + n},25," for n in range(done)]
    rows += [f"wp-{n},c-2,planned,2024-05-20,,,Visit,Labour,1,100,25," for n in range(planned)]
    return HEADER + "\n".join(rows) + "\n"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Customers, a policy and 4 completed plus 3 planned work orders; a wide console."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(output, "console", Console(width=200))
    monkeypatch.setattr(output, "stderr", Console(width=200, stderr=True))
    (tmp_path / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    (tmp_path / "policy.toml").write_text(POLICY_TOML, encoding="utf-8")
    (tmp_path / "work-orders.csv").write_text(_orders(4, 3), encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


FILES = ("--work-orders", "work-orders.csv", "--customers", "customers.csv", "--policy",
         "policy.toml", "--now", NOW)


def test_plan_prints_counts_then_notices_then_actions() -> None:
    """The counts come first, the notices (not due) before the actions."""
    result = invoke("plan", *FILES)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.index("Counts") < text.index("Notices") < text.index("Actions")
    assert "not_due" in text[text.index("Counts"):text.index("Notices")]
    assert "more rows not shown" not in text


def test_plan_limit_keeps_the_notices_and_says_what_it_left_out() -> None:
    """--limit 4 shows the 3 notices and 1 action, and says how to see the rest."""
    every = json.loads(invoke("plan", *FILES, "--json").stdout)
    total = len(every["actions"]) + len(every["notices"])
    result = invoke("plan", *FILES, "--limit", "4")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for n in range(3):
        assert f"wp-{n}" in text
    assert f"… {total - 4} more rows not shown (--limit 4 shows 4): --all shows every row" in text
    everything = invoke("plan", *FILES, "--limit", "4", "--all").stdout
    assert "more rows not shown" not in everything
    for action in every["actions"]:
        assert action["detail"] in everything


def test_log_time_has_the_date_and_failed_only_says_no_failed_entries() -> None:
    """The log's time column shows date and time in UTC; --failed with none says so."""
    assert invoke("run", *FILES).exit_code == 0
    text = invoke("log").stdout
    assert "time (UTC)" in text
    stored = json.loads(invoke("log", "--json").stdout)[0]["at"]
    assert stored[:16].replace("T", " ") in text
    failed = invoke("log", "--failed")
    assert failed.exit_code == 0
    assert "no failed entries" in failed.stdout
    assert "nothing was written" not in failed.stdout


def test_policy_explain_says_when_customer_file_overrides_are_not_read() -> None:
    """--policy alone notes the customers file may override; --customers shows c-2's terms."""
    alone = invoke("policy", "explain", "--policy", "policy.toml")
    assert alone.exit_code == 0, alone.output
    assert "add --customers FILE" in alone.stdout
    assert "c-2" not in alone.stdout
    both = invoke("policy", "explain", "--policy", "policy.toml", "--customers",
                  "customers.csv", "--customer", "c-2")
    assert "add --customers FILE" not in both.stdout
    company, customer = (line.split()[1:] for line in both.stdout.splitlines()
                         if line.startswith("payment_terms_days"))
    assert company == ["8", "company", "default"]
    assert customer == ["30", "customer", "override"]
    only_customers = invoke("policy", "explain", "--customers", "customers.csv", "--json")
    assert only_customers.exit_code == 0, only_customers.output
    assert json.loads(only_customers.stdout)["c-2"]["payment_terms_days"] == 30
    neither = invoke("policy", "explain")
    assert neither.exit_code == 2


def _terminal() -> tuple[Console, io.StringIO]:
    sink = io.StringIO()
    return Console(file=sink, force_terminal=True, width=80), sink


def test_progress_with_an_unknown_total_shows_a_spinner_and_time_never_0_of_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before a total is known the progress shows its label and elapsed time, not "0/?"."""
    console, sink = _terminal()
    monkeypatch.setattr(output, "stderr", console)
    with output.progress(True, "running due jobs") as update:
        assert update is not None
    shown = sink.getvalue()
    assert "running due jobs" in shown and "0:00:0" in shown
    assert "0/?" not in shown and "/?" not in shown


def test_progress_counts_once_the_total_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a total the progress shows done/total."""
    console, sink = _terminal()
    monkeypatch.setattr(output, "stderr", console)
    with output.progress(True) as update:
        assert update is not None
        update(3, 10)
    assert "3/10" in sink.getvalue()


def test_no_progress_without_a_terminal_or_when_disabled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe (stderr not a terminal) or --json gets no progress at all."""
    sink = io.StringIO()
    monkeypatch.setattr(output, "stderr", Console(file=sink, width=80))
    with output.progress(True) as update:
        assert update is None
    console, shown = _terminal()
    monkeypatch.setattr(output, "stderr", console)
    with output.progress(False) as update:
        assert update is None
    assert sink.getvalue() == "" and shown.getvalue() == ""
