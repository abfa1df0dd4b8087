"""Contacts and products: create, get and list."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ledgerlink_dinero.emulator import fields as f
from ledgerlink_dinero.emulator import schema
from ledgerlink_dinero.emulator.listing import list_page
from ledgerlink_dinero.emulator.state import Record
from ledgerlink_dinero.emulator.vat import line_amounts
from ledgerlink_dinero.emulator.wire import (
    EmuResponse,
    deleted,
    json_response,
    not_found,
    stamp,
    validation_error,
)

#: What a contact stores and reads back: the ContactUpdateModel's fields [D13].
CONTACT_FIELDS = tuple(schema.CONTACT_UPDATE.fields)
CONTACT_REQUIRED = tuple(sorted(schema.CONTACT_CREATE.required))
CONTACT_FILTERABLE = ("Name", "Email", "ExternalReference", "VatNumber", "EanNumber", "IsPerson")
PRODUCT_FIELDS = ("ProductNumber", "Name", "ExternalReference", "Comment")
PRODUCT_REQUIRED = tuple(sorted(schema.PRODUCT_CREATE.required))
PRODUCT_FILTERABLE = ("Name", "ProductNumber", "ExternalReference")


def _stamps(record: Record) -> dict[str, Any]:
    return {
        "CreatedAt": stamp(record.created_at),
        "UpdatedAt": stamp(record.updated_at),
        "DeletedAt": None if record.deleted_at is None else stamp(record.deleted_at),
    }


def _find(store: dict[str, Record], kind: str, guid: str) -> Record:
    record = store.get(guid.lower())
    if record is None:
        raise not_found(kind, guid)
    if record.deleted_at is not None:
        raise deleted(kind)
    return record


# ------------------------------------------------------------------ contacts


def contact_view(record: Record) -> dict[str, Any]:
    """The contact read model."""
    view: dict[str, Any] = {"ContactGuid": record.guid}
    view.update({name: record.data.get(name) for name in CONTACT_FIELDS})
    view.update(_stamps(record))
    return view


def _contact_data(body: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a checked ContactCreateModel / ContactUpdateModel."""
    if not str(body["Name"]).strip():
        raise validation_error("Name", "The Name field is required.")
    return {name: body.get(name) for name in CONTACT_FIELDS}


def create_contact(call: f.Call) -> EmuResponse:
    """``POST /v1/{org}/contacts`` (ContactCreateModel) → ``{"ContactGuid"}``."""
    body = f.model(call.request, schema.CONTACT_CREATE)
    data = _contact_data(body)
    guid = f.guid_or_new(body, "ContactGuid")
    with call.org.lock:
        if guid in call.org.contacts:
            # A client-chosen ContactGuid makes a retried create refuse instead of duplicate.
            raise validation_error("ContactGuid", "A contact with this ContactGuid already exists.")
        call.org.contacts[guid] = call.org.new_record(guid, data, call.now)
    return json_response(201, {"ContactGuid": guid})


def update_contact(call: f.Call) -> EmuResponse:
    """``PUT /v1/{org}/contacts/{guid}`` (ContactUpdateModel): a full replace, no Timestamp."""
    data = _contact_data(f.model(call.request, schema.CONTACT_UPDATE))
    with call.org.lock:
        record = _find(call.org.contacts, "Contact", call.guid)
        record.data = data
        call.org.touch(record, call.now)
    return EmuResponse(204, {}, b"")


def delete_contact(call: f.Call) -> EmuResponse:
    """``DELETE /v1/{org}/contacts/{guid}``: marks it deleted (``deletedOnly`` lists it)."""
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        _delete(call, _find(call.org.contacts, "Contact", call.guid))
    return EmuResponse(204, {}, b"")


def _delete(call: f.Call, record: Record) -> None:
    call.org.touch(record, call.now)
    record.deleted_at = call.now


