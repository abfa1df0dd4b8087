"""Fixtures for more than one package's tests: TLS SMTP servers (notifications, e-mail delivery)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp_servers import Pki, TlsServe, make_pki, tls_servers


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA and server certificates, made once per run."""
    # EC keys and a day's validity: cheap to make, and no run outlives them.
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_serve(pki: Pki) -> Iterator[TlsServe]:
    """Start TLS SMTP servers on 127.0.0.1 (see :func:`tests.smtp_servers.tls_servers`)."""
    with tls_servers(pki) as start:
        yield start
