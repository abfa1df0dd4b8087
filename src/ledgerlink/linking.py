"""Internal: explicit links: a local product (or customer) id tied to the provider's by hand.

``ledgerlink link product LOCAL REMOTE`` writes the same journal ref a sync
writes, so every connector's ``create_invoice`` uses it for lines of that
product (QuickBooks, Dinero, Billy and e-conomic all take the journal's product
refs before any matching rule). Before linking, REMOTE is read at the provider
when the connector can read one product (``product_name``, or ``customer_name``
for customers); a REMOTE the provider does not have is refused, naming it. A
connector that cannot read is refused too, naming it, unless ``check=False``
(``--unchecked``) says the user vouches for REMOTE.

The write is a journal write under the book's lease (no run writes meanwhile);
unlinking also marks the sync's find-or-create operation as undone, so the next
sync looks the item up again instead of taking it as linked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import attrs

from ledgerlink.connector import Connector
from ledgerlink.errors import ValidationError
from ledgerlink.runner import DEFAULT_LEASE
from ledgerlink.store import Store, Transaction
from ledgerlink.store.leases import new_holder
from ledgerlink.syncing import open_target
from ledgerlink.tabular import Rows, rows_html, to_frame

__all__ = ["Kind", "Link", "LinkList", "checked_name", "link", "link_customer", "link_product",
           "links", "unlink", "unlink_customer", "unlink_product"]

Kind = Literal["customers", "products"]

#: The journal operation a sync uses to find or create one item, by kind.
_ENSURE_KEY = {"customers": "customer:{}", "products": "product:{}"}
#: The connector method reading one item's name by the provider's id (None: absent).
_READER = {"customers": "customer_name", "products": "product_name"}


@attrs.frozen
class Link:
    """A local id linked to the provider's id in one book.

    Attributes:
        kind: ``customers`` or ``products``.
        local_id: the operational system's id.
        remote_id: the provider's id.
        name: the provider's name for it, when it was read to check the link.
        replaced: the provider's id it was linked to before, if any.
    """

    kind: Kind
    local_id: str
    remote_id: str
    name: str | None = None
    replaced: str | None = None


@attrs.frozen
class LinkList:
    """Every link of one book, customers first (what ``ledgerlink links`` lists)."""

    book: str
    links: tuple[Link, ...]

    def __iter__(self) -> Iterator[Link]:
        return iter(self.links)

    def __len__(self) -> int:
        return len(self.links)

    def rows(self) -> Rows:
        """One row per link: kind, local id, remote id."""
        return Rows(("kind", "local_id", "remote_id"),
                    [(k.kind, k.local_id, k.remote_id) for k in self.links])

    def to_pandas(self) -> Any:
        """One row per link; needs the pandas extra."""
        return to_frame(self.rows())

    def _repr_html_(self) -> str:
        return rows_html(self.rows(), f"Links in {self.book}")


def _book(target: Connector | str) -> str:
    return target if isinstance(target, str) else target.account


def _singular(kind: Kind) -> str:
    return kind[:-1]


def checked_name(target: Connector | str, kind: Kind, remote_id: str) -> str:
    """The provider's name of ``remote_id``; ValidationError when it has none, or when
    ``target`` cannot read (a book name, or a connector without the reader)."""
    what = _singular(kind)
    if isinstance(target, str):
        raise ValidationError(
            f"cannot check that {what} {remote_id!r} exists: book {target!r} was named "
            "without its connector; link it unchecked (--unchecked, check=False) if you are "
            "sure", field="remote", value=remote_id)
    reader = getattr(target, _READER[kind], None)
    if reader is None:
        who = f"connector {target.name!r} cannot read one {what} by id"
        raise ValidationError(
            f"cannot check that {what} {remote_id!r} exists: {who}; link it unchecked "
            "(--unchecked, check=False) if you are sure", field="remote", value=remote_id)
    name = reader(remote_id)
    if name is None:
        raise ValidationError(
            f"{target.name} has no {what} {remote_id!r} in book {target.account!r}; "
            "nothing was linked", field="remote", value=remote_id)
    return str(name)


@contextmanager
def _holding(store: Store, book: str, wait: timedelta) -> Iterator[str]:
    """Hold ``book``'s lease for the block; yields the id its log lines carry."""
    run_id = uuid.uuid4().hex[:16]
    holding = store.acquire_book(book, new_holder(), run_id, DEFAULT_LEASE, wait=wait)
    try:
        yield run_id
    finally:
        store.release_book(holding)


