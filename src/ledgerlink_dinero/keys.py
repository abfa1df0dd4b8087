"""How ledgerlink keys live on Dinero objects: our own GUIDs, ExternalReference, line Comments.

* ``ContactGuid`` / invoice ``Guid`` / credit-note ``Guid`` are chosen by us,
  ``uuid5`` of the organisation, the kind of object and the ledgerlink id, so a
  create sent twice names the same object and Dinero refuses the second one
  (error 42 "already exists") instead of making a duplicate.
* ``ExternalReference`` holds the ledgerlink key (invoices, credit notes) or
  customer/product id as it is (at most 128 characters, Dinero's limit), so
  ``queryFilter=ExternalReference eq '…'`` finds it again.
* Each product line's ``Comments`` holds ``ledgerlink:<source key>``: Dinero
  keeps a line's comment through a full update, so the lines of one piece of
  work can be told apart and replaced on an open draft.
"""

from __future__ import annotations

import uuid

from ledgerlink import linetags
from ledgerlink.errors import ValidationError
from ledgerlink_dinero.settings import MAX_EXTERNAL_REFERENCE

__all__ = [
    "EMPTY_MARKER",
    "LINE_PREFIX",
    "external_reference",
    "line_comment",
    "line_key",
    "object_guid",
]

#: How a line's ``Comments`` carries its source key.
LINE_PREFIX = linetags.LINE_PREFIX
#: ``Comments`` of the text line that stands in for "no lines" (Dinero refuses an
#: invoice without lines, so an emptied draft keeps this one; it is never booked).
EMPTY_MARKER = "ledgerlink-empty"
#: Namespace of every GUID derived here (a fixed, random UUID).
_NAMESPACE = uuid.UUID("8f0b6c1e-4a7d-5b3e-9c2f-6d1e0a4b7c95")


def object_guid(organisation_id: str, kind: str, ledgerlink_id: str, *, salt: str = "") -> str:
    """Our GUID for the ``kind`` object with ledgerlink id ``ledgerlink_id``.

    ``salt`` gives a fresh GUID for the same id (an invoice re-created after a
    person deleted the first one, whose GUID Dinero keeps).
    """
    name = f"{organisation_id}|{kind}|{ledgerlink_id}|{salt}"
    return str(uuid.uuid5(_NAMESPACE, name))


def external_reference(value: str, field: str = "ExternalReference") -> str:
    """``value`` as an ExternalReference; ValidationError when Dinero could not hold it."""
    if not value or len(value) > MAX_EXTERNAL_REFERENCE:
        raise ValidationError(f"Dinero's ExternalReference holds 1..{MAX_EXTERNAL_REFERENCE} "
                              "characters; this key cannot be stored", field=field, value=value)
    return value


def line_comment(source_key: str | None) -> str | None:
    """The ``Comments`` of a line billing the work keyed ``source_key``."""
    return linetags.line_tag(source_key)


def line_key(comments: str | None) -> str | None:
    """The source key a line's ``Comments`` carries, if it is ours."""
    return linetags.line_key(comments)
