"""Internal: telling people a scheduled run is done: notifiers, and delivery by SMTP.

A finished run becomes a :class:`RunReport`; :func:`render` turns it into a
subject and a plain-text body (both live in :mod:`ledgerlink.scheduling.run_report`
and are re-exported here); a :class:`Notifier` delivers it. The shipped
notifier, :class:`SmtpNotifier`, sends one email to all the job's recipients
through the SMTP server in :class:`SmtpSettings` (and talks to no other host).
Apps that deliver another way implement the ``ledgerlink_notify`` plugin hook
(see :mod:`ledgerlink.scheduling.notify_hook`).
"""

from __future__ import annotations

import math
import os
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol

import attrs

from ledgerlink.errors import NotificationError, ValidationError
from ledgerlink.scheduling.model import Recipient
from ledgerlink.scheduling.run_report import ReportedError, ReportedInvoice, RunReport, render

__all__ = [
    "ENV_PREFIX",
    "NotificationError",
    "Notifier",
    "ReportedError",
    "ReportedInvoice",
    "RunReport",
    "SmtpNotifier",
    "SmtpSettings",
    "render",
]

#: Prefix of the environment variables :meth:`SmtpSettings.from_env` reads.
ENV_PREFIX = "LEDGERLINK_SMTP_"


class Notifier(Protocol):
    """Delivers run reports to people."""

    def notify(self, recipients: Sequence[Recipient], report: RunReport) -> None:
        """Deliver ``report`` to ``recipients``; raise NotificationError when it cannot."""


# --- SMTP ------------------------------------------------------------------------------


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
    """How to reach the SMTP server that sends run notifications.

    Attributes:
        host: the server's host name or IP address.
        port: 25 by default (465 is the usual port with ``use_ssl``).
        username, password: for SMTP AUTH; both or neither. The password is
            never shown in the repr.
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


class SmtpNotifier:
    """Sends a run report as one plain-text email to all its recipients over SMTP.

    Args:
        settings: the server and the sender.
        tls_context: verifies the server for ``starttls``/``use_ssl``; by default
            the system's trusted CAs and host-name checking.
        clock: the time for the Date header (tests pin it).
    """

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.settings = settings
        self._tls_context = tls_context
        self._clock = clock

    def message(self, recipients: Sequence[Recipient], report: RunReport) -> EmailMessage:
        """The email :meth:`notify` sends."""
        subject, body = render(report)
        sender = self.settings.sender
        message = EmailMessage()
        message["From"] = _address(sender)
        message["To"] = tuple(_address(r) for r in recipients)
        message["Subject"] = subject
        message["Date"] = format_datetime(self._clock())
        # make_msgid() without a domain asks DNS for this host's name; the
        # sender's domain needs no look-up and is the domain the mail is from.
        message["Message-ID"] = make_msgid(domain=sender.address.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        # quoted-printable keeps the UTF-8 body 7-bit for servers without 8BITMIME.
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message

    def notify(self, recipients: Sequence[Recipient], report: RunReport) -> None:
        """Send the report; nothing is sent to an empty recipient list.

        Raises:
            NotificationError: the server could not be reached, refused the
                login, the sender or any recipient; ``code`` and ``reply`` are
                the server's answer.
        """
        if not recipients:
            return
        message = self.message(recipients, report)
        s = self.settings
        try:
            with self._connect() as smtp:
                if s.starttls:
                    smtp.starttls(context=self._context())
                if s.username and s.password:
                    smtp.login(s.username, s.password)
                refused = smtp.send_message(message, from_addr=s.sender.address,
                                            to_addrs=[r.address for r in recipients])
        except smtplib.SMTPRecipientsRefused as err:
            raise _refused(s.host, _replies(err.recipients), delivered=False) from err
        except smtplib.SMTPResponseException as err:
            raise NotificationError(f"SMTP server {s.host} refused the notification",
                                    code=err.smtp_code, reply=_text(err.smtp_error)) from err
        except (smtplib.SMTPException, OSError) as err:
            raise NotificationError(f"could not send the notification through {s.host}:"
                                    f"{s.port}: {type(err).__name__}: {err}") from err
        if refused:
            raise _refused(s.host, _replies(refused), delivered=True)

    def _context(self) -> ssl.SSLContext:
        return self._tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.use_ssl:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)


def _address(recipient: Recipient) -> Address:
    return Address(display_name=recipient.name, addr_spec=recipient.address)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _replies(refused: Mapping[str, tuple[int, bytes]]) -> dict[str, tuple[int, str]]:
    return {address: (code, _text(reply)) for address, (code, reply) in refused.items()}


def _refused(host: str, refused: dict[str, tuple[int, str]], *,
             delivered: bool) -> NotificationError:
    code, reply = next(iter(refused.values()))
    others = "; the other recipients got it" if delivered else ""
    return NotificationError(f"SMTP server {host} refused recipient(s) "
                             f"{', '.join(refused)}{others}", code=code, reply=reply,
                             refused=refused)
