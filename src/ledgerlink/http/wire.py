"""One wire format per provider: its JSON shapes, one strict converter, and answers read
so that nothing malformed gets past as a raw exception or a wrong value.

Every HTTP connector describes its provider's JSON as attrs classes carrying the
provider's own field names, and configures them here once::

    WIRE = wire_format("quickbooks", (QboInvoice, QboCustomer, ...))
    invoice = WIRE.read(response, QboInvoice, operation="read invoice", key="Invoice")

What every format shares, from :func:`ledgerlink.convert.strict_converter`:
``bool`` takes only ``true``/``false`` (``"false"`` is not True), ``int`` only a
whole number, ``Decimal`` an exact number (never a float), ``date`` only
``YYYY-MM-DD``, a list only a list and an object only an object. What differs
per provider is an option: whether a camelCase key is read as its PascalCase
field, which read-side names map to other fields, whether unknown fields are
refused, whether amounts may come as text, whether a date and time may lack an
offset, and whether numeric ids are read as text.

Writes leave out ``None`` fields (providers read a present ``null`` as "clear
it") and keep ``Decimal`` for :func:`ledgerlink.http.jsonbody.encode`, which
writes its exact digits.

Reading an answer (:meth:`WireFormat.body`, :meth:`WireFormat.read`) turns every
way it can be malformed — not JSON, empty, an HTML page, ``[]``, ``null`` or a
string where an object belongs, a wrong type deep inside — into a
:class:`~ledgerlink.errors.ProviderError` that names the provider, the operation
and what was wrong, with the status and the request id. For the answer to a write
pass ``unclear=True``: the write may have been done, so the error is a
:class:`~ledgerlink.errors.TransientProviderError` and the runner reconciles it
by key, as after a timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from json import JSONDecodeError
from typing import Any, Literal, TypeVar

import attrs
import cattrs
import httpx
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_unstructure_fn

from ledgerlink.convert import problems_of, strict_converter
from ledgerlink.errors import ProviderError, TransientProviderError, ValidationError
from ledgerlink.http import jsonbody
from ledgerlink.http.errors import REQUEST_ID_HEADERS
from ledgerlink.http.redact import KnownSecrets, redact_text

__all__ = ["KeyStyle", "WireFormat", "wire_format"]

T = TypeVar("T")
#: ``"exact"``: keys as the classes spell them; ``"pascal"``: ``contactGuid`` is read
#: as ``ContactGuid`` too (for providers whose examples and answers mix both).
KeyStyle = Literal["exact", "pascal"]
#: How much of an unreadable body an error quotes.
EXCERPT_CHARS = 120
#: How many field problems an error lists.
MAX_PROBLEMS = 5


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return "an empty body"
    shown = text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."
    return repr(shown)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


@attrs.frozen
class WireFormat:
    """A provider's JSON: its converter, and answers read into its classes or refused.

    Attributes:
        provider: the connector name errors carry.
        converter: the configured cattrs converter (a fresh one; never cattrs' global).
        request_id_headers: response headers holding the provider's request id.
    """

    provider: str
    converter: cattrs.Converter
    request_id_headers: tuple[str, ...] = REQUEST_ID_HEADERS
    secrets: KnownSecrets | None = None

    def bound(self, secrets: KnownSecrets) -> WireFormat:
        """This format for one connection: its errors never quote the connection's
        secrets (an answer that repeats the access token, a proxy page echoing a key)."""
        return attrs.evolve(self, secrets=secrets)

    def dumps(self, payload: object) -> bytes:
        """``payload`` (an attrs shape or plain data) as a JSON request body."""
        return jsonbody.encode(self.converter.unstructure(payload))

    def unstructure(self, payload: object) -> Any:
        """``payload`` as plain data (``None`` fields left out, ``Decimal`` kept)."""
        return self.converter.unstructure(payload)

    def malformed(self, what: str, *, operation: str, response: httpx.Response | None = None,
                  unclear: bool = False) -> ProviderError:
        """The error for an answer that is not what the provider documents.

        Args:
            what: what was wrong ("not JSON: '<html>...'", "Customer.Id missing").
            operation: what was being done ("create invoice").
            response: the answer, for its status and request id.
            unclear: the answer was to a write, whose outcome is now unknown.
        """
        status = response.status_code if response is not None else None
        request_id = None
        if response is not None:
            request_id = next((response.headers[name] for name in self.request_id_headers
                               if response.headers.get(name)), None)
        # The problem quotes the answer: token-like text and known secrets never leave in it.
        what = redact_text(what)
        if self.secrets is not None:
            what = self.secrets.scrub(what)
        cls = TransientProviderError if unclear else ProviderError
        return cls(f"{operation}: malformed answer: {what}", provider=self.provider,
                   status=status, request_id=request_id)

    def loads(self, text: str | bytes, *, operation: str,
              response: httpx.Response | None = None, unclear: bool = False) -> Any:
        """Parse a JSON document (non-integer numbers as ``Decimal``), or raise
        :meth:`malformed` naming what came instead."""
        try:
            return jsonbody.decode(text)
        except (JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError):
            shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
            raise self.malformed(f"not JSON: {_excerpt(shown)}", operation=operation,
                                 response=response, unclear=unclear) from None

    def body(self, response: httpx.Response, *, operation: str, unclear: bool = False) -> Any:
        """The JSON document of a success answer."""
        return self.loads(response.content, operation=operation, response=response,
                          unclear=unclear)

    def mapping(self, data: object, *, operation: str, key: str | None = None,
                response: httpx.Response | None = None,
                unclear: bool = False) -> Mapping[str, Any]:
        """``data`` (or ``data[key]``) as a JSON object, or raise :meth:`malformed`."""
        if key is not None:
            if not isinstance(data, Mapping):
                raise self.malformed(f"expected an object holding {key!r}, got {_kind(data)}",
                                     operation=operation, response=response, unclear=unclear)
            if key not in data:
                raise self.malformed(f"{key!r} missing", operation=operation,
                                     response=response, unclear=unclear)
            data = data[key]
        if not isinstance(data, Mapping):
            where = f"{key!r}: " if key else ""
            raise self.malformed(f"{where}expected an object, got {_kind(data)}",
                                 operation=operation, response=response, unclear=unclear)
        return data

    def structure(self, data: object, cls: type[T], *, operation: str,
                  response: httpx.Response | None = None, unclear: bool = False,
                  where: str | None = None) -> T:
        """Build ``cls`` from ``data``; every problem named by its field path."""
        label = where or cls.__name__
        try:
            return self.converter.structure(data, cls)
        except (ClassValidationError, IterableValidationError, ValidationError, ValueError,
                TypeError, KeyError, AttributeError, RecursionError) as exc:
            try:
                problems = problems_of(exc, data)
            except Exception:  # problems_of re-raises shapes it does not know; name the class
                problems = []
            shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS]) or type(exc).__name__
            if len(problems) > MAX_PROBLEMS:
                shown += f"; and {len(problems) - MAX_PROBLEMS} more"
            raise self.malformed(f"{label}: {shown}", operation=operation, response=response,
                                 unclear=unclear) from None

    def read(self, response: httpx.Response, cls: type[T], *, operation: str,
             key: str | None = None, unclear: bool = False) -> T:
        """A success answer's object (or its ``key`` member) as ``cls``."""
        data = self.mapping(self.body(response, operation=operation, unclear=unclear),
                            operation=operation, key=key, response=response, unclear=unclear)
        return self.structure(data, cls, operation=operation, response=response,
                              unclear=unclear, where=key)

    def read_list(self, data: object, cls: type[T], *, operation: str, key: str | None = None,
                  response: httpx.Response | None = None) -> list[T]:
        """``data[key]`` (absent: none) or ``data`` as a list of ``cls``."""
        if key is not None:
            items = self.mapping(data, operation=operation, response=response).get(key, [])
        else:
            items = data
        if not isinstance(items, list):
            raise self.malformed(f"{key or 'answer'}: expected a list, got {_kind(items)}",
                                 operation=operation, response=response)
        return [self.structure(item, cls, operation=operation, response=response,
                               where=f"{key or cls.__name__}[{index}]")
                for index, item in enumerate(items)]

    def required(self, value: T | None, what: str, *, operation: str,
                 response: httpx.Response | None = None, unclear: bool = False) -> T:
        """``value``, or :meth:`malformed` saying ``what`` is missing (a created
        object's id, say); never an ``assert``."""
        if value is None or value == "":
            raise self.malformed(f"{what} missing", operation=operation, response=response,
                                 unclear=unclear)
        return value


def _key_normaliser(fn: Callable[[Any, Any], Any], renames: Mapping[str, str],
                    pascal: bool) -> Callable[[Any, Any], Any]:
    def structure(value: Any, cls: Any) -> Any:
        if not isinstance(value, Mapping):
            return fn(value, cls)  # the strict hook below names the wrong type
        out = {}
        for raw in value:
            key = str(raw)
            if pascal:
                key = key[:1].upper() + key[1:]
            out[renames.get(key, key)] = value[raw]
        return fn(out, cls)

    return structure


def _text_or_number(value: Any, _: type) -> str:
    # Providers write some ids as JSON numbers (QuickBooks' are strings, Dinero's
    # account numbers are not); both are the same id as text.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValidationError(f"expected text, got {_kind(value)}", value=value)


def wire_format(
    provider: str,
    classes: Iterable[type],
    *,
    key_style: KeyStyle = "exact",
    renames: Mapping[str, str] | None = None,
    unknown: Literal["ignore", "refuse"] = "ignore",
    amounts_as_text: bool = False,
    naive_datetimes: bool = False,
    ids_as_numbers: bool = True,
    request_id_headers: Sequence[str] = REQUEST_ID_HEADERS,
) -> WireFormat:
    """Configure a provider's wire format.

    Args:
        provider: the connector name errors carry.
        classes: the attrs classes of the provider's JSON (nested ones included).
        key_style: ``"pascal"`` reads camelCase keys as the PascalCase fields.
        renames: read-side key → field name, where an answer names a field
            differently from the write (``{"TimeStamp": "Timestamp"}``).
        unknown: ``"ignore"`` fields no class declares (answers carry many a
            connector does not read) or ``"refuse"`` them.
        amounts_as_text: also read ``"12.50"`` as an amount.
        naive_datetimes: read a date and time without an offset as given.
        ids_as_numbers: read a JSON whole number in a text field as its digits.
        request_id_headers: response headers holding the request id.
    """
    conv = strict_converter(forbid_extra_keys=unknown == "refuse",
                            amounts_as_text=amounts_as_text, naive_datetimes=naive_datetimes)
    if ids_as_numbers:
        conv.register_structure_hook(str, _text_or_number)
    # jsonbody.encode writes a Decimal's exact digits; a string would lose the number type.
    conv.register_unstructure_hook(Decimal, lambda d: d)
    mapping = dict(renames or {})
    for cls in classes:
        conv.register_unstructure_hook(cls, jsonbody.omit_none(make_dict_unstructure_fn(cls, conv)))
        if mapping or key_style == "pascal":
            conv.register_structure_hook(
                cls, _key_normaliser(conv.get_structure_hook(cls), mapping, key_style == "pascal"))
    return WireFormat(provider, conv, tuple(request_id_headers))
