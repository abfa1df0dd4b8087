"""Where the tests find the checkout and the shared provider material.

``SHARED`` is ``$LEDGERLINK_SHARED`` (CI sets it) or ``../shared`` beside the
checkout; the tests that need it skip with the path in their message when it
is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout's root (where pyproject.toml is).
ROOT = Path(__file__).resolve().parents[1]
#: The documentation pages.
DOCS = ROOT / "docs"
#: Sample inputs shared by the core tests.
DATA = ROOT / "tests" / "data"
#: Official provider material, e-invoice rules and CRM notes.
SHARED = Path(os.environ.get("LEDGERLINK_SHARED", ROOT.parent / "shared"))
