"""Local SMTP servers for tests: aiosmtpd on 127.0.0.1, plain or TLS, recording what they get.

Shared by the run notifier's tests and the e-mail channel's. A throwaway CA and
server certificates are made at test time with ``cryptography`` (nothing is
read from disk but what the test wrote).
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses what it is told to."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse_recipients: dict[str, str] = {}
        self.refuse_sender: str | None = None

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class EphemeralController(Controller):
    # aiosmtpd connects to self.port to finish starting; with port 0 that is the
    # port the OS picked, which only the listening socket knows.
    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Controllers:
    """The servers started so far, to stop them all at the end."""

    def __init__(self) -> None:
        self.started: list[Controller] = []

    def start(self, handler: Any, **smtp_options: Any) -> int:
        controller = EphemeralController(handler, hostname="127.0.0.1", port=0,
                                         ready_timeout=5, **smtp_options)
        controller.start()
        self.started.append(controller)
        return controller.port

    def stop(self) -> None:
        for controller in self.started:
            controller.stop()


@contextmanager
def plain_servers() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """Start SMTP servers on 127.0.0.1 (aiosmtpd SMTP options as keywords); stop them after."""
    controllers = _Controllers()

    def start(**smtp_options: Any) -> tuple[Inbox, int]:
        inbox = Inbox()
        return inbox, controllers.start(inbox, **smtp_options)

    try:
        yield start
    finally:
        controllers.stop()


PASSWORD = "tls-s3cret-7Qx"  # distinctive, so finding it in any text is a leak


# --- a throwaway certificate authority ---------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """PEM files in a temporary directory: the CA, and server certificates it signed."""

    ca_file: Path
    localhost_chain: tuple[Path, Path]  # (certificate, key) for 127.0.0.1 and localhost
    wrong_host_chain: tuple[Path, Path]  # (certificate, key) for mail.elsewhere.example

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only the test CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_pem(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _server_chain(directory: Path, stem: str, names: list[x509.GeneralName],
                  ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
                  now: datetime) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(stem))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_file = directory / f"{stem}.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return _write_pem(directory / f"{stem}.pem", certificate), key_file


def make_pki(directory: Path) -> Pki:
    """A CA and two server certificates it signed, written under ``directory``."""
    # EC keys: generating RSA keys would cost most of a test module's run time.
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ledgerlink test CA"))
        .issuer_name(_name("ledgerlink test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    localhost = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    elsewhere: list[x509.GeneralName] = [x509.DNSName("mail.elsewhere.example")]
    return Pki(
        ca_file=_write_pem(directory / "ca.pem", ca_cert),
        localhost_chain=_server_chain(directory, "localhost", localhost, ca_key, ca_cert, now),
        wrong_host_chain=_server_chain(directory, "elsewhere", elsewhere, ca_key, ca_cert,
                                       now),
    )


# --- TLS-speaking local servers ------------------------------------------------------------


class TlsInbox(Inbox):
    """Records, besides the mail, whether each login and each message came over TLS."""

    def __init__(self) -> None:
        super().__init__()
        self.logins: list[tuple[bytes, bytes, bool]] = []
        self.delivered_over_tls: list[bool] = []

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password, _over_tls(server)))
        ok = auth_data.password == PASSWORD.encode()
        # handled=False: the server, not this function, answers a failed login (535).
        return AuthResult(success=ok, handled=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.delivered_over_tls.append(_over_tls(server))
        return await super().handle_DATA(server, session, envelope)


def _over_tls(server: Any) -> bool:
    # After STARTTLS aiosmtpd swaps in the TLS transport; with SMTPS it is TLS
    # from the start. Either way the transport knows its SSL object.
    return server.transport.get_extra_info("ssl_object") is not None


Mode = Literal["starttls", "smtps"]
TlsServe = Callable[..., tuple[TlsInbox, int]]


def _server_context(chain: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, chain))
    return context


@contextmanager
def tls_servers(pki: Pki) -> Iterator[TlsServe]:
    """Start TLS SMTP servers on 127.0.0.1 that require a login over TLS; stop them after.

    ``start(mode, wrong_host=False)``: ``"starttls"`` refuses every command but
    EHLO/STARTTLS/QUIT in clear and never offers AUTH in clear; ``"smtps"``
    speaks TLS from the first byte.
    """
    controllers = _Controllers()

    def start(mode: Mode, *, wrong_host: bool = False) -> tuple[TlsInbox, int]:
        inbox = TlsInbox()
        context = _server_context(pki.wrong_host_chain if wrong_host else pki.localhost_chain)
        options: dict[str, Any] = dict(authenticator=inbox.authenticate, auth_required=True)
        if mode == "starttls":
            options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
        else:
            # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; an SMTPS
            # connection is encrypted from the start, which _over_tls records.
            options.update(ssl_context=context, auth_require_tls=False)
        return inbox, controllers.start(inbox, **options)

    try:
        yield start
    finally:
        controllers.stop()


# --- a scripted server: sessions that end, messages whose answer is lost ----------------


class ScriptedServer:
    """An SMTP server on 127.0.0.1 that takes ``per_session`` messages on a connection,
    then closes it: silently (``polite=False``) or answering the next MAIL with 421."""

    def __init__(self, per_session: int, *, polite: bool = False,
                 drop_after_data: bool = False) -> None:
        self.per_session = per_session
        self.polite = polite
        self.drop_after_data = drop_after_data
        self.connections = 0
        self.messages: list[bytes] = []
        self.quits = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = self._listener.getsockname()[1]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn, conn.makefile("rwb") as stream:
                self._converse(stream)

    def _converse(self, stream: Any) -> None:
        def say(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        taken = 0
        say("220 scripted ESMTP")
        while line := stream.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                say("250 scripted")
            elif verb == b"MAIL" and taken >= self.per_session and self.polite:
                say("421 4.7.0 too many messages in this session")
                return
            elif verb == b"DATA":
                say("354 go ahead")
                body = b""
                while (data := stream.readline()) not in (b".\r\n", b""):
                    body += data
                self.messages.append(body)
                taken += 1
                if self.drop_after_data:
                    return
                say("250 2.0.0 queued")
                if taken >= self.per_session and not self.polite:
                    return  # hang up, as an idle or limit drop does
            elif verb == b"QUIT":
                self.quits += 1
                say("221 bye")
                return
            else:
                say("250 OK")
