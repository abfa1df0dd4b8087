"""Actions on one invoice against the sandbox: exactly once through crashes, unclear answers
and repeats; invoices ledgerlink did not make; what each action leaves in the journal."""

from __future__ import annotations

import contextlib
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ledgerlink as ll
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import BookBusyError, InvoiceStateError, TransientProviderError
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.store import Store
from ledgerlink.testing import make_customer, make_invoice_draft

NOW = datetime.now(UTC)
COMPANY = ll.Company("Actions ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, as after a SIGKILL."""


class Sandbox(SandboxConnector):
    """The sandbox, counting void/delete/send calls, and able to die around one of them."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()
        #: The same calls, by (call, provider id).
        self.writes: Counter[tuple[str, str]] = Counter()
        #: "after": die right after the next write; "before": just before it;
        #: "unclear": make it, then answer as if the connection dropped.
        self.fault: str | None = None
        #: What get_invoice says of ``sent`` (None: the provider cannot tell).
        self.tells_sent = True

    def _write(self, name: str, provider_id: str, call: object) -> object:
        fault, self.fault = self.fault, None
        if fault == "before":
            raise Crash
        self.calls[name] += 1
        self.writes[name, provider_id] += 1
        result = call()  # type: ignore[operator]
        if fault == "after":
            raise Crash
        if fault == "unclear":
            raise TransientProviderError("connection reset", provider=self.name)
        return result

    def void(self, provider_id: str) -> RemoteInvoice:
        return self._write("void", provider_id, lambda: super(Sandbox, self).void(provider_id))  # type: ignore[return-value]

    def delete(self, provider_id: str) -> None:
        self._write("delete", provider_id, lambda: super(Sandbox, self).delete(provider_id))

    def send(self, provider_id: str, email: str | None = None) -> None:
        self._write("send", provider_id, lambda: super(Sandbox, self).send(provider_id, email))

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        invoice = super().get_invoice(provider_id)
        return invoice if self.tells_sent else attrs.evolve(invoice, sent=None)


def _people() -> list[ll.Customer]:
    return [ll.Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk",
                        policy=ll.PolicyOverride(posting=ll.Posting.DRAFT) if i == 2 else None)
            for i in range(3)]


def _work() -> list[ll.WorkOrder]:
    return [ll.WorkOrder(id=f"w{i}", customer_id=f"c{i}", completed_at=NOW - timedelta(hours=1),
                         status=ll.WorkStatus.COMPLETED,
                         lines=[ll.WorkLine("Hours", Decimal(2), Decimal("100"))])
            for i in range(3)]


def invoiced(folder: Path) -> tuple[Sandbox, Store]:
    """inv:w0 and inv:w1 booked, draft:c2:1 a draft, all made by ledgerlink."""
    book = Sandbox(folder / "book.db")
    store = Store(folder / "journal.db")
    assert ll.invoice(_work(), _people(), COMPANY, book, store=store).ok
    return book, store


@pytest.fixture
def made(tmp_path: Path) -> tuple[Sandbox, Store]:
    return invoiced(tmp_path)


def _facts(store: Store, book: Sandbox, key: str) -> ll.InvoiceStatus | None:
    [facts] = [f for f in store.invoice_facts(book.account) if f.key == key]
    return facts.status(NOW.date())


def _op_states(store: Store, book: Sandbox) -> dict[str, str]:
    keys = [f"{a}:{k}" for a in ("void", "delete", "send")
            for k in ("inv:w0", "inv:w1", "draft:c2:1")]
    return {key: op.state for key, op in store.ops(book.account, keys).items()}


def test_a_crash_right_after_the_void_is_recovered_not_repeated(
        made: tuple[Sandbox, Store]) -> None:
    """A process dying right after the provider voided leaves an intent; the next action
    settles it from the provider's voided flag, and the void is not made again."""
    book, store = made
    book.fault = "after"
    with pytest.raises(Crash):
        ll.void(book, "inv:w0", store=store)
    assert [op.op_key for op in store.unresolved(book.account)] == ["void:inv:w0"]
    again = ll.void(book, "inv:w0", store=store)
    assert again.already_done and book.calls == Counter({"void": 1})
    assert not store.unresolved(book.account)
    assert _facts(store, book, "inv:w0") == ll.InvoiceStatus.VOID
    assert [e.outcome for e in store.log(book=book.account) if e.action == "void_invoice"] == [
        "recovered"]


def test_the_next_invoicing_run_recovers_a_dead_action(made: tuple[Sandbox, Store]) -> None:
    """A run recovering the book settles a killed action's intent too, from the provider's
    deleted flag, and plans nothing for it."""
    book, store = made
    book.fault = "after"
    with pytest.raises(Crash):
        ll.delete(book, "draft:c2:1", store=store)
    result = ll.invoice(_work(), _people(), COMPANY, book, store=store)
    assert [(o.action.subject, o.status) for o in result.recovered] == [
        ("draft:c2:1", "recovered")]
    assert _facts(store, book, "draft:c2:1") == ll.InvoiceStatus.DELETED
    assert book.calls == Counter({"delete": 1}) and not store.unresolved(book.account)


def test_a_crash_before_the_write_is_rolled_back_and_done_when_asked_again(
        made: tuple[Sandbox, Store]) -> None:
    """An intent whose write never reached the provider is rolled back, not done by recovery;
    asking again does it, once."""
    book, store = made
    book.fault = "before"
    with pytest.raises(Crash):
        ll.send(book, "inv:w1", store=store)
    outcomes = ll.Runner(book, store).recover()
    assert [o.status for o in outcomes] == ["rolled_back"] and not book.outbox()
    result = ll.send(book, "inv:w1", store=store)
    assert result.status == "done"
    assert Counter(e.invoice_id for e in book.outbox()) == Counter({result.provider_id: 1})


def test_an_email_whose_fate_is_unknown_is_never_sent_again(made: tuple[Sandbox, Store]) -> None:
    """After a crash mid-send at a provider that cannot tell whether it e-mailed, the send is
    ambiguous: asking again sends nothing and says so."""
    book, store = made
    book.fault, book.tells_sent = "after", False
    with pytest.raises(Crash):
        ll.send(book, "inv:w1", store=store)
    again = ll.send(book, "inv:w1", store=store)
    assert again.already_done and "cannot tell" in again.message
    assert len(book.outbox()) == 1 and book.calls == Counter({"send": 1})
    assert _op_states(store, book)["send:inv:w1"] == "ambiguous"


def test_an_unclear_answer_leaves_the_intent_for_the_next_action(
        made: tuple[Sandbox, Store]) -> None:
    """A dropped connection after the provider voided raises; the intent stays, and the next
    void finds it done at the provider without voiding again."""
    book, store = made
    book.fault = "unclear"
    with pytest.raises(TransientProviderError):
        ll.void(book, "inv:w0", store=store)
    assert _op_states(store, book)["void:inv:w0"] == "intent"
    assert ll.void(book, "inv:w0", store=store).already_done
    assert book.calls == Counter({"void": 1}) and not store.unresolved(book.account)


def test_a_refusal_is_recorded_failed_and_raised(made: tuple[Sandbox, Store]) -> None:
    """Voiding a draft is the provider's refusal: raised with its words, journaled failed,
    nothing left unresolved."""
    book, store = made
    with pytest.raises(InvoiceStateError):
        ll.void(book, "draft:c2:1", store=store)
    assert _op_states(store, book)["void:draft:c2:1"] == "failed"
    assert not store.unresolved(book.account)


def test_voided_by_hand_is_already_done_and_journaled(made: tuple[Sandbox, Store]) -> None:
    """An invoice a person voided in the provider's app is reported already voided; nothing
    is written there, and the journal learns its status."""
    book, store = made
    provider_id = store.invoice_ids(book.account)["inv:w0"]
    SandboxConnector(book.path).void(provider_id)
    result = ll.void(book, provider_id, store=store)
    assert result.already_done and result.key == "inv:w0" and not book.calls
    assert _facts(store, book, "inv:w0") == ll.InvoiceStatus.VOID


def test_deleting_a_draft_makes_its_work_billable_again(made: tuple[Sandbox, Store]) -> None:
    """A draft deleted through ledgerlink is deleted in the journal too, and the next run
    invoices its work again on a new draft (as for a draft a person deletes)."""
    book, store = made
    result = ll.delete(book, "draft:c2:1", store=store)
    assert result.status == "done" and "billable again" in result.message
    assert _facts(store, book, "draft:c2:1") == ll.InvoiceStatus.DELETED
    rerun = ll.invoice(_work(), _people(), COMPANY, book, store=store)
    assert rerun.summary["drafts_created"] == 1
    drafts = [i for i in book.invoices() if not i.deleted and not i.booked]
    assert [i.line_keys for i in drafts] == [("wo:w2",)]


def test_an_invoice_ledgerlink_did_not_make_is_acted_on_by_provider_id(tmp_path: Path) -> None:
    """An invoice made by hand is voided by its provider id, once, journaled under that id."""
    book = Sandbox(tmp_path / "book.db")
    store = Store(tmp_path / "journal.db")
    customer = make_customer()
    ref = book.create_customer(customer)
    made = book.book(book.create_invoice(make_invoice_draft(customer=customer), ref,
                                         {}).provider_id)
    first = ll.void(book, made.provider_id, store=store)
    again = ll.void(book, made.provider_id, store=store)
    assert (first.status, again.status, first.key) == ("done", "already_done", None)
    assert book.calls == Counter({"void": 1})
    op_key = f"void:provider:{made.provider_id}"
    assert store.ops(book.account, [op_key])[op_key].state == "done"


def test_a_key_another_journal_made_is_found_at_the_provider_and_recovered(
        made: tuple[Sandbox, Store], tmp_path: Path) -> None:
    """A ledgerlink key this journal does not hold is found at the provider by its key; a
    crash after the void is still recovered from the provider, by its id."""
    book, _ = made
    other = Store(tmp_path / "other.db")
    book.fault = "after"
    with pytest.raises(Crash):
        ll.void(book, "inv:w0", store=other)
    [dead] = other.unresolved(book.account)
    assert dead.subject.startswith("provider:")
    again = ll.void(book, "inv:w0", store=other)
    assert again.already_done and again.key == "inv:w0"
    assert book.calls == Counter({"void": 1}) and not other.unresolved(book.account)


def test_an_unknown_invoice_is_bad_input_and_nothing_is_journaled(
        made: tuple[Sandbox, Store]) -> None:
    """A name neither the journal nor the provider knows is refused naming it; no operation
    is journaled for it (a mistyped key is never recorded as deleted)."""
    book, store = made
    for action in ("void", "delete", "send"):
        with pytest.raises(ll.ValidationError, match="no invoice 'inv:nope'"):
            getattr(ll, action)(book, "inv:nope", store=store)
    keys = [f"{a}:provider:inv:nope" for a in ("void", "delete", "send")]
    assert not store.ops(book.account, keys) and not book.calls


def test_an_action_on_a_book_another_run_holds_is_refused_as_busy(
        made: tuple[Sandbox, Store]) -> None:
    """While a run holds the book, an action is refused as busy instead of writing."""
    book, store = made
    with ll.Runner(book, store).holding(), pytest.raises(BookBusyError):
        ll.void(book, "inv:w0", store=store)
    assert not book.calls


ACTIONS = st.lists(st.sampled_from([("void", "inv:w0"), ("send", "inv:w1"), ("send", "inv:w0"),
                                    ("delete", "draft:c2:1"), ("void", "inv:w1")]),
                   min_size=1, max_size=8)


@settings(max_examples=12, deadline=None)
@given(ACTIONS)
def test_any_sequence_of_actions_writes_each_at_most_once(sequence: list[tuple[str, str]]
                                                          ) -> None:
    """Whatever actions are asked, in any order and repeated, each reaches the provider at
    most once, and none is left unresolved."""
    with tempfile.TemporaryDirectory() as folder:
        book, store = invoiced(Path(folder))
        for action, key in sequence:
            # Some are refused (sending a void invoice): the counts below cover them too.
            with contextlib.suppress(ll.LedgerlinkError):
                getattr(ll, action)(book, key, store=store)
        ids = store.invoice_ids(book.account)
        asked = {(action, ids[key]) for action, key in sequence}
        assert set(book.writes) <= asked
        assert all(count == 1 for count in book.writes.values()), book.writes
        assert all(count == 1 for count in Counter(e.invoice_id for e in book.outbox()).values())
        assert not store.unresolved(book.account)
