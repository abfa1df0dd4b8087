"""Work sources: where the work to invoice comes from (input files, a CRM's won deals).

A :class:`Source` hands over the customers, work orders and deals it holds;
any of them may be empty (files hold no deals, a CRM holds no work orders).
Sources are plugins, registered like connectors: a ``ledgerlink_register_sources``
hook adds factories (:func:`ledgerlink.plugins.source_hook` in one line),
:func:`open_source` builds one by name with its options checked against the
factory's signature, and :func:`sources` lists them. Built in: ``files`` (the
customers, work orders and products files ``ledgerlink run`` reads) and
``pipedrive`` (won deals from Pipedrive, in the ``ledgerlink_pipedrive`` package).

A source is closed after use; :class:`BaseSource` gives empty defaults and the
``with`` statement::

    from ledgerlink.sources import open_source

    with open_source("files", customers="customers.csv",
                     work_orders="work_orders.csv") as source:
        orders = list(source.work_orders())
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ledgerlink.deals import Deal, DealStatus
from ledgerlink.domain import Customer, Product, WorkOrder

if TYPE_CHECKING:
    from ledgerlink.plugins import SourceInfo

__all__ = ["BaseSource", "Source", "open_source", "sources"]


@runtime_checkable
class Source(Protocol):
    """Where work comes from: customers, work orders and deals, each possibly empty.

    Attributes:
        name: the name the source is registered under (``files``, ``pipedrive``).
    """

    name: str

    def customers(self) -> Iterable[Customer]:
        """The customers the source knows (may be empty)."""
        ...

    def work_orders(self) -> Iterable[WorkOrder]:
        """The work orders to invoice (may be empty)."""
        ...

    def deals(self, *, status: DealStatus = DealStatus.WON,
              updated_since: datetime | None = None) -> Iterable[Deal]:
        """The deals in ``status``, changed at or after ``updated_since`` (aware) when given
        (may be empty)."""
        ...

    def close(self) -> None:
        """Release what the source holds open (connections, files)."""
        ...


class BaseSource:
    """A source with nothing in it: subclasses override what they hold.

    Also offers :meth:`products` (the files source reads a products file) and the
    ``with`` statement, which closes the source on the way out.
    """

    name: str = ""

    def customers(self) -> Iterable[Customer]:
        """No customers."""
        return ()

    def work_orders(self) -> Iterable[WorkOrder]:
        """No work orders."""
        return ()

    def deals(self, *, status: DealStatus = DealStatus.WON,
              updated_since: datetime | None = None) -> Iterable[Deal]:
        """No deals."""
        return ()

    def products(self) -> Iterable[Product]:
        """No products."""
        return ()

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> BaseSource:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def open_source(name: str, /, **options: Any) -> Source:
    """Build the work source registered as ``name`` by any installed plugin.

    ``options`` go to the source's factory, checked against its signature first.
    Like :func:`ledgerlink.connect`, it builds a plugin manager each call; an app
    that opens many keeps ``get_plugin_manager().sources()`` and calls ``create``.

    Raises:
        UnknownSourceError: no plugin registered ``name`` (the message lists the known ones).
        DuplicateSourceError: two plugins registered ``name``; neither is used.
        ConnectorOptionError: an option the factory does not take, or a required one
            left out (named, with the accepted ones).
    """
    from ledgerlink.plugins import get_plugin_manager

    return get_plugin_manager().sources().create(name, **options)


def sources() -> list[SourceInfo]:
    """Every installed work source, by name: its factory, description, options and plugin."""
    from ledgerlink.plugins import get_plugin_manager

    return list(get_plugin_manager().sources())
