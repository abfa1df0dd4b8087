"""The planner's sending rules: the provider's e-mail (Send) or ledgerlink's delivery
(Deliver), what a later run finishes, and what ``plan_deliveries`` retries or resends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink import (
    BillingPolicy,
    Capability,
    Company,
    Customer,
    DeliveryChannel,
    PolicyOverride,
    Posting,
    Timing,
    WorkLine,
    WorkOrder,
)
from ledgerlink.errors import ValidationError
from ledgerlink.planning import plan, plan_deliveries
from ledgerlink.plans import (
    ALL_CAPABILITIES,
    Book,
    Deliver,
    DeliveryRecord,
    InvoiceRecord,
    JournalState,
    NoticeKind,
    Send,
    WorkRecord,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, True, 8))
NO_EMAIL = ALL_CAPABILITIES - {Capability.EMAIL}


def customer(cid: str = "c1", delivery: DeliveryChannel | None = None,
             email: str | None = "c1@example.dk", **override: object) -> Customer:
    policy = PolicyOverride(**override) if override else None  # type: ignore[arg-type]
    return Customer(id=cid, name=f"Customer {cid}", email=email, delivery=delivery,
                    policy=policy)


def order(oid: str = "w1", cid: str = "c1") -> WorkOrder:
    return WorkOrder(id=oid, customer_id=cid, completed_at=NOW - timedelta(hours=1),
                     lines=[WorkLine("Hours", Decimal("2"), Decimal("500"))])


def kinds(actions: object) -> list[str]:
    return [a.kind for a in actions]  # type: ignore[attr-defined]


def booked_state(key: str = "inv:w1", *, sent: bool | None = False,
                 delivery: DeliveryRecord | None = None) -> JournalState:
    """The journal after an earlier run created and booked ``key`` for c1."""
    return JournalState(
        work={"w1": WorkRecord("w1", order().fingerprint(), key)},
        invoices={key: InvoiceRecord(key, "c1", "book", True, "R-1", booked=True, sent=sent)},
        customers=frozenset({"c1"}),
        deliveries={key: delivery} if delivery is not None else {})


@pytest.mark.parametrize("channel", [DeliveryChannel.EMAIL, DeliveryChannel.LETTER,
                                     DeliveryChannel.EINVOICE, DeliveryChannel.AUTO])
def test_a_customer_of_a_ledgerlink_channel_gets_a_delivery_after_booking(
        channel: DeliveryChannel) -> None:
    """email, letter, einvoice and auto customers get a Deliver after Book, never a Send."""
    p = plan([order()], [customer(delivery=channel)], COMPANY, now=NOW)
    assert kinds(p.actions) == ["ensure_customer", "create_invoice", "book", "deliver"]
    deliver = p.actions[-1]
    assert isinstance(deliver, Deliver)
    assert deliver.chosen is channel and deliver.invoice_key == "inv:w1"
    assert deliver.source is p.actions[1] and deliver.company is COMPANY
    assert deliver.op_key == "deliver:inv:w1"


def test_a_provider_email_customer_is_emailed_by_the_provider() -> None:
    """The default channel still asks the accounting system to e-mail the invoice."""
    p = plan([order()], [customer()], COMPANY, now=NOW)
    assert kinds(p.actions)[-1] == "send"
    assert not any(isinstance(a, Deliver) for a in p.actions)


def test_without_the_email_capability_a_provider_email_customer_gets_a_notice() -> None:
    """On a connector that cannot e-mail, the notice names the 'email' capability."""
    p = plan([order()], [customer()], COMPANY, now=NOW, capabilities=NO_EMAIL)
    assert kinds(p.actions)[-1] == "book"
    assert [n.kind for n in p.notices] == [NoticeKind.NOT_SENT]
    assert "'email' capability" in p.notices[0].reason


def test_delivering_through_ledgerlink_turns_the_providers_email_into_ledgerlinks() -> None:
    """deliver_through_ledgerlink: a provider_email customer is delivered by the email channel,
    also on a connector that cannot e-mail."""
    company = attrs.evolve(COMPANY, deliver_through_ledgerlink=True)
    p = plan([order()], [customer()], company, now=NOW, capabilities=NO_EMAIL)
    deliver = p.actions[-1]
    assert isinstance(deliver, Deliver) and deliver.chosen is DeliveryChannel.EMAIL
    assert not p.notices


@pytest.mark.parametrize("channel", [DeliveryChannel.EMAIL, DeliveryChannel.PROVIDER_EMAIL])
def test_an_email_channel_without_an_address_is_a_notice(channel: DeliveryChannel) -> None:
    """No e-mail address: nothing is planned to go out, and the notice says why."""
    p = plan([order()], [customer(delivery=channel, email=None)], COMPANY, now=NOW)
    assert kinds(p.actions)[-1] == "book"
    assert p.notices[0].reason == "customer has no email address"


def test_send_off_plans_no_delivery_and_no_notice() -> None:
    """send=False: the invoice is booked and nothing more, for every channel."""
    p = plan([order()], [customer(delivery=DeliveryChannel.LETTER, send=False)], COMPANY,
             now=NOW)
    assert kinds(p.actions)[-1] == "book" and not p.notices


def test_drafts_are_not_delivered() -> None:
    """Work collected on a draft is left for a person to book; nothing is delivered."""
    p = plan([order()], [customer(delivery=DeliveryChannel.LETTER, posting=Posting.DRAFT)],
             COMPANY, now=NOW)
    assert "deliver" not in kinds(p.actions)


def test_a_booked_invoice_not_yet_delivered_is_delivered_by_the_next_run() -> None:
    """An invoice an earlier run booked but never delivered gets a Deliver, with its lines
    rebuilt from the work in the input."""
    who = customer(delivery=DeliveryChannel.LETTER)
    p = plan([order()], [who], COMPANY, now=NOW, state=booked_state())
    assert kinds(p.actions) == ["deliver"]
    deliver = p.actions[0]
    assert isinstance(deliver, Deliver) and deliver.source is not None
    assert [line.description for line in deliver.source.draft().lines] == ["Hours"]


def test_a_delivery_whose_work_is_not_in_the_input_has_no_lines() -> None:
    """Without the invoice's work in the input the Deliver carries no source (an e-invoice
    then fails naming why; other channels do not need the lines)."""
    who = customer(delivery=DeliveryChannel.LETTER)
    p = plan([], [who], COMPANY, now=NOW, state=booked_state())
    assert isinstance(p.actions[0], Deliver) and p.actions[0].source is None


@pytest.mark.parametrize("state", ["pending", "sent", "failed", "unknown"])
def test_a_run_never_plans_a_ledgerlink_delivery_that_has_a_record(state: str) -> None:
    """Sent, in flight, failed or unknown: an ordinary run leaves ledgerlink's delivery alone."""
    record = DeliveryRecord("inv:w1", "c1", "letter", state)
    sent = {"sent": True, "unknown": None}.get(state, False)
    p = plan([order()], [customer(delivery=DeliveryChannel.LETTER)], COMPANY, now=NOW,
             state=booked_state(sent=sent, delivery=record))
    assert p.actions == ()


