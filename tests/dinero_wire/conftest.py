"""Where the official Dinero material is: $LEDGERLINK_SHARED (CI sets it) or ../shared."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerlink_dinero.contract import EndpointContract

SHARED = Path(os.environ.get("LEDGERLINK_SHARED", Path(__file__).parents[2].parent / "shared"))
DINERO = SHARED / "providers" / "dinero"
EXAMPLES = DINERO / "examples"
MATRIX = DINERO / "spec-extract" / "endpoint-matrix.json"


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
