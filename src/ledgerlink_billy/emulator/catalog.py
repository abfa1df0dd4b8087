"""The organisation, contacts and contact persons, products and their prices, and the
read-only settings (accounts, currencies, tax rates, sales tax rulesets and rules).

Lists other than invoices have no documented filters; the emulator takes the
record's belongs-to ids as equality filters (``contactPersons?contactId=``,
``productPrices?productId=``, ``salesTaxRules?rulesetId=``), the pattern the
invoice filters document (inferred), and nothing else: no ``registrationNo``,
``email`` or free-text filter on contacts, which Billy does not document.
Records come in creation order (inferred).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ledgerlink_billy.emulator import schema
from ledgerlink_billy.emulator.records import Call, body_of, check_query, find, included, listing
from ledgerlink_billy.emulator.state import COUNTRIES, Organization
from ledgerlink_billy.emulator.wire import EmuResponse, invalid_record, new_id, ok, rule, stamp

__all__ = [
    "children",
    "create_record",
    "delete_answer",
    "get_one",
    "list_simple",
]


def children(org: Organization, resource: str, prop: str, record: Mapping[str, Any]
             ) -> list[dict[str, Any]]:
    """The has-many children ``prop`` of ``record`` (a record of ``resource``)."""
    child, link = schema.CHILDREN[(resource, prop)]
    if link.endswith("Reference"):
        reference = f"{schema.singular(resource)}:{record['id']}"
        return [r for r in org.rows(child) if r.get(link) == reference]
    return [r for r in org.rows(child) if r.get(link) == record["id"]]


def _children_of(org: Organization, resource: str) -> Any:
    return lambda prop, record: children(org, resource, prop, record)


def blank(resource: str) -> dict[str, Any]:
    """Every property of ``resource`` but has-many ones, unset."""
    fields = schema.load_table().resources[resource].fields
    return {wire: None for wire, field in fields.items() if field.type != "has-many"}


def create_record(call: Call, resource: str, body: Mapping[str, Any],
                  defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A new record of ``resource``: ``defaults``, then the body's own values; kept."""
    record: dict[str, Any] = {"id": new_id(), **blank(resource)}
    fields = schema.load_table().resources[resource].fields
    if "organizationId" in fields:
        record["organizationId"] = call.org.id
    if "createdTime" in fields:
        record["createdTime"] = stamp(call.now)
    record.update(defaults)
    record.update({k: v for k, v in body.items()
                   if v is not None and fields[k].type != "has-many"})
    return call.org.add(resource, record)


def get_one(call: Call, resource: str) -> EmuResponse:
    """``GET /v2/<resource>/:id``."""
    check_query(call, ())
    with call.org.lock:
        record = find(call.org, resource, call.record_id)
        views, side = included(call, resource, [record], _children_of(call.org, resource))
    return ok({schema.singular(resource): views[0], **side})


def list_simple(call: Call, resource: str) -> EmuResponse:
    """``GET /v2/<resource>`` filtered by belongs-to ids (see the module docstring)."""
    fields = schema.load_table().resources[resource].fields
    links = [w for w, f in fields.items() if f.type in ("belongs-to", "belongs-to-reference")]
    query = check_query(call, links)
    with call.org.lock:
        rows = [r for r in call.org.rows(resource)
                if all(str(r.get(name)) == query[name] for name in links if name in query)]
        payload, paging = listing(call, resource, rows, _children_of(call.org, resource))
    return ok(payload, paging=paging)


def delete_answer(deleted: Mapping[str, list[str]]) -> EmuResponse:
    """DELETE's answer: 200 even when nothing was there; the deleted ids in
    ``meta.deletedRecords`` by resource [B1] (the shape inside is (inferred))."""
    return ok({}, meta={"deletedRecords": {k: v for k, v in deleted.items() if v}})


def _exists(org: Organization, resource: str, record_id: object, field: str) -> None:
    if record_id is not None:
        find(org, resource, str(record_id), field=field)


# ---------------------------------------------------------------- organization


def get_organization(call: Call) -> EmuResponse:
    """``GET /v2/organization``: the company the token belongs to [B1]."""
    check_query(call, ())
    return ok({"organization": {k: v for k, v in call.org.record.items()
                                if not k.startswith("_")}})


