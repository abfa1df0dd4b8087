"""Exactly-once without an idempotency header: our GUIDs, ExternalReference look-ups, and
the stale Timestamp (error 58) read again and retried once, never overwritten blindly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ledgerlink.errors import (
    AuthError,
    ConflictError,
    InvoiceStateError,
    ProviderError,
    TransientProviderError,
)
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.faults import NO_PLAN_MESSAGE, STALE_TIMESTAMP
from tests.ledgerlink_dinero.support import build_connector


def _calls(emulator: DineroEmulator, organisation: str, method: str, suffix: str) -> int:
    return sum(1 for r in emulator.requests if r.organisation_id == organisation
               and r.method == method and r.path.endswith(suffix))


def test_a_create_dropped_after_the_commit_is_found_by_external_reference(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """The answer to the create is lost; the draft is found by its key, not made twice."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    draft = make_invoice_draft(customer=customer)
    emulator.faults.drop_after_commit(1)
    created = dinero.create_invoice(draft, ref, {})
    org = emulator.organisations[dinero.organisation_id]
    assert list(org.invoices) == [created.provider_id]
    assert created.key == draft.key and created.total == draft.gross.amount
    assert _calls(emulator, dinero.organisation_id, "POST", "/invoices") == 1
    # One look-up by ExternalReference (the invoice list) found it: no second create.
    assert _calls(emulator, dinero.organisation_id, "GET", "/invoices") == 1
    assert dinero.find_invoice(draft.key) == created


