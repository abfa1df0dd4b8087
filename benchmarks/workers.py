"""The worker pool over many books: companies invoiced per minute with 1, 2, 4, 8 workers.

Each round registers COMPANIES companies (sample customers and work orders in files)
in a fresh PostgreSQL database, dealt in turn a sandbox book, an emulated QuickBooks
account and an emulated Dinero account (``--providers``). The sandbox books answer
every call after LATENCY seconds; the emulators (workers_emulated.py) are real HTTP
servers on 127.0.0.1, each in its own process, with the providers' limits (QuickBooks
500 requests/min and 10 in flight per realm, Dinero 100 requests/min per
organisation) and 500 ms latency, every account its own realm or organisation,
registered through ``ledgerlink.workers.add_company`` with the emulator's base URL
and its tokens in the store. Time is scaled by ``--scale`` for latency and the
emulators' windows alike. The workers count limits in the store as in production
(60 s windows, not scaled: stricter than the emulators' scaled windows, so a 429 is
the emulator's verdict on real pacing, never a benchmark artefact).

Each round queues every company's nightly run (``ledgerlink enqueue``), starts N
``ledgerlink worker`` processes and times the queue from the first job started to
the last one succeeded (procrastinate's events), so process start-up is not
counted. Duplicates are counted from the providers' own state: the sandbox books
and the emulators' invoices (work orders billed by more than one invoice); 429
answers from the emulators' throttle counters. A last round with 4 workers
SIGKILLs one of them mid-run; the others retry its stalled job and every company
must still be invoiced, each work order once.

Target (issue 17): >= 0.7 x linear throughput up to 8 workers (the work is
latency-bound), 0 duplicates, 0 answers 429, a killed worker's books finished by
the others. ``target_met`` is only claimed for the full size (200 companies, up to
8 workers, with the kill round, emulated providers); a smaller run reports
``measured_targets_met`` and ``full_size: false``. The machine's CPU cores bound how
far more workers help: ``cpu_count`` is in the JSON. On a shared 2-core machine the
1-worker baseline is sensitive to other load, which moves every ``share_of_linear``.
Each round also prints the CPU seconds a company costs (workers, emulators and
PostgreSQL together, from the first job taken to the last one done) and the rate the
cores would allow at that cost: a round near that rate is CPU-bound, not latency-bound.

Measured (2 cores, idle machine, defaults): 1/2/4/8 workers 68.8/137.1/256.6/441.3
companies/min, 100/100/93/80 % of linear, 0.11-0.14 s of CPU a company; the kill
round 211.1/min; 0 duplicates, 0 answers 429. At the providers' own 500 ms
(``--scale 1.0 --companies 100 --workers 1,8 --no-kill-round``): 18.3 and 136.0
companies/min, 93 % of linear. Before a job's CPU was cut (plugin
discovery, TLS context and token store opened once per process, not per job: 0.19 s
to 0.07 s in the worker), 8 workers reached 59 %; before the housekeeping jobs ran
first and a dead local worker's lease was taken over at once, the kill round 88.6/min.

Run: python benchmarks/workers.py [--companies 200] [--scale 0.2] [--workers 1,2,4,8]
     [--providers quickbooks,dinero] [--no-kill-round]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from workers_emulated import Emulated

from ledgerlink import demo, loading, workers
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.store import Store
from ledgerlink.workers import pool

#: A provider call's latency, in seconds, before scaling.
LATENCY = 0.5
#: Work orders and customers of each company.
ORDERS, CUSTOMERS = 8, 4
#: Heartbeat and dead-worker timeout of the workers, in seconds.
HEARTBEAT, STALLED_AFTER = "0.5", "3"


def start_postgres(root: Path) -> tuple[str, list[str]]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (as ``postgres`` when root): its admin
    URL and the command that stops it."""
    bin_dir = Path(shutil.which("initdb") or "/usr/local/bin/initdb").parent
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = root / "data"
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=trust", "--no-sync"], check=True, capture_output=True)
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
               "-c synchronous_commit=off -c max_connections=200")
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-w",
                    "-l", str(root / "log"), "-o", options], check=True, capture_output=True)
    stop = [*as_user, str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate"]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


def fresh_database(admin_url: str) -> str:
    """A new empty database in the cluster; its URL."""
    name = f"w_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def register(store: Store, root: Path, companies: int, latency: float,
             emulated: dict[str, Emulated]) -> list[str]:
    """Register ``companies`` companies with their files, dealt in turn a sandbox book or
    an account on one of the ``emulated`` providers; the sandbox books' paths."""
    kinds = ["sandbox", *emulated]
    books = []
    for index in range(companies):
        name = f"company-{index:04d}"
        folder = root / name
        folder.mkdir(parents=True)
        people = demo.demo_customers(CUSTOMERS, seed=index)
        work = demo.demo_work_orders(people, ORDERS, now=datetime.now(UTC), seed=index)
        loading.save_customers(people, folder / "customers.csv")
        loading.save_work_orders(work, folder / "work-orders.csv")
        kind = kinds[index % len(kinds)]
        secrets: dict[str, str] = {}
        if kind == "sandbox":
            books.append(str(folder / "book.db"))
            options: dict[str, Any] = {"path": books[-1], "latency": latency}
        else:
            options, secrets = emulated[kind].connect(store)
        workers.add_company(store, name, connector=kind, options=options, secrets=secrets,
                            source_options={"customers": str(folder / "customers.csv"),
                                            "work_orders": str(folder / "work-orders.csv")},
                            time_zone="Europe/Copenhagen")
    return books