def test_a_failed_provider_email_is_asked_for_again_each_run() -> None:
    """The accounting system's failed e-mail is planned again by the next run, as before."""
    record = DeliveryRecord("inv:w1", "c1", "provider_email", "failed")
    p = plan([order()], [customer()], COMPANY, now=NOW,
             state=booked_state(delivery=record))
    assert [type(a) for a in p.actions] == [Send]


def test_retry_failed_plans_failed_deliveries_under_the_same_key() -> None:
    """plan_deliveries(retry_failed=True) retries a failed delivery with its own attempt."""
    record = DeliveryRecord("inv:w1", "c1", "letter", "failed", attempt=1)
    state = booked_state(delivery=record)
    who = customer(delivery=DeliveryChannel.LETTER)
    assert plan_deliveries([who], COMPANY, now=NOW, state=state).actions == ()
    retried = plan_deliveries([who], COMPANY, now=NOW, state=state, retry_failed=True)
    assert [(a.kind, a.op_key) for a in retried.actions] == [("deliver", "deliver:inv:w1:a1")]


@pytest.mark.parametrize("state", ["sent", "unknown"])
def test_a_resend_is_a_new_delivery(state: str) -> None:
    """--resend of a sent or unknown delivery plans attempt n+1 under a new key; retrying
    failed ones never touches it."""
    record = DeliveryRecord("inv:w1", "c1", "email", state)
    journal = booked_state(sent=True if state == "sent" else None, delivery=record)
    who = customer(delivery=DeliveryChannel.EMAIL)
    assert plan_deliveries([who], COMPANY, now=NOW, state=journal,
                           retry_failed=True).actions == ()
    again = plan_deliveries([who], COMPANY, now=NOW, state=journal, resend=["inv:w1"])
    deliver = again.actions[0]
    assert isinstance(deliver, Deliver)
    assert deliver.attempt == 1 and deliver.op_key == "deliver:inv:w1:a1"


