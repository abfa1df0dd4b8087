"""Writes that are not trapped by a refusal QuickBooks replays for their requestid.

QuickBooks stores the answer to a write under its ``requestid`` and replays it
to every later request with that id (:mod:`.keys`). That is what makes a
retried write safe, and what can trap one: a run killed after sending a
request's headers but before its body leaves QuickBooks an empty body, which
it refuses as malformed and stores; every retry of the same write — the HTTP
layer's, the next run's — carries the same deterministic requestid and gets
the stored refusal back, for ever.

A refusal that says the *request* was malformed proves the write was not
done, so it is safe to send the write again under another requestid:

* :func:`is_malformed` recognises those refusals: HTTP 400 with code ``400``
  (``MalformedRequest``, e.g. "Batch Request is Empty") or ``2010`` ("Request
  has invalid or unsupported property", QuickBooks' answer to a body it cannot
  parse). A body that really is malformed is refused again under the new id,
  and that refusal is the caller's error; it costs one more request.
* the next requestid is the next *generation* of the same write
  (:func:`generation_key`), still derived from what it writes, so a run that
  crashes after a retry and runs again walks the same ids and meets the
  answers QuickBooks stored for them instead of writing twice. At most
  :data:`GENERATIONS` are tried.
* creates are looked up by key before they are sent again (the batch create
  does, :mod:`.batch`), and QuickBooks refuses a repeated DocNumber in any case
  (6210, which the connector resolves to the invoice that is ours).

A write's answer is read by :meth:`.api.QuickBooksApi.write`: a 2xx whose body
is not a JSON object says nothing about whether the write was done, so it
raises TransientProviderError, which the runner treats as it treats a timeout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from ledgerlink.errors import LedgerlinkError, ProviderError
from ledgerlink.http.client import ProviderClient
from ledgerlink.http.limits import DEFAULT_LIMIT
from ledgerlink_quickbooks.keys import request_id

__all__ = ["GENERATIONS", "MALFORMED_CODES", "generation_key", "is_malformed", "post"]

#: Fault codes saying the request itself could not be read.
MALFORMED_CODES = frozenset({"400", "2010"})
#: Requestids tried for one write: the first and two more after malformed refusals.
GENERATIONS = 3


def is_malformed(err: LedgerlinkError) -> bool:
    """True for a plain 400 refusal saying the request was malformed (see the module doc)."""
    return (type(err) is ProviderError and err.status == 400
            and err.code in MALFORMED_CODES)


def generation_key(key: str, generation: int) -> str:
    """The requestid key of ``generation`` of the write keyed ``key`` (0: ``key`` itself)."""
    return key if generation == 0 else f"{key}|generation:{generation}"


def post(http: ProviderClient, realm_id: str, path: str, body: bytes, operation: str,
         key: str, *, params: Mapping[str, str] | None = None,
         content_type: str = "application/json",
         limits: Sequence[str] = (DEFAULT_LIMIT,)) -> httpx.Response:
    """POST one write under its requestid, and under the next generation's after a
    malformed refusal (at most :data:`GENERATIONS` in all)."""
    for generation in range(GENERATIONS):
        rid = request_id(realm_id, operation, generation_key(key, generation))
        try:
            return http.post(path, params={**(params or {}), "requestid": rid}, content=body,
                             headers={"Content-Type": content_type}, idempotent=True,
                             limits=limits)
        except ProviderError as err:
            if not is_malformed(err) or generation == GENERATIONS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover

