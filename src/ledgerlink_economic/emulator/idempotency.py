"""``Idempotency-Key`` on writes: the first answer kept one hour and replayed [E5][E10][E13].

A non-GET carrying the header is answered once; the same key from the same
agreement within the hour gets that answer again with ``X-ResultFromCache:
true``, without doing the write again. The documentation says nothing of a
different request under a used key; the emulator refuses it (400) so a client
that reuses keys across writes is caught (inferred). Answers of injected
faults and throttling are not kept: they are not the write's outcome.
"""

from __future__ import annotations

import hashlib
import threading

import attrs

from ledgerlink.emulation import EmuRequest, EmuResponse
from ledgerlink_economic.emulator.wire import EconomicError

__all__ = ["KEEP_SECONDS", "Replays"]

KEEP_SECONDS = 3600.0
HEADER = "idempotency-key"


def _fingerprint(request: EmuRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


class Replays:
    """Kept answers per (agreement, key)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, str], tuple[float, str, EmuResponse]] = {}
        # Agreements are locked one by one; the kept answers of all of them share this.
        self._lock = threading.Lock()

    def replay(self, agreement: int, request: EmuRequest, now: float) -> EmuResponse | None:
        """The kept answer for this request's key (marked as from the cache), if any.

        Raises:
            EconomicError: 400 when the key was used for a different request.
        """
        key = request.headers.get(HEADER)
        if not key or request.method == "GET":
            return None
        with self._lock:
            self._expire(now)
            kept = self._kept.get((agreement, key))
        if kept is None:
            return None
        if kept[1] != _fingerprint(request):
            raise EconomicError(400, "The Idempotency-Key was used for a different request.",
                                "Use a new Idempotency-Key for every distinct write.")
        return attrs.evolve(kept[2], headers={**kept[2].headers, "x-resultfromcache": "true"},
                            drop=False)

    def keep(self, agreement: int, request: EmuRequest, answer: EmuResponse, now: float
             ) -> None:
        """Keep ``answer`` for the request's key (when it has one)."""
        key = request.headers.get(HEADER)
        if key and request.method != "GET" and answer.status not in (429,) \
                and answer.status < 500:
            with self._lock:
                self._kept[(agreement, key)] = (now + KEEP_SECONDS, _fingerprint(request),
                                                answer)

    def _expire(self, now: float) -> None:
        for kept_key in [k for k, v in self._kept.items() if v[0] <= now]:
            del self._kept[kept_key]