def test_a_resend_of_an_invoice_ledgerlink_never_delivered_is_refused() -> None:
    """Resending a key without a delivery on record is an error naming the key."""
    with pytest.raises(ValidationError, match="inv:nope") as err:
        plan_deliveries([customer()], COMPANY, now=NOW, state=booked_state(),
                        resend=["inv:nope"])
    assert err.value.field == "resend"


def test_a_resend_of_a_provider_email_says_to_send_it_from_the_provider() -> None:
    """ledgerlink cannot resend the accounting system's e-mail: a notice says where to."""
    record = DeliveryRecord("inv:w1", "c1", "provider_email", "unknown")
    p = plan_deliveries([customer()], COMPANY, now=NOW,
                        state=booked_state(sent=None, delivery=record), resend=["inv:w1"])
    assert p.actions == () and "from there" in p.notices[0].reason


def test_plan_deliveries_books_before_it_delivers() -> None:
    """An invoice created but not booked is booked first, then delivered."""
    state = booked_state()
    state = attrs.evolve(state, invoices={"inv:w1": attrs.evolve(
        state.invoices["inv:w1"], booked=False)})
    p = plan_deliveries([customer(delivery=DeliveryChannel.LETTER)], COMPANY, now=NOW,
                        state=state)
    assert [type(a) for a in p.actions] == [Book, Deliver]


CHANNELS = st.sampled_from(list(DeliveryChannel))


@settings(max_examples=300, deadline=None)
@given(default=CHANNELS, own=st.one_of(st.none(), CHANNELS), has_email=st.booleans(),
       provider_emails=st.booleans(), through=st.booleans(), send=st.booleans())
def test_every_booked_invoice_goes_out_at_most_one_way(
        default: DeliveryChannel, own: DeliveryChannel | None, has_email: bool,
        provider_emails: bool, through: bool, send: bool) -> None:
    """For any channel choice: at most one Send or Deliver per invoice; a Send only for a
    provider_email customer with an address on a connector that e-mails; a Deliver never
    asks for the provider's e-mail; and an invoice the policy sends that goes out neither
    way has a notice saying why."""
    company = Company("P ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, send,
                                                    8),
                      delivery=default, deliver_through_ledgerlink=through)
    who = customer(delivery=own, email="a@b.dk" if has_email else None)
    caps = ALL_CAPABILITIES if provider_emails else NO_EMAIL
    p = plan([order()], [who], company, now=NOW, capabilities=caps)
    out = [a for a in p.actions if isinstance(a, Send | Deliver)]
    assert len(out) <= 1
    chosen = own or default
    for action in out:
        if isinstance(action, Send):
            assert chosen is DeliveryChannel.PROVIDER_EMAIL and not through
            assert has_email and provider_emails
        else:
            assert action.chosen is not DeliveryChannel.PROVIDER_EMAIL
    if send and not out:
        assert [n.kind for n in p.notices] == [NoticeKind.NOT_SENT]
    if not send:
        assert not out and not p.notices
