"""Internal: sending one e-mail by SMTP, shared by run notifications and invoice e-mail.

:class:`SmtpSettings` says how to reach the server; :func:`send_mail` speaks
SMTP with it and answers an :class:`SmtpResult` rather than raising, because
its callers need different things from one outcome: the notifier raises a
:class:`~ledgerlink.errors.NotificationError`, the e-mail channel returns a
receipt. The rules both get from here:

- credentials only after TLS: with a username and neither ``starttls`` nor
  ``use_ssl``, nothing is sent at all (not even a connection is made), as the
  password would cross the network in clear (RFC 8314 recommends implicit TLS,
  RFC 3207 allows STARTTLS; both encrypt before AUTH);
- the server's own words are kept: its reply code and text for every refusal;
- the outcome is told apart where it matters for sending again: a refusal or
  an error before the message's end reached the server means it was not
  delivered; a connection lost after the end of the message (``<CRLF>.<CRLF>``)
  went out but before the server's answer came means nobody knows
  (RFC 5321 §4.1.1.4: the server takes responsibility only with its reply).
"""

from __future__ import annotations

import enum
import math
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import attrs

from ledgerlink.errors import ValidationError

__all__ = [
    "ENV_PREFIX",
    "Recipient",
    "SmtpOutcome",
    "SmtpResult",
    "SmtpSettings",
    "address_header",
    "begin",
    "close_quietly",
    "connect",
    "new_message",
    "no_login_in_clear",
    "send_mail",
    "transact",
    "wire_bytes",
]

#: Prefix of the environment variables :meth:`SmtpSettings.from_env` reads.
ENV_PREFIX = "LEDGERLINK_SMTP_"

_NAME_ADDR = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]+)>\s*$")


@attrs.frozen
class Recipient:
    """Who hears when a run is done: a person (name and address) or a plain address."""

    address: str = attrs.field()
    name: str = ""

    @address.validator
    def _valid_address(self, attribute: attrs.Attribute[str], value: str) -> None:
        try:
            parsed = Address(addr_spec=value)
        except (ValueError, IndexError, TypeError):
            parsed = None
        if parsed is None or not parsed.username or "." not in parsed.domain:
            raise ValidationError("must be an email address (name@example.com)",
                                  field="notify", value=value)

    @classmethod
    def parse(cls, text: str) -> Recipient:
        """``"Ann Berg <ann@example.com>"`` or ``"ann@example.com"``."""
        match = _NAME_ADDR.match(text)
        if match:
            return cls(match["addr"].strip(), match["name"].strip().strip('"'))
        return cls(text.strip())

    def __str__(self) -> str:
        return str(Address(display_name=self.name, addr_spec=self.address))


# --- settings ----------------------------------------------------------------------------


def _sender(value: Recipient | str) -> Recipient:
    if isinstance(value, Recipient):
        return value
    if not isinstance(value, str):
        raise ValidationError("must be an email address or 'Name <address>'", field="sender",
                              value=value)
    try:
        return Recipient.parse(value)
    except ValidationError as err:
        raise ValidationError(err.message, field="sender", value=value) from None


