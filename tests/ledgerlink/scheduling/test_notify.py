"""Run notifications: the report's text, and SMTP delivery to a real local server.

The SMTP tests talk to an aiosmtpd server on 127.0.0.1 (an ephemeral port)
that records what it received and can be told to refuse a recipient or the
sender, or to require a login.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.scheduling.model import Recipient
from ledgerlink.scheduling.notify import (
    NotificationError,
    ReportedError,
    ReportedInvoice,
    RunReport,
    SmtpNotifier,
    SmtpSettings,
    render,
)
from ledgerlink.scheduling.notify_hook import deliver
from tests.smtp_servers import Inbox, plain_servers

CPH = timezone(timedelta(hours=1))
ANN = Recipient.parse("Ann Berg <ann@example.com>")
BO = Recipient.parse("bo@example.com")
ASE = Recipient("aase@example.com", "Åse Ødegård")


def invoice(customer: str = "c1", amount: object = "1250.00", currency: str = "DKK",
            number: str | None = "1042") -> ReportedInvoice:
    return ReportedInvoice(customer_id=customer, customer_name=f"Customer {customer}",
                           projects=("P1", "P2"), invoice_key=f"key-{customer}",
                           provider_id=f"prov-{customer}", number=number,
                           amount=amount, currency=currency)


def report(**changes: Any) -> RunReport:
    fields: dict[str, Any] = dict(
        job_id="job-1", job_name="Monthly fees", company="acme", run_id="run-7",
        scheduled_for=date(2026, 11, 30), trigger="schedule",
        started_at=datetime(2026, 11, 30, 22, 0, 3, tzinfo=CPH),
        finished_at=datetime(2026, 11, 30, 22, 0, 9, tzinfo=CPH), state="done",
        invoices=(invoice("c1", "1250.00"), invoice("c2", "0.10"),
                  invoice("c3", "99.99", "EUR", None)),
        errors=(ReportedError("c4", ("P9",), "Kunden er spærret (fejl 4711)\nKontakt support"),),
        held=("project P1: 3 items held back by its billing limit",),
        creator="Ann Berg",
    )
    fields.update(changes)
    return RunReport(**fields)


# --- render ----------------------------------------------------------------------------


def test_render_says_counts_totals_invoices_errors_and_held_work() -> None:
    """The report mail gives counts, totals, each invoice, provider errors and held work."""
    subject, body = render(report())

    assert subject == ("ledgerlink: Monthly fees (acme) done for 2026-11-30: "
                       "3 invoices, 1 error")
    assert "Result: done; 3 invoices, 1 error, 1 held-back notice" in body
    # 1250.00 + 0.10 as Decimal; a float sum would not print 1,250.10 reliably.
    assert "  1,250.10 DKK\n  99.99 EUR\n" in body
    assert ("  - Customer c1 (c1), projects P1, P2: invoice 1042, 1,250.00 DKK, "
            "provider id prov-c1 [key key-c1]") in body
    assert "Customer c3 (c3), projects P1, P2: draft (no number yet), 99.99 EUR" in body
    # The provider's text, each of its lines unchanged.
    assert "      Kunden er spærret (fejl 4711)\n      Kontakt support\n" in body
    assert "  - customer c4, projects P9:" in body
    assert "  - project P1: 3 items held back by its billing limit" in body
    assert "Run run-7, due 2026-11-30, started by schedule, invoicing as Ann Berg" in body
    assert "2026-11-30 22:00:03+01:00" in body
    assert "(6 s)" in body


def test_render_of_an_empty_failed_run_has_no_empty_sections() -> None:
    """A failed run with nothing to list renders its subject and no empty sections."""
    subject, body = render(report(state="failed", invoices=(), errors=(), held=()))

    assert subject.endswith("failed for 2026-11-30: 0 invoices, 0 errors")
    for section in ("Totals:", "Invoices:", "Errors", "Held back:"):
        assert section not in body


def test_render_keeps_the_subject_on_one_line() -> None:
    """A job name holding a line break cannot add a header: the subject stays one line."""
    subject, _ = render(report(job_name="Monthly\nBcc: evil@example.com"))

    assert "\n" not in subject and "\r" not in subject
    assert "Monthly Bcc: evil@example.com" in subject


_AMOUNTS = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=2)


@given(st.lists(st.tuples(_AMOUNTS, st.sampled_from(["DKK", "EUR", "USD"])), max_size=8))
def test_totals_are_exact_decimal_sums_per_currency(lines: list[tuple[Decimal, str]]) -> None:
    """Totals are exact Decimal sums per currency, sorted, and printed as such."""
    run = report(invoices=[invoice(f"c{i}", str(a), c) for i, (a, c) in enumerate(lines)])

    expected: dict[str, Decimal] = {}
    for amount, currency in lines:
        expected[currency] = expected.get(currency, Decimal(0)) + amount
    assert run.totals() == expected
    assert list(run.totals()) == sorted(expected)
    _, body = render(run)
    for currency, total in expected.items():
        assert f"  {total:,.2f} {currency}\n" in body


def test_report_refuses_float_amounts_naive_times_and_unknown_states() -> None:
    """A report refuses float amounts, naive or backward times, unknown states or currencies."""
    with pytest.raises(ValidationError) as amount:
        invoice(amount=0.1)
    assert amount.value.field == "amount"
    with pytest.raises(ValidationError) as naive:
        report(started_at=datetime(2026, 11, 30, 22, 0))
    assert naive.value.field == "started_at"
    with pytest.raises(ValidationError) as backwards:
        report(finished_at=datetime(2026, 11, 30, 21, 59, tzinfo=CPH))
    assert backwards.value.field == "finished_at"
    with pytest.raises(ValidationError) as state:
        report(state="running")
    assert state.value.field == "state"
    with pytest.raises(ValidationError) as currency:
        invoice(currency="XXX")
    assert currency.value.field == "currency"


# --- a local SMTP server ------------------------------------------------------------------


Serve = Callable[..., tuple[Inbox, int]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start an SMTP server on 127.0.0.1 (aiosmtpd SMTP options as keywords)."""
    with plain_servers() as start:
        yield start


