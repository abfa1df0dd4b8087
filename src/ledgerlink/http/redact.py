"""Keep secrets out of logs, reprs, exception text and recorded cassettes.

Everything that prints a request, a response or a credential goes through
these functions. Header names and body fields are matched case-insensitively;
a redacted value becomes :data:`REDACTED` so a reader still sees the field was
there.

Shapes (``access_token=…``, ``Bearer …``) miss a secret a provider repeats in
prose ("the token eyJ… has expired"). So each connection also keeps
:class:`KnownSecrets`, the values themselves (its access and refresh tokens,
client secret, authorization code), registered as they are loaded or
refreshed, and :meth:`KnownSecrets.scrub` removes them wherever they appear.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

__all__ = [
    "MIN_SECRET_CHARS",
    "REDACTED",
    "SECRET_FIELDS",
    "SECRET_HEADERS",
    "KnownSecrets",
    "mask",
    "redact_headers",
    "redact_text",
    "scrub_cassette_request",
    "scrub_cassette_response",
]

#: What a secret is replaced with.
REDACTED = "[redacted]"

#: Headers whose values are always secret.
SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
    "intuit-signature", "x-access-token", "x-appsecrettoken", "x-agreementgranttoken",
})

#: Body, form and query fields whose values are always secret.
SECRET_FIELDS = frozenset({
    "access_token", "refresh_token", "id_token", "client_secret", "code", "password",
    "token", "code_verifier", "client_assertion",
})

#: Secret fields that are also ordinary JSON names elsewhere: an OAuth ``code``
#: travels in query strings and forms, while ``"code"`` in a JSON body is a
#: provider's error code, which cassettes and errors must keep.
_FORM_ONLY_FIELDS = frozenset({"code"})

_FIELDS = "|".join(sorted(SECRET_FIELDS, key=len, reverse=True))
_JSON_FIELDS = "|".join(sorted(SECRET_FIELDS - _FORM_ONLY_FIELDS, key=len, reverse=True))
# "field": "value" in JSON, and field=value in forms and query strings.
_JSON_FIELD = re.compile(rf'("(?:{_JSON_FIELDS})"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
_FORM_FIELD = re.compile(rf"(?<![\w-])((?:{_FIELDS})=)[^&\s\"']+", re.IGNORECASE)
_SCHEME = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)


def mask(secret: str | None) -> str:
    """A placeholder for ``secret`` that says whether one is set, never what it is."""
    return "None" if secret is None else REDACTED


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` with the values of :data:`SECRET_HEADERS` replaced."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value for name, value in items
    }


def redact_text(text: str) -> str:
    """``text`` with secret JSON/form fields and Bearer/Basic credentials replaced."""
    text = _JSON_FIELD.sub(rf'\1"{REDACTED}"', text)
    text = _FORM_FIELD.sub(rf"\1{REDACTED}", text)
    return _SCHEME.sub(rf"\1 {REDACTED}", text)


#: Shorter values are not registered as secrets: scrubbing them would mangle ordinary
#: words of a message, and no token or client secret a provider issues is that short.
MIN_SECRET_CHARS = 8


def _spellings(value: str) -> set[str]:
    """How ``value`` may be written in a message: as is, URL-encoded, JSON-escaped."""
    escaped = json.dumps(value)[1:-1]
    return {value, quote(value, safe=""), quote_plus(value), escaped,
            escaped.replace("/", "\\/")}


class KnownSecrets:
    """The secret values one connection uses, scrubbed from text wherever they appear.

    Thread-safe; values shorter than :data:`MIN_SECRET_CHARS` are ignored. The
    repr tells how many values are known, never which.
    """

    def __init__(self, *values: str | None) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        # Every spelling, longest first, so a value is replaced before a part of it.
        self._spellings: tuple[str, ...] = ()
        self.add(*values)

    def __repr__(self) -> str:
        return f"KnownSecrets({len(self._values)} values)"

    def __len__(self) -> int:
        return len(self._values)

    def add(self, *values: str | None) -> None:
        """Know ``values`` as secrets from now on (None and short values are skipped)."""
        fresh = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_CHARS}
        with self._lock:
            if fresh <= self._values:
                return
            self._values |= fresh
            spellings = set().union(*(_spellings(v) for v in self._values))
            self._spellings = tuple(sorted(spellings, key=len, reverse=True))

    def scrub(self, text: str) -> str:
        """``text`` with every known value replaced by :data:`REDACTED`, the rest as it was
        (shapes are :func:`redact_text`'s business)."""
        for spelling in self._spellings:
            if spelling in text:
                text = text.replace(spelling, REDACTED)
        return text


def _redact_body(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes):
        try:
            return redact_text(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return body
    if isinstance(body, str):
        return redact_text(body)
    return body


def _redact_uri(uri: str) -> str:
    base, sep, query = uri.partition("?")
    if not sep:
        return uri
    pairs = [(k, REDACTED if k.lower() in SECRET_FIELDS else v)
             for k, v in parse_qsl(query, keep_blank_values=True)]
    return f"{base}?{urlencode(pairs, safe='[]')}"


def scrub_cassette_request(request: Any) -> Any:
    """A vcrpy ``before_record_request`` hook: drop secrets from the request.

    Works on vcrpy's ``Request`` (``headers`` mapping, ``body``, ``uri``)
    without importing vcrpy.
    """
    for name in list(request.headers):
        if name.lower() in SECRET_HEADERS:
            request.headers[name] = REDACTED
    request.body = _redact_body(request.body)
    if hasattr(request, "uri"):
        # Some vcrpy versions derive ``uri``; then it cannot be set, and stays.
        with contextlib.suppress(AttributeError):
            request.uri = _redact_uri(request.uri)
    return request


def scrub_cassette_response(response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy ``before_record_response`` hook: drop secrets from the response.

    vcrpy records responses as ``{"status", "headers": {name: [values]},
    "body": {"string": bytes}}``.
    """
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            headers[name] = [REDACTED]
    body = response.get("body")
    if isinstance(body, dict) and "string" in body:
        body["string"] = _redact_body(body["string"])
    return response
