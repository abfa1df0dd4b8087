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

import ssl
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Protocol

from ledgerlink.errors import NotificationError
from ledgerlink.scheduling.model import Recipient
from ledgerlink.scheduling.run_report import ReportedError, ReportedInvoice, RunReport, render
from ledgerlink.smtp import ENV_PREFIX, SmtpOutcome, SmtpSettings, new_message, send_mail

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

class Notifier(Protocol):
    """Delivers run reports to people."""

    def notify(self, recipients: Sequence[Recipient], report: RunReport) -> None:
        """Deliver ``report`` to ``recipients``; raise NotificationError when it cannot."""


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
        message = new_message(self.settings, recipients, subject, self._clock())
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        # quoted-printable keeps the UTF-8 body 7-bit for servers without 8BITMIME.
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message

    def notify(self, recipients: Sequence[Recipient], report: RunReport) -> None:
        """Send the report; nothing is sent to an empty recipient list.

        Raises:
            NotificationError: the server could not be reached, refused the
                login, the sender or any recipient; ``code`` and ``reply`` are
                the server's answer. A login is never sent without TLS.
        """
        if not recipients:
            return
        s = self.settings
        result = send_mail(s, self.message(recipients, report), [r.address for r in recipients],
                           tls_context=self._tls_context)
        if result.outcome is SmtpOutcome.ACCEPTED:
            if result.refused:
                raise _refused(s.host, result.refused, delivered=True)
            return
        if result.refused:
            raise _refused(s.host, result.refused, delivered=False)
        if result.outcome is SmtpOutcome.REFUSED:
            raise NotificationError(f"SMTP server {s.host} refused the notification",
                                    code=result.code, reply=result.reply) from result.error
        raise NotificationError(f"could not send the notification through {s.host}:"
                                f"{s.port}: {result.detail}") from result.error


def _refused(host: str, refused: Mapping[str, tuple[int, str]], *,
             delivered: bool) -> NotificationError:
    code, reply = next(iter(refused.values()))
    others = "; the other recipients got it" if delivered else ""
    return NotificationError(f"SMTP server {host} refused recipient(s) "
                             f"{', '.join(refused)}{others}", code=code, reply=reply,
                             refused=refused)