def settings(port: int = 25, **changes: Any) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "timeout": 5,
                           "sender": "Ledgerlink <noreply@ledgerlink.example>", **changes})


FIXED_NOW = datetime(2026, 11, 30, 21, 0, 10, tzinfo=UTC)


def test_smtp_delivers_one_message_to_all_recipients(serve: Serve) -> None:
    """SMTP delivers one UTF-8 message with the rendered text and headers to every recipient."""
    inbox, port = serve()
    notifier = SmtpNotifier(settings(port), clock=lambda: FIXED_NOW)

    notifier.notify([ANN, BO, ASE], report())

    [(mail_from, rcpt_tos, message)] = inbox.received
    assert mail_from == "noreply@ledgerlink.example"
    assert rcpt_tos == ["ann@example.com", "bo@example.com", "aase@example.com"]
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Ann Berg", "ann@example.com"), ("", "bo@example.com"),
        ("Åse Ødegård", "aase@example.com")]
    assert message["From"].addresses[0].display_name == "Ledgerlink"
    subject, body = render(report())
    # A subject that fits on its own line is folded onto it ("Subject:\r\n text");
    # unfolding leaves a space that the email package keeps and mail readers drop.
    assert message["Subject"].lstrip() == subject
    assert message.get_content_charset() == "utf-8"
    # Lines end in CRLF on the wire; "spærret" arrives decoded from UTF-8.
    assert message.get_content().splitlines() == body.splitlines()
    assert parsedate_to_datetime(message["Date"]) == FIXED_NOW
    assert message["Message-ID"].endswith("@ledgerlink.example>")
    assert message["Auto-Submitted"] == "auto-generated"


