"""A throwaway PostgreSQL cluster for the store's PostgreSQL tests.

One cluster per test session (initdb costs about a second), on 127.0.0.1 with a
free port and trust authentication; each test gets a fresh database in it, so
tests never see each other's rows. PostgreSQL refuses to run as root, so when
the tests run as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
                     "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/14/bin")
#: Seconds pg_ctl waits for the server to start or stop before giving up.
PG_CTL_TIMEOUT = 30


def _pg_bin() -> Path | None:
    """The directory holding initdb and pg_ctl: $PG_BIN, a Debian layout, or PATH."""
    candidates = [os.environ.get("PG_BIN", ""), *PG_BIN_CANDIDATES]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as ``postgres`` when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return command
    # runuser lives in /usr/sbin, which a minimal PATH (cron, CI) may leave out.
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser is None:
        pytest.skip("PostgreSQL refuses to run as root and runuser is not installed")
    return [runuser, "-u", "postgres", "--", *command]


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True,
                            timeout=PG_CTL_TIMEOUT + 30, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[sa.URL]:
    """Start a PostgreSQL cluster; yield the URL of its ``postgres`` database; remove it."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found in "
                    f"$PG_BIN, {', '.join(PG_BIN_CANDIDATES)} or PATH")
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
    root = Path(tempfile.mkdtemp(prefix="ledgerlink-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (root, sockets):
            os.chown(path, server_user.pw_uid, server_user.pw_gid)
    port = _free_port()
    started = False
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
              "--encoding=UTF8", "--locale=C", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        _run([str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-w", "-t",
              str(PG_CTL_TIMEOUT), "-l", str(root / "server.log"), "-o", options])
        started = True
        yield sa.URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1",
                            port=port, database="postgres")
    finally:
        if started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _run([str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate",
                      "-w", "-t", str(PG_CTL_TIMEOUT)])
        shutil.rmtree(root, ignore_errors=True)


def _create_database(server: sa.URL, template: str | None = None) -> str:
    """A new database (a copy of ``template`` when given); its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            copy = ""
            if template is not None:
                # FILE_COPY (PostgreSQL 15+) copies the files instead of WAL-logging
                # every block: several times faster for a small database.
                copy = f' TEMPLATE "{template}"'
                if conn.dialect.server_version_info >= (15,):
                    copy += " STRATEGY FILE_COPY"
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    finally:
        admin.dispose()
    return name


def _drop_database(server: sa.URL, name: str) -> None:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _url(server: sa.URL, name: str) -> str:
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(postgres_server: sa.URL) -> str:
    """A database migrated to head once, copied for each test (migrating costs ~0.5 s)."""
    from ledgerlink.store import Store

    name = _create_database(postgres_server)
    Store(_url(postgres_server, name)).close()  # no connection may stay open on a template
    return name


@pytest.fixture
def pg_empty_url(postgres_server: sa.URL) -> Iterator[str]:
    """A fresh, empty database (no tables) in the session's cluster, as a URL string."""
    name = _create_database(postgres_server)
    yield _url(postgres_server, name)
    _drop_database(postgres_server, name)


@pytest.fixture
def pg_url(postgres_server: sa.URL, migrated_template: str) -> Iterator[str]:
    """A fresh database already migrated to head, as a URL string for ``Store()``."""
    name = _create_database(postgres_server, migrated_template)
    yield _url(postgres_server, name)
    _drop_database(postgres_server, name)
