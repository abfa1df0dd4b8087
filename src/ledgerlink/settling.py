"""Internal: settling an unclear write within the run that made it.

A write whose answer was lost — a connection cut after the request went out, a
5xx to a request that is not safe to repeat, an unreadable 200 — may or may not
have happened. Leaving it to the next run's recovery is always safe, but then
the rest of that customer's work waits a whole run, and under a steady share
of faults every run leaves some work to the next. Where the provider can tell
what happened, the runner asks at once (what recovery would ask) and, when the
write did not happen, makes it again, at most :data:`SETTLE_TRIES` times:

==============================  ==========================================
write                           what tells whether it happened
==============================  ==========================================
create invoice / credit note    ``find_invoice(key)``
book                            the invoice is booked
send                            ``RemoteInvoice.sent`` (None: cannot tell)
find-or-create, update, lines   replaying them is harmless: made again
==============================  ==========================================

An e-mail whose fate the provider cannot tell is never sent again here: it
stays an intent, and recovery marks it ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable

from ledgerlink.connector import Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import LedgerlinkError, ProviderError, TransientProviderError
from ledgerlink.plans import Action, Book, CreateInvoice, Credit, Send
from ledgerlink.results import Outcome

__all__ = ["CONFIRMED", "SETTLE_TRIES", "settle", "settled"]

#: Times an unclear write is checked (and made again when it did not happen).
SETTLE_TRIES = 2
#: The transfer log's note for a write the provider confirmed after an unclear answer.
CONFIRMED = "done: the provider confirmed it after an unclear answer"


def settled(connector: Connector, action: Action,
            remote_id: str | None) -> RemoteInvoice | bool | None:
    """Whether ``action`` happened: the invoice it made or changed (it did), False (it
    did not: make it again), or None (the provider cannot tell). Provider errors of the
    look-up itself are raised."""
    if isinstance(action, CreateInvoice):
        return connector.find_invoice(action.key) or False
    if isinstance(action, Credit):
        return connector.find_invoice(action.credit_key) or False
    if isinstance(action, (Book, Send)):
        if remote_id is None:
            return False
        invoice = connector.get_invoice(remote_id)
        if isinstance(action, Book):
            return invoice if invoice.booked else False
        if invoice.sent is None:
            return None
        return invoice if invoice.sent else False
    return False


def settle(connector: Connector, action: Action, remote_id: str | None,
           err: TransientProviderError, perform: Callable[[Action], Outcome]) -> Outcome:
    """An unclear write: ask the provider what happened and ``perform`` it again if it did not.

    Bounded by SETTLE_TRIES; what the provider cannot tell (an e-mail's fate
    unknown, a look-up failing too) stays an intent for recovery to decide.
    """
    last = err
    for _ in range(SETTLE_TRIES):
        try:
            happened = settled(connector, action, remote_id)
            if happened is None:
                break
            if isinstance(happened, RemoteInvoice):
                return Outcome(action, "ok", CONFIRMED, remote_id=happened.provider_id,
                               invoice=happened)
            return perform(action)
        except TransientProviderError as again:
            last = again
        except ProviderError as again:
            return Outcome(action, "failed", again.message)
        except LedgerlinkError as again:
            return Outcome(action, "failed", str(again))
    return Outcome(action, "failed", last.message, retry_later=True)
