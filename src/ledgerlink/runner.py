"""Internal: the runner: executes a plan against one connector, exactly once.

How exactly-once holds:

* One run at a time per book. A run takes the book's lease in the store before
  it recovers, plans or writes (a second run waits for it or gets
  :class:`~ledgerlink.errors.BookBusyError`), and renews the lease in every
  journal commit: a run whose lease was taken over cannot commit another
  intent, so it cannot start another write (:mod:`ledgerlink.store.leases`).
* Every action has a stable operation key (``create:inv:wo-17``). Before the
  remote write the journal records the key as ``intent``; after it, ``done``
  (or ``failed``). Intents are committed before any of their writes start.
* A run that crashed leaves intents behind; the next holder of the book first
  *recovers* them by asking the provider what happened, by the ledgerlink key
  stored on the remote object (:mod:`ledgerlink.recovery`). What happened is
  recorded as done; what did not is rolled back so the planner plans it again
  under the same deterministic key.
* Book and replace-lines are idempotent at the provider, so replaying them is
  safe. Sending is not: an email whose fate the provider cannot tell is marked
  ``ambiguous`` and never sent twice.

Progress survives a kill: intents are committed a small group at a time, just
before their writes start, and outcomes are committed as they arrive, grouped
by :data:`FLUSH_SECONDS` (one commit carries the finished outcomes and the next
group's intents). A group is sized to what the run gets through in about that
time, so after a SIGKILL only the operations really in flight are left unresolved
(and intents committed ahead of their lane's turn: :mod:`ledgerlink.lookahead`),
while a fast in-process book, even one customer's lane, commits in large groups.

Customers are independent: the plan's actions are split into one lane per
customer (:mod:`ledgerlink.lanes`): advanced in waves when the connector
creates invoices in batches, each lane on its own otherwise. The remote calls
run concurrently in a bounded thread pool while each lane's own actions stay
in order.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import timedelta

from ledgerlink.batching import execute_batch
from ledgerlink.connector import Capability, Connector
from ledgerlink.delivering import Courier
from ledgerlink.delivery_steps import RunDeliveries
from ledgerlink.domain import Customer, Product, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    LedgerlinkError,
    ProviderError,
    TransientProviderError,
)
from ledgerlink.lanes import Lanes, LaneStream
from ledgerlink.lookahead import Lookahead
from ledgerlink.plan_reach import Touched
from ledgerlink.plans import (
    Action,
    Book,
    CreateInvoice,
    Credit,
    Deliver,
    EnsureCustomer,
    EnsureProduct,
    NoticeKind,
    Plan,
    ReplaceLines,
    Send,
    UpdateCustomer,
)
from ledgerlink.results import Outcome, RunResult
from ledgerlink.settling import settle
from ledgerlink.store import OpRecord, Store, Transaction
from ledgerlink.store.leases import Fence, Holding, new_holder

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_LEASE", "DEFAULT_WORKERS", "FLUSH_SECONDS", "Outcome",
           "RunResult", "Runner"]

#: Threads making remote calls at once (per runner).
DEFAULT_WORKERS = 4
#: Customer lanes advanced together. Measured on the sandbox benchmark: 256 lanes
#: ran ~30% slower than 1024; 4096 no faster again.
DEFAULT_BATCH_SIZE = 1024
#: How long a run's hold on its book lasts without a renewal. Renewed with every
#: commit and at least every third of it while calls are in flight, so only a
#: dead (or frozen) runner lets it run out; then the next run takes the book over.
DEFAULT_LEASE = timedelta(minutes=2)
#: Longest time finished outcomes wait before they are committed.
FLUSH_SECONDS = 0.1
#: About how long the operations whose intents are committed together take: the
#: intents run this far ahead of their writes, and no further.
GROUP_SECONDS = 0.05
#: Smallest group of operations whose intents are committed together.
MIN_GROUP = 4

Progress = Callable[[int, int], None]
_Task = list[int]


class Runner:
    """Runs plans against ``connector``, journaling in ``store``.

    Args:
        connector: the accounting system.
        store: the journal store.
        workers: remote calls in flight at once (1 runs inline, no threads).
        batch_size: customer lanes per wave.
        progress: called with ``(done, total)`` actions after every journal commit.
        lease: how long the hold on the book lasts without renewal.
        wait: how long to wait for another run holding the book before raising
            :class:`~ledgerlink.errors.BookBusyError`.
        courier: delivers booked invoices by ledgerlink's own channels (see
            :mod:`ledgerlink.delivering`); without it a plan's deliveries fail,
            naming what is missing, and are planned again by the next run.
    """

    def __init__(
        self,
        connector: Connector,
        store: Store,
        *,
        workers: int = DEFAULT_WORKERS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
        lease: timedelta = DEFAULT_LEASE,
        wait: timedelta = timedelta(0),
        courier: Courier | None = None,
    ) -> None:
        if workers < 1 or batch_size < 1:
            raise ValueError("workers and batch_size must be at least 1")
        if lease <= timedelta(0) or wait < timedelta(0):
            raise ValueError("lease must be positive and wait not negative")
        self.connector = connector
        self.store = store
        self.book = connector.account
        cap = getattr(connector, "max_in_flight", None)
        self.workers = min(workers, cap) if cap else workers
        # Calls run inline only for a book that takes one call at a time anyway (an
        # in-process book). Any other connector's calls run in threads, even one at a
        # time, so the runner keeps renewing the book's lease while a call waits out
        # its retries (which may take longer than the lease).
        self._inline = cap == 1
        #: Invoices per create request (1 unless the connector declares BATCH).
        self.batch = (max(1, int(getattr(connector, "max_batch", 1)))
                      if Capability.BATCH in connector.capabilities else 1)
        self.batch_size = batch_size
        self.progress = progress
        self.lease = lease
        self.wait = wait
        self.courier = courier
        self.holder = new_holder()
        self._holding: Holding | None = None
        self._fence: Fence | None = None
        self._run_id: str | None = None
        self._started = False
        self._recovered: list[Outcome] = []
        self._customer_refs: dict[str, str] = {}
        self._product_refs: dict[str, str] = {}
        self._invoice_ids: dict[str, str] = {}
        # Invoices the connector created booked already (InvoiceDraft.final), by key.
        self._booked_at_create: dict[str, RemoteInvoice] = {}
        self._deliveries = RunDeliveries(connector, courier)
        self._lookahead = Lookahead(connector)
        # Outcomes recorded but not yet committed, and when the last commit was.
        self._pending = Transaction(self.book)
        self._committed_at = self._group_at = time.monotonic()
        self._group = MIN_GROUP
        self._done = self._total = 0

    # --- the book's lease -----------------------------------------------------------

    @contextmanager
    def holding(self) -> Iterator[Holding]:
        """Hold the book for the ``with`` block (re-entrant); released at its end.

        BookBusyError when another live run holds it for longer than ``wait``.
        """
        if self._holding is not None:
            yield self._holding
            return
        if self._run_id is None:
            self._run_id = _new_run_id()
        holding = self.store.acquire_book(self.book, self.holder, self._run_id, self.lease,
                                          wait=self.wait)
        self._holding, self._fence = holding, Fence(holding, self.lease)
        try:
            yield holding
        finally:
            self._holding = self._fence = None
            self.store.release_book(holding)

    def _begin(self) -> str:
        """The current run's id, recording the run's start the first time."""
        if self._run_id is None:
            self._run_id = _new_run_id()
        if not self._started:
            self._started = True
            self.store.start_run(self._run_id, self.book, self.connector.name)
        return self._run_id

    def _commit(self, tx: Transaction) -> None:
        """Commit ``tx``, renewing the book's lease in the same database transaction."""
        self.store.write(tx, self._fence)
        self._committed_at = time.monotonic()

    # --- before planning ------------------------------------------------------------

    def recover(self) -> list[Outcome]:
        """Resolve the intents a crashed run left, by asking the provider.

        Holding the book, every unresolved intent is a dead run's: a live run
        would hold the lease. The outcomes are also reported in the next
        :meth:`run`'s result.
        """
        from ledgerlink.recovery import recover

        with self.holding():
            ops = self.store.unresolved(self.book)
            if not ops:
                return []
            run_id = self._begin()
            ids = self.store.invoice_ids(self.book, (op.subject for op in ops))
            outcomes = recover(self.connector, ops, ids,
                               run_id, lambda tx: self._commit(tx), self.book,
                               deliveries=self.store.deliveries(self.book),
                               courier=self.courier)
            self._recovered.extend(outcomes)
            return outcomes

    def sync_drafts(self) -> int:
        """Close drafts a person booked, voided or deleted; return how many changed."""
        from ledgerlink.recovery import sync_drafts

        with self.holding():
            return sync_drafts(self.connector, self.store, self._begin(),
                               lambda tx: self._commit(tx))

    # --- running --------------------------------------------------------------------

    def run(self, plan: Plan) -> RunResult:
        """Recover, then execute ``plan``; return every outcome."""
        with self.holding():
            return self._run(plan)

    def _run(self, plan: Plan) -> RunResult:
        run_id = self._begin()
        # Nothing an earlier run() that stopped (LeaseLost) left uncommitted carries over.
        self._pending = Transaction(self.book)
        self._lookahead.clear()
        self.recover()
        recovered, self._recovered = tuple(self._recovered), []
        # Only the rows this plan touches: a run's cost follows its plan, not the book's history.
        touched = Touched.of(plan)
        self._customer_refs = self.store.refs(self.book, "customers", touched.customers)
        self._product_refs = self.store.refs(self.book, "products", touched.products)
        self._invoice_ids = self.store.invoice_ids(self.book, touched.invoices)
        journal = self.store.ops(self.book, (a.op_key for a in plan.actions))
        self._log_policy_skips(plan, run_id)
        outcomes: list[Outcome] = []
        self._done, self._total = 0, len(plan.actions)
        pool = None if self._inline else ThreadPoolExecutor(self.workers)
        try:
            self._deliveries.start(plan, self._invoice_ids,
                                   pool.map if pool is not None else map)
            if self.batch == 1:
                # Without batches each lane goes on the moment its action finishes.
                stream = LaneStream(plan, self.batch_size)
                outcomes = self._run_wave(stream.actions, journal, run_id, pool, stream)
            else:
                lanes = Lanes(plan, self.batch_size, self.batch)
                while wave := lanes.next_wave():
                    results = self._run_wave(wave, journal, run_id, pool)
                    skipped = lanes.advance(wave, results)
                    for outcome in skipped:
                        self._record(self._pending, outcome, run_id)
                    outcomes += [*results, *skipped]
                    self._done += len(skipped)
            self._flush()
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        result = RunResult(run_id, self.book, plan, tuple(outcomes), recovered, self.store)
        self.store.finish_run(run_id, result.summary)
        # A further run() on this runner is a new run (under the same hold, if any).
        self._run_id, self._started = None, False
        return result

    def _log_policy_skips(self, plan: Plan, run_id: str) -> None:
        """Log each work order the policy keeps off invoices, once (not every night)."""
        skips = [n for n in plan.notices if n.kind is NoticeKind.POLICY]
        if not skips:
            return
        logged = self.store.policy_skips(self.book, (n.subject for n in skips))
        for notice in skips:
            if notice.subject not in logged:
                self._pending.skip_by_policy(notice.subject, run_id)
                self._pending.log(run_id, notice.customer_id, "skip", notice.subject,
                                  "skipped", message=f"not invoiced: {notice.reason}")

    def _flush(self) -> None:
        """Commit the recorded outcomes; report progress."""
        tx, self._pending = self._pending, Transaction(self.book)
        self._commit(tx)
        if self.progress is not None:
            self.progress(self._done, self._total)

    def _flush_due(self) -> bool:
        """True when outcomes have waited long enough, or the lease needs renewing."""
        waited = time.monotonic() - self._committed_at
        return ((waited >= FLUSH_SECONDS and not self._pending.empty)
                or waited >= self.lease.total_seconds() / 3)

    def _run_wave(
        self, wave: Sequence[Action], journal: dict[str, OpRecord], run_id: str,
        pool: ThreadPoolExecutor | None, stream: LaneStream | None = None,
    ) -> list[Outcome]:
        """Run one wave's actions (concurrently with a pool), returning outcomes in wave order.

        With BATCH, the wave's invoice creates go out ``self.batch`` to a request.
        With a ``stream`` (whose growing ``actions`` list is ``wave``), the lanes
        advance on their own: each finished action makes its lane's next one
        ready, and the outcomes of a failed lane's skipped actions come last.
        """
        results: list[Outcome | None] = []
        tasks: deque[_Task] = deque()
        ahead: deque[_Task] = deque()  # tasks whose intents are committed
        creates: list[int] = []
        skipped: list[Outcome] = []
        # Indexes to place; iterative, as a long already-done lane would recurse deeply.
        todo: deque[int] = deque(stream.start() if stream is not None else range(len(wave)))

        def follow(index: int, outcome: Outcome) -> None:
            if stream is not None:
                ready, stopped = stream.after(index, outcome)
                for lost in stopped:
                    self._record(self._pending, lost, run_id)
                self._done += len(stopped)
                skipped.extend(stopped)
                todo.extend(ready)

        def place() -> None:
            while todo:
                index = todo.popleft()
                results.extend([None] * (index + 1 - len(results)))
                action = wave[index]
                record = journal.get(action.op_key)
                if record is not None and record.state == "done":
                    results[index] = done = Outcome(action, "already_done",
                                                    "done by an earlier run")
                    self._done += 1
                    follow(index, done)
                elif self.batch > 1 and isinstance(action, CreateInvoice):
                    creates.append(index)
                elif self._lookahead.start(action):
                    ahead.append([index])
                else:
                    tasks.append([index])

        place()
        tasks.extend(creates[i:i + self.batch] for i in range(0, len(creates), self.batch))

        def finished(task: _Task, answers: list[Outcome]) -> None:
            for index, outcome in zip(task, answers, strict=True):
                results[index] = outcome
                self._record(self._pending, outcome, run_id)
                follow(index, outcome)
            self._done += len(task)
            place()

        in_flight: dict[Future[list[Outcome]], _Task] = {}
        while tasks or ahead or in_flight:
            while (tasks or ahead) and len(in_flight) < (self.workers if pool else 1):
                if not ahead:
                    ahead.extend(self._commit_intents(tasks, wave, run_id, journal, stream))
                task = ahead.popleft()
                if pool is None:
                    finished(task, self._run_task(wave, task))
                else:
                    in_flight[pool.submit(self._run_task, wave, task)] = task
            if in_flight:
                done, _ = wait(in_flight, timeout=FLUSH_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(in_flight.pop(future), future.result())
            if self._flush_due():
                self._flush()
        return [*(outcome for outcome in results if outcome is not None), *skipped]

    def _commit_intents(self, tasks: deque[_Task], wave: Sequence[Action], run_id: str,
                        journal: dict[str, OpRecord], stream: LaneStream | None) -> list[_Task]:
        """Commit the intents of the next group of tasks (with the finished outcomes).

        The group is sized to what this run got through in about GROUP_SECONDS, so
        intents run only a little ahead of their writes; with fewer tasks ready (one big
        customer) it is filled with their lanes' next actions (:mod:`ledgerlink.lookahead`).
        """
        now = time.monotonic()
        elapsed, self._group_at = now - self._group_at, now
        if elapsed < GROUP_SECONDS / 2:
            self._group = min(self._group * 2, self.batch_size)
        elif elapsed > GROUP_SECONDS * 2:
            self._group = max(self._group // 2, MIN_GROUP, self.workers)
        group = [tasks.popleft() for _ in range(min(self._group, len(tasks)))]
        per_lane = (self._group - len(group)) // max(len(group), 1)
        for task in group:
            upcoming = stream.upcoming(task[-1], per_lane) if stream is not None else []
            for action in [*(wave[i] for i in task), *self._lookahead.pick(upcoming, journal)]:
                self._intent(self._pending, action, run_id)
        self._flush()
        return group

    def _run_task(self, wave: Sequence[Action], task: _Task) -> list[Outcome]:
        if len(task) == 1:
            return [self._execute(wave[task[0]])]
        return execute_batch(self.connector, [wave[i] for i in task], self._customer_refs,
                             self._product_refs)

    # --- one action -----------------------------------------------------------------

    def _intent(self, tx: Transaction, action: Action, run_id: str) -> None:
        tx.op(action.op_key, action.kind, "intent", action.customer_id, action.subject, run_id)
        if isinstance(action, Deliver):
            self._deliveries.intent(tx, action)
        if isinstance(action, CreateInvoice):
            booked = Capability.DRAFTS not in self.connector.capabilities
            tx.invoice(action.key, action.customer_id, action.target, action.send,
                       action.currency, pending=True, booked=booked)
            for order, revision in action.work:
                tx.work(order.id, order.fingerprint(), action.key, revision)

    def _create(self, item: Customer | Product) -> tuple[str, bool]:
        """Create the customer or product ``item``; (its ref, whether this call created it).

        Another worker (a scheduled job running beside this run, on another
        book lease) may create the same one between our look-up and our
        create; the connector then refuses a duplicate, and the one it made is ours.
        """
        connector = self.connector
        try:
            return (connector.create_customer(item) if isinstance(item, Customer)
                    else connector.create_product(item)), True
        except ConflictError:
            found = (connector.find_customer(item) if isinstance(item, Customer)
                     else connector.find_product(item))
            if found is None:
                raise
            return found, False

    def _execute(self, action: Action) -> Outcome:
        """Perform one remote write; never raises for provider or validation errors."""
        try:
            return self._perform(action)
        except TransientProviderError as err:
            remote_id = self._invoice_ids.get(getattr(action, "invoice_key", ""))
            return settle(self.connector, action, remote_id, err, self._perform)
        except ProviderError as err:
            return Outcome(action, "failed", err.message)
        except LedgerlinkError as err:
            return Outcome(action, "failed", str(err))

    def _perform(self, action: Action) -> Outcome:
        """Perform one remote write; provider and validation errors are raised."""
        connector = self.connector
        if isinstance(action, (EnsureCustomer, EnsureProduct)):
            item = action.customer if isinstance(action, EnsureCustomer) else action.product
            refs = (self._customer_refs if isinstance(action, EnsureCustomer)
                    else self._product_refs)
            known = refs.get(item.id)
            ref = known or (connector.find_customer(item) if isinstance(item, Customer)
                            else connector.find_product(item))
            note = "already linked" if known else ("found" if ref else "created")
            if ref is None:
                ref, made = self._create(item)
                note = "created" if made else "found (created concurrently)"
            return Outcome(action, "ok", note, remote_id=ref)
        if isinstance(action, UpdateCustomer):
            ref = self._customer_refs.get(action.customer_id)
            if ref is None:
                return Outcome(action, "failed", "customer is not linked to the provider")
            changed = connector.update_customer(ref, action.customer)
            return Outcome(action, "ok", "updated" if changed else "already up to date",
                           remote_id=ref)
        if isinstance(action, CreateInvoice):
            ref = self._customer_refs.get(action.customer_id)
            if ref is None:
                return Outcome(action, "failed", "customer is not linked to the provider")
            created = connector.create_invoice(action.draft(), ref, self._product_refs)
            return Outcome(action, "ok", remote_id=created.provider_id, invoice=created)
        if isinstance(action, Deliver):
            return self._deliveries.perform(action)
        remote_id = self._invoice_ids.get(action.invoice_key)
        if remote_id is None:
            return Outcome(action, "failed", f"invoice {action.invoice_key} was never created")
        invoice: RemoteInvoice | None
        if isinstance(action, ReplaceLines):
            invoice = connector.replace_lines(
                remote_id, action.source_key, action.lines(), self._product_refs)
        elif isinstance(action, Book):
            at_create = self._booked_at_create.get(action.invoice_key)
            if at_create is not None:
                return Outcome(action, "ok", "booked when created", remote_id=remote_id,
                               invoice=at_create)
            invoice = connector.book(remote_id)
        elif isinstance(action, Send):
            connector.send(remote_id, action.email)
            return Outcome(action, "ok", f"emailed to {action.email}", remote_id=remote_id)
        else:
            invoice = connector.credit(remote_id, action.credit_key)
        return Outcome(action, "ok", remote_id=remote_id, invoice=invoice)

    def _record(self, tx: Transaction, outcome: Outcome, run_id: str) -> None:
        action = outcome.action
        assert not isinstance(action, OpRecord)
        invoice = outcome.invoice
        if outcome.status == "already_done":
            return
        self._lookahead.saw(invoice)
        if outcome.status == "skipped":
            self._lookahead.withdraw(tx, action, run_id, outcome.message)
            tx.log(run_id, action.customer_id, action.kind, action.subject, "skipped",
                   message=outcome.message)
            return
        if isinstance(action, Deliver) or (isinstance(action, Send)
                                           and not outcome.retry_later):
            self._deliveries.record(tx, outcome, run_id)
            return
        if outcome.status == "failed":
            # A failure that may have reached the provider stays an intent: the
            # next run reconciles it by key instead of guessing.
            if not outcome.retry_later:
                tx.resolve(action.op_key, "failed", run_id, outcome.message)
                if isinstance(action, CreateInvoice):
                    tx.forget_invoice(action.key)
            tx.log(run_id, action.customer_id, action.kind, action.subject, "failed",
                   message=outcome.message)
            return
        tx.resolve(action.op_key, "done", run_id, outcome.message)
        amount = str(invoice.total) if invoice is not None else None
        currency = invoice.currency if invoice is not None else None
        number = invoice.number if invoice is not None else None
        if isinstance(action, (EnsureCustomer, UpdateCustomer)):
            assert outcome.remote_id is not None
            self._customer_refs[action.customer.id] = outcome.remote_id
            # A created customer holds the details just written; a found one is only
            # known to hold them once it has been updated.
            written = (isinstance(action, UpdateCustomer) or outcome.message == "created"
                       or Capability.CUSTOMER_UPDATES in self.connector.capabilities)
            tx.ref("customers", action.customer.id, outcome.remote_id,
                   details=action.customer.details_fingerprint() if written else None)
        elif isinstance(action, EnsureProduct):
            assert outcome.remote_id is not None
            self._product_refs[action.product.id] = outcome.remote_id
            tx.ref("products", action.product.id, outcome.remote_id)
        elif isinstance(action, CreateInvoice):
            assert invoice is not None
            self._invoice_ids[action.key] = invoice.provider_id
            if invoice.booked and Capability.BOOKING in self.connector.capabilities:
                self._booked_at_create[action.key] = invoice
            self._deliveries.keep(action.key, invoice)
            # What the provider answered is the invoice's first known status.
            tx.record_facts(action.key, invoice, pending=False, remote_id=invoice.provider_id,
                            booked=invoice.booked)
        elif isinstance(action, ReplaceLines):
            if action.remove:
                tx.forget_work(action.order.id, action.invoice_key)
            else:
                tx.work(action.order.id, action.order.fingerprint(), action.invoice_key,
                        action.revision)
            tx.update_invoice(action.invoice_key, total=amount)
        elif isinstance(action, Book):
            if invoice is not None:
                self._deliveries.keep(action.invoice_key, invoice)
                tx.record_facts(action.invoice_key, invoice, booked=True)
            else:
                tx.update_invoice(action.invoice_key, booked=True, number=number, total=amount)
        elif isinstance(action, Credit):
            if invoice is not None:
                self._deliveries.keep(action.credit_key, invoice)
            tx.update_invoice(action.invoice_key, credited=True, closed=True)
            tx.update_work(action.invoice_key, credited=True)
        tx.log(run_id, action.customer_id, action.kind, action.subject, "ok",
               remote_id=outcome.remote_id, number=number, amount=amount, currency=currency,
               message=outcome.message)


def _new_run_id() -> str:
    return uuid.uuid4().hex[:16]
