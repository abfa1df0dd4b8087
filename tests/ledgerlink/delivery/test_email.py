"""The e-mail channel against real SMTP servers on 127.0.0.1: plain, STARTTLS and SMTPS."""

from __future__ import annotations

import socket
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.delivery import open_channel
from ledgerlink.delivery.email import (
    TEMPLATE_FIELDS,
    EmailChannel,
    EmailTemplates,
    email_channel,
)
from ledgerlink.delivery.model import DeliveryState
from ledgerlink.errors import ConnectorOptionError, DeliveryError, ValidationError
from ledgerlink.smtp import SmtpSettings
from tests.ledgerlink.delivery.support import invoice_pdf, make_delivery
from tests.smtp_servers import (
    PASSWORD,
    Inbox,
    Pki,
    TlsServe,
    plain_servers,
)

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
SENDER = "Fjordvarme ApS <faktura@fjordvarme.dk>"


def settings(port: int, **changes: Any) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "timeout": 5, "sender": SENDER,
                           **changes})


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start plain SMTP servers on 127.0.0.1 (aiosmtpd options as keywords)."""
    with plain_servers() as start:
        yield start


def test_the_invoice_goes_to_the_customer_with_its_pdf_intact(serve: Any) -> None:
    """The mail goes to the customer with the PDF attached byte for byte, named by its number."""
    inbox, port = serve()
    pdf = invoice_pdf("1042", pages=3)
    channel = EmailChannel(settings(port), clock=lambda: NOW)

    receipt = channel.deliver(make_delivery(pdf=pdf))

    [(mail_from, rcpt_tos, message)] = inbox.received
    assert (mail_from, rcpt_tos) == ("faktura@fjordvarme.dk", ["bogholderi@nordiskbyg.dk"])
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invoice-1042.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    assert message["Subject"].lstrip() == "Invoice 1042 from Fjordvarme ApS"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Dear Nordisk Byg A/S" in text
    assert "invoice 1042 of 2,843.75 DKK, due 2026-12-14" in text.replace("Invoice", "invoice")
    assert receipt.state is DeliveryState.SENT
    assert receipt.reference == message["Message-ID"]
    assert "250" in receipt.message


def test_a_credit_note_is_named_as_one(serve: Any) -> None:
    """A credit note's subject and attachment say credit note, not invoice."""
    inbox, port = serve()

    EmailChannel(settings(port)).deliver(make_delivery(number="1043", credit=True))

    [(_, _, message)] = inbox.received
    assert message["Subject"].lstrip() == "Credit note 1043 from Fjordvarme ApS"
    assert [a.get_filename() for a in message.iter_attachments()] == ["credit-note-1043.pdf"]


def test_each_company_has_its_own_templates(serve: Any) -> None:
    """A company's own subject and body are used for its invoices; others get the default."""
    inbox, port = serve()
    own = EmailTemplates(subject="Faktura $number ($amount)",
                         body="Hej $customer\nBetal senest $due_date.\n$$ er dollar.\n")
    channel = EmailChannel(settings(port), company_templates={"Fjordvarme ApS": own})

    channel.deliver(make_delivery())

    [(_, _, message)] = inbox.received
    assert message["Subject"].lstrip() == "Faktura 1042 (2,843.75 DKK)"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().splitlines() == ["Hej Nordisk Byg A/S", "Betal senest 2026-12-14.",
                                               "$ er dollar."]


@pytest.mark.parametrize("template", ["Invoice $number for $client", "Cost: $5", "${number"])
def test_a_template_with_an_unknown_or_broken_placeholder_is_refused(template: str) -> None:
    """A template naming an unknown field, or with a stray '$', is a DeliveryError when made."""
    with pytest.raises(DeliveryError) as err:
        EmailTemplates(subject=template)
    assert template in str(err.value)


@given(st.lists(st.sampled_from(sorted(TEMPLATE_FIELDS)), max_size=5),
       st.text(alphabet=st.characters(blacklist_characters="$"), max_size=20))
def test_every_known_field_fills_in(fields: list[str], filler: str) -> None:
    """Any template made of the known fields and text without '$' renders every field."""
    text = filler.join(f"${{{name}}}" for name in fields)
    templates = EmailTemplates(body=text)
    rendered = templates.body.substitute({name: f"<{name}>" for name in TEMPLATE_FIELDS})
    assert rendered == filler.join(f"<{name}>" for name in fields)
    assert isinstance(templates.body, string.Template)


def test_a_customer_without_an_email_address_is_a_validation_error() -> None:
    """A customer without an e-mail address is a ValidationError naming customer.email."""
    channel = EmailChannel(settings(9))  # port 9: nothing listens, nothing is tried

    with pytest.raises(ValidationError) as err:
        channel.deliver(make_delivery(email=None))
    assert err.value.field == "customer.email"


def test_a_refused_recipient_fails_with_the_servers_words(serve: Any) -> None:
    """A 550 for the recipient is FAILED with the server's code and text; nothing is delivered."""
    inbox, port = serve()
    inbox.refuse_recipients["bogholderi@nordiskbyg.dk"] = "550 5.1.1 Mailbox unavailable"

    receipt = EmailChannel(settings(port)).deliver(make_delivery())

    assert receipt.state is DeliveryState.FAILED
    assert "550 5.1.1 Mailbox unavailable" in receipt.message
    assert receipt.reference is None
    assert inbox.received == []