def test_a_contact_create_repeated_after_a_lost_answer_is_not_duplicated(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """The ContactGuid is ours: the repeat is refused (42) and read back as the same contact."""
    customer = make_customer()
    emulator.faults.drop_after_commit(1)
    ref = dinero.create_customer(customer)
    org = emulator.organisations[dinero.organisation_id]
    assert list(org.contacts) == [ref]
    assert _calls(emulator, dinero.organisation_id, "POST", "/contacts") == 2
    assert dinero.create_customer(customer) == ref
    assert len(org.contacts) == 1
    assert dinero.find_customer(customer) == ref


def test_an_email_whose_answer_is_lost_is_not_sent_again(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """Emailing twice would email twice: the ambiguous failure is raised, not retried."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    booked = dinero.book(dinero.create_invoice(make_invoice_draft(customer=customer), ref,
                                               {}).provider_id)
    emulator.faults.drop_after_commit(1)
    with pytest.raises(TransientProviderError):
        dinero.send(booked.provider_id)
    assert len(emulator.organisations[dinero.organisation_id].mails) == 1


def test_a_draft_deleted_by_a_person_is_created_again_under_a_new_guid(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """Dinero keeps a deleted draft's GUID; the next GUID derived from the key is used."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    draft = make_invoice_draft(customer=customer)
    first = dinero.create_invoice(draft, ref, {})
    dinero.delete(first.provider_id)
    assert dinero.find_invoice(draft.key) is None
    second = dinero.create_invoice(draft, ref, {})
    assert second.provider_id != first.provider_id
    assert dinero.find_invoice(draft.key) == dinero.get_invoice(second.provider_id)


class StaleBeforeWrites(httpx.BaseTransport):
    """Before the next ``times`` PUTs reach Dinero, a person edits the invoice there
    (adds a line of their own), so the Timestamp the connector sends is stale."""

    def __init__(self, emulator: DineroEmulator, organisation: str, times: int) -> None:
        self.inner = emulator.transport()
        self.emulator = emulator
        self.organisation = organisation
        self.times = times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and self.times > 0:
            self.times -= 1
            org = self.emulator.organisations[self.organisation]
            record = org.invoices[request.url.path.rsplit("/", 1)[1]]
            person = dict(record.data["ProductLines"][0], Description="Added by a person",
                          Comments=None)
            record.data["ProductLines"] = [*record.data["ProductLines"], person]
            org.touch(record, self.emulator.clock())
        return self.inner.handle_request(request)


def _stale_connector(tmp_path: Path, times: int) -> tuple[DineroConnector, DineroEmulator]:
    emulator = DineroEmulator()
    organisation = "700700700"
    emulator.add_organisation(organisation)
    transport = StaleBeforeWrites(emulator, organisation, times)
    return build_connector(emulator, tmp_path, organisation=organisation,
                           transport=transport), emulator


def test_a_stale_timestamp_is_read_again_and_retried_once(tmp_path: Path) -> None:
    """Error 58 on the line update: the invoice is read again, the person's line kept,
    ours replaced, and the update sent once more."""
    dinero, emulator = _stale_connector(tmp_path, times=1)
    with dinero:
        customer = make_customer()
        ref = dinero.create_customer(customer)
        line = make_invoice_line("Hours", "2", "100", source_key="a")
        created = dinero.create_invoice(make_invoice_draft(customer=customer, lines=[line]),
                                        ref, {})
        more = make_invoice_line("Hours", "3", "100", source_key="a")
        changed = dinero.replace_lines(created.provider_id, "a", [more], {})
        assert _calls(emulator, dinero.organisation_id, "PUT", created.provider_id) == 2
        org = emulator.organisations[dinero.organisation_id]
        stored = org.invoices[created.provider_id].data["ProductLines"]
        assert [ln["Description"] for ln in stored] == ["Added by a person", "Hours"]
        assert stored[1]["Quantity"] == Decimal(3)
        assert changed.line_keys == ("a",)


def test_a_timestamp_stale_twice_is_not_forced(tmp_path: Path) -> None:
    """A second 58 in a row is raised as a conflict with Dinero's code; nothing overwritten."""
    dinero, emulator = _stale_connector(tmp_path, times=2)
    with dinero:
        customer = make_customer()
        ref = dinero.create_customer(customer)
        created = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
        with pytest.raises(ConflictError) as caught:
            dinero.replace_lines(created.provider_id, "x", [make_invoice_line(source_key="x")],
                                 {})
        assert caught.value.code == STALE_TIMESTAMP
        assert _calls(emulator, dinero.organisation_id, "PUT", created.provider_id) == 2


def test_booked_invoices_refuse_pdf_of_drafts_and_credit_of_drafts(
    dinero: DineroConnector,
) -> None:
    """PDF and credit notes need a booked invoice; a draft is refused with InvoiceStateError."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    created = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
    with pytest.raises(InvoiceStateError):
        dinero.pdf(created.provider_id)
    with pytest.raises(InvoiceStateError):
        dinero.credit(created.provider_id, "credit:x")


def test_an_organisation_without_the_plan_is_explained(tmp_path: Path) -> None:
    """A 403 for a missing Pro plan is an AuthError saying so, with Dinero's words."""
    emulator = DineroEmulator()
    emulator.add_organisation("800800800", is_pro=False)
    with (build_connector(emulator, tmp_path, organisation="800800800") as dinero,
          pytest.raises(AuthError) as caught):
        dinero.find_customer(make_customer())
    assert NO_PLAN_MESSAGE in caught.value.message and "Pro" in caught.value.message
    assert caught.value.code == "48"


def test_a_refused_create_keeps_dineros_words(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """A 42 about the invoice itself (not our GUID) is raised with Dinero's code and message;
    nothing is created."""
    customer = make_customer(currency="JPY")
    ref = dinero.create_customer(customer)
    with pytest.raises(ProviderError) as caught:
        dinero.create_invoice(make_invoice_draft(customer=customer, currency="JPY"), ref, {})
    assert caught.value.code == "42" and "Unknown currency JPY" in caught.value.message
    assert not emulator.organisations[dinero.organisation_id].invoices


def test_a_create_answered_503_is_looked_up_then_sent_again(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """A 5xx leaves the outcome unknown: the key finds nothing, so the create goes again."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    emulator.faults.fail_next(1, status=503)
    created = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
    assert list(emulator.organisations[dinero.organisation_id].invoices) == [created.provider_id]
    assert _calls(emulator, dinero.organisation_id, "POST", "/invoices") == 2
    assert _calls(emulator, dinero.organisation_id, "GET", "/invoices") == 1