def accounts_of(companies: int, providers: list[str]) -> dict[str, int]:
    """How many of ``companies`` each emulated provider gets when dealt in turn after a
    sandbox book."""
    kinds = ["sandbox", *providers]
    return {kind: len(range(kinds.index(kind), companies, len(kinds))) for kind in providers}


def job_counts(store: Store) -> Counter[str]:
    """The invoice_book jobs by status."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT status::text, count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'ledgerlink:invoice_book' GROUP BY status")).all()
    return Counter({status: count for status, count in rows})


def busy_span(store: Store) -> float:
    """Seconds from the first invoice_book job started to the last one succeeded."""
    with store.engine.connect() as conn:
        first, last = conn.execute(sa.text(
            "SELECT min(e.at) FILTER (WHERE e.type = 'started'), "
            "max(e.at) FILTER (WHERE e.type = 'succeeded') FROM procrastinate_events e "
            "JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE j.task_name = 'ledgerlink:invoice_book'")).one()
    return float((last - first).total_seconds())


def duplicates(books: list[str]) -> tuple[int, int]:
    """Work orders billed, and billed more than once, counted from the books themselves."""
    billed: Counter[str] = Counter()
    for path in books:
        book = SandboxConnector(path)
        billed.update(f"{path}:{key}" for invoice in book.invoices()
                      for key in invoice.line_keys if key)
        book.close()
    return len(billed), sum(1 for count in billed.values() if count > 1)


def start_workers(url: str, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` ``ledgerlink worker`` processes on ``url``."""
    command = [sys.executable, "-c", "from ledgerlink.cli import main; main()", "worker",
               "--store", url, "--heartbeat", HEARTBEAT, "--stalled-after", STALLED_AFTER]
    return [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]


def stop_workers(started: list[subprocess.Popen[bytes]]) -> None:
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        process.wait(timeout=60)


