"""Set-up for the Dinero connector tests.

The connector talks to an emulator organisation, connected by code exchange,
through its in-process httpx transport: nothing leaves the process. stamina's
waits are off, so retries cost no time. The official examples and the
endpoint matrix are read from the shared provider material (skipped, with the
path, when it is absent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.contract import EndpointContract
from ledgerlink_dinero.emulator import DineroEmulator
from tests.ledgerlink_dinero.support import build_connector
from tests.paths import SHARED

DINERO = SHARED / "providers" / "dinero"
EXAMPLES = DINERO / "examples"
MATRIX = DINERO / "spec-extract" / "endpoint-matrix.json"


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once in every test here (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def emulator() -> DineroEmulator:
    """A fresh emulator (real clock: the change feed compares moments)."""
    return DineroEmulator()


@pytest.fixture
def dinero(emulator: DineroEmulator, tmp_path: Path) -> Iterator[DineroConnector]:
    """A connector on a fresh organisation, closed after the test."""
    connector = build_connector(emulator, tmp_path)
    try:
        yield connector
    finally:
        connector.close()


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"official Dinero material not found at {path} (set LEDGERLINK_SHARED)")
    return path


@pytest.fixture
def dinero_example() -> Callable[[str], Any]:
    """Load an official Dinero example by file name; skip when the material is absent."""

    def load(name: str) -> Any:
        return json.loads(_require(EXAMPLES / name).read_text(encoding="utf-8"),
                          parse_float=Decimal)

    return load


@pytest.fixture
def dinero_example_text() -> Callable[[str], str]:
    """The raw text of an official Dinero example; skip when the material is absent."""

    def read(name: str) -> str:
        return _require(EXAMPLES / name).read_text(encoding="utf-8")

    return read


@pytest.fixture
def matrix_path() -> Path:
    """Where the endpoint matrix is; skip when the material is absent."""
    return _require(MATRIX)


@pytest.fixture
def matrix(matrix_path: Path) -> EndpointContract:
    """The endpoint matrix extracted from Dinero's official swagger."""
    return EndpointContract.from_file(matrix_path)
