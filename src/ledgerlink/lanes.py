"""Internal: customer lanes: a plan's actions split per customer and advanced in waves.

Customers are independent, so each customer's actions form a lane that runs in
order while lanes run side by side. A wave holds the next action(s) of up to
``size`` lanes; a failed action stops its lane (later steps depend on it) and
the other customers go on. A failed delivery does not: nothing after it
depends on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledgerlink.plans import Action, Book, CreateInvoice, Deliver, Plan, Send
from ledgerlink.results import Outcome

__all__ = ["Lanes"]


class Lanes:
    """Customer lanes advanced in waves: the next action(s) of up to ``size`` lanes.

    With ``per_lane`` > 1 (a connector that creates invoices in batches) a lane
    gives a wave more than its next action: after it, every further action on
    an invoice *not touched earlier in the lane* — a create of a final invoice,
    a book, a send, a delivery — up to ``per_lane`` actions, stopping at anything else
    (a customer, a credit, a draft or its lines: later steps depend on those).
    So one customer's many new invoices are created in the same wave (and the
    same batch requests), while each invoice's own steps stay in order. Without
    batches one action per lane keeps a lane strictly sequential, which books
    that number invoices in creation order rely on.
    """

    def __init__(self, plan: Plan, size: int, per_lane: int = 1) -> None:
        self._waiting = iter(plan.lanes().values())
        self._size = size
        self._per_lane = per_lane
        # Each active lane is reversed so its next action is popped off the end.
        self._active: list[list[Action]] = []
        # For the current wave: how many of its actions came from each active lane.
        self._taken: list[int] = []

    def next_wave(self) -> list[Action]:
        """The next action(s) of every active lane, topping up from waiting lanes."""
        while len(self._active) < self._size:
            lane = next(self._waiting, None)
            if lane is None:
                break
            self._active.append(list(reversed(lane)))
        if self._per_lane == 1:
            self._taken = [1] * len(self._active)
            return [lane.pop() for lane in self._active]
        wave: list[Action] = []
        self._taken = []
        for lane in self._active:
            taken = self._take(lane)
            self._taken.append(len(taken))
            wave.extend(taken)
        return wave

    def _take(self, lane: list[Action]) -> list[Action]:
        """Pop the lane's next action and the independent ones after it (see above)."""
        head = lane.pop()
        if not _independent(head):
            return [head]
        taken: list[Action] = [head]
        left: list[Action] = []
        seen = {head.subject}
        while lane and len(taken) < self._per_lane and _independent(lane[-1]):
            action = lane.pop()
            # A step of an invoice met above waits for it; it stays in the lane.
            (left if action.subject in seen else taken).append(action)
            seen.add(action.subject)
        lane.extend(reversed(left))
        return taken

    def advance(self, wave: Sequence[Action], results: Sequence[Outcome]) -> list[Outcome]:
        """Drop finished lanes and stop failed ones; return the skipped actions' outcomes."""
        skipped: list[Outcome] = []
        still: list[list[Action]] = []
        start = 0
        for lane, count in zip(self._active, self._taken, strict=True):
            mine = results[start:start + count]
            start += count
            # A delivery that failed is reported and waits for a person; the
            # customer's other invoices do not depend on it.
            failed = next((o for o in mine if o.status == "failed"
                           and not isinstance(o.action, Deliver)), None)
            if failed is not None:
                why = f"not run: an earlier step for customer {failed.customer_id} failed"
                skipped.extend(Outcome(a, "skipped", why) for a in reversed(lane))
            elif lane:
                still.append(lane)
        assert start == len(wave) == len(results)
        self._active = still
        return skipped


def _independent(action: Action) -> bool:
    """True for the steps of one final invoice, which no other invoice's steps wait for."""
    if isinstance(action, CreateInvoice):
        return action.target != "draft"
    return isinstance(action, (Book, Send, Deliver))