def get_contact(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/contacts/{guid}``."""
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        return json_response(200, contact_view(_find(call.org.contacts, "Contact", call.guid)))


def list_contacts(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/contacts`` ordered by ``UpdatedAt``."""
    query = f.query(call.request, schema.CONTACTS_QUERY)
    with call.org.lock:
        records = sorted(call.org.contacts.values(), key=lambda r: (r.updated_at, r.timestamp))
        page = list_page(
            records,
            query,
            view=contact_view,
            filterable=CONTACT_FILTERABLE,
            default_fields="name,contactGuid",
        )
    return json_response(200, page)


# ------------------------------------------------------------------ products


def product_view(record: Record) -> dict[str, Any]:
    """The product read model (amounts computed from the account's VAT rate)."""
    data = record.data
    amounts = line_amounts(
        data["BaseAmountValue"],
        data["Quantity"],
        Decimal(0),
        data["VatRate"],
        prices_incl_vat=False,
    )
    view: dict[str, Any] = {"ProductGuid": record.guid}
    view.update({name: data.get(name) for name in PRODUCT_FIELDS})
    view.update(
        {
            "BaseAmountValue": data["BaseAmountValue"],
            "BaseAmountValueInclVat": amounts.base_incl,
            "Quantity": data["Quantity"],
            "AccountNumber": data["AccountNumber"],
            "Unit": data["Unit"],
            "TotalAmount": amounts.total_excl,
            "TotalAmountInclVat": amounts.total_incl,
        }
    )
    view.update(_stamps(record))
    return view


def _product_data(call: f.Call, spec: schema.Model) -> dict[str, Any]:
    """The stored fields of a ProductCreateModel / ProductUpdateModel."""
    body = f.model(call.request, spec)
    number = f.account(call.org, body)
    data: dict[str, Any] = {name: f.text(body, name) for name in PRODUCT_FIELDS}
    data.update(
        {
            "BaseAmountValue": f.amount(body, "BaseAmountValue"),
            "Quantity": f.amount(body, "Quantity"),
            "AccountNumber": number,
            "Unit": f.unit(body),
            "VatRate": call.org.accounts[number].vat_rate,
        }
    )
    return data


def create_product(call: f.Call) -> EmuResponse:
    """``POST /v1/{org}/products`` (ProductCreateModel) → ``{"ProductGuid"}``."""
    data = _product_data(call, schema.PRODUCT_CREATE)
    guid = str(uuid.uuid4())  # ProductCreateModel has no client-supplied id
    with call.org.lock:
        call.org.products[guid] = call.org.new_record(guid, data, call.now)
    return json_response(201, {"ProductGuid": guid})


def update_product(call: f.Call) -> EmuResponse:
    """``PUT /v1/{org}/products/{guid}`` (ProductUpdateModel): a full replace."""
    data = _product_data(call, schema.PRODUCT_UPDATE)
    with call.org.lock:
        record = _find(call.org.products, "Product", call.guid)
        record.data = data
        call.org.touch(record, call.now)
    return EmuResponse(204, {}, b"")


def delete_product(call: f.Call) -> EmuResponse:
    """``DELETE /v1/{org}/products/{guid}``: marks it deleted; existing lines keep their copy."""
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        _delete(call, _find(call.org.products, "Product", call.guid))
    return EmuResponse(204, {}, b"")


def get_product(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/products/{guid}``."""
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        return json_response(200, product_view(_find(call.org.products, "Product", call.guid)))


def find_contact(call: f.Call, guid: object) -> Record:
    """A live contact of the organisation, for invoices (error 42 otherwise)."""
    record = call.org.contacts.get(str(guid).lower())
    if record is None or record.deleted_at is not None:
        raise validation_error("ContactGuid", f"Contact {guid} was not found.")
    return record


def find_product(call: f.Call, guid: object) -> Record:
    """A live product of the organisation, for invoice lines (error 42 otherwise)."""
    record = call.org.products.get(str(guid).lower())
    if record is None or record.deleted_at is not None:
        raise validation_error("ProductGuid", f"Product {guid} was not found.")
    return record


def list_products(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/products`` with ``freeTextSearch`` on name and number."""
    query = f.query(call.request, schema.PRODUCTS_QUERY)
    search = query.get("freeTextSearch", "").casefold()

    def matches(record: Record, view: dict[str, Any]) -> bool:
        haystack = f"{view.get('Name') or ''} {view.get('ProductNumber') or ''}".casefold()
        return search in haystack

    with call.org.lock:
        records = sorted(call.org.products.values(), key=lambda r: (r.created_at, r.timestamp))
        page = list_page(
            records,
            query,
            view=product_view,
            filterable=PRODUCT_FILTERABLE,
            default_fields="Name,ProductGuid",
            extra=matches,
        )
    return json_response(200, page)