def _proc_cpu(pid: int) -> tuple[int, float]:
    """(parent pid, CPU seconds of ``pid`` and its waited-for children); (0, 0) when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0.0
    # After the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based.
    ticks = sum(int(value) for value in fields[11:15])
    return int(fields[1]), ticks / os.sysconf("SC_CLK_TCK")


def cpu_in_use(pids: list[int], pg_data: Path) -> float:
    """CPU seconds used so far by ``pids`` and the PostgreSQL cluster (its postmaster, the
    backends it has reaped, and its live backends)."""
    total = sum(_proc_cpu(pid)[1] for pid in pids)
    postmaster = int((pg_data / "postmaster.pid").read_text().split()[0])
    total += _proc_cpu(postmaster)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent, seconds = _proc_cpu(int(entry.name))
            if parent == postmaster:
                total += seconds
    return total


def round_of(admin_url: str, root: Path, companies: int, count: int, scale: float,
             providers: list[str], *, pg_data: Path,
             kill_after: int | None = None) -> dict[str, Any]:
    """One round with ``count`` workers, on fresh emulators; with ``kill_after``, one worker
    is SIGKILLed once that many companies are done."""
    url = fresh_database(admin_url)
    store = Store(url)
    emulated = {kind: Emulated(kind, scale, accounts)
                for kind, accounts in accounts_of(companies, providers).items()}
    try:
        books = register(store, root, companies, LATENCY * scale, emulated)
        pool.enqueue(store)
        started = start_workers(url, count)
        killed = False
        deadline = time.monotonic() + 1800
        pids = [p.pid for p in started] + [e.pid for e in emulated.values()]
        cpu_from: float | None = None
        try:
            while (done := job_counts(store))["succeeded"] + done["failed"] < companies:
                if cpu_from is None and done["todo"] < companies:
                    # the first job has been taken: the workers' start-up is over
                    cpu_from = cpu_in_use(pids, pg_data)
                if kill_after is not None and not killed and done["succeeded"] >= kill_after:
                    started[0].send_signal(signal.SIGKILL)
                    killed = True
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{count} workers: {dict(done)} after 30 minutes")
                time.sleep(0.2)
            cpu_used = cpu_in_use(pids, pg_data) - (cpu_from or 0.0)
        finally:
            stop_workers(started)
        seen = {kind: provider.stats() for kind, provider in emulated.items()}
    finally:
        for provider in emulated.values():
            provider.stop()
    span = busy_span(store)
    billed, twice = duplicates(books)
    store.close()
    by_kind = {"sandbox": {"billed": billed, "duplicates": twice}, **seen}
    return {"workers": count, "companies": companies, "seconds": round(span, 2),
            "companies_per_minute": round(companies * 60 / span, 1),
            "failed": done["failed"],
            # What the machine's cores allow: CPU of workers, emulators and PostgreSQL
            # from the first job taken to the last one done, per company.
            "cpu_seconds_per_company": round(cpu_used / companies, 4),
            "cpu_bound_companies_per_minute": round(
                (os.cpu_count() or 1) * 60 * companies / cpu_used, 1),
            "work_orders_billed": sum(k["billed"] for k in by_kind.values()),
            "duplicates": sum(k["duplicates"] for k in by_kind.values()),
            "answers_429": sum(k.get("rejected", 0) for k in by_kind.values()),
            "by_provider": by_kind,
            **({"killed_one_worker": killed} if kill_after is not None else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    # 0.2 keeps the run under ~10 minutes on two cores while latency, not CPU, dominates
    # a company's run (at 0.05 a 2-core machine is CPU-bound from 2 workers on).
    parser.add_argument("--scale", type=float, default=0.2,
                        help="Time scale: 0.2 makes the 500 ms latency 100 ms and the "
                             "providers' minute 12 s.")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--providers", default="quickbooks,dinero",
                        help="Emulated providers dealt companies after the sandbox books "
                             "(empty: sandbox books only).")
    parser.add_argument("--no-kill-round", action="store_true",
                        help="Leave out the round that SIGKILLs a worker.")
    args = parser.parse_args()
    providers = [p for p in args.providers.split(",") if p]
    counts = [int(n) for n in args.workers.split(",")]
    root = Path(tempfile.mkdtemp(prefix="ledgerlink-workers-"))
    admin_url, stop = start_postgres(root)
    rounds = []
    kill: dict[str, Any] | None = None
    try:
        for count in counts:
            rounds.append(round_of(admin_url, root / f"round-{count}", args.companies, count,
                                   args.scale, providers, pg_data=root / "data"))
            print(json.dumps(rounds[-1]), flush=True)
        if not args.no_kill_round:
            kill = round_of(admin_url, root / "kill", args.companies, 4, args.scale, providers,
                            pg_data=root / "data", kill_after=args.companies // 4)
            print(json.dumps(kill), flush=True)
    finally:
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    base = rounds[0]["companies_per_minute"] / rounds[0]["workers"]
    for row in rounds:
        row["share_of_linear"] = round(row["companies_per_minute"] / (base * row["workers"]), 2)
        print(f"{row['workers']} workers: {row['companies_per_minute']} companies/min, "
              f"{row['share_of_linear']:.0%} of linear, {row['duplicates']} duplicates, "
              f"{row['cpu_seconds_per_company']} s CPU a company (the cores allow "
              f"{row['cpu_bound_companies_per_minute']}/min), "
              f"{row['answers_429']} answers 429")
    if kill is not None:
        print(f"kill round (4 workers, one SIGKILLed): {kill['companies_per_minute']} "
              f"companies/min, {kill['failed']} failed, {kill['duplicates']} duplicates, "
              f"{kill['answers_429']} answers 429")
    checked = [*rounds, *([kill] if kill is not None else [])]
    measured_met = (all(r["share_of_linear"] >= 0.7 for r in rounds)
                    and all(r["duplicates"] == 0 and r["failed"] == 0 for r in checked)
                    and (kill is None or kill["killed_one_worker"]))
    # 429s are only measured against emulated providers (sandbox books never throttle).
    answers_429 = sum(r["answers_429"] for r in checked) if providers else None
    covers_all = (bool(providers) and kill is not None and args.companies >= 200
                  and counts[-1] >= 8)
    print(json.dumps({"benchmark": "workers", "latency_seconds": LATENCY * args.scale,
                      "scale": args.scale, "cpu_count": os.cpu_count(), "rounds": rounds,
                      "kill_round": kill, "answers_429": answers_429,
                      "providers": ["sandbox", *providers],
                      "target": ">= 0.7 x linear up to 8 workers, 0 duplicates, 0 answers "
                                "429, a killed worker's books finished by the others",
                      "measured_targets_met": measured_met,
                      # the target is about 200 companies up to 8 workers with a
                      # killed worker: a smaller run is reported, never claimed as met
                      "full_size": covers_all,
                      "target_met": measured_met and answers_429 == 0 and covers_all}))


if __name__ == "__main__":
    main()
