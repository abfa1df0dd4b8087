"""Internal: which journal rows a plan touches, so a run reads those and not the whole book.

The runner needs the provider ids of the customers, products and invoices its
actions write to; a book's journal holds every one it ever made. Reading only
the ones a plan names keeps a run's cost to its plan, not the book's history.
"""

from __future__ import annotations

import attrs

from ledgerlink.plans import Action, CreateInvoice, Deliver, Plan, ReplaceLines

__all__ = ["Touched"]


@attrs.frozen
class Touched:
    """The customers, products and invoices a plan's actions use.

    Attributes:
        customers: the customers of its actions.
        products: the products on the lines it writes.
        invoices: the invoices it writes to, delivers or credits (keys), the ones it
            creates included (an earlier run may have created them).
    """

    customers: frozenset[str]
    products: frozenset[str]
    invoices: frozenset[str]

    @classmethod
    def of(cls, plan: Plan) -> Touched:
        """What ``plan``'s actions touch."""
        customers: set[str] = set()
        products: set[str] = set()
        invoices: set[str] = set()
        for action in plan.actions:
            customers.add(action.customer_id)
            invoices.update(_invoice_keys(action))
            orders = (action.work if isinstance(action, CreateInvoice)
                      else ((action.order, 0),) if isinstance(action, ReplaceLines) else ())
            products.update(line.product_id for order, _ in orders for line in order.lines
                            if line.product_id is not None)
        return cls(frozenset(customers), frozenset(products), frozenset(invoices))


def _invoice_keys(action: Action) -> tuple[str, ...]:
    if isinstance(action, CreateInvoice):
        return (action.key,)
    if isinstance(action, Deliver):
        return (action.invoice_key,) if action.credits is None else (action.invoice_key,
                                                                     action.credits)
    key = getattr(action, "invoice_key", None)
    return () if key is None else (key,)