# aiosmtpd warns about AUTH without TLS, which this test offers on purpose.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_never_logs_in_without_tls_even_when_the_server_offers_it(serve: Serve) -> None:
    """Credentials without TLS are refused before connecting, though the server offers AUTH."""
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    inbox, port = serve(authenticator=authenticator, auth_required=True,
                        auth_require_tls=False)  # this server would take AUTH in clear

    with pytest.raises(NotificationError) as err:
        SmtpNotifier(settings(port, username="ledger", password="s3cret")).notify([ANN], report())
    assert "without TLS" in str(err.value) and "AUTH" in str(err.value)
    assert "s3cret" not in str(err.value)
    assert logins == [] and inbox.received == []


def test_a_refused_recipient_is_an_error_with_the_servers_code_and_text(serve: Serve) -> None:
    """A refused recipient raises with the server's code and text; the others still get the mail."""
    inbox, port = serve()
    inbox.refuse_recipients["bo@example.com"] = "550 5.1.1 No such user here"

    with pytest.raises(NotificationError) as only:
        SmtpNotifier(settings(port)).notify([BO], report())
    assert (only.value.code, only.value.reply) == (550, "5.1.1 No such user here")
    assert only.value.refused == {"bo@example.com": (550, "5.1.1 No such user here")}
    assert "bo@example.com" in str(only.value) and "550" in str(only.value)
    assert inbox.received == []

    with pytest.raises(NotificationError) as one_of_two:
        SmtpNotifier(settings(port)).notify([ANN, BO], report())
    assert one_of_two.value.code == 550
    assert list(one_of_two.value.refused) == ["bo@example.com"]
    assert "other recipients got it" in str(one_of_two.value)
    [(_, rcpt_tos, _)] = inbox.received
    assert rcpt_tos == ["ann@example.com"]


def test_a_refused_sender_is_an_error_with_the_servers_code_and_text(serve: Serve) -> None:
    """A refused sender address raises with the server's code and reply."""
    inbox, port = serve()
    inbox.refuse_sender = "553 5.7.1 Sender address rejected"

    with pytest.raises(NotificationError) as err:
        SmtpNotifier(settings(port)).notify([ANN], report())
    assert (err.value.code, err.value.reply) == (553, "5.7.1 Sender address rejected")


def test_starttls_is_required_when_asked_for(serve: Serve) -> None:
    """With starttls asked, a server without STARTTLS is refused and nothing is sent in clear."""
    # The server offers no STARTTLS: the notifier must refuse to go on in clear.
    inbox, port = serve()

    with pytest.raises(NotificationError, match="SMTPNotSupportedError"):
        SmtpNotifier(settings(port, starttls=True)).notify([ANN], report())
    assert inbox.received == []


def test_an_unreachable_server_is_a_notification_error_without_a_code() -> None:
    """A server nobody listens on is a NotificationError naming host and port, with no code."""
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(NotificationError) as err:
        SmtpNotifier(settings(port)).notify([ANN], report())
    assert err.value.code is None
    assert f"127.0.0.1:{port}" in str(err.value)


def test_no_recipients_means_no_connection() -> None:
    """Notifying nobody opens no connection to the mail server."""
    # Port 9 on 127.0.0.1 is closed here; connecting would raise.
    SmtpNotifier(settings(9)).notify([], report())


# --- settings ---------------------------------------------------------------------------


def test_settings_keep_the_password_out_of_the_repr() -> None:
    """The SMTP settings' repr hides the password; the sender defaults to the ledgerlink address."""
    s = settings(25, username="ledger", password="s3cret")
    assert "s3cret" not in repr(s)
    assert s.sender == Recipient("noreply@ledgerlink.example", "Ledgerlink")


@pytest.mark.parametrize(("changes", "field"), [
    ({"sender": "not an address"}, "sender"),
    ({"port": 0}, "port"),
    ({"host": ""}, "host"),
    ({"timeout": 0}, "timeout"),
    ({"starttls": True, "use_ssl": True}, "use_ssl"),
    ({"username": "ledger"}, "password"),
    ({"password": "s3cret"}, "username"),
])
def test_settings_name_the_bad_field(changes: dict[str, Any], field: str) -> None:
    """Each invalid SMTP setting, alone or in a bad combination, is refused by its field."""
    with pytest.raises(ValidationError) as err:
        settings(**changes)
    assert err.value.field == field


