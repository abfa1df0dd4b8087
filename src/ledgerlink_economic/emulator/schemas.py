"""The official draft-03 JSON schemas of the request bodies the emulator accepts.

e-conomic publishes one schema per endpoint and verb
(``https://restapi.e-conomic.com/schema/<resource>.<verb>.schema.json``) [E4].
The ones the emulator serves are shipped in ``schemas.json`` (keyed by file
name, so the package never reads the official folder at run time);
:func:`build_schemas` derives that file from the official folder, tolerating
the trailing commas two official files carry, and a test holds the shipped
copy equal to it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_FILES", "build_schemas", "filterable", "schema", "shipped_schemas",
           "strict_json"]

#: The official files of every request body the emulator accepts.
SCHEMA_FILES = (
    "customers.post.schema.json",
    "customers.customerNo.put.schema.json",
    "customer-groups.post.schema.json",
    "customer-groups.customergroupnumber.put.schema.json",
    "products.post.schema.json",
    "products.productNumber.put.schema.json",
    "payment-terms.post.schema.json",
    "payment-terms.paymentTermsNumber.put.schema.json",
    "invoices.drafts.post.schema.json",
    "invoices.drafts.draftInvoiceNumber.put.schema.json",
    "invoices.drafts.draftInvoiceNumber.lines.post.schema.json",
    "invoices.booked.post.schema.json",
    # The collections: which properties ``filter`` may name ("filterable": true).
    "customers.get.schema.json",
    "customer-groups.get.schema.json",
    "products.get.schema.json",
    "payment-terms.get.schema.json",
    "layouts.get.schema.json",
    "vat-zones.get.schema.json",
    "invoices.drafts.get.schema.json",
    "invoices.booked.get.schema.json",
    "invoices.paid.get.schema.json",
    "invoices.unpaid.get.schema.json",
    "invoices.overdue.get.schema.json",
    "invoices.not-due.get.schema.json",
    "invoices.sent.get.schema.json",
)

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def strict_json(text: str) -> Any:
    """Parse ``text``, dropping commas before a closing brace or bracket (two official
    files have them; no string in the schemas contains such a sequence)."""
    return json.loads(_TRAILING_COMMA.sub(r"\1", text))


def build_schemas(folder: Path) -> dict[str, Any]:
    """The shipped mapping, derived from the official ``json-schema`` folder."""
    return {name: strict_json((folder / name).read_text(encoding="utf-8"))
            for name in SCHEMA_FILES}


def schema(name: str) -> dict[str, Any]:
    """One shipped schema by its official file name without ``.schema.json``."""
    found: dict[str, Any] = shipped_schemas()[f"{name}.schema.json"]
    return found


@cache
def filterable(collection: str) -> frozenset[str]:
    """The dotted property paths ``filter`` may name on ``collection`` (a GET schema name)."""
    item = schema(collection)["properties"]["collection"]["items"]
    paths: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, sub in node.get("properties", {}).items():
            if sub.get("filterable"):
                paths.add(prefix + key)
            if sub.get("type") == "object":
                walk(sub, f"{prefix}{key}.")

    walk(item, "")
    return frozenset(paths)


@cache
def shipped_schemas() -> dict[str, Any]:
    """The schemas shipped with the package, keyed by official file name."""
    text = resources.files(__package__).joinpath("schemas.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


if __name__ == "__main__":  # pragma: no cover - the build step
    import sys

    built = build_schemas(Path(sys.argv[1]))
    Path(__file__).with_name("schemas.json").write_text(
        json.dumps(built, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
