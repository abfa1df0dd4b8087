"""Billy's resources as the official page tables them, shipped as ``billy_resources.json``,
and the check of a request body against them.

Billy publishes no machine-readable schema; the official page
(https://www.billy.dk/api/) has one property table per resource. The shared
material holds a derived extraction of every table
(``providers/billy/billy-api-v2-resources.json``); :func:`extract` reduces it
to what the emulator needs (each property's wire name, type and notes, the
documented list filters and the e-mail route's body) and the result is
shipped beside this module, so the emulator never reads the shared folder at
run time. A test holds the shipped table equal to a fresh extraction
(``python -m ledgerlink_billy.emulator.schema PATH_TO_RESOURCES_JSON`` rewrites it).

On the wire a belongs-to property ``contact`` is ``contactId``, a
belongs-to-reference ``subject`` is ``subjectReference`` (``"invoice:<id>"``,
as the page's bankPayments example writes it) and a has-many ``lines`` is a
list of the child resource's records [B1].

:func:`problems` lists, for a body, properties the resource does not have,
read-only ones, missing required ones on create, immutable ones on update and
values of the wrong JSON type, embedded children (``lines``, ``contactPersons``,
``prices``, ``associations``) included.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "ENUMS",
    "TABLE_FILE",
    "Field",
    "Problem",
    "Resource",
    "email_problems",
    "extract",
    "load_table",
    "problems",
    "request_problems",
]

TABLE_FILE = "billy_resources.json"
#: The resources the emulator serves (writes or reads); the table keeps only these.
SERVED = (
    "organizations", "accounts", "currencies", "countries", "contacts", "contactPersons",
    "products", "productPrices", "salesTaxRulesets", "salesTaxRules", "taxRates", "invoices",
    "invoiceLines", "bankPayments", "balanceModifiers",
)

#: Values of the enum properties the emulator takes writes for. The page names the
#: type "enum" without listing values; these come from its descriptions and the
#: captured examples [B1][B2]; the ones marked (inferred) from neither.
ENUMS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("contacts", "type"): ("company", "person"),
    # net, netEndOfMonth and date appear in the captured invoices [B2]; no other value
    # is in the material, so no other is taken (inferred).
    ("contacts", "paymentTermsMode"): ("net", "netEndOfMonth", "date"),
    ("contacts", "emailAttachmentDeliveryMode"): ("link", "attachment"),  # (inferred)
    ("invoices", "type"): ("invoice", "creditNote"),  # creditNote per a third party [B6]
    ("invoices", "paymentTermsMode"): ("net", "netEndOfMonth", "date"),
    # "the only state change possible is from draft to approved" [B1].
    ("invoices", "state"): ("draft", "approved"),
    ("invoices", "sentState"): ("unsent", "printed", "sent", "opened", "viewed"),
    ("invoices", "taxMode"): ("incl", "excl"),
    # "Cash discount" and "Percentage discount" [B1]; the wire values are (inferred).
    ("invoiceLines", "discountMode"): ("cash", "percent"),
    ("bankPayments", "cashSide"): ("debit", "credit"),
}

#: The child resource of each has-many property the emulator takes embedded, and the
#: child's belongs-to pointing back at the parent (set by the parent, so a body must
#: not carry it: (inferred)). ``associations`` are the payment's balance modifiers
#: (``modifier`` is the payment, ``subject`` the invoice): (inferred) from the table's
#: fields and the bankPayments example.
CHILDREN: Mapping[tuple[str, str], tuple[str, str]] = {
    ("contacts", "contactPersons"): ("contactPersons", "contactId"),
    ("products", "prices"): ("productPrices", "productId"),
    ("invoices", "lines"): ("invoiceLines", "invoiceId"),
    ("bankPayments", "associations"): ("balanceModifiers", "modifierReference"),
}


#: Properties on top of the page's tables. ``externalId``: the page documents the
#: invoice list filter ``externalId`` and captured live invoices carry the property
#: [B1][B9], so a client may set it (inferred: a string, set on create only).
EXTRA_FIELDS: Mapping[str, Mapping[str, Mapping[str, Any]]] = {
    "invoices": {"externalId": {"name": "externalId", "type": "string", "immutable": True}},
}
#: Properties the tables leave writable that the emulator refuses: the PDF's URL is
#: made by the server (inferred), and files and attachments are not served.
REFUSED: Mapping[tuple[str, str], str] = {
    ("invoices", "downloadUrl"): "is made by the server",
    ("invoices", "attachments"): "is not served by the emulator (no files)",
}


#: Required properties a body may leave out because the emulator fills them in or a rule
#: replaces the plain "required": a contact person needs "either name or email"; an
#: invoice's number is assigned on approval; its lines are checked as "at least one
#: invoice line" (worded as captured [B2]); a payment's contact and currency come from
#: its associations, and its fee account is needed only with a fee [B1].
FILLED_IN: Mapping[str, frozenset[str]] = {
    "contactPersons": frozenset({"name"}),
    "invoices": frozenset({"invoiceNo", "lines"}),
    "bankPayments": frozenset({"contactId", "subjectCurrencyId", "feeAccountId"}),
}
#: Properties with a default in the table that a body must still carry: an invoice's
#: currency ("currency for invoice always is required", on contacts.currency [B1]).
ALSO_REQUIRED: Mapping[str, frozenset[str]] = {"invoices": frozenset({"currencyId"})}
#: The captured refusal of an invoice without lines [B2].
NO_LINES = "Invoices must have at least one invoice line."


@attrs.frozen
class Field:
    """One property of a resource as the page tables it.

    Attributes:
        name: The property's name in the table (``contact``).
        wire: Its key in JSON (``contactId``).
        type: The table's type (``string``, ``float``, ``belongs-to``, ``has-many``...).
        required: The notes say ``required``.
        readonly: The notes say ``readonly``: never in a request body.
        immutable: The notes say ``immutable``: set on create, never changed.
        default: The default the notes give (``"draft"``, ``unknown``), or None.
    """

    name: str
    wire: str
    type: str
    required: bool = False
    readonly: bool = False
    immutable: bool = False
    default: str | None = None

    def needed_on_create(self, resource: str) -> bool:
        """Required, without a default to fall back on, and not filled in (see above)."""
        if self.wire in ALSO_REQUIRED.get(resource, frozenset()):
            return True
        return (self.required and self.default is None
                and self.wire not in FILLED_IN.get(resource, frozenset()))


@attrs.frozen
class Resource:
    """A resource: its path name, its properties by wire key and its list filters."""

    name: str
    fields: Mapping[str, Field]
    filters: tuple[str, ...] = ()

    @property
    def singular(self) -> str:
        """The key of one record in a body (``invoice``, ``currency``)."""
        return singular(self.name)


def singular(plural: str) -> str:
    """``invoices`` -> ``invoice``, ``currencies`` -> ``currency``, ``countries`` -> ``country``."""
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    return plural[:-1]


def _wire(name: str, kind: str) -> str:
    if kind == "belongs-to":
        return name + "Id"
    if kind == "belongs-to-reference":
        return name + "Reference"
    return name


def _field_json(prop: Mapping[str, Any]) -> dict[str, Any]:
    notes = list(prop.get("notes", []))
    default = next((n.split(":", 1)[1].strip().strip('"') for n in notes
                    if n.startswith("default:")), None)
    return {
        "name": prop["name"],
        "type": prop["type"],
        "required": "required" in notes,
        "readonly": "readonly" in notes,
        "immutable": "immutable" in notes,
        "default": default,
    }


def extract(material: Mapping[str, Any]) -> dict[str, Any]:
    """The shipped table from the shared extraction of the official page (JSON-ready)."""
    found = material["resources"]
    table: dict[str, Any] = {}
    for name in SERVED:
        entry = found[name]
        table[name] = {
            "fields": {_wire(p["name"], p["type"]): _field_json(p) for p in entry["properties"]},
            "filters": [f["parameter"] for f in entry.get("list_filters", [])],
        }
    emails = next(r for r in material["special_routes"] if r["path"].endswith("/emails"))
    return {
        "resources": table,
        "email": {key: note == "required" for key, note in emails["body"]["email"].items()},
        "paging": {"pageSize_max": material["paging"]["pageSize_max"],
                   "pageSize_default": material["paging"]["pageSize_default"]},
    }


@attrs.frozen
class Table:
    """The shipped table, read."""

    resources: Mapping[str, Resource]
    email: Mapping[str, bool]
    page_size_max: int
    page_size_default: int
    raw: Mapping[str, Any]


@cache
def load_table() -> Table:
    """The table shipped with the emulator."""
    text = resources.files(__package__ or __name__).joinpath(TABLE_FILE).read_text("utf-8")
    raw = json.loads(text)
    table = {}
    for name, entry in raw["resources"].items():
        fields = {wire: Field(wire=wire, **spec) for wire, spec in entry["fields"].items()}
        fields.update({wire: Field(wire=wire, **spec)
                       for wire, spec in EXTRA_FIELDS.get(name, {}).items()})
        table[name] = Resource(name, fields, tuple(entry["filters"]))
    return Table(table, raw["email"], raw["paging"]["pageSize_max"],
                 raw["paging"]["pageSize_default"], raw)


@attrs.frozen
class Problem:
    """One thing wrong with a body.

    Attributes:
        path: Where, from the record key: ``invoice.lines[0].unitPrice``.
        message: What is wrong, naming the property.
    """

    path: str
    message: str


def _json_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == len("YYYY-MM-DD")


def _type_problem(resource: str, spec: Field, value: object) -> str | None:
    """Why ``value`` does not fit ``spec``'s type, or None."""
    kind = spec.type
    number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == "boolean" and not isinstance(value, bool):
        return "must be a boolean"
    if kind == "integer" and not (number and Decimal(str(value)) % 1 == 0):
        return "must be an integer"
    if kind == "float" and not (number and Decimal(str(value)).is_finite()):
        return "must be a number"
    if kind in ("string", "enum", "date", "datetime", "belongs-to", "belongs-to-reference"):
        if not isinstance(value, str):
            return "must be a string"
        if kind == "date" and not _is_date(value):
            return "must be a date (YYYY-MM-DD)"
        choices = ENUMS.get((resource, spec.wire))
        if kind == "enum" and choices is not None and value not in choices:
            return "must be one of " + ", ".join(choices)
        if kind == "belongs-to-reference" and value.count(":") != 1:
            return "must be a reference (type:id)"
    if kind == "has-many" and not isinstance(value, list):
        return "must be an array"
    return None


