"""Which channel a customer's invoices take: the company's default, the customer's own
choice, ``auto`` resolved by an e-invoice receiver lookup, and deliver_through_ledgerlink,
each with its provenance and reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.delivery import ChannelChoice, choose_channel, explain_channel, receiver_check
from ledgerlink.domain import Address, Company, Customer, DeliveryChannel
from ledgerlink.einvoice.emulator import Registration, ServedPeppol
from ledgerlink.einvoice.emulator.registrations import registrations_to_json
from ledgerlink.einvoice.lookup import ReceiverLookup
from tests.ledgerlink.einvoice.support import DNS_TIMEOUT, START, Clock, served

CVR = "DK12345674"
#: A valid CVR number the emulator does not register.
UNREGISTERED_CVR = "DK13585628"

companies = st.builds(Company, name=st.just("Varme & Vand ApS"),
                      delivery=st.sampled_from(DeliveryChannel),
                      deliver_through_ledgerlink=st.booleans())
customers = st.builds(Customer, id=st.just("c-1"), name=st.just("Acme ApS"),
                      email=st.none() | st.just("billing@acme.dk"),
                      registration_number=st.none() | st.just(CVR),
                      delivery=st.none() | st.sampled_from(DeliveryChannel))
answers = st.sampled_from([True, False, None])


@given(companies, customers, st.none() | answers)
def test_the_choice_is_never_auto_and_names_its_source(
        company: Company, customer: Customer, answer: bool | None) -> None:
    """Every choice resolves to a concrete channel and says whose choice it was."""
    can_receive = None if answer is None else (lambda _: answer)
    choice = choose_channel(company, customer, can_receive=can_receive)
    assert choice.channel is not DeliveryChannel.AUTO
    assert choice.source == ("company" if customer.delivery is None else "customer")
    assert choice.chosen is (customer.delivery or company.delivery)
    assert choice.reasons and choice.why == "; ".join(choice.reasons)


@given(companies, customers, answers)
def test_the_customers_own_choice_wins(company: Company, customer: Customer,
                                       answer: bool | None) -> None:
    """A customer's letter, e-mail or e-invoice choice is kept, whatever the company says."""
    fixed = {DeliveryChannel.EMAIL, DeliveryChannel.LETTER, DeliveryChannel.EINVOICE}
    choice = choose_channel(company, customer, can_receive=lambda _: answer)
    if customer.delivery in fixed:
        assert choice.channel is customer.delivery
    elif customer.delivery is None and company.delivery in fixed:
        assert choice.channel is company.delivery


@given(companies, customers, answers)
def test_through_ledgerlink_the_provider_never_emails(
        company: Company, customer: Customer, answer: bool | None) -> None:
    """With deliver_through_ledgerlink the answer is never provider_email; without it,
    provider_email stays the provider's."""
    choice = choose_channel(company, customer, can_receive=lambda _: answer)
    if company.deliver_through_ledgerlink:
        assert choice.channel is not DeliveryChannel.PROVIDER_EMAIL
        if choice.chosen is DeliveryChannel.PROVIDER_EMAIL:
            assert choice.channel is DeliveryChannel.EMAIL
    elif choice.chosen is DeliveryChannel.PROVIDER_EMAIL:
        assert choice.channel is DeliveryChannel.PROVIDER_EMAIL


@given(companies, customers, answers)
def test_auto_is_einvoice_else_email_else_letter(
        company: Company, customer: Customer, answer: bool | None) -> None:
    """auto: e-invoice when the lookup says yes for the customer's number; otherwise
    e-mail (by whoever e-mails for the company) when there is an address; else letter."""
    company = attrs.evolve(company, delivery=DeliveryChannel.AUTO)
    customer = attrs.evolve(customer, delivery=None)
    asked: list[Customer] = []

    def can_receive(who: Customer) -> bool | None:
        asked.append(who)
        return answer

    choice = choose_channel(company, customer, can_receive=can_receive)
    assert asked == ([customer] if customer.registration_number else [])
    emailer = (DeliveryChannel.EMAIL if company.deliver_through_ledgerlink
               else DeliveryChannel.PROVIDER_EMAIL)
    if customer.registration_number and answer:
        expected = DeliveryChannel.EINVOICE
    elif customer.email:
        expected = emailer
    else:
        expected = DeliveryChannel.LETTER
    assert choice.channel is expected
    assert (choice.chosen, choice.source) == (DeliveryChannel.AUTO, "company")


