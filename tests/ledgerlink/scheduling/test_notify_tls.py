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
import smtplib
import ssl
import traceback

import pytest

from ledgerlink.scheduling.notify import NotificationError, SmtpNotifier

# The plain-SMTP test module owns the report builders.
from tests.ledgerlink.scheduling.test_notify import ANN, report, settings
from tests.smtp_servers import PASSWORD, Mode, Pki, TlsServe

Serve = TlsServe


@pytest.fixture
def serve(tls_serve: Serve) -> Serve:
    """TLS SMTP servers on 127.0.0.1 (the shared ``tls_serve`` fixture)."""
    return tls_serve


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