def problems(resource: str, body: object, *, creating: bool, path: str | None = None,
             parent_link: str | None = None) -> list[Problem]:
    """Everything wrong with ``body`` as a record of ``resource``.

    Args:
        resource: The resource's name (``invoices``).
        body: The record (what sits under ``{"invoice": ...}``).
        creating: A create (required properties checked) or an update
            (immutable properties refused).
        path: Where the record sits, for the messages (default: its singular name).
        parent_link: For an embedded child, the wire key the parent sets.
    """
    spec = load_table().resources[resource]
    where = path or spec.singular
    if not isinstance(body, Mapping):
        return [Problem(where, f"{where} must be an object, not {_json_name(body)}")]
    return list(_walk(spec, body, creating, where, parent_link))


def _walk(spec: Resource, body: Mapping[str, Any], creating: bool, where: str,
          parent_link: str | None) -> Iterator[Problem]:
    for key, value in body.items():
        field = spec.fields.get(key)
        at = f"{where}.{key}"
        if field is None or key == parent_link:
            reason = "is set by its parent" if key == parent_link else "is not a property"
            yield Problem(at, f"{key} {reason} of {spec.singular}")
            continue
        if field.readonly:
            yield Problem(at, f"{key} is read-only")
            continue
        refused = REFUSED.get((spec.name, key))
        if refused is not None:
            yield Problem(at, f"{key} {refused}")
            continue
        if field.immutable and not creating:
            yield Problem(at, f"{key} cannot be changed once the {spec.singular} exists")
            continue
        if value is None:
            continue
        wrong = _type_problem(spec.name, field, value)
        if wrong is not None:
            yield Problem(at, f"{key} {wrong}, not {_json_name(value)}")
            continue
        child = CHILDREN.get((spec.name, key))
        if child is not None:
            child_spec = load_table().resources[child[0]]
            for index, item in enumerate(value):
                item_at = f"{at}[{index}]"
                if not isinstance(item, Mapping):
                    yield Problem(item_at, f"{item_at} must be an object, not {_json_name(item)}")
                else:
                    yield from _walk(child_spec, item, True, item_at, child[1])
    if creating:
        for key, field in spec.fields.items():
            # "organizationId is needed in bodies only for user-bound tokens" [B1]: a
            # company's token names the organisation.
            if (field.needed_on_create(spec.name) and key not in (parent_link, "organizationId")
                    and body.get(key) is None):
                yield Problem(f"{where}.{key}", f"{key} is required")


