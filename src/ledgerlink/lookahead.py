"""Internal: intents committed ahead of their lane's turn, so one customer's run commits
in groups.

A lane runs its customer's actions one after another. Committing each intent just
before its write would cost one journal commit per action, so a single customer
with 10,000 work orders made 30,001 commits. Instead, when the runner commits a
group of intents it also commits the intents of each lane's next few actions
(the group is sized by time, :data:`ledgerlink.runner.GROUP_SECONDS`): when the
lane gets to them their intents are already committed, and they start at once.

Every intent is still committed before its write. What is left to decide is an
intent committed ahead whose write never started:

* the lane stopped at a failure first: the runner withdraws it (state
  ``rolled_back``, its pending invoice rows removed) in its next commit, with the
  lane's other skipped actions;
* the process was killed first: recovery asks the provider, and only actions
  whose recovery reads "it did not happen" correctly run ahead:

======================  ======================================  ============================
action                  recovery of a never-started intent      runs ahead
======================  ======================================  ============================
ensure/update customer  replaying is harmless: rolled back      yes
create invoice, credit  not found by its key: rolled back       yes
replace lines           replaying is harmless: rolled back      yes
book                    the invoice is not booked: rolled back  yes
send                    ``sent`` False: rolled back; ``None``   only when the connector
                        (cannot tell): ``ambiguous``, never     declares ``tells_sent`` and
                        sent again                              no answer said ``None``
deliver                 a pending delivery by a channel that    never: its intent is
                        may not tell: ``ambiguous``             committed just before it
======================  ======================================  ============================

A lane's look-ahead stops at the first action that may not run ahead; that
action's intent is committed when the lane reaches it (with the next actions'
intents). It applies to lanes advanced each on its own (``LaneStream``: inline
and threaded runs without batch creates); with batch creates a wave already
holds a customer's independent invoices together (:class:`ledgerlink.lanes.Lanes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledgerlink.connector import Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.plans import Action, CreateInvoice, Deliver, Send
from ledgerlink.store import OpRecord, Transaction

__all__ = ["Lookahead"]


class Lookahead:
    """The actions whose intents were committed ahead and have not started yet."""

    def __init__(self, connector: Connector) -> None:
        self._keys: set[str] = set()
        # A send runs ahead only where recovery can tell it never went out.
        self._sends = bool(getattr(connector, "tells_sent", False))

    def may_run_ahead(self, action: Action) -> bool:
        """True when recovery reads this action correctly if it never started (table)."""
        if isinstance(action, Deliver):
            return False
        return self._sends or not isinstance(action, Send)

    def saw(self, invoice: RemoteInvoice | None) -> None:
        """An answer that cannot tell whether an invoice was emailed stops sends running ahead."""
        if invoice is not None and invoice.sent is None:
            self._sends = False

    def pick(self, upcoming: Sequence[Action], journal: Mapping[str, OpRecord]) -> list[Action]:
        """Of a lane's ``upcoming`` actions, those whose intents are to be committed ahead now
        (kept here as committed): up to the first that may not run ahead, less any done by an
        earlier run or already committed."""
        picked: list[Action] = []
        for action in upcoming:
            record = journal.get(action.op_key)
            if (record is not None and record.state == "done") or action.op_key in self._keys:
                continue
            if not self.may_run_ahead(action):
                break
            picked.append(action)
            self._keys.add(action.op_key)
        return picked

    def start(self, action: Action) -> bool:
        """True (and forgotten here) when ``action``'s intent was committed ahead."""
        if action.op_key in self._keys:
            self._keys.discard(action.op_key)
            return True
        return False

    def withdraw(self, tx: Transaction, action: Action, run_id: str, why: str) -> None:
        """Resolve the intent of ``action``, committed ahead, as not run (its lane stopped)."""
        if not self.start(action):
            return
        tx.resolve(action.op_key, "rolled_back", run_id, why)
        if isinstance(action, CreateInvoice):
            tx.forget_invoice(action.key)

    def clear(self) -> None:
        """Forget everything (a new run starts; a stopped one's intents are recovered)."""
        self._keys.clear()
