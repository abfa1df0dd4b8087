"""Testing helpers for ledgerlink users and connector authors.

* :mod:`ledgerlink.testing.factories`: valid domain objects with fresh ids.
* :mod:`ledgerlink.testing.plugin`: the pytest plugin (installed with ledgerlink)
  giving the ``ledgerlink_sandbox`` fixture.
* :mod:`ledgerlink.testing.conformance`: :class:`ConnectorConformance`, the
  connector contract as a test class to subclass.
* :mod:`ledgerlink.testing.channels`: :class:`ChannelConformance`, the same for
  delivery channels.

The conformance suites are imported from their modules (not re-exported here) so
the pytest plugin can register them for assertion rewriting before they are imported.
"""

from ledgerlink.testing.factories import (
    make_customer,
    make_delivery,
    make_invoice_draft,
    make_invoice_line,
    make_product,
    make_work_line,
    make_work_order,
    unique_id,
)

__all__ = [
    "make_customer",
    "make_delivery",
    "make_invoice_draft",
    "make_invoice_line",
    "make_product",
    "make_work_line",
    "make_work_order",
    "unique_id",
]
