"""Chaos: invoice N work orders against a faulty emulator, SIGKILL the runner K times, re-run
until nothing is left, and count what the provider (the emulator) holds.

    python benchmarks/chaos.py --provider quickbooks -n 10000 --kills 3
    python benchmarks/chaos.py --provider dinero -n 1000 --kills 3

The emulator is served in its own process on 127.0.0.1 with random faults (by
default 10 % of calls answered 5xx, 5 % answered 429 and 2 % of writes cut after
they committed), its rate limits scaled in time by ``--time-scale`` (the runner's
client-side limits likewise, as in benchmarks/bulk.py). Each runner process runs
``ledgerlink.invoice`` (posting=book, e-mail on); the first K are SIGKILLed at
random points after real progress. Then runners are started until one finishes
with nothing failed. Counted from the emulator's own state, not the journal:
duplicated invoices, work orders without an invoice, invoices e-mailed other than
once; from the journal: work orders without a transfer-log outcome. Targets: 0,
0, 0, 0, done within 3 runs after the last kill. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

HERE = Path(__file__).resolve()
CUSTOMERS = 50
#: Longest one runner may take before the benchmark gives up on it.
RUN_TIMEOUT = 1800
#: Runners started after the last kill before the benchmark gives up.
MAX_FINAL_RUNS = 8
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ACCOUNTS = {"quickbooks": "9130355245816800", "dinero": "518290"}


# --- the emulator process ----------------------------------------------------------


def serve(provider: str, scale: float, argv: list[str]) -> int:
    """Serve ``provider``'s emulator with scaled limits (``--faults``/``--seed`` in argv)."""
    from ledgerlink.emulation import Control, serve_main

    if provider == "quickbooks":
        from ledgerlink_quickbooks.emulator import QuickBooksEmulator
        from ledgerlink_quickbooks.emulator.__main__ import state as qbo_state

        qbo = QuickBooksEmulator(time_scale=scale)
        return serve_main("chaos quickbooks", lambda: (qbo, Control(
            state=lambda: qbo_state(qbo), authorize=qbo.authorize, connect=qbo.connect)), argv)
    from ledgerlink_dinero.emulator import DineroEmulator
    from ledgerlink_dinero.emulator.__main__ import state as dinero_state

    dinero = DineroEmulator(time_scale=scale)
    return serve_main("chaos dinero", lambda: (dinero, Control(
        state=lambda: dinero_state(dinero), authorize=dinero.authorize,
        connect=dinero.connect)), argv)


# --- the runner process -------------------------------------------------------------


def connector(provider: str, base_url: str, store: Any, scale: float, item: str | None) -> Any:
    from ledgerlink.http.limits import WINDOW, LimiterRegistry

    limiters = LimiterRegistry(window=WINDOW * scale)
    if provider == "quickbooks":
        from ledgerlink_quickbooks import QuickBooksConnector
        from ledgerlink_quickbooks.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

        return QuickBooksConnector(realm_id=ACCOUNTS[provider], client_id=DEFAULT_CLIENT_ID,
                                   client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                                   base_url=base_url, default_item=item, limiters=limiters)
    from ledgerlink_dinero import DineroConnector
    from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID as DINERO_ID
    from ledgerlink_dinero.emulator import DEFAULT_CLIENT_SECRET as DINERO_SECRET

    return DineroConnector(organisation_id=ACCOUNTS[provider], client_id=DINERO_ID,
                           client_secret=DINERO_SECRET, token_store=store, base_url=base_url,
                           limiters=limiters)


def company(provider: str) -> Any:
    import ledgerlink as ll

    currency, zone = ("USD", "America/New_York") if provider == "quickbooks" else (
        "DKK", "Europe/Copenhagen")
    return ll.Company("Chaos Co", currency=currency, time_zone=zone,
                      policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))