ENV = {"LEDGERLINK_SMTP_HOST": "mail.example.com",
       "LEDGERLINK_SMTP_SENDER": "Ledgerlink <noreply@example.com>"}


def test_from_env_reads_every_variable() -> None:
    """SmtpSettings.from_env reads host, port, login, TLS, sender and timeout variables."""
    s = SmtpSettings.from_env({**ENV, "LEDGERLINK_SMTP_PORT": "587",
                               "LEDGERLINK_SMTP_USER": "ledger",
                               "LEDGERLINK_SMTP_PASSWORD": " s3cret ",
                               "LEDGERLINK_SMTP_STARTTLS": "yes",
                               "LEDGERLINK_SMTP_TIMEOUT": "2.5"})
    assert s == SmtpSettings(host="mail.example.com", port=587, username="ledger",
                             password=" s3cret ", starttls=True, use_ssl=False,
                             sender=Recipient("noreply@example.com", "Ledgerlink"), timeout=2.5)


def test_from_env_defaults() -> None:
    """The port defaults to 25, or 465 with SSL, also when its variable is empty."""
    assert SmtpSettings.from_env(ENV).port == 25
    with_ssl = SmtpSettings.from_env({**ENV, "LEDGERLINK_SMTP_SSL": "1"})
    assert (with_ssl.use_ssl, with_ssl.port) == (True, 465)
    assert SmtpSettings.from_env({**ENV, "LEDGERLINK_SMTP_PORT": ""}).port == 25


@pytest.mark.parametrize(("env", "variable"), [
    ({"LEDGERLINK_SMTP_HOST": ""}, "LEDGERLINK_SMTP_HOST"),
    ({"LEDGERLINK_SMTP_SENDER": "nobody"}, "LEDGERLINK_SMTP_SENDER"),
    ({"LEDGERLINK_SMTP_PORT": "twenty-five"}, "LEDGERLINK_SMTP_PORT"),
    ({"LEDGERLINK_SMTP_PORT": "70000"}, "LEDGERLINK_SMTP_PORT"),
    ({"LEDGERLINK_SMTP_STARTTLS": "maybe"}, "LEDGERLINK_SMTP_STARTTLS"),
    ({"LEDGERLINK_SMTP_SSL": "1", "LEDGERLINK_SMTP_STARTTLS": "1"}, "LEDGERLINK_SMTP_SSL"),
    ({"LEDGERLINK_SMTP_TIMEOUT": "soon"}, "LEDGERLINK_SMTP_TIMEOUT"),
    ({"LEDGERLINK_SMTP_USER": "ledger"}, "LEDGERLINK_SMTP_PASSWORD"),
])
def test_from_env_errors_name_the_variable(env: dict[str, str], variable: str) -> None:
    """Each bad or missing environment variable is refused by its name."""
    with pytest.raises(ValidationError) as err:
        SmtpSettings.from_env({**ENV, **env})
    assert err.value.field == variable
    assert variable in str(err.value)


def test_from_env_never_shows_the_password() -> None:
    """A password set without a user is refused without showing the password."""
    with pytest.raises(ValidationError) as err:
        SmtpSettings.from_env({**ENV, "LEDGERLINK_SMTP_PASSWORD": "s3cret"})
    assert err.value.field == "LEDGERLINK_SMTP_USER"
    assert "s3cret" not in str(err.value) and err.value.value is None


def test_deliver_without_a_plugin_sends_through_smtp(serve: Serve) -> None:
    """Without a plugin manager, deliver sends through the SMTP notifier and says so."""
    inbox, port = serve()

    route = deliver([ANN], report(), notifier=SmtpNotifier(settings(port)))

    assert route == "smtp"
    assert [rcpt for _, rcpt, _ in inbox.received] == [["ann@example.com"]]
