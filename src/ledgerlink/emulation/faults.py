"""Internal: faults to inject into an emulator's answers: counted (the next N calls) or drawn at
random with a seed (a share of calls), so a benchmark can run a whole job against an
unreliable provider and repeat the same run."""

from __future__ import annotations

import random
import threading

import attrs

__all__ = ["SERVER_ERROR", "SHARE_NAMES", "Faults", "parse_shares"]

#: The status an injected server error answers with.
SERVER_ERROR = 503
#: Names of the fault shares in ``--faults 5xx=0.1,429=0.05,drop=0.02``.
SHARE_NAMES = ("5xx", "429", "drop")


def _share(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"a share of calls is between 0 and 1, not {value}")
    return float(value)


@attrs.define
class Faults:
    """Faults to inject into the next calls, counted or drawn at random (thread-safe).

    Counted faults (:meth:`fail_next`, :meth:`drop_after_commit`) come first.
    With :meth:`randomly` each further call is also answered 5xx or 429 with
    the given shares, and each successful write has its connection cut after
    it committed with the drop share; the draws come from one
    ``random.Random(seed)``, so the same calls in the same order meet the same
    faults. :attr:`injected` counts what was injected, by kind.
    """

    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _errors: list[int] = attrs.field(factory=list)
    _drops: int = 0
    _error_share: float = 0.0
    _throttle_share: float = 0.0
    _drop_share: float = 0.0
    _random: random.Random = attrs.field(factory=random.Random)
    _injected: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(SHARE_NAMES, 0))

    def fail_next(self, count: int = 1, status: int = SERVER_ERROR) -> None:
        """Answer the next ``count`` API calls with HTTP ``status`` without doing them."""
        with self._lock:
            self._errors.extend([status] * count)

    def drop_after_commit(self, count: int = 1) -> None:
        """Cut the connection on the next ``count`` successful writes, after they committed."""
        with self._lock:
            self._drops += count

    def randomly(self, *, errors: float = 0.0, throttles: float = 0.0, drops: float = 0.0,
                 seed: int | None = None) -> None:
        """From now on answer a share ``errors`` of calls 5xx and ``throttles`` 429, and cut
        a share ``drops`` of successful writes after their commit; ``seed`` makes it repeatable.

        Raises:
            ValueError: a share outside 0..1, or 5xx and 429 shares adding up to more than 1.
        """
        error_share, throttle_share, drop_share = _share(errors), _share(throttles), _share(drops)
        if error_share + throttle_share > 1.0:
            raise ValueError("the 5xx and 429 shares add up to more than every call")
        with self._lock:
            self._error_share, self._throttle_share = error_share, throttle_share
            self._drop_share = drop_share
            self._random = random.Random(seed)

    def clear(self) -> None:
        """Forget every pending fault and stop injecting at random."""
        with self._lock:
            self._errors.clear()
            self._drops = 0
            self._error_share = self._throttle_share = self._drop_share = 0.0

    @property
    def injected(self) -> dict[str, int]:
        """How many 5xx answers, 429 answers and cut connections were injected so far."""
        with self._lock:
            return dict(self._injected)

    def take_error(self) -> int | None:
        """The status of the error to answer this call with, if any (429 or a 5xx)."""
        with self._lock:
            if self._errors:
                status = self._errors.pop(0)
            elif self._error_share or self._throttle_share:
                draw = self._random.random()
                if draw < self._error_share:
                    status = SERVER_ERROR
                elif draw < self._error_share + self._throttle_share:
                    status = 429
                else:
                    return None
            else:
                return None
            self._injected["429" if status == 429 else "5xx"] += 1
            return status

    def take_drop(self) -> bool:
        """True when this committed write's answer must be cut (counted, then at random)."""
        with self._lock:
            if self._drops > 0:
                self._drops -= 1
            elif not (self._drop_share and self._random.random() < self._drop_share):
                return False
            self._injected["drop"] += 1
            return True


def parse_shares(text: str) -> dict[str, float]:
    """``"5xx=0.1,429=0.05,drop=0.02"`` as ``{"5xx": 0.1, "429": 0.05, "drop": 0.02}``.

    Raises:
        ValueError: an unknown name, a value that is not a number in 0..1.
    """
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in SHARE_NAMES:
            raise ValueError(f"{part!r}: expected one of {', '.join(SHARE_NAMES)} as name=share")
        try:
            shares[name.strip()] = _share(float(value))
        except ValueError as err:
            raise ValueError(f"{part!r}: {err}") from err
    return shares
