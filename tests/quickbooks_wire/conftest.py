"""Where the official QuickBooks material is: $LEDGERLINK_SHARED (CI sets it) or ../shared."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(os.environ.get("LEDGERLINK_SHARED", Path(__file__).parents[2].parent / "shared"))
EXAMPLES = SHARED / "providers" / "quickbooks" / "examples"


@pytest.fixture
def qbo_example() -> Any:
    """Load an official QuickBooks example by relative path; skip when the material is absent."""

    def load(relative: str) -> Any:
        path = EXAMPLES / relative
        if not path.exists():
            pytest.skip(f"official QuickBooks material not found at {path} (set LEDGERLINK_SHARED)")
        return json.loads(path.read_text(), parse_float=Decimal)

    return load