def _int_between(name: str, low: int, high: int) -> Callable[[object, Any, int], None]:
    def check(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"must be a whole number {low}..{high}", field=name,
                                  value=value)

    return check


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """How to reach the SMTP server that sends mail.

    Attributes:
        host: the server's host name or IP address.
        port: 25 by default (465 is the usual port with ``use_ssl``, 587 with ``starttls``).
        username, password: for SMTP AUTH; both or neither, and only with
            ``starttls`` or ``use_ssl`` (nothing is sent otherwise). The password
            is never shown in the repr.
        starttls: upgrade the connection with STARTTLS before AUTH and sending.
        use_ssl: connect over TLS from the start (SMTPS); not with ``starttls``.
        sender: the From address, a Recipient or ``"Name <address>"``.
        timeout: seconds to wait for the server on each step.
    """

    host: str = attrs.field()
    port: int = attrs.field(default=25, validator=_int_between("port", 1, 65535))
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    starttls: bool = False
    use_ssl: bool = False
    sender: Recipient = attrs.field(converter=_sender)  # required: keyword-only class
    timeout: float = attrs.field(default=30.0)

    @host.validator
    def _host(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
            raise ValidationError("must be a host name or address", field="host", value=value)

    @timeout.validator
    def _timeout(self, attribute: attrs.Attribute[float], value: float) -> None:
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not 0 < value < math.inf):
            raise ValidationError("must be a positive number of seconds", field="timeout",
                                  value=value)

    def __attrs_post_init__(self) -> None:
        if self.starttls and self.use_ssl:
            raise ValidationError("use either starttls or use_ssl, not both", field="use_ssl",
                                  value=True)
        if bool(self.username) != bool(self.password):
            missing = "password" if self.username else "username"
            raise ValidationError("username and password go together", field=missing)

    @property
    def encrypted(self) -> bool:
        """The connection is encrypted before anything but EHLO and STARTTLS is said."""
        return self.starttls or self.use_ssl

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """Read ``LEDGERLINK_SMTP_*``: HOST and SENDER (required), PORT, USER, PASSWORD,
        STARTTLS, SSL (``1/true/yes/on`` or ``0/false/no/off``) and TIMEOUT (seconds).

        An empty variable counts as unset. Without PORT the port is 465 with
        SSL and 25 otherwise.

        Raises:
            ValidationError: naming the variable that is missing or wrong.
        """
        def var(name: str) -> str | None:
            value = environ.get(ENV_PREFIX + name, "").strip()
            return value or None

        values: dict[str, Any] = {}
        for name, field in (("HOST", "host"), ("SENDER", "sender")):
            if var(name) is None:
                raise ValidationError("is required", field=ENV_PREFIX + name)
            values[field] = var(name)
        values["starttls"] = _env_bool(ENV_PREFIX + "STARTTLS", var("STARTTLS"))
        values["use_ssl"] = _env_bool(ENV_PREFIX + "SSL", var("SSL"))
        port = var("PORT")
        values["port"] = (465 if values["use_ssl"] else 25) if port is None else _env_number(
            ENV_PREFIX + "PORT", port, int)
        if var("TIMEOUT") is not None:
            values["timeout"] = _env_number(ENV_PREFIX + "TIMEOUT", var("TIMEOUT") or "", float)
        values["username"] = var("USER")
        # The password is taken as given: spaces may belong to it.
        values["password"] = environ.get(ENV_PREFIX + "PASSWORD") or None
        try:
            return cls(**values)
        except ValidationError as err:
            name = _ENV_NAMES.get(err.field or "", "")
            secret = name.endswith("PASSWORD")
            raise ValidationError(err.message, field=ENV_PREFIX + name,
                                  value=None if secret else err.value) from None


