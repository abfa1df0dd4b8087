"""vcrpy cassettes that pin a connector's wire format without keeping its secrets.

A connector's cassette test replays committed recordings (record mode
``none``) and re-records them against its emulator when
:data:`RECORD_ENV` is ``1`` (see :func:`recording`). :func:`recorder` wires
the pieces every such test needs:

* the HTTP layer's hooks (:func:`ledgerlink.http.redact.scrub_cassette_request`
  and ``scrub_cassette_response``) drop secrets before anything is written;
* :func:`scrubbed_body` compares bodies after the same redaction, so a secret
  that differs on every run (a rotated refresh token) still matches while the
  rest of the body (``grant_type``, which fields are present) must not change;
* :func:`stable_query` and :func:`stable_body` compare the named
  time-dependent values (a change feed's "since" moment, a date taken from
  today) by presence only.

vcrpy is a test extra: it is imported inside the functions that use it, so
importing this module never needs it.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Collection, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx

from ledgerlink.http.redact import redact_text, scrub_cassette_request, scrub_cassette_response

__all__ = [
    "RECORD_ENV",
    "Matcher",
    "pinned_headers",
    "recorder",
    "recording",
    "scrubbed_body",
    "stable_body",
    "stable_query",
]

#: Set to ``1`` to record cassettes (record mode ``all``) instead of replaying them.
RECORD_ENV = "LEDGERLINK_RECORD_CASSETTES"
#: What a volatile value is replaced with on both sides before comparing.
_PRESENT = "<present>"

#: A vcrpy matcher: ``(live request, recorded request)``; raises AssertionError on a mismatch.
Matcher = Callable[[Any, Any], None]


def recording() -> bool:
    """Whether this run records cassettes (``LEDGERLINK_RECORD_CASSETTES=1``)."""
    return os.environ.get(RECORD_ENV) == "1"


def _scrubbed(request: Any) -> Any:
    """A copy of ``request`` whose body went through the recording's redaction."""
    clean = copy.copy(request)
    body = request.body
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return clean
    clean.body = redact_text(body) if isinstance(body, str) else body
    return clean


def scrubbed_body(live: Any, recorded: Any) -> None:
    """vcrpy matcher: vcrpy's ``body`` matcher on bodies with their secrets redacted.

    Like vcrpy's, form and JSON bodies compare as parsed (field order is free).
    Raises AssertionError (vcrpy's protocol) naming the difference.
    """
    import vcr.matchers  # type: ignore[import-untyped]

    vcr.matchers.body(_scrubbed(live), _scrubbed(recorded))


def stable_body(names: Collection[str]) -> Matcher:
    """A :func:`scrubbed_body` matcher comparing the top-level JSON fields ``names`` by
    presence only (e.g. a date the connector takes from today)."""
    volatile = frozenset(names)

    def pinned(request: Any) -> Any:
        clean = _scrubbed(request)
        body = clean.body
        try:
            document = json.loads(body) if body else None
        except (TypeError, ValueError):
            return clean  # not JSON: compared as it is
        if isinstance(document, dict):
            clean.body = json.dumps(
                {k: _PRESENT if k in volatile else v for k, v in document.items()})
        return clean

    def matcher(live: Any, recorded: Any) -> None:
        import vcr.matchers

        vcr.matchers.body(pinned(live), pinned(recorded))

    return matcher


def stable_query(names: Collection[str]) -> Matcher:
    """A vcrpy matcher: vcrpy's ``query`` matcher, with the parameters ``names`` (moments of
    the run, such as a change feed's "since") compared by presence only."""
    volatile = frozenset(names)

    def pinned(request: Any) -> Any:
        clean = copy.copy(request)
        params = [(k, _PRESENT if k in volatile else v) for k, v in request.query]
        clean.uri = str(httpx.URL(request.uri).copy_with(params=params))
        return clean

    def matcher(live: Any, recorded: Any) -> None:
        import vcr.matchers

        vcr.matchers.query(pinned(live), pinned(recorded))

    return matcher


def pinned_headers(names: Collection[str]) -> Matcher:
    """A vcrpy matcher comparing the request headers ``names`` (case-insensitive; absent
    equals absent), for headers that select what is answered, such as ``Accept``."""
    wanted = sorted({name.lower() for name in names})

    def values(request: Any) -> list[tuple[str, str | None]]:
        headers = {str(k).lower(): str(v) for k, v in request.headers.items()}
        return [(name, headers.get(name)) for name in wanted]

    def matcher(live: Any, recorded: Any) -> None:
        if values(live) != values(recorded):
            raise AssertionError(f"headers differ: {values(live)} != {values(recorded)}")

    return matcher


def recorder(path: str | os.PathLike[str], *, record: bool,
             volatile_query: Iterable[str] = (), volatile_body: Iterable[str] = (),
             headers: Iterable[str] = ()) -> AbstractContextManager[Any]:
    """The cassette at ``path``, as vcrpy's ``use_cassette`` context (yielding the cassette).

    Replaying (``record`` false, mode ``none``), every request must match a
    recorded one on method, path, query and body, or vcrpy raises
    ``CannotOverwriteExistingCassetteException``; a missing cassette is a
    FileNotFoundError. Recording (mode ``all``), secrets are scrubbed by the
    HTTP layer's hooks before the cassette is written afresh (an existing file is
    removed first, so a flow that sends less leaves nothing stale). ``volatile_query`` and
    ``volatile_body`` name the query parameters and top-level JSON body fields
    compared by presence only; ``headers`` names request headers that must match
    too (:func:`pinned_headers`).
    """
    import vcr

    cassette = Path(path)
    if record:
        # vcrpy's mode "all" keeps what the file held and appends: start from nothing.
        cassette.unlink(missing_ok=True)
    elif not cassette.exists():
        raise FileNotFoundError(f"cassette {cassette} is missing: record it with {RECORD_ENV}=1")
    body_fields = frozenset(volatile_body)
    header_names = frozenset(headers)
    match_on = ["method", "path", "stable_query", "scrubbed_body"]
    if header_names:
        match_on.append("pinned_headers")
    vcr_config = vcr.VCR(
        record_mode="all" if record else "none",
        match_on=match_on,
        before_record_request=scrub_cassette_request,
        before_record_response=scrub_cassette_response,
        decode_compressed_response=True,
    )
    vcr_config.register_matcher(
        "scrubbed_body", stable_body(body_fields) if body_fields else scrubbed_body)
    vcr_config.register_matcher("stable_query", stable_query(frozenset(volatile_query)))
    vcr_config.register_matcher("pinned_headers", pinned_headers(header_names))
    context: AbstractContextManager[Any] = vcr_config.use_cassette(str(cassette))
    return context
