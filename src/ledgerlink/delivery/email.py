"""Internal: the ``email`` channel: the invoice PDF attached to an e-mail ledgerlink sends by SMTP.

The SMTP conversation (TLS before any login, the server's reply kept, what
counts as sent) is :mod:`ledgerlink.smtp`'s, shared with the run notifier.
What this module adds is the invoice mail: subject and body from the company's
templates, the customer's address, the PDF named by the invoice number, and
the outcome as a receipt:

- the server answered 2xx to the message: SENT, referenced by the Message-ID;
- the server refused (the login, the sender, the recipient, the message) or
  could not be reached: FAILED with its words; nothing went out, so a person
  may retry it;
- the connection was lost after the message's end was sent: UNKNOWN, which is
  never sent again automatically (the customer may have it already).

Templates are :class:`string.Template` texts (``$number``, ``${company}``), not
``str.format``: a template is configuration a company writes, and
``str.format`` lets a placeholder reach into its value's attributes and items
(``{amount.__class__}``) and carries a format-spec language; ``$name`` with a
fixed set of names is all a mail text needs, and an unknown name is caught when
the channel is made rather than when an invoice goes out.
"""

from __future__ import annotations

import os
import re
import ssl
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import attrs

from ledgerlink.delivery.model import Delivery, DeliveryReceipt, DeliveryState
from ledgerlink.errors import DeliveryError, ValidationError
from ledgerlink.smtp import (
    ENV_PREFIX,
    Recipient,
    SmtpOutcome,
    SmtpSettings,
    new_message,
)
from ledgerlink.smtp_session import SmtpSessions

__all__ = ["TEMPLATE_FIELDS", "EmailChannel", "EmailTemplates", "email_channel",
           "template_values"]

#: The names a subject or body template may use, and what each holds.
TEMPLATE_FIELDS = {
    "document": "'Invoice' or 'Credit note'",
    "number": "the invoice number",
    "company": "the company's name",
    "customer": "the customer's name",
    "amount": "the total with its currency, e.g. 1,250.00 DKK",
    "issue_date": "the invoice date, YYYY-MM-DD",
    "due_date": "the due date, YYYY-MM-DD",
}


def _template(value: str | string.Template) -> string.Template:
    template = value if isinstance(value, string.Template) else string.Template(value)
    if not template.is_valid():
        raise DeliveryError(f"email template {template.template!r} has a '$' that is no "
                            f"placeholder (write $$ for a dollar sign)")
    unknown = sorted(set(template.get_identifiers()) - set(TEMPLATE_FIELDS))
    if unknown:
        raise DeliveryError(f"email template {template.template!r} uses unknown "
                            f"placeholder(s) {', '.join(unknown)}; known: "
                            f"{', '.join(TEMPLATE_FIELDS)}")
    return template


_DEFAULT_SUBJECT = string.Template("$document $number from $company")
_DEFAULT_BODY = string.Template(
    "Dear $customer,\n\nPlease find attached $document $number of $amount, due $due_date."
    "\n\nKind regards,\n$company\n")


@attrs.frozen
class EmailTemplates:
    """A company's subject and body for invoice e-mail (see :data:`TEMPLATE_FIELDS`).

    Attributes:
        subject: the subject line template.
        body: the plain-text body template.
    """

    subject: string.Template = attrs.field(default=_DEFAULT_SUBJECT, converter=_template)
    body: string.Template = attrs.field(default=_DEFAULT_BODY, converter=_template)


def template_values(delivery: Delivery) -> dict[str, str]:
    """The values :data:`TEMPLATE_FIELDS` name, for one delivery."""
    invoice = delivery.invoice
    if not invoice.number:
        raise ValidationError("the invoice has no number: deliver booked invoices only",
                              field="invoice.number")
    credit = invoice.credit_for is not None
    return {
        "document": "Credit note" if credit else "Invoice",
        "number": invoice.number,
        "company": delivery.company.name,
        "customer": delivery.customer.name,
        "amount": f"{invoice.total:,.2f} {invoice.currency}",
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
    }


def attachment_name(values: Mapping[str, str]) -> str:
    """``invoice-1042.pdf`` or ``credit-note-1043.pdf``: characters a file name cannot hold
    become ``-``."""
    number = re.sub(r"[^\w.-]+", "-", values["number"]).strip(".-") or "invoice"
    return f"{values['document'].lower().replace(' ', '-')}-{number}.pdf"