_ENV_NAMES = {"host": "HOST", "sender": "SENDER", "port": "PORT", "username": "USER",
              "password": "PASSWORD", "starttls": "STARTTLS", "use_ssl": "SSL",
              "timeout": "TIMEOUT"}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _env_bool(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValidationError("must be one of 1/true/yes/on or 0/false/no/off", field=name,
                          value=value)


def _env_number(name: str, value: str, kind: type[int] | type[float]) -> float:
    try:
        return kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValidationError(f"must be {what}", field=name, value=value) from None


# --- the message ---------------------------------------------------------------------------


def address_header(recipient: Recipient) -> Address:
    """``recipient`` as a header address (its name encoded as the header needs).

    Line breaks in the name become spaces: a name is one line of a header, and
    cannot start another (``Bcc:``).
    """
    return Address(display_name=" ".join(recipient.name.split()), addr_spec=recipient.address)


def new_message(settings: SmtpSettings, to: Sequence[Recipient], subject: str,
                now: datetime) -> EmailMessage:
    """A message from the settings' sender to ``to``, with Subject, Date and Message-ID."""
    sender = settings.sender
    message = EmailMessage()
    message["From"] = address_header(sender)
    message["To"] = tuple(address_header(r) for r in to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    # make_msgid() without a domain asks DNS for this host's name; the
    # sender's domain needs no look-up and is the domain the mail is from.
    message["Message-ID"] = make_msgid(domain=sender.address.rpartition("@")[2])
    return message


# --- sending -------------------------------------------------------------------------------


class SmtpOutcome(enum.Enum):
    """How one attempt to send ended."""

    #: The server answered 2xx to the message: it took responsibility for delivery.
    ACCEPTED = "accepted"
    #: The server answered no (the login, the sender, every recipient, or the
    #: message); nothing was delivered. ``code`` and ``reply`` are its answer.
    REFUSED = "refused"
    #: Nothing was delivered and the server gave no answer to go by: unreachable,
    #: TLS failed, a login that would have gone in clear.
    NOT_SENT = "not_sent"
    #: The message's end reached the server, then the connection was lost before
    #: its answer: it may or may not be delivered.
    UNKNOWN = "unknown"


@attrs.frozen
class SmtpResult:
    """The outcome of :func:`send_mail`.

    Attributes:
        outcome: accepted, refused, not sent or unknown.
        code: the server's reply code for the outcome (None when it never answered).
        reply: the server's reply text, unchanged ('' when there was none).
        detail: what went wrong, for people, when it was not the server's answer
            (``"ConnectionRefusedError: ..."``); '' otherwise.
        refused: recipients the server refused, address -> (code, reply); when
            the message was accepted the others did get it.
        error: the exception behind ``detail``, for chaining.
    """

    outcome: SmtpOutcome
    code: int | None = None
    reply: str = ""
    detail: str = ""
    refused: Mapping[str, tuple[int, str]] = attrs.field(factory=dict)
    error: BaseException | None = attrs.field(default=None, eq=False)


def send_mail(settings: SmtpSettings, message: EmailMessage, recipients: Sequence[str], *,
              tls_context: ssl.SSLContext | None = None) -> SmtpResult:
    """Send ``message`` from ``settings.sender`` to ``recipients`` (envelope addresses).

    ``tls_context`` verifies the server for ``starttls``/``use_ssl``; by default
    the system's trusted CAs and host-name checking. Never raises for what the
    server or the network did: the result says it.
    """
    refused = no_login_in_clear(settings)
    if refused is not None:
        return refused
    context = tls_context or ssl.create_default_context()
    smtp: smtplib.SMTP | None = None
    try:
        smtp = connect(settings, context)
        begin(smtp, settings, context)
        return transact(smtp, settings, wire_bytes(message), recipients)
    except smtplib.SMTPResponseException as err:
        return SmtpResult(SmtpOutcome.REFUSED, err.smtp_code, _text(err.smtp_error), error=err)
    except (smtplib.SMTPException, OSError) as err:
        return SmtpResult(SmtpOutcome.NOT_SENT, detail=f"{type(err).__name__}: {err}",
                          error=err)
    finally:
        if smtp is not None:
            close_quietly(smtp)


def no_login_in_clear(settings: SmtpSettings) -> SmtpResult | None:
    """The NOT_SENT result for settings that would log in without TLS; None when fine."""
    if settings.username and not settings.encrypted:
        return SmtpResult(SmtpOutcome.NOT_SENT, detail=(
            f"will not send AUTH credentials to {settings.host} without TLS: "
            f"set starttls or use_ssl"))
    return None


def connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    """A connection to the server (SMTPS when ``use_ssl``); errors are raised."""
    if settings.use_ssl:
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=context)
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def begin(smtp: smtplib.SMTP, settings: SmtpSettings, context: ssl.SSLContext) -> None:
    """STARTTLS when asked, then the login, then EHLO; errors are raised."""
    if settings.starttls:
        smtp.starttls(context=context)  # raises SMTPNotSupportedError rather than go on in clear
    if settings.username and settings.password:
        smtp.login(settings.username, settings.password)
    smtp.ehlo_or_helo_if_needed()


def transact(smtp: smtplib.SMTP, settings: SmtpSettings, payload: bytes,
             recipients: Sequence[str]) -> SmtpResult:
    """One mail transaction (MAIL, RCPT, DATA) on a session :func:`begin` opened.

    Errors before the message's end was sent are raised (nothing went out); a
    connection lost after it is the UNKNOWN result.
    """
    code, reply = smtp.mail(settings.sender.address)
    if code != 250:
        return SmtpResult(SmtpOutcome.REFUSED, code, _text(reply))
    refused: dict[str, tuple[int, str]] = {}
    for address in recipients:
        code, reply = smtp.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, _text(reply))
    if refused and len(refused) == len(recipients):
        code, text = next(iter(refused.values()))
        return SmtpResult(SmtpOutcome.REFUSED, code, text, refused=refused)
    code, reply = smtp.docmd("DATA")
    if code != 354:
        return SmtpResult(SmtpOutcome.REFUSED, code, _text(reply), refused=refused)
    # If this send fails, the terminating "." never left: the server cannot take
    # a message without its end, so the exception still means not sent.
    smtp.send(payload)
    try:
        code, reply = smtp.getreply()
    except (smtplib.SMTPException, OSError) as err:
        return SmtpResult(SmtpOutcome.UNKNOWN, detail=(
            f"the connection to {settings.host} was lost after the message was sent and "
            f"before the server answered: {type(err).__name__}: {err}"),
            refused=refused, error=err)
    outcome = SmtpOutcome.ACCEPTED if 200 <= code < 300 else SmtpOutcome.REFUSED
    return SmtpResult(outcome, code, _text(reply), refused=refused)


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as DATA carries it: CRLF line ends, leading dots doubled, the end mark."""
    flat = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    stuffed = re.sub(rb"(?m)^\.", b"..", flat)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def close_quietly(smtp: smtplib.SMTP) -> None:
    # QUIT is a courtesy: whatever it answers, the outcome is already decided.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
