"""Internal: one SMTP session for many messages, as a run's invoice e-mails need.

:func:`ledgerlink.smtp.send_mail` opens a connection per message: connect,
(STARTTLS, login,) EHLO, MAIL, RCPT, DATA, QUIT. A run that e-mails hundreds of
invoices would open hundreds of connections, which costs a round trip or four
each and is what mail servers rate-limit. :class:`SmtpSessions` keeps one open
connection per thread and sends each message as one more mail transaction on it
(RFC 5321 §3.3: a session carries any number of transactions).

Reuse never changes what an outcome means. Before a reused connection carries a
message it is checked with RSET; a connection the server closed meanwhile (an
idle timeout, a per-session message limit answered ``421``) fails before the
message went out, so it is opened again and the message sent once more on the
new one. Only a connection lost after the message's end was sent is UNKNOWN,
exactly as with :func:`send_mail`.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Sequence
from email.message import EmailMessage

from ledgerlink.smtp import (
    SmtpOutcome,
    SmtpResult,
    SmtpSettings,
    begin,
    close_quietly,
    connect,
    no_login_in_clear,
    transact,
    wire_bytes,
)

__all__ = ["SmtpSessions"]

#: The reply code of a server closing the session (RFC 5321 §4.2.3): try a new one.
SERVICE_CLOSING = 421


class SmtpSessions:
    """An open SMTP connection per thread, reused for every message sent through it.

    Args:
        settings: the server, login and sender.
        tls_context: verifies the server for ``starttls``/``use_ssl``; by default
            the system's trusted CAs and host-name checking.
    """

    def __init__(self, settings: SmtpSettings, tls_context: ssl.SSLContext | None = None
                 ) -> None:
        self.settings = settings
        self.context = tls_context or ssl.create_default_context()
        self._local = threading.local()
        self._open: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> SmtpResult:
        """Send ``message`` to ``recipients`` on this thread's session (opened when needed);
        never raises for what the server or the network did."""
        refused = no_login_in_clear(self.settings)
        if refused is not None:
            return refused
        payload = wire_bytes(message)
        reused = self._reusable()
        result = self._attempt(payload, recipients)
        if reused and self._session() is None and result.outcome is not SmtpOutcome.UNKNOWN:
            # The reused connection broke before the message went out: once more, anew.
            result = self._attempt(payload, recipients)
        return result

    def close(self) -> None:
        """QUIT every session this object opened (from any thread)."""
        with self._lock:
            sessions, self._open = self._open, []
        for smtp in sessions:
            close_quietly(smtp)

    def _session(self) -> smtplib.SMTP | None:
        session: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        return session

    def _reusable(self) -> bool:
        """Whether this thread has a session that answers RSET (else it is dropped)."""
        smtp = self._session()
        if smtp is None:
            return False
        try:
            code, _ = smtp.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._drop()
            return False
        return True

    def _attempt(self, payload: bytes, recipients: Sequence[str]) -> SmtpResult:
        try:
            smtp = self._session() or self._start()
            result = transact(smtp, self.settings, payload, recipients)
        except smtplib.SMTPResponseException as err:
            self._drop()
            return SmtpResult(SmtpOutcome.REFUSED, err.smtp_code,
                              _text(err.smtp_error), error=err)
        except (smtplib.SMTPException, OSError) as err:
            self._drop()
            return SmtpResult(SmtpOutcome.NOT_SENT, detail=f"{type(err).__name__}: {err}",
                              error=err)
        if result.outcome is SmtpOutcome.UNKNOWN or result.code == SERVICE_CLOSING:
            self._drop()
        return result

    def _start(self) -> smtplib.SMTP:
        smtp = connect(self.settings, self.context)
        try:
            begin(smtp, self.settings, self.context)
        except BaseException:
            close_quietly(smtp)
            raise
        self._local.smtp = smtp
        with self._lock:
            self._open.append(smtp)
        return smtp

    def _drop(self) -> None:
        smtp = self._session()
        if smtp is None:
            return
        self._local.smtp = None
        with self._lock:
            if smtp in self._open:
                self._open.remove(smtp)
        close_quietly(smtp)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
