"""Internal: the command line's exit statuses (apart from :mod:`.errors`: cheap to name)."""

from __future__ import annotations

__all__ = ["EXIT_BAD_INPUT", "EXIT_BOOK_BUSY", "EXIT_FAILURES"]

#: Exit status for bad input (click uses 2 for usage errors too).
EXIT_BAD_INPUT = 2
#: Exit status when a run finished but some actions failed.
EXIT_FAILURES = 1
#: Exit status when another run holds the book (one run at a time per book).
EXIT_BOOK_BUSY = 3
