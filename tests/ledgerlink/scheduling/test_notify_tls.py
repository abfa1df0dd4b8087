"""SMTP notifications over TLS: STARTTLS and SMTPS against real local servers.

A throwaway CA and server certificates are made at test time with
``cryptography`` (nothing is read from disk but what the test wrote). The
aiosmtpd servers listen on 127.0.0.1 and speak TLS either after STARTTLS or
from the first byte. What matters here: the notifier encrypts before it logs
in, verifies the server's certificate and name, and never lets the password
into an error.
"""

from __future__ import annotations

import base64
import ipaddress
import smtplib
import ssl
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledgerlink.scheduling.notify import NotificationError, SmtpNotifier

# The plain-SMTP test module owns the recording server and the report builders.
from tests.ledgerlink.scheduling.test_notify import (
    ANN,
    Inbox,
    _EphemeralController,
    report,
    settings,
)

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


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    # EC keys: generating RSA keys would cost most of this module's run time.
    directory = tmp_path_factory.mktemp("pki")
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
Serve = Callable[..., tuple[TlsInbox, int]]


def _server_context(chain: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, chain))
    return context


@pytest.fixture
def serve(pki: Pki) -> Iterator[Serve]:
    """Start a TLS SMTP server on 127.0.0.1 that requires a login over TLS.

    ``serve(mode, wrong_host=False)``: ``"starttls"`` refuses every command but
    EHLO/STARTTLS/QUIT in clear and never offers AUTH in clear; ``"smtps"``
    speaks TLS from the first byte.
    """
    controllers: list[Controller] = []

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
        controller = _EphemeralController(inbox, hostname="127.0.0.1", port=0,
                                          ready_timeout=5, **options)
        controller.start()
        controllers.append(controller)
        return inbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def notifier(mode: Mode, port: int, context: ssl.SSLContext | None, *,
             password: str = PASSWORD, host: str = "127.0.0.1") -> SmtpNotifier:
    tls = {"starttls": mode == "starttls", "use_ssl": mode == "smtps"}
    return SmtpNotifier(settings(port, host=host, username="ledger", password=password,
                                 **tls), tls_context=context)


def assert_no_password(err: BaseException, password: str = PASSWORD) -> None:
    """The password is in no message, repr or cause of the error."""
    everything = "".join(traceback.format_exception(err)) + repr(err)
    if isinstance(err, NotificationError):
        everything += err.message + err.reply + repr(err.refused)
    assert password not in everything


# --- delivery ----------------------------------------------------------------------------


def test_starttls_upgrades_before_logging_in_and_delivers(serve: Serve, pki: Pki) -> None:
    """STARTTLS upgrades the connection before the login, and the mail goes over TLS."""
    inbox, port = serve("starttls")
    sender = notifier("starttls", port, pki.client_context())

    sender.notify([ANN], report())

    assert inbox.logins == [(b"ledger", PASSWORD.encode(), True)]
    assert inbox.delivered_over_tls == [True]
    [(_, rcpt_tos, _)] = inbox.received
    assert rcpt_tos == ["ann@example.com"]
    assert PASSWORD not in repr(sender) + repr(sender.settings)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_is_tls_from_the_first_byte_and_delivers(serve: Serve, pki: Pki) -> None:
    """SMTPS logs in and delivers over TLS from the start of the connection."""
    inbox, port = serve("smtps")

    notifier("smtps", port, pki.client_context()).notify([ANN], report())

    assert inbox.logins == [(b"ledger", PASSWORD.encode(), True)]
    assert inbox.delivered_over_tls == [True]
    assert len(inbox.received) == 1


def test_the_server_refuses_auth_in_clear_and_the_notifier_never_offers_it(
        serve: Serve, pki: Pki) -> None:
    """Where AUTH needs STARTTLS first, the notifier never sends the password in clear."""
    inbox, port = serve("starttls")
    # The server really does refuse AUTH before TLS (what makes the test above mean it).
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as raw:
        raw.ehlo()
        assert not raw.has_extn("auth")
        plain = base64.b64encode(b"\0ledger\0not-the-password").decode()
        code, _ = raw.docmd("AUTH", f"PLAIN {plain}")
        assert code == 530

    # Without starttls the notifier does not fall back to sending the password in clear.
    clear = SmtpNotifier(settings(port, username="ledger", password=PASSWORD),
                         tls_context=pki.client_context())
    with pytest.raises(NotificationError) as err:
        clear.notify([ANN], report())
    assert "AUTH" in str(err.value)
    assert_no_password(err.value)
    assert inbox.logins == [] and inbox.received == []


def test_a_wrong_password_over_tls_is_refused_without_showing_it(serve: Serve,
                                                                 pki: Pki) -> None:
    """A wrong password over TLS is a 535 error whose text does not show the password."""
    inbox, port = serve("starttls")
    wrong = "tls-wrong-pa55-Zk"

    with pytest.raises(NotificationError) as err:
        notifier("starttls", port, pki.client_context(), password=wrong).notify([ANN],
                                                                                 report())
    assert err.value.code == 535
    assert_no_password(err.value, wrong)
    # smtplib tries the next mechanism (PLAIN, then LOGIN) after a refusal.
    assert inbox.logins and set(inbox.logins) == {(b"ledger", wrong.encode(), True)}
    assert inbox.received == []


# --- verifying the server ------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_by_default_a_certificate_from_an_unknown_ca_is_refused(serve: Serve,
                                                                mode: Mode) -> None:
    """By default a certificate from an unknown CA is refused before any login."""
    inbox, port = serve(mode)

    # No tls_context: the system's CAs, which do not know the test CA.
    with pytest.raises(NotificationError) as err:
        notifier(mode, port, None).notify([ANN], report())
    assert err.value.code is None
    assert "SSLCertVerificationError" in str(err.value)
    assert "unable to get local issuer certificate" in str(err.value)
    assert isinstance(err.value.__cause__, ssl.SSLCertVerificationError)
    assert_no_password(err.value)
    assert inbox.logins == [] and inbox.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mode", ["starttls", "smtps"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_trusted_certificate_for_another_host_is_refused(serve: Serve, pki: Pki,
                                                           mode: Mode, host: str) -> None:
    """A trusted certificate issued for another host name is refused before any login."""
    # Signed by the trusted CA, but for mail.elsewhere.example: only the name
    # (an IP address or a DNS name) is wrong.
    inbox, port = serve(mode, wrong_host=True)
    sender = notifier(mode, port, pki.client_context(), host=host)

    with pytest.raises(NotificationError) as err:
        sender.notify([ANN], report())
    assert err.value.code is None
    assert f"mismatch, certificate is not valid for '{host}'" in str(err.value)
    assert f"{host}:{port}" in str(err.value)
    assert_no_password(err.value)
    assert inbox.logins == [] and inbox.received == []
