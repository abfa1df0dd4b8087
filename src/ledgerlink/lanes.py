"""Internal: customer lanes: a plan's actions split per customer, run side by side.

Customers are independent, so each customer's actions form a lane that runs in
order while lanes run side by side; a failed action stops its lane (later steps
depend on it) and the other customers go on. A failed delivery does not:
nothing after it depends on it.

Two ways of advancing them:

* :class:`Lanes` advances lanes in waves: a wave holds the next action(s) of up
  to ``size`` lanes and ends when all of them have finished. Waves are what
  batch creates need (one customer's invoices and many customers' go out in
  the same batch request).
* :class:`LaneStream` advances each lane on its own: the moment a lane's
  action finishes, its next one is ready. Without batches nothing is gained by
  waiting for a wave's slowest call, and at a provider's latency the wait
  costs a third of the throughput (a wave of 200 lanes over 96 calls in flight
  takes three round trips where two would do), so connectors without BATCH
  run this way.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledgerlink.plans import Action, Book, CreateInvoice, Deliver, Plan, Send
from ledgerlink.results import Outcome

__all__ = ["LaneStream", "Lanes"]

#: Why a lane's later actions were not run.
SKIPPED = "not run: an earlier step for customer {} failed"


def stops_lane(outcome: Outcome) -> bool:
    """True when ``outcome`` stops the rest of its lane (see the module docs)."""
    return outcome.status == "failed" and not isinstance(outcome.action, Deliver)


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
            failed = next((o for o in mine if stops_lane(o)), None)
            if failed is not None:
                why = SKIPPED.format(failed.customer_id)
                skipped.extend(Outcome(a, "skipped", why) for a in reversed(lane))
            elif lane:
                still.append(lane)
        assert start == len(wave) == len(results)
        self._active = still
        return skipped


class LaneStream:
    """Customer lanes advanced each on its own (see the module docs).

    :attr:`actions` grows as lanes advance; an action is named by its index
    there. :meth:`start` makes the first action of up to ``size`` lanes ready;
    :meth:`after` takes an action's outcome and says what is ready next: the
    lane's next action, or, once the lane is finished or stopped, the first
    action of a lane not yet started (so at most ``size`` lanes are under way).
    """

    def __init__(self, plan: Plan, size: int) -> None:
        self._waiting = iter(plan.lanes().values())
        self._size = size
        self.actions: list[Action] = []
        # The lane each action came from, and each lane's remaining actions (reversed).
        self._lane_of: list[int] = []
        self._rest: dict[int, list[Action]] = {}
        self._lanes = 0

    def start(self) -> list[int]:
        """The first action of up to ``size`` lanes."""
        ready: list[int] = []
        while len(ready) < self._size and self._open_lane(ready):
            pass
        return ready

    def after(self, index: int, outcome: Outcome) -> tuple[list[int], list[Outcome]]:
        """What is ready after action ``index`` ended in ``outcome``, and the lane's
        actions skipped because it failed."""
        lane = self._lane_of[index]
        rest = self._rest[lane]
        ready: list[int] = []
        skipped: list[Outcome] = []
        if stops_lane(outcome):
            why = SKIPPED.format(outcome.customer_id)
            skipped = [Outcome(action, "skipped", why) for action in reversed(rest)]
            rest.clear()
        if rest:
            ready.append(self._push(lane))
        else:
            del self._rest[lane]
            self._open_lane(ready)
        return ready, skipped

    def _open_lane(self, ready: list[int]) -> bool:
        """Start the next waiting lane, its first action ready; False when none waits."""
        actions = next(self._waiting, None)
        if actions is None:
            return False
        lane, self._lanes = self._lanes, self._lanes + 1
        self._rest[lane] = list(reversed(actions))
        ready.append(self._push(lane))
        return True

    def _push(self, lane: int) -> int:
        self.actions.append(self._rest[lane].pop())
        self._lane_of.append(lane)
        return len(self.actions) - 1


def _independent(action: Action) -> bool:
    """True for the steps of one final invoice, which no other invoice's steps wait for."""
    if isinstance(action, CreateInvoice):
        return action.target != "draft"
    return isinstance(action, (Book, Send, Deliver))