def work(provider: str, n: int) -> tuple[list[Any], list[Any]]:
    import ledgerlink as ll

    currency, country, vat = ("USD", "US", Decimal(0)) if provider == "quickbooks" else (
        "DKK", "DK", Decimal(25))
    people = [ll.Customer(id=f"c{i}", name=f"Chaos customer {i}", email=f"c{i}@example.com",
                          currency=currency, address=ll.Address(country=country))
              for i in range(CUSTOMERS)]
    orders = [ll.WorkOrder(id=f"wo-{i}", customer_id=f"c{i % CUSTOMERS}",
                           completed_at=NOW - timedelta(hours=1),
                           lines=[ll.WorkLine("Service visit", Decimal(i % 3 + 1),
                                              Decimal("100"), vat)])
              for i in range(n)]
    return orders, people


def run_once(provider: str, base_url: str, journal: str, n: int, scale: float,
             item: str, workers: int) -> int:
    """One runner: the whole job once; prints its summary as JSON."""
    import ledgerlink as ll
    from ledgerlink.store import Store

    store = Store(journal)
    book = connector(provider, base_url, store, scale, item or None)
    orders, people = work(provider, n)
    try:
        result = ll.invoice(orders, people, company(provider), book, now=NOW, store=store,
                            wait=timedelta(minutes=5), workers=workers)
    finally:
        book.close()
    print(json.dumps({"summary": result.summary, "ok": result.ok}))
    return 0 if result.ok else 1


# --- the driver -----------------------------------------------------------------------


def control(base_url: str, path: str, method: str = "GET") -> Any:
    request = urllib.request.Request(f"{base_url}/_emulator/{path}", method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def account_state(provider: str, base_url: str) -> dict[str, Any]:
    state = control(base_url, "state")
    books = state["realms" if provider == "quickbooks" else "organisations"]
    return {**books.get(ACCOUNTS[provider], {}), "requests": state["requests"],
            "faults": state["faults"]}


def connect(provider: str, base_url: str, journal: str, scale: float) -> str:
    """Exchange an authorization code into the journal; return the QuickBooks item id."""
    import httpx

    import ledgerlink as ll
    from ledgerlink.http.oauth import ClientCredentials, exchange_code
    from ledgerlink.store import Store

    if provider == "quickbooks":
        from ledgerlink_quickbooks.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
        from ledgerlink_quickbooks.settings import PROVIDER, endpoints_at
    else:
        from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
        from ledgerlink_dinero.settings import PROVIDER, endpoints_at
    code = control(base_url, f"authorize?account={ACCOUNTS[provider]}", "POST")["code"]
    store = Store(journal)
    with httpx.Client(base_url=base_url) as client:
        exchange_code(client, endpoints_at(base_url),
                      ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), code=code,
                      redirect_uri="https://localhost/callback", store=store,
                      key=f"{PROVIDER}:{ACCOUNTS[provider]}", provider=PROVIDER)
    if provider != "quickbooks":
        return ""
    book = connector(provider, base_url, store, scale, None)
    try:
        for _ in range(20):  # the emulator injects faults into this call too
            try:
                return str(book.create_product(ll.Product(id="visit", name="Service visit")))
            except ll.LedgerlinkError:
                time.sleep(0.2)
        raise SystemExit("could not create the QuickBooks item through the faults")
    finally:
        book.close()


