"""Internal: which channel an invoice takes to a customer, and why.

The company sets a default (:attr:`Company.delivery`), a customer may choose
their own (:attr:`Customer.delivery`, None: the company's), and
:func:`choose_channel` resolves that choice to one channel with the provenance
of the choice and a reason for every step, for the transfer log and
``ledgerlink policy explain``. The rules, in order:

1. The customer's choice wins over the company's.
2. ``auto`` becomes ``einvoice`` when the customer's organisation number can
   receive a PEPPOL BIS Billing 3 invoice (asked through ``can_receive``), else
   e-mail when the customer has an e-mail address, else ``letter``.
   Its e-mail is the same e-mail every other customer gets: the provider's,
   unless the company delivers through ledgerlink (rule 3).
3. With ``deliver_through_ledgerlink``, ``provider_email`` becomes ``email``:
   ledgerlink sends the PDF itself. So does the e-mail ``auto`` comes to when
   the accounting system cannot e-mail invoices (``provider_emails=False``).

The answer is never ``auto``. Whether anything is sent at all is the billing
policy's ``send`` (see :mod:`ledgerlink.policy`); this module only says how.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import attrs

from ledgerlink.domain import Company, Customer, DeliveryChannel
from ledgerlink.errors import ReceiverLookupError, ValidationError

if TYPE_CHECKING:
    from ledgerlink.einvoice import ReceiverLookup

__all__ = ["CanReceive", "ChannelChoice", "choose_channel", "explain_channel",
           "receiver_check"]

#: Whether a customer can receive a PEPPOL BIS Billing 3 invoice: True, False, or
#: None when nobody could tell (the lookup failed).
CanReceive = Callable[[Customer], "bool | None"]
Source = Literal["company", "customer"]


@attrs.frozen
class ChannelChoice:
    """The channel one customer's invoices take, and why.

    Attributes:
        channel: the channel to deliver by; never ``auto``.
        chosen: what was asked for (``auto`` included).
        source: where :attr:`chosen` came from: ``"company"`` (the default) or
            ``"customer"`` (the customer's own choice).
        reasons: one sentence per rule that decided, in order.
    """

    channel: DeliveryChannel
    chosen: DeliveryChannel
    source: Source
    reasons: tuple[str, ...] = ()

    @property
    def why(self) -> str:
        """The reasons as one line, for a log."""
        return "; ".join(self.reasons)


def _lookup_reason(number: str, answer: bool | None) -> str:
    if answer is None:
        return f"the e-invoice lookup for {number} gave no answer"
    if answer:
        return f"{number} can receive PEPPOL BIS Billing 3 invoices"
    return f"{number} cannot receive PEPPOL BIS Billing 3 invoices"


def _auto(customer: Customer, can_receive: CanReceive | None
          ) -> tuple[DeliveryChannel, list[str]]:
    """What ``auto`` becomes for ``customer``: einvoice, provider e-mail or letter."""
    number = customer.registration_number
    if not number:
        reasons = ["no organisation number to look up for e-invoices"]
    elif can_receive is None:
        reasons = ["e-invoice receivers are not looked up here"]
    else:
        answer = can_receive(customer)
        reasons = [_lookup_reason(number, answer)]
        if answer:
            return DeliveryChannel.EINVOICE, reasons
    if customer.email:
        return DeliveryChannel.PROVIDER_EMAIL, [*reasons, "the customer has an e-mail address"]
    return DeliveryChannel.LETTER, [*reasons, "the customer has no e-mail address"]


def choose_channel(company: Company, customer: Customer, *,
                   can_receive: CanReceive | None = None,
                   provider_emails: bool = True) -> ChannelChoice:
    """The channel ``customer``'s invoices take (see the module docstring for the rules).

    Args:
        company: its :attr:`~Company.delivery` default and ``deliver_through_ledgerlink``.
        customer: its own :attr:`~Customer.delivery` choice, e-mail and organisation number.
        can_receive: asked only to resolve ``auto`` for a customer with an
            organisation number (production: :func:`receiver_check`); without
            it, ``auto`` never picks e-invoice.
        provider_emails: whether the accounting system can e-mail invoices (its
            connector has the ``email`` capability); when not, the e-mail ``auto``
            comes to is ledgerlink's own.
    """
    source: Source = "customer" if customer.delivery is not None else "company"
    chosen = customer.delivery or company.delivery
    channel = chosen
    reasons = [f"{chosen.value} is the {'customer' if source == 'customer' else 'company'}'s "
               f"choice"]
    if chosen is DeliveryChannel.AUTO:
        channel, found = _auto(customer, can_receive)
        reasons.extend(found)
    if channel is DeliveryChannel.PROVIDER_EMAIL and company.deliver_through_ledgerlink:
        channel = DeliveryChannel.EMAIL
        reasons.append("the company delivers every invoice through ledgerlink, so ledgerlink "
                       "e-mails it instead of the accounting system")
    elif (channel is DeliveryChannel.PROVIDER_EMAIL and chosen is DeliveryChannel.AUTO
          and not provider_emails):
        channel = DeliveryChannel.EMAIL
        reasons.append("the accounting system cannot e-mail invoices, so ledgerlink e-mails it")
    return ChannelChoice(channel, chosen, source, tuple(reasons))


def explain_channel(choice: ChannelChoice, *, customer: str | None = None) -> str:
    """Render ``choice`` as plain text, like :func:`ledgerlink.policy.explain`."""
    origin = {"company": "company default", "customer": "customer's own choice"}
    title = f"Delivery for {customer}" if customer else "Delivery"
    lines = [title,
             f"  {'chosen':<19} {choice.chosen.value:<14} ({origin[choice.source]})",
             f"  {'channel':<19} {choice.channel.value}"]
    lines.extend(f"  why: {reason}" for reason in choice.reasons)
    return "\n".join(lines)


def receiver_check(lookup: ReceiverLookup) -> CanReceive:
    """A ``can_receive`` that asks ``lookup`` (SML, SMP, its cache) about the customer's
    organisation number in the customer's country.

    A number that has no PEPPOL participant id (a country without a scheme, a
    number that fails its check) cannot receive; a lookup that gets no answer
    (DNS or SMP down) is None, and ``auto`` falls back to e-mail or letter.
    """

    def can_receive(customer: Customer) -> bool | None:
        number = customer.registration_number
        if not number:
            return False
        try:
            answer = lookup.lookup_number(number, customer.address.country)
        except ValidationError:
            return False
        except ReceiverLookupError:
            return None
        return answer.can_receive_invoice

    return can_receive