def test_auto_without_a_lookup_never_picks_einvoice() -> None:
    """Without can_receive, auto falls back to e-mail and says receivers were not looked up."""
    customer = Customer("c-1", "Acme", email="a@acme.dk", registration_number=CVR,
                        delivery=DeliveryChannel.AUTO)
    choice = choose_channel(Company("Firma"), customer)
    assert choice.channel is DeliveryChannel.PROVIDER_EMAIL
    assert "not looked up" in choice.why


def test_the_reasons_say_why_for_the_log() -> None:
    """Each step that decided is a sentence: whose choice, the lookup's answer, the rule."""
    company = Company("Firma", delivery=DeliveryChannel.AUTO, deliver_through_ledgerlink=True)
    customer = Customer("c-1", "Acme", email="a@acme.dk", registration_number=CVR)
    choice = choose_channel(company, customer, can_receive=lambda _: None)
    assert choice == ChannelChoice(DeliveryChannel.EMAIL, DeliveryChannel.AUTO, "company", (
        "auto is the company's choice",
        f"the e-invoice lookup for {CVR} gave no answer",
        "the customer has an e-mail address",
        "the company delivers every invoice through ledgerlink, so ledgerlink e-mails it "
        "instead of the accounting system"))


def test_explain_shows_the_choice_its_source_and_why() -> None:
    """The explanation names the customer, what was chosen and by whom, the channel, and
    every reason."""
    customer = Customer("c-9", "Bo", delivery=DeliveryChannel.AUTO)
    text = explain_channel(choose_channel(Company("Firma"), customer), customer="c-9")
    assert text.splitlines() == [
        "Delivery for c-9",
        "  chosen              auto           (customer's own choice)",
        "  channel             letter",
        "  why: auto is the customer's choice",
        "  why: no organisation number to look up for e-invoices",
        "  why: the customer has no e-mail address",
    ]


# --- receiver_check against the PEPPOL emulator on 127.0.0.1 ---------------------------


@pytest.fixture(scope="module")
def peppol() -> Iterator[ServedPeppol]:
    """The emulator serving one ready DK participant (CVR 12345674)."""
    with served() as started:
        started.emulator.load_json(registrations_to_json(started.emulator.zone, [
            Registration.of("0184:12345674", name="Acme ApS", country="DK",
                            activation=START - timedelta(days=30))]))
        yield started


@pytest.fixture
def lookup(peppol: ServedPeppol) -> Iterator[ReceiverLookup]:
    """A lookup asking the emulator, with the SMP up."""
    peppol.emulator.smp_down = False
    with ReceiverLookup(peppol.settings(dns_timeout=DNS_TIMEOUT), clock=Clock()) as made:
        yield made
    peppol.emulator.smp_down = False


def _customer(number: str | None, country: str = "DK") -> Customer:
    return Customer("c-1", "Acme", email="a@acme.dk", registration_number=number,
                    address=Address(country=country), delivery=DeliveryChannel.AUTO)


def test_a_registered_receiver_gets_an_einvoice(lookup: ReceiverLookup) -> None:
    """auto with the real lookup: a CVR registered for BIS Billing 3 is sent an e-invoice."""
    choice = choose_channel(Company("Firma"), _customer(CVR),
                            can_receive=receiver_check(lookup))
    assert choice.channel is DeliveryChannel.EINVOICE
    assert f"{CVR} can receive PEPPOL BIS Billing 3 invoices" in choice.reasons


def test_an_unregistered_receiver_gets_an_email(lookup: ReceiverLookup) -> None:
    """A CVR the SML does not know cannot receive: auto picks e-mail."""
    can_receive = receiver_check(lookup)
    assert can_receive(_customer(UNREGISTERED_CVR)) is False
    choice = choose_channel(Company("Firma"), _customer(UNREGISTERED_CVR),
                            can_receive=can_receive)
    assert choice.channel is DeliveryChannel.PROVIDER_EMAIL


def test_a_lookup_without_an_answer_is_none(peppol: ServedPeppol,
                                            lookup: ReceiverLookup) -> None:
    """With the SMP down nobody can tell: None, and auto falls back, saying so."""
    peppol.emulator.smp_down = True
    assert receiver_check(lookup)(_customer(CVR)) is None


def test_numbers_without_a_peppol_scheme_cannot_receive(lookup: ReceiverLookup) -> None:
    """No number, or a country without a participant scheme: False, nothing asked."""
    can_receive = receiver_check(lookup)
    assert can_receive(_customer(None)) is False
    assert can_receive(_customer("DE136695976", "DE")) is False
