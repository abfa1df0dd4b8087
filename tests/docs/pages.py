"""Running a docs page's Python example as the reader would, in a fresh directory."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

__all__ = ["python_blocks", "run_the_example"]


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of ``page``, in order."""
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def run_the_example(page: Path, directory: Path) -> dict[str, Any]:
    """Run the page's one Python block in ``directory``; the names it left behind."""
    (block,) = python_blocks(page)
    namespace: dict[str, Any] = {}
    here = Path.cwd()
    os.chdir(directory)
    try:
        exec(compile(block, str(page), "exec"), namespace)
    finally:
        os.chdir(here)
    return namespace