# ---------------------------------------------------------------- contacts


def _persons(call: Call, contact: dict[str, Any], persons: list[Mapping[str, Any]],
             key: str) -> list[dict[str, Any]]:
    """Replace the contact's persons with ``persons`` (the has-many rule [B1])."""
    for old in children(call.org, "contacts", "contactPersons", contact):
        del call.org.tables["contactPersons"][old["id"]]
    made = []
    for index, person in enumerate(persons):
        if not person.get("name") and not person.get("email"):
            raise invalid_record({f"{key}.contactPersons[{index}].name":
                                  "Either name or email must be set."})
        made.append(create_record(call, "contactPersons", person,
                                  {"contactId": contact["id"], "isPrimary": False}))
    return made


def _contact_fields(call: Call, body: Mapping[str, Any]) -> None:
    if body.get("countryId") is not None and body["countryId"] not in COUNTRIES:
        raise invalid_record({"contact.countryId": f"Unknown country `{body['countryId']}`."})
    _exists(call.org, "currencies", body.get("currencyId"), "contact.currencyId")


def create_contact(call: Call) -> EmuResponse:
    """``POST /v2/contacts``, embedded ``contactPersons`` created with it (atomically)."""
    body = body_of(call, "contacts", creating=True)
    _contact_fields(call, body)
    with call.org.lock:
        for index, person in enumerate(body.get("contactPersons") or []):
            if not person.get("name") and not person.get("email"):
                raise invalid_record({f"contact.contactPersons[{index}].name":
                                      "Either name or email must be set."})
        contact = create_record(call, "contacts", body, {
            "type": "company", "paymentTermsMode": call.org.record["paymentTermsMode"],
            "isCustomer": True, "isSupplier": False, "isArchived": False,
            "accessCode": secrets.token_hex(16),
            "emailAttachmentDeliveryMode": call.org.record["emailAttachmentDeliveryMode"]})
        persons = _persons(call, contact, list(body.get("contactPersons") or []), "contact")
        return ok({"contacts": [contact], "contactPersons": persons})


def update_contact(call: Call) -> EmuResponse:
    """``PUT /v2/contacts/:id``: only the properties sent change; ``contactPersons``
    replaces the persons [B1]."""
    body = body_of(call, "contacts", creating=False)
    _contact_fields(call, body)
    with call.org.lock:
        contact = find(call.org, "contacts", call.record_id)
        contact.update({k: v for k, v in body.items() if k != "contactPersons"})
        changed: dict[str, Any] = {"contacts": [contact]}
        if "contactPersons" in body:
            changed["contactPersons"] = _persons(call, contact,
                                                 list(body["contactPersons"] or []), "contact")
        return ok(changed)


def delete_contact(call: Call) -> EmuResponse:
    """``DELETE /v2/contacts/:id`` (idempotent); a contact with invoices stays (inferred)."""
    with call.org.lock:
        contact = call.org.tables["contacts"].get(call.record_id)
        if contact is None:
            return delete_answer({})
        if any(i["contactId"] == contact["id"] for i in call.org.rows("invoices")):
            raise rule("contact", "A contact with invoices cannot be deleted.")
        persons = [p["id"] for p in children(call.org, "contacts", "contactPersons", contact)]
        for person in persons:
            del call.org.tables["contactPersons"][person]
        del call.org.tables["contacts"][contact["id"]]
    return delete_answer({"contacts": [contact["id"]], "contactPersons": persons})


def create_person(call: Call) -> EmuResponse:
    """``POST /v2/contactPersons``: name or e-mail set [B1]."""
    body = body_of(call, "contactPersons", creating=True)
    if not body.get("name") and not body.get("email"):
        raise invalid_record({"contactPerson.name": "Either name or email must be set."})
    with call.org.lock:
        find(call.org, "contacts", str(body["contactId"]), field="contactPerson.contactId")
        person = create_record(call, "contactPersons", body, {"isPrimary": False})
    return ok({"contactPersons": [person]})


def update_person(call: Call) -> EmuResponse:
    """``PUT /v2/contactPersons/:id``."""
    body = body_of(call, "contactPersons", creating=False)
    with call.org.lock:
        person = find(call.org, "contactPersons", call.record_id)
        person.update(body)
        if not person.get("name") and not person.get("email"):
            raise invalid_record({"contactPerson.name": "Either name or email must be set."})
    return ok({"contactPersons": [person]})