class EmailChannel:
    """Sends each invoice as an e-mail with its PDF attached, to the customer's address.

    Args:
        settings: the SMTP server, login and sender.
        templates: the subject and body for companies without their own.
        company_templates: templates by company name.
        tls_context: verifies the server for ``starttls``/``use_ssl``; by default
            the system's trusted CAs and host-name checking.
        clock: the time for the Date header (tests pin it).
        name: the channel's registered name.

    The messages of one thread share one SMTP session (:mod:`ledgerlink.smtp_session`);
    :meth:`close` (or leaving ``with``) ends them.
    """

    #: An e-mail cannot be taken back, and no mail server refuses a repeat.
    refuses_repeats = False

    def __init__(self, settings: SmtpSettings, *, templates: EmailTemplates | None = None,
                 company_templates: Mapping[str, EmailTemplates] | None = None,
                 tls_context: ssl.SSLContext | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 name: str = "email") -> None:
        self.name = name
        self.settings = settings
        self.templates = templates or EmailTemplates()
        self.company_templates = dict(company_templates or {})
        self._tls_context = tls_context
        self._clock = clock
        self._sessions = SmtpSessions(settings, tls_context)

    def close(self) -> None:
        """End the SMTP sessions this channel opened."""
        self._sessions.close()

    def __enter__(self) -> EmailChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def recipient(self, delivery: Delivery) -> Recipient:
        """The customer's address; ValidationError naming ``customer.email`` without one."""
        customer = delivery.customer
        if not customer.email:
            raise ValidationError(f"customer {customer.id} has no e-mail address to send "
                                  f"the invoice to", field="customer.email")
        try:
            return Recipient(customer.email, customer.name)
        except ValidationError as err:
            raise ValidationError(err.message, field="customer.email",
                                  value=customer.email) from None

    def message(self, delivery: Delivery) -> EmailMessage:
        """The e-mail :meth:`deliver` sends: the text from the templates, the PDF attached."""
        to = self.recipient(delivery)
        values = template_values(delivery)
        templates = self.company_templates.get(delivery.company.name, self.templates)
        # A subject is one header line: a line break in a name must not start another.
        subject = " ".join(templates.subject.substitute(values).split())
        message = new_message(self.settings, [to], subject, self._clock())
        message.set_content(templates.body.substitute(values), charset="utf-8",
                            cte="quoted-printable")
        message.add_attachment(delivery.pdf, maintype="application", subtype="pdf",
                               filename=attachment_name(values))
        return message

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        """Send the invoice mail; the receipt holds the server's answer."""
        message = self.message(delivery)
        message_id = str(message["Message-ID"])
        s = self.settings
        result = self._sessions.send(message, [self.recipient(delivery).address])
        answer = f"{result.code} {result.reply}".strip()
        if result.outcome is SmtpOutcome.ACCEPTED:
            return DeliveryReceipt(DeliveryState.SENT, f"SMTP server {s.host}: {answer}",
                                   message_id)
        if result.outcome is SmtpOutcome.UNKNOWN:
            return DeliveryReceipt(DeliveryState.UNKNOWN, result.detail, message_id)
        if result.outcome is SmtpOutcome.REFUSED:
            temporary = " (temporarily)" if result.code and 400 <= result.code < 500 else ""
            return DeliveryReceipt(DeliveryState.FAILED,
                                   f"SMTP server {s.host} refused{temporary}: {answer}")
        return DeliveryReceipt(DeliveryState.FAILED,
                               f"not sent through {s.host}:{s.port}: {result.detail}")




def email_channel(*, host: str | None = None, port: int | None = None,
                  username: str | None = None, password: str | None = None,
                  starttls: bool | None = None, use_ssl: bool | None = None,
                  sender: str | None = None, timeout: float | None = None,
                  subject: str | None = None, body: str | None = None,
                  company_templates: Mapping[str, Mapping[str, str]] | None = None,
                  tls_context: ssl.SSLContext | None = None) -> EmailChannel:
    """The ``email`` channel's factory.

    The SMTP settings (``host`` ... ``timeout``) are :class:`SmtpSettings`'; left
    out, each keeps its default there, and without ``host`` they are all read from
    ``LEDGERLINK_SMTP_*`` (:meth:`SmtpSettings.from_env`). A ``username`` without
    ``password`` takes the password from ``LEDGERLINK_SMTP_PASSWORD``. ``subject`` and
    ``body`` are the default templates; ``company_templates`` maps a company name
    to its own ``{"subject": ..., "body": ...}``.

    Raises:
        DeliveryError: settings that do not hold, or a bad template.
    """
    if username is not None and password is None:
        # A password belongs in the environment, not in a settings file.
        password = os.environ.get(f"{ENV_PREFIX}PASSWORD")
    given: dict[str, Any] = {
        "host": host, "port": port, "username": username, "password": password,
        "starttls": starttls, "use_ssl": use_ssl, "sender": sender, "timeout": timeout}
    smtp = {name: value for name, value in given.items() if value is not None}
    try:
        settings = SmtpSettings(**smtp) if host is not None else SmtpSettings.from_env()
    except ValidationError as err:
        raise DeliveryError(f"the email channel's SMTP settings: {err}") from None
    texts = {name: value for name, value in (("subject", subject), ("body", body))
             if value is not None}
    per_company = {company: EmailTemplates(**texts_of_company)
                   for company, texts_of_company in (company_templates or {}).items()}
    return EmailChannel(settings, templates=EmailTemplates(**texts),
                        company_templates=per_company, tls_context=tls_context)