class RefusingData(Inbox):
    """Takes the envelope, then refuses the message itself."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Message rejected as spam"


def test_a_refused_message_fails_with_the_servers_words() -> None:
    """A 5xx answer to the message is FAILED with the server's words."""
    from tests.smtp_servers import EphemeralController

    controller = EphemeralController(RefusingData(), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        receipt = EmailChannel(settings(controller.port)).deliver(make_delivery())
    finally:
        controller.stop()
    assert receipt.state is DeliveryState.FAILED
    assert receipt.message.endswith("554 5.7.1 Message rejected as spam")


def test_a_connection_lost_after_the_message_is_unknown() -> None:
    """A connection closed after the message's end was sent is UNKNOWN, not FAILED."""
    from tests.smtp_servers import ScriptedServer

    with ScriptedServer(per_session=1, drop_after_data=True) as server:
        receipt = EmailChannel(settings(server.port)).deliver(make_delivery())
    assert len(server.messages) == 1, "the server received the message"
    assert receipt.state is DeliveryState.UNKNOWN
    assert "after the message was sent" in receipt.message
    assert receipt.reference is not None and receipt.reference.startswith("<")


def test_an_unreachable_server_is_failed_not_unknown() -> None:
    """A server nobody listens on is FAILED: nothing can have gone out."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    receipt = EmailChannel(settings(port)).deliver(make_delivery())

    assert receipt.state is DeliveryState.FAILED
    assert f"127.0.0.1:{port}" in receipt.message


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_are_never_sent_in_clear(serve: Any) -> None:
    """With a login but no TLS nothing is sent, though the server offers AUTH in clear."""
    logins: list[Any] = []

    def authenticator(*args: Any) -> Any:
        logins.append(args)
        raise AssertionError("AUTH must not be tried in clear")

    inbox, port = serve(authenticator=authenticator, auth_required=True,
                        auth_require_tls=False)

    receipt = EmailChannel(settings(port, username="ledger", password=PASSWORD)).deliver(
        make_delivery())

    assert receipt.state is DeliveryState.FAILED
    assert "without TLS" in receipt.message and PASSWORD not in receipt.message
    assert logins == [] and inbox.received == []


def test_starttls_logs_in_over_tls_and_delivers(tls_serve: TlsServe, pki: Pki) -> None:
    """With STARTTLS the login and the invoice mail both go over TLS."""
    inbox, port = tls_serve("starttls")
    channel = EmailChannel(settings(port, username="ledger", password=PASSWORD, starttls=True),
                           tls_context=pki.client_context())

    receipt = channel.deliver(make_delivery())

    assert receipt.state is DeliveryState.SENT
    assert inbox.logins == [(b"ledger", PASSWORD.encode(), True)]
    assert inbox.delivered_over_tls == [True]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_logs_in_over_tls_and_delivers(tls_serve: TlsServe, pki: Pki) -> None:
    """With SMTPS the connection is TLS from the first byte; the mail arrives with its PDF."""
    inbox, port = tls_serve("smtps")
    pdf = invoice_pdf("1042", pages=2)
    channel = EmailChannel(settings(port, username="ledger", password=PASSWORD, use_ssl=True),
                           tls_context=pki.client_context())

    receipt = channel.deliver(make_delivery(pdf=pdf))

    assert receipt.state is DeliveryState.SENT
    assert inbox.logins == [(b"ledger", PASSWORD.encode(), True)]
    [(_, _, message)] = inbox.received
    assert [a.get_content() for a in message.iter_attachments()] == [pdf]


def test_a_wrong_password_over_tls_fails_with_535(tls_serve: TlsServe, pki: Pki) -> None:
    """A refused login is FAILED with the server's 535, without the password."""
    inbox, port = tls_serve("starttls")
    channel = EmailChannel(settings(port, username="ledger", password="wrong-Pa55",
                                    starttls=True), tls_context=pki.client_context())

    receipt = channel.deliver(make_delivery())

    assert receipt.state is DeliveryState.FAILED
    assert "535" in receipt.message and "wrong-Pa55" not in receipt.message
    assert inbox.received == []


def test_the_factory_builds_from_options_and_refuses_bad_ones(serve: Any) -> None:
    """email_channel takes SMTP settings and templates; unknown options and bad values refused."""
    inbox, port = serve()
    channel = email_channel(host="127.0.0.1", port=port, sender=SENDER, timeout=5,
                            subject="Faktura $number",
                            company_templates={"Other A/S": {"subject": "Rechnung $number"}})
    channel.deliver(make_delivery())
    [(_, _, message)] = inbox.received
    assert message["Subject"].lstrip() == "Faktura 1042"

    with pytest.raises(ConnectorOptionError, match="colour"):
        open_channel("email", host="127.0.0.1", sender=SENDER, colour="red")
    with pytest.raises(DeliveryError, match="sender"):
        email_channel(host="127.0.0.1", sender="nobody")
    with pytest.raises(DeliveryError, match="unknown placeholder"):
        email_channel(host="127.0.0.1", sender=SENDER, body="$nope")


def test_names_and_dotted_lines_cannot_change_the_message(serve: Any) -> None:
    """A line break in a name adds no header, and body lines starting with '.' arrive intact."""
    inbox, port = serve()
    body = ".hidden\n..two dots\n.\nend\n"
    channel = EmailChannel(settings(port), templates=EmailTemplates(body=body))

    channel.deliver(make_delivery(name="Nordisk Byg\nBcc: spy@example.com"))

    [(_, rcpt_tos, message)] = inbox.received
    assert rcpt_tos == ["bogholderi@nordiskbyg.dk"]
    assert message["Bcc"] is None
    assert message["To"].addresses[0].display_name == "Nordisk Byg Bcc: spy@example.com"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and text.get_content().splitlines() == body.splitlines()
