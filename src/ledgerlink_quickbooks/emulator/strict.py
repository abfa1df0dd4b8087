"""What QuickBooks refuses before any business rule runs, with QuickBooks' own faults.

Every JSON write (API call, batch item, :meth:`QuickBooksEmulator.seed`) goes
through :func:`check_write` before the entity code sees it:

* a body that does not fit the entity's XSD type (see
  :mod:`~ledgerlink_quickbooks.emulator.schema`): an unknown field, a value of
  the wrong JSON type (``"Amount": "10.00"``, ``"Active": "false"``), a
  value outside an enumeration, an array where one value belongs or the
  reverse → **2010** "Request has invalid or unsupported property", the
  detail in the words of QuickBooks' JSON reader ("Unrecognized field ...
  not marked as ignorable", "Can not construct instance of ...": Intuit
  forum and GitHub reports, e.g. routablehq/python-quickbooks#80,
  mcohen01/node-quickbooks#39). QuickBooks' reader may coerce a numeric
  string into a decimal; the emulator does not, because the XSD types
  amounts as ``xs:decimal`` and NOTES §15 has them sent as JSON numbers;
* a missing element the XSD requires, or one Intuit's reference marks
  required for a create (:data:`CREATE_REQUIRED`) → **2020** "Required param
  missing", ``element`` naming it;
* a string longer than Intuit's reference allows (:data:`MAX_LENGTHS`) →
  **2050** "String length is either shorter or longer than supported by
  specification", with QuickBooks' ``Min:0 Max:N`` detail;
* more lines than a sales transaction may hold (:data:`MAX_LINES`) → 6000;
* a batch item ``bId`` over 10 characters in a batch with a ``requestid``
  (:func:`check_batch_ids`) → 6000.

:func:`check_content_type` refuses a JSON write sent as anything but
``application/json`` the way QuickBooks' REST layer does (code 500
"Unsupported Operation", "Operation Cannot consume content type is not
supported.", seen in gomodule/oauth1#25) with HTTP 415, the status a JAX-RS
service answers for a type it cannot consume (the status itself is not in the
material).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerlink_quickbooks.emulator.schema import Problem, load_schema
from ledgerlink_quickbooks.emulator.wire import (
    EmuRequest,
    QBOFault,
    business_validation,
    required_missing,
    string_too_long,
)

#: What Intuit's entity references (NOTES §4) mark required on create, beyond the XSD.
CREATE_REQUIRED: Mapping[str, tuple[str, ...]] = {
    "Invoice": ("CustomerRef", "Line"),
    "CreditMemo": ("CustomerRef", "Line"),
    "Payment": ("CustomerRef", "TotalAmt"),
    "Item": ("Name",),
}
#: Maximum lengths of string fields from Intuit's references (NOTES §4.1-§4.3, the XSD's
#: BillEmail note), as dotted paths below the entity.
MAX_LENGTHS: Mapping[str, Mapping[str, int]] = {
    "Invoice": {"DocNumber": 21, "PrivateNote": 4000, "Line.Description": 4000,
                "CustomerMemo.value": 1000, "BillEmail.Address": 100,
                "BillEmailCc.Address": 100, "BillEmailBcc.Address": 100},
    "CreditMemo": {"DocNumber": 21, "PrivateNote": 4000, "Line.Description": 4000,
                   "CustomerMemo.value": 1000, "BillEmail.Address": 100},
    "Customer": {"DisplayName": 500},
    "Item": {"Name": 100},
}
#: Lines a sales transaction may hold (NOTES §4.1: taxable invoices ≤ 750 lines).
MAX_LINES = 750
#: Length of a batch item's bId when the batch carries a requestid (NOTES §8, §13).
MAX_BATCH_ID = 10
JSON_MEDIA_TYPE = "application/json"


def invalid_property(problem: Problem) -> QBOFault:
    """Code 2010, worded as QuickBooks' JSON reader words what it could not read."""
    entity, _, field = problem.path.partition(".")
    if problem.kind == "unknown":
        reason = (
            f'Unrecognized field "{field.rsplit(".", 1)[-1]}" '
            f"(class com.intuit.schema.finance.v3.{entity}), not marked as ignorable"
        )
    else:
        reason = f"Can not construct instance of {field}: {problem.detail}"
    return QBOFault(
        "2010",
        "Request has invalid or unsupported property",
        f"Property Name:{reason} specified is unsupported or invalid",
        element=field,
    )


def check_write(entity: str, operation: str, body: Mapping[str, Any]) -> None:
    """Raise the fault QuickBooks answers for ``body``, or return when it reads cleanly."""
    problems = load_schema().problems(body, entity)
    for problem in problems:
        if problem.kind != "required":
            raise invalid_property(problem)
    if problems:
        raise required_missing(problems[0].path.partition(".")[2])
    if operation == "create" and not _is_update(body):
        for name in CREATE_REQUIRED.get(entity, ()):
            if body.get(name) in (None, "", []):
                raise required_missing(name)
    for path, limit in MAX_LENGTHS.get(entity, {}).items():
        for text in _strings_at(body, path.split(".")):
            if len(text) > limit:
                raise string_too_long(path, limit, len(text))
    lines = body.get("Line")
    if entity in ("Invoice", "CreditMemo") and isinstance(lines, list) and len(lines) > MAX_LINES:
        raise business_validation(
            f"A transaction may hold at most {MAX_LINES} lines; it held {len(lines)}."
        )


def _is_update(body: Mapping[str, Any]) -> bool:
    return bool(body.get("Id"))


def _strings_at(value: Any, parts: list[str]) -> list[str]:
    """The strings found at a dotted path, stepping into arrays on the way."""
    if isinstance(value, list):
        return [text for item in value for text in _strings_at(item, parts)]
    if not parts:
        return [value] if isinstance(value, str) else []
    if not isinstance(value, Mapping):
        return []
    return _strings_at(value.get(parts[0]), parts[1:])


def check_batch_ids(request: EmuRequest, body: Any) -> None:
    """With a ``requestid``, each batch item's ``bId`` may hold at most 10 characters (6000).

    Intuit's RequestID note gives the limit, not the fault; the emulator answers
    the business-validation fault QuickBooks gives a too long requestid.
    """
    items = body.get("BatchItemRequest") if isinstance(body, Mapping) else None
    if request.query.get("requestid") is None or not isinstance(items, list):
        return
    for item in items:
        bid = str(item.get("bId", "")) if isinstance(item, Mapping) else ""
        if len(bid) > MAX_BATCH_ID:
            raise business_validation(
                f"You cannot enter more than {MAX_BATCH_ID} characters in the bId field "
                f"of a batch sent with a requestid. You tried entering {bid[:10]}..., "
                f"which is {len(bid)} characters."
            )


def check_content_type(request: EmuRequest) -> None:
    """Refuse a JSON write whose Content-Type is not ``application/json`` (415, code 500)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != JSON_MEDIA_TYPE:
        raise QBOFault(
            "500",
            "Unsupported Operation",
            "Operation Cannot consume content type is not supported.",
            status=415,
        )
