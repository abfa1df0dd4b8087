"""Former home of the provider `connect` commands' OAuth pieces: see ledgerlink.cli.connect.

Kept so plugins written against it keep importing; new code imports
:mod:`ledgerlink.cli.connect`.
"""

from __future__ import annotations

from ledgerlink.cli.connect import *  # noqa: F403
from ledgerlink.cli.connect import __all__ as __all__