def delete_simple(call: Call, resource: str) -> EmuResponse:
    """``DELETE /v2/<resource>/:id`` of a record nothing else depends on (idempotent)."""
    with call.org.lock:
        gone = call.org.tables[resource].pop(call.record_id, None)
    return delete_answer({resource: [gone["id"]] if gone else []})


# ---------------------------------------------------------------- products


def _prices(call: Call, product: dict[str, Any], prices: list[Mapping[str, Any]]
            ) -> list[dict[str, Any]]:
    for old in children(call.org, "products", "prices", product):
        del call.org.tables["productPrices"][old["id"]]
    made = []
    for index, price in enumerate(prices):
        _exists(call.org, "currencies", price.get("currencyId"),
                f"product.prices[{index}].currencyId")
        made.append(create_record(call, "productPrices", price, {"productId": product["id"]}))
    return made


def _product_fields(call: Call, body: Mapping[str, Any]) -> None:
    _exists(call.org, "accounts", body.get("accountId"), "product.accountId")
    _exists(call.org, "salesTaxRulesets", body.get("salesTaxRulesetId"),
            "product.salesTaxRulesetId")


def create_product(call: Call) -> EmuResponse:
    """``POST /v2/products`` with embedded ``prices``; the account and ruleset default to
    the organisation's (the table's ``default: unknown``, (inferred))."""
    body = body_of(call, "products", creating=True)
    _product_fields(call, body)
    with call.org.lock:
        product = create_record(call, "products", body, {
            "accountId": call.org.default("sales"),
            "salesTaxRulesetId": call.org.default("ruleset"), "isArchived": False,
            "description": "", "productNo": "", "suppliersProductNo": "",
            # In the captured products, not in the table [B2]:
            "inventoryAccountId": None, "isInInventory": False, "imageId": None,
            "imageUrl": None})
        prices = _prices(call, product, list(body.get("prices") or []))
        return ok({"products": [product], "productPrices": prices})


def update_product(call: Call) -> EmuResponse:
    """``PUT /v2/products/:id``; ``prices`` replaces the prices [B1]."""
    body = body_of(call, "products", creating=False)
    _product_fields(call, body)
    with call.org.lock:
        product = find(call.org, "products", call.record_id)
        product.update({k: v for k, v in body.items() if k != "prices"})
        changed: dict[str, Any] = {"products": [product]}
        if "prices" in body:
            changed["productPrices"] = _prices(call, product, list(body["prices"] or []))
        return ok(changed)


def delete_product(call: Call) -> EmuResponse:
    """``DELETE /v2/products/:id`` (idempotent); a product on an invoice line stays (inferred)."""
    with call.org.lock:
        product = call.org.tables["products"].get(call.record_id)
        if product is None:
            return delete_answer({})
        if any(line["productId"] == product["id"] for line in call.org.rows("invoiceLines")):
            raise rule("product", "A product used on invoice lines cannot be deleted; "
                                  "archive it instead.")
        prices = [p["id"] for p in children(call.org, "products", "prices", product)]
        for price in prices:
            del call.org.tables["productPrices"][price]
        del call.org.tables["products"][product["id"]]
    return delete_answer({"products": [product["id"]], "productPrices": prices})


def create_price(call: Call) -> EmuResponse:
    """``POST /v2/productPrices``."""
    body = body_of(call, "productPrices", creating=True)
    with call.org.lock:
        find(call.org, "products", str(body["productId"]), field="productPrice.productId")
        _exists(call.org, "currencies", body["currencyId"], "productPrice.currencyId")
        price = create_record(call, "productPrices", body, {})
    return ok({"productPrices": [price]})


def update_price(call: Call) -> EmuResponse:
    """``PUT /v2/productPrices/:id``."""
    body = body_of(call, "productPrices", creating=False)
    with call.org.lock:
        price = find(call.org, "productPrices", call.record_id)
        _exists(call.org, "currencies", body.get("currencyId"), "productPrice.currencyId")
        price.update(body)
    return ok({"productPrices": [price]})
