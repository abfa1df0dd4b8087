"""The ledgerlink error tree.

Every error ledgerlink raises derives from :class:`LedgerlinkError`::

    LedgerlinkError
    ├── ValidationError            bad input; names the field path (and file/row when read from one)
    │   ├── InputFileError         a whole input file could not be read
    │   ├── ConnectorOptionError   options a connector's or channel's factory does not take or lacks
    │   └── WebhookSignatureError  a webhook delivery's signature is missing, malformed or wrong
    ├── PolicyError                a billing policy that cannot be applied
    ├── PluginError                plugin discovery/registration failed
    │   ├── DuplicateConnectorError   two plugins registered one connector name
    │   ├── DuplicateChannelError  two plugins registered one delivery channel name
    │   └── DuplicateSourceError   two plugins registered one work source name
    ├── UnknownConnectorError      ``connect("name")`` for a name nobody registered
    ├── UnknownSourceError         ``open_source("name")`` for a name nobody registered
    ├── CapabilityError            a connector was asked for something it does not declare
    ├── StoreError                 the journal store is unusable (schema too new, locked, ...)
    │   └── WatermarkMovedError    a change-feed watermark moved since it was read
    ├── WorkersUnavailable         the worker pool lacks the ``workers`` extra or a PostgreSQL store
    ├── BookBusyError              another run holds the book's lease (CLI exit status 3)
    ├── LeaseLost                  a run's lease was taken over; the run stops as if it crashed
    ├── RateLimitTimeout           a request waited longer than allowed for its rate limits
    ├── NotificationError          a run report could not be delivered (keeps the SMTP reply)
    ├── DeliveryError              a delivery channel is misconfigured (no server, bad folder...)
    │   └── UnknownChannelError    ``open_channel("name")`` for a name nobody registered
    ├── EInvoiceRulesError         e-invoice rules cannot be loaded (no folder, a file, no saxonche)
    ├── ReceiverLookupError        a PEPPOL receiver lookup got no answer (keeps participant, URL)
    │   ├── SmlUnavailableError    the SML's DNS did not answer (timeout, SERVFAIL)
    │   ├── SmpUnavailableError    the receiver's SMP did not answer (refused, timeout, 5xx)
    │   ├── LookupAnswerError      the SML or SMP answered something unusable (bad XML, wrong ids)
    │   └── DirectoryError         the PEPPOL Directory search failed
    └── ProviderError              the accounting system said no; keeps status, code, message
        ├── AuthError              credentials refused (401/403, a failed token refresh)
        ├── NotFoundError
        ├── ConflictError          stale concurrency token, duplicate, wrong state
        │   └── InvoiceStateError  e.g. lines added to an invoice that is no longer a draft
        ├── TransientProviderError may succeed when retried (timeouts, 429, 5xx)
        ├── ChangeFeedWindowError  the change feed cannot answer for that ``since``
        └── QuotaExhaustedError    a usage quota (a day's fair-use calls) is spent; nothing sent

Provider errors keep the provider's own text in ``message`` so the transfer log
can show users exactly what their accounting system said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "AuthError",
    "BookBusyError",
    "CapabilityError",
    "ChangeFeedWindowError",
    "ConflictError",
    "ConnectorOptionError",
    "DeliveryError",
    "DirectoryError",
    "DuplicateChannelError",
    "DuplicateConnectorError",
    "DuplicateSourceError",
    "EInvoiceRulesError",
    "InputFileError",
    "InvoiceStateError",
    "LeaseLost",
    "LedgerlinkError",
    "LookupAnswerError",
    "NotFoundError",
    "NotificationError",
    "PluginError",
    "PolicyError",
    "ProviderError",
    "QuotaExhaustedError",
    "RateLimitTimeout",
    "ReceiverLookupError",
    "SmlUnavailableError",
    "SmpUnavailableError",
    "StoreError",
    "TransientProviderError",
    "UnknownChannelError",
    "UnknownConnectorError",
    "UnknownSourceError",
    "ValidationError",
    "WatermarkMovedError",
    "WebhookSignatureError",
    "WorkersUnavailable",
]


class LedgerlinkError(Exception):
    """The root of every error ledgerlink raises."""


class ValidationError(LedgerlinkError, ValueError):
    """Input that does not describe valid billing data.

    Attributes:
        field: dotted path of the offending field (``lines[2].unit_price``).
        value: the rejected value (repr-safe; never a secret).
        source: the file the value came from, if any.
        row: the 1-based row (CSV) or item index (JSON) in ``source``.
        problems: further problems found in the same input, for reports that
            list everything wrong at once.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        source: str | None = None,
        row: int | None = None,
        problems: Sequence[ValidationError] = (),
    ) -> None:
        self.message = message
        self.field = field
        self.value = value
        self.source = source
        self.row = row
        self.problems = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.problems:
            text += "".join(f"\n  - {p}" for p in self.problems)
        return text

    def located(
        self, *, source: str | None = None, row: int | None = None, prefix: str = ""
    ) -> ValidationError:
        """Return a copy that also says where the bad value was read from."""
        field = f"{prefix}{self.field}" if prefix and self.field else (self.field or prefix or None)
        return ValidationError(
            self.message,
            field=field,
            value=self.value,
            source=source or self.source,
            row=row if row is not None else self.row,
        )