def link(target: Connector | str, kind: Kind, local_id: str, remote_id: str, *,
         store: str | Path | Store | None = None, check: bool = True,
         wait: timedelta = timedelta(0)) -> Link:
    """Link ``local_id`` to the provider's ``remote_id`` in the book of ``target``.

    With ``check`` (the default) ``remote_id`` is read at the provider first (see
    the module docstring); nothing is written when it is refused.
    """
    if not local_id.strip() or not remote_id.strip():
        raise ValidationError("both ids must be given", field="local" if not local_id.strip()
                              else "remote", value=local_id if not local_id.strip() else remote_id)
    name = checked_name(target, kind, remote_id) if check else None
    journal = open_target(store)
    book = _book(target)
    with _holding(journal, book, wait) as run_id:
        before = journal.refs(book, kind).get(local_id)
        tx = Transaction(book)
        tx.ref(kind, local_id, remote_id)
        note = "linked by hand" + (f" (was {before})" if before and before != remote_id else "")
        tx.log(run_id, _log_party(kind, local_id), f"link_{_singular(kind)}", local_id, "ok",
               remote_id=remote_id, message=note if check else f"{note}, unchecked")
        journal.write(tx)
    return Link(kind, local_id, remote_id, name, before if before != remote_id else None)


def unlink(target: Connector | str, kind: Kind, local_id: str, *,
           store: str | Path | Store | None = None,
           wait: timedelta = timedelta(0)) -> Link | None:
    """Remove the link of ``local_id`` (nothing changes at the provider); the link
    removed, or None when there was none."""
    journal = open_target(store)
    book = _book(target)
    with _holding(journal, book, wait) as run_id:
        before = journal.refs(book, kind).get(local_id)
        if before is None:
            return None
        tx = Transaction(book)
        tx.forget_ref(kind, local_id)
        tx.resolve(_ENSURE_KEY[kind].format(local_id), "unlinked", run_id, "unlinked by hand")
        tx.log(run_id, _log_party(kind, local_id), f"unlink_{_singular(kind)}", local_id, "ok",
               remote_id=before, message="unlinked by hand")
        journal.write(tx)
    return Link(kind, local_id, before)


def links(target: Connector | str, *, store: str | Path | Store | None = None) -> LinkList:
    """Every customer and product link the journal holds for the book of ``target``."""
    journal = open_target(store)
    book = _book(target)
    found = [Link(kind, local, remote) for kind in ("customers", "products")
             for local, remote in sorted(journal.refs(book, kind).items())]
    return LinkList(book, tuple(found))


def _log_party(kind: Kind, local_id: str) -> str:
    """The transfer log's customer column: the customer, or the product's own lane."""
    return local_id if kind == "customers" else f"product:{local_id}"


def link_product(target: Connector | str, local_id: str, remote_id: str, *,
                 store: str | Path | Store | None = None, check: bool = True,
                 wait: timedelta = timedelta(0)) -> Link:
    """Link local product ``local_id`` to the provider's product ``remote_id``: invoice
    lines of that product use it from now on (see :func:`link`)."""
    return link(target, "products", local_id, remote_id, store=store, check=check, wait=wait)


def link_customer(target: Connector | str, local_id: str, remote_id: str, *,
                  store: str | Path | Store | None = None, check: bool = True,
                  wait: timedelta = timedelta(0)) -> Link:
    """Link local customer ``local_id`` to the provider's customer ``remote_id``: runs
    invoice that customer there instead of finding or creating one (see :func:`link`)."""
    return link(target, "customers", local_id, remote_id, store=store, check=check, wait=wait)


def unlink_product(target: Connector | str, local_id: str, *,
                   store: str | Path | Store | None = None,
                   wait: timedelta = timedelta(0)) -> Link | None:
    """Remove product ``local_id``'s link (see :func:`unlink`)."""
    return unlink(target, "products", local_id, store=store, wait=wait)


def unlink_customer(target: Connector | str, local_id: str, *,
                    store: str | Path | Store | None = None,
                    wait: timedelta = timedelta(0)) -> Link | None:
    """Remove customer ``local_id``'s link (see :func:`unlink`)."""
    return unlink(target, "customers", local_id, store=store, wait=wait)