def email_problems(email: object) -> list[Problem]:
    """What is wrong with the record of ``POST /v2/invoices/:id/emails`` [B1]."""
    if not isinstance(email, Mapping):
        return [Problem("email", f"email must be an object, not {_json_name(email)}")]
    allowed = load_table().email
    found = []
    for key, value in email.items():
        if key not in allowed:
            found.append(Problem(f"email.{key}", f"{key} is not a property of email"))
        elif value is not None and not isinstance(value, str):
            found.append(Problem(f"email.{key}", f"{key} must be a string"))
    found += [Problem(f"email.{key}", f"{key} is required") for key, required in allowed.items()
              if required and not email.get(key)]
    return found


def request_problems(method: str, path: str, body: object) -> list[Problem]:
    """What the emulator refuses in the body of a write to ``path`` (``/v2/...``), before
    looking at any record: the contract a connector's requests are held to in tests."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if len(parts) < 2 or parts[0] != "v2" or parts[1] not in load_table().resources:
        return [Problem(path, f"{method} {path} is not a write the emulator serves")]
    if parts[-1] == "emails":
        key, resource = "email", None
    else:
        resource = parts[1]
        key = singular(resource)
    if not isinstance(body, Mapping) or set(body) != {key}:
        return [Problem(path, f"the body must be one object under {key!r}")]
    if resource is None:
        return email_problems(body[key])
    found = problems(resource, body[key], creating=method == "POST")
    record = body[key]
    if resource == "invoices" and method == "POST" and isinstance(record, Mapping) and (
            not record.get("lines")):
        found.append(Problem("invoice", NO_LINES))
    return found


def ship_table(source: Path) -> Path:
    """Write the table extracted from ``source`` (the shared resources JSON) beside this
    module; return where it went."""
    table = extract(json.loads(source.read_text(encoding="utf-8")))
    target = Path(__file__).with_name(TABLE_FILE)
    target.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    """``python -m ledgerlink_billy.emulator.schema PATH``: ship the table from PATH."""
    if len(argv) == 1:
        print(f"wrote {ship_table(Path(argv[0]))}")
        return 0
    print("usage: python -m ledgerlink_billy.emulator.schema billy-api-v2-resources.json")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