class InputFileError(ValidationError):
    """An input file that cannot be read at all (missing, not CSV/JSON/TOML, ...)."""


class ConnectorOptionError(ValidationError):
    """Options that a connector's (or a delivery channel's) factory does not accept, or
    required ones left out.

    Attributes:
        connector: the connector's (or channel's) registered name.
        unknown: the options given that the factory does not take.
        missing: the options the factory requires that were not given.
        accepted: every option the factory takes, in its signature's order.
        suggestions: for each unknown option with a close accepted name, that name.
    """

    def __init__(
        self,
        connector: str,
        *,
        unknown: Sequence[str] = (),
        missing: Sequence[str] = (),
        accepted: Sequence[str] = (),
        suggestions: Mapping[str, str] | None = None,
        kind: str = "connector",
    ) -> None:
        self.connector = connector
        self.unknown = tuple(unknown)
        self.missing = tuple(missing)
        self.accepted = tuple(accepted)
        self.suggestions = dict(suggestions or {})
        parts = []
        if self.unknown:
            named = ", ".join(
                repr(o) + (f" (did you mean {self.suggestions[o]!r}?)"
                           if o in self.suggestions else "")
                for o in self.unknown)
            parts.append(f"unknown option{'s' if len(self.unknown) > 1 else ''} {named}")
        if self.missing:
            named = ", ".join(repr(o) for o in self.missing)
            parts.append(f"missing required option{'s' if len(self.missing) > 1 else ''} "
                         f"{named}")
        parts.append(f"accepted options: {', '.join(self.accepted) or 'none'}")
        first = (*self.unknown, *self.missing)
        super().__init__(f"{kind} {connector!r}: " + "; ".join(parts),
                         field=first[0] if first else None)

    def _render(self) -> str:
        # The message names every bad option already; "field 'x': " would repeat one.
        return self.message


class WebhookSignatureError(ValidationError):
    """A webhook delivery whose signature header is missing, not a signature at all (not
    ASCII, not base64) or does not match its body: it is not from the provider, was
    altered, or was signed with another verifier token. Nothing of the body was read."""


class PolicyError(LedgerlinkError):
    """A billing policy that cannot be applied as written."""


class PluginError(LedgerlinkError):
    """Plugin discovery or registration failed."""


class DuplicateConnectorError(PluginError):
    """Two plugins registered connectors under the same name."""


class DuplicateChannelError(PluginError):
    """Two plugins registered delivery channels under the same name."""


class UnknownConnectorError(LedgerlinkError, LookupError):
    """No installed plugin registered a connector of that name."""


class DuplicateSourceError(PluginError):
    """Two plugins registered work sources (files, a CRM) under the same name."""


class UnknownSourceError(LedgerlinkError, LookupError):
    """No installed plugin registered a work source of that name."""


class CapabilityError(LedgerlinkError):
    """A connector was asked to do something it does not declare it can do.

    Attributes:
        connector: the connector's name.
        capability: the missing capability's value (``"void"``, ``"pdf"``...).
    """

    def __init__(self, connector: str, capability: str) -> None:
        self.connector = connector
        self.capability = capability
        super().__init__(f"connector {connector!r} does not support capability {capability!r}")


class StoreError(LedgerlinkError):
    """The journal store cannot be used."""


class WorkersUnavailable(LedgerlinkError):
    """The worker pool needs what is not here: the ``workers`` extra or a PostgreSQL store."""


class BookBusyError(LedgerlinkError):
    """Another run holds the book: one run at a time per book, across processes and hosts.

    Attributes:
        book: the book (connector account) asked for.
        holder: who holds it (host, process and a token).
        run_id: the holding run.
        until: when its lease runs out unless renewed (ISO 8601, UTC).
    """

    def __init__(self, book: str, holder: str, run_id: str, until: str) -> None:
        self.book = book
        self.holder = holder
        self.run_id = run_id
        self.until = until
        super().__init__(f"book {book} is busy: run {run_id} ({holder}) holds it until {until} "
                         "unless it renews its lease; try again later or wait for it (--wait)")


class LeaseLost(LedgerlinkError):
    """Another worker took this run (or its book) over after its lease ran out.

    The worker that gets it stops as a crashed one would: what it left in the
    journal is reconciled by the worker that now holds the lease.
    """