def start_runner(args: argparse.Namespace, base_url: str, journal: str,
                 item: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE), "--as-runner", args.provider, base_url, journal,
         str(args.n), str(args.time_scale), item, str(args.workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def drive(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    started = time.perf_counter()
    emulator = subprocess.Popen(
        [sys.executable, str(HERE), "--as-emulator", args.provider, str(args.time_scale),
         "--faults", args.faults, "--seed", str(args.seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        base_url = emulator.stdout.readline().strip()
        with TemporaryDirectory() as tmp:
            journal = args.store or str(Path(tmp) / "journal.db")
            item = connect(args.provider, base_url, journal, args.time_scale)
            kills = 0
            for _ in range(args.kills):
                before = account_state(args.provider, base_url)["invoices"]
                # Somewhere in the next tenth to third of what is left to invoice.
                left = max(args.n - before, 3)
                target = before + rng.randint(max(1, left // 10), max(2, left // 3))
                runner = start_runner(args, base_url, journal, item)
                while runner.poll() is None:
                    time.sleep(0.5)
                    if account_state(args.provider, base_url)["invoices"] >= target:
                        time.sleep(rng.random() * 2)  # anywhere in the work, not at a poll
                        runner.send_signal(signal.SIGKILL)
                        kills += 1
                        break
                runner.communicate(timeout=RUN_TIMEOUT)
            final_runs = 0
            last: dict[str, Any] = {}
            finals: list[dict[str, int]] = []
            while final_runs < MAX_FINAL_RUNS:
                final_runs += 1
                runner = start_runner(args, base_url, journal, item)
                out, err = runner.communicate(timeout=RUN_TIMEOUT)
                if not out.strip():
                    raise SystemExit(f"a runner printed nothing: {err[-3000:]}")
                last = json.loads(out.strip().splitlines()[-1])
                finals.append({k: v for k, v in last["summary"].items() if v})
                if last["ok"]:
                    break
            state = account_state(args.provider, base_url)
            logged = logged_work(journal, args.provider)
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.communicate(timeout=60)
    per_key: dict[str, int] = state.get("invoices_per_key", {})
    wanted = {f"inv:wo-{i}" for i in range(args.n)}
    emails = Counter(state.get("emails_per_invoice", {}).values())
    return {
        "provider": args.provider,
        "work_orders": args.n,
        "kills": kills,
        "faults": args.faults,
        "faults_injected": state["faults"],
        "time_scale": args.time_scale,
        "workers": args.workers,
        "duplicated": sum(count - 1 for key, count in per_key.items() if count > 1),
        "lost": len(wanted - set(per_key)),
        "invoices": state.get("invoices"),
        "invoices_emailed_once": emails.get(1, 0),
        "invoices_emailed_more_than_once": sum(v for k, v in emails.items() if int(k) > 1),
        "invoices_not_emailed": len(per_key) - sum(emails.values()),
        "without_outcome": len(wanted - logged),
        "runs_after_last_kill": final_runs,
        "summaries_after_last_kill": finals,
        "last_run_ok": bool(last.get("ok")),
        "requests": state["requests"],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def logged_work(journal: str, provider: str) -> set[str]:
    """Invoice keys with an ``ok`` or ``recovered`` create in the transfer log."""
    from ledgerlink.store import Store

    book = f"{provider}-{ACCOUNTS[provider]}"
    return {entry.subject for entry in Store(journal).log(book=book)
            if entry.action == "create_invoice" and entry.outcome in ("ok", "recovered")}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--as-emulator":
        return serve(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    if len(sys.argv) > 1 and sys.argv[1] == "--as-runner":
        provider, base_url, journal, n, scale, item, workers = sys.argv[2:9]
        return run_once(provider, base_url, journal, int(n), float(scale), item, int(workers))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provider", choices=sorted(ACCOUNTS), default="quickbooks")
    parser.add_argument("-n", type=int, default=1000, help="work orders")
    parser.add_argument("--kills", type=int, default=3, help="runners SIGKILLed mid-run")
    parser.add_argument("--faults", default="5xx=0.1,429=0.05,drop=0.02",
                        help="shares of calls answered 5xx or 429, and of writes cut")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--time-scale", type=float, default=0.05,
                        help="rate-limit windows multiplied by this (both sides)")
    parser.add_argument("--workers", type=int, default=10,
                        help="remote calls in flight per runner (the connector may cap it)")
    parser.add_argument("--store", help="journal: a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    figures = drive(args)
    print(f"{figures['provider']}: {figures['work_orders']:,} work orders, {figures['kills']} "
          f"kills, {figures['duplicated']} duplicated, {figures['lost']} lost, "
          f"{figures['invoices_emailed_more_than_once']} e-mailed twice, "
          f"{figures['without_outcome']} without an outcome, "
          f"{figures['runs_after_last_kill']} runs after the last kill, "
          f"{figures['wall_seconds']} s")
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
