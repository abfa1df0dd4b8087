"""Package attributes imported on first use (a module ``__getattr__`` made in one line).

A package whose ``__init__`` re-exports its heavy classes would load them for
anyone importing any of its modules: the plugin entry point, for one, on every
``ledgerlink`` start. With ``__getattr__ = lazy_attributes(__name__, {...})``
each name is imported from its module when first read, then kept.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each name from ``homes[name]``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)  # later reads skip this function
        return value

    return __getattr__