class ProviderError(LedgerlinkError):
    """The accounting system refused or failed a request.

    Attributes:
        provider: connector name (``"sandbox"``, ``"quickbooks"``...).
        message: the provider's own error text, unchanged.
        status: HTTP status code where there is one.
        code: the provider's error code where there is one.
        request_id: the provider's request/correlation id, for support tickets.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.status = status
        self.code = code
        self.request_id = request_id
        details = [d for d in (
            f"status {status}" if status is not None else None,
            f"code {code}" if code else None,
            f"request {request_id}" if request_id else None,
        ) if d]
        suffix = f" ({', '.join(details)})" if details else ""
        super().__init__(f"{provider}: {message}{suffix}")


class AuthError(ProviderError):
    """The provider refused the credentials (401/403, or a failed token refresh)."""


class NotFoundError(ProviderError):
    """The provider has no object with that id."""


class ConflictError(ProviderError):
    """The provider refused the write because of the object's current state."""


class InvoiceStateError(ConflictError):
    """The invoice is not in a state that allows the action (e.g. not a draft)."""


class TransientProviderError(ProviderError):
    """A failure that may go away when retried (timeout, 429, 5xx)."""


class QuotaExhaustedError(ProviderError):
    """A provider's usage quota is spent (e.g. e-conomic's fair-use calls a day, less a
    reserve): the call is not sent. Waiting for the quota to renew is the way on."""


class WatermarkMovedError(StoreError):
    """A change-feed watermark (a status refresh's, or the open drafts') moved since it was read."""


class RateLimitTimeout(LedgerlinkError):
    """A request waited longer than allowed for its rate limits."""


class EInvoiceRulesError(LedgerlinkError):
    """The e-invoice validation rules cannot be loaded: no folder, a missing file, no saxonche."""


class NotificationError(LedgerlinkError):
    """A notification could not be delivered.

    Attributes:
        message: what went wrong, for people.
        code: the SMTP server's reply code (550, 535...), ``None`` when the
            server never answered (connection refused, timeout, TLS failure).
        reply: the server's reply text, unchanged ('' when there was none).
        refused: the recipients the server refused, address -> (code, reply);
            when some but not all were refused the others did get the message.
    """

    def __init__(self, message: str, *, code: int | None = None, reply: str = "",
                 refused: Mapping[str, tuple[int, str]] | None = None) -> None:
        self.message = message
        self.code = code
        self.reply = reply
        self.refused = dict(refused or {})
        answer = f" (server said: {code} {reply})" if code is not None else ""
        super().__init__(f"{message}{answer}")


class DeliveryError(LedgerlinkError):
    """A delivery channel that cannot work as configured: no server to send through, a
    template that does not render, an outbox folder that cannot be written.

    An invoice a channel cannot deliver (no address, no endpoint) is a
    :class:`ValidationError` naming the field instead; a delivery that was tried
    and failed is a receipt, not an error.
    """


class UnknownChannelError(DeliveryError, LookupError):
    """No installed plugin registered a delivery channel of that name."""


class ChangeFeedWindowError(ProviderError):
    """The provider's change feed cannot answer for that ``since``.

    Too long ago for its look-back window, or too many changes for one answer:
    the caller reads the invoices one by one instead.
    """


class ReceiverLookupError(LedgerlinkError):
    """A PEPPOL receiver lookup that could not be answered either way.

    A definite answer (not registered, no BIS Billing 3 document type, an
    expired endpoint) is a result, not an error; these are the failures that
    leave the question open. None of them means the receiver is not on PEPPOL.

    Attributes:
        message: what went wrong, for people.
        participant: the participant id looked up (``iso6523-actorid-upis::0184:...``).
        url: the DNS name or URL that failed, where there is one.
        retryable: whether asking again later may give an answer.
    """

    retryable = False

    def __init__(self, message: str, *, participant: str | None = None,
                 url: str | None = None) -> None:
        self.message = message
        self.participant = participant
        self.url = url
        where = f" ({url})" if url else ""
        who = f"{participant}: " if participant else ""
        super().__init__(f"{who}{message}{where}")


class SmlUnavailableError(ReceiverLookupError):
    """The SML's DNS gave no answer (timeout, SERVFAIL, no server reached)."""

    retryable = True


class SmpUnavailableError(ReceiverLookupError):
    """The receiver's SMP did not answer (connection refused or cut, timeout, 5xx)."""

    retryable = True


class LookupAnswerError(ReceiverLookupError):
    """The SML or SMP answered, but not with something a lookup can use (no ``Meta:SMP``
    NAPTR record, XML that is not a service group or metadata, ids that do not match)."""


class DirectoryError(ReceiverLookupError):
    """The PEPPOL Directory search failed (unreachable, 429, an unreadable answer)."""

    retryable = True
