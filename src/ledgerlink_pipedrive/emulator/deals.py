"""Deals and their products, in their v2 shapes (NOTES §5, §6).

A deal holds ``person_id``, ``org_id`` and ``owner_id`` as plain ids and its
custom fields under ``custom_fields`` by ``field_code``. Setting ``status`` to
``won`` stamps ``won_time`` and ``close_time``, ``lost`` stamps ``lost_time``
and ``close_time``; a changed ``stage_id`` stamps ``stage_change_time``; every
write stamps ``update_time``. A deleted deal keeps its record with
``is_deleted`` (listed only under ``status=deleted``, for 30 days).

A deal product's ``sum`` is ``item_price x quantity`` less the discount
(a percentage of it, or an amount), tax not included, and its ``currency`` is
the deal's; ``tax_method`` is one per deal, so setting it on one product sets it
on all; the deal's ``value`` becomes the sum of its enabled products (all three
inferred: the notes leave ``sum`` and the deal value open).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from ledgerlink.emulation import EmuResponse
from ledgerlink_pipedrive.emulator import schema
from ledgerlink_pipedrive.emulator.paging import cursor_page
from ledgerlink_pipedrive.emulator.records import Call, custom_values, find, require
from ledgerlink_pipedrive.emulator.wire import (
    PipedriveError,
    list_v2,
    parse_time,
    request_body,
    single,
)

__all__ = ["deal_routes", "deal_sum"]

#: Query values ``status`` takes (comma-separated; omitted: every deal not deleted).
STATUSES = ("open", "won", "lost", "deleted")
#: Days a deleted deal is still listed under ``status=deleted``.
DELETED_DAYS = 30
#: Extra fields ``include_fields`` may ask for that the emulator fills.
INCLUDABLE = ("products_count",)
#: Most ids ``ids`` and keys ``custom_fields`` may name.
MAX_IDS, MAX_CUSTOM_KEYS = 100, 15
#: Integer filters of ``GET /deals``.
ID_FILTERS = ("owner_id", "person_id", "org_id", "pipeline_id", "stage_id")


def _refuse(name: str, problem: str) -> PipedriveError:
    return PipedriveError(400, f"Validation failed: {name}: {problem}")


def _check_references(call: Call, body: Mapping[str, Any]) -> None:
    require(call.company, "persons", body.get("person_id"), "person_id")
    require(call.company, "organizations", body.get("org_id"), "org_id")
    currency = body.get("currency")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()
                                     and currency.isupper()):
        raise _refuse("currency", "must be a three-letter ISO 4217 code")


def _apply(call: Call, deal: dict[str, Any], body: Mapping[str, Any]) -> None:
    """Set the sent fields and the times they imply."""
    previous_stage, previous_status = deal.get("stage_id"), deal.get("status")
    for name, value in body.items():
        if name == "custom_fields":
            deal["custom_fields"].update(value)
        elif name == "value":
            deal["value"] = Decimal(value)
        else:
            deal[name] = value
    if deal["stage_id"] != previous_stage and "stage_change_time" not in body:
        deal["stage_change_time"] = call.stamp if previous_stage is not None else None
    if deal["status"] != previous_status:
        if deal["status"] == "won":
            deal["won_time"] = body.get("won_time") or call.stamp
            deal["close_time"] = body.get("close_time") or deal["won_time"]
        elif deal["status"] == "lost":
            deal["lost_time"] = body.get("lost_time") or call.stamp
            deal["close_time"] = body.get("close_time") or deal["lost_time"]
        else:
            deal["close_time"] = deal["won_time"] = deal["lost_time"] = None
    deal["update_time"] = body.get("update_time") or call.stamp


def _checked(call: Call, *, partial: bool) -> dict[str, Any]:
    body = schema.check(request_body(call.request), schema.DEAL, partial=partial)
    schema.check_custom(body.get("custom_fields") or {},
                        call.company.definitions("dealFields"))
    _check_references(call, body)
    return body


def create(call: Call) -> EmuResponse:
    """``POST /api/v2/deals``: a new deal (open unless a status is sent)."""
    company = call.company
    body = _checked(call, partial=False)
    deal: dict[str, Any] = {
        "id": company.take_id("deals"), "title": "", "owner_id": company.user_id,
        "person_id": None, "org_id": None, "pipeline_id": 1, "stage_id": None,
        "value": Decimal(0), "currency": company.currency, "add_time": call.stamp,
        "update_time": call.stamp, "stage_change_time": None, "is_deleted": False,
        "is_archived": False, "status": "open", "probability": None, "lost_reason": None,
        "visible_to": 3, "close_time": None, "won_time": None, "lost_time": None,
        "expected_close_date": None, "label_ids": [], "origin": "API", "origin_id": None,
        "channel": None, "channel_id": None, "source_lead_id": None, "arr": None,
        "mrr": None, "acv": None, "custom_fields": {}}
    _apply(call, deal, {"stage_id": 1, **body})
    company.tables["deals"][deal["id"]] = deal
    return single(shown(call, deal))


def update(call: Call) -> EmuResponse:
    """``PATCH /api/v2/deals/{id}``: change the fields sent."""
    deal = find(call.company, "deals", call.number(), "Deal")
    _apply(call, deal, _checked(call, partial=True))
    return single(shown(call, deal))


def delete(call: Call) -> EmuResponse:
    """``DELETE /api/v2/deals/{id}``: mark the deal deleted; answers its id."""
    deal = find(call.company, "deals", call.number(), "Deal")
    deal.update(is_deleted=True, update_time=call.stamp)
    return single({"id": deal["id"]})


def shown(call: Call, deal: Mapping[str, Any], *, keys: list[str] | None = None,
          include: tuple[str, ...] = ()) -> dict[str, Any]:
    """A deal as v2 answers it; ``keys`` limits its custom fields, ``include`` adds fields."""
    custom = custom_values(call.company, "dealFields", deal["custom_fields"])
    if keys is not None:
        custom = {key: value for key, value in custom.items() if key in keys}
    answer = {**deal, "custom_fields": custom}
    if "products_count" in include:
        answer["products_count"] = len(_products_of(call, deal["id"]))
    return answer


def get(call: Call) -> EmuResponse:
    """``GET /api/v2/deals/{id}``."""
    return single(shown(call, find(call.company, "deals", call.number(), "Deal")))


def _csv(query: Mapping[str, str], name: str) -> list[str] | None:
    text = query.get(name)
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def _number(text: str, name: str) -> int:
    if not text.isdigit():
        raise _refuse(name, "must be an integer")
    return int(text)


def _filters(call: Call) -> list[Callable[[Mapping[str, Any]], bool]]:
    query = call.request.query
    if "filter_id" in query:
        raise _refuse("filter_id", "saved filters are not emulated; use the other filters")
    tests: list[Callable[[Mapping[str, Any]], bool]] = []
    statuses = _csv(query, "status") or []
    if any(status not in STATUSES for status in statuses):
        raise _refuse("status", "must be among " + ", ".join(STATUSES))
    live = [status for status in statuses if status != "deleted"]
    cutoff = (call.now - timedelta(days=DELETED_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    tests.append(lambda deal: (
        ("deleted" in statuses and deal["update_time"] >= cutoff) if deal["is_deleted"]
        else (not statuses or deal["status"] in live)))
    ids = _csv(query, "ids")
    if ids is not None:
        if len(ids) > MAX_IDS:
            raise _refuse("ids", f"at most {MAX_IDS} ids")
        wanted = {_number(text, "ids") for text in ids}
        tests.append(lambda deal: deal["id"] in wanted)
    tests += [partial(_equals, name, _number(query[name], name))
              for name in ID_FILTERS if name in query]
    tests += [partial(_updated, parse_time(query[name], name).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      later) for name, later in (("updated_since", True), ("updated_until", False))
              if name in query]
    return tests


def _equals(name: str, value: int, deal: Mapping[str, Any]) -> bool:
    return bool(deal[name] == value)


def _updated(bound: str, later: bool, deal: Mapping[str, Any]) -> bool:
    """``updated_since`` takes updates at or after the bound, ``updated_until`` before it."""
    return bool(deal["update_time"] >= bound) == later


def _sorting(query: Mapping[str, str], allowed: tuple[str, ...]) -> tuple[str, bool]:
    sort_by = query.get("sort_by", "id")
    direction = query.get("sort_direction", "asc")
    if sort_by not in allowed:
        raise _refuse("sort_by", "must be one of " + ", ".join(allowed))
    if direction not in ("asc", "desc"):
        raise _refuse("sort_direction", "must be asc or desc")
    return sort_by, direction == "desc"


def listing(call: Call) -> EmuResponse:
    """``GET /api/v2/deals`` with its filters, sorting and cursor paging."""
    query = call.request.query
    tests = _filters(call)
    sort_by, descending = _sorting(query, ("id", "update_time", "add_time"))
    include = tuple(_csv(query, "include_fields") or ())
    if any(name not in INCLUDABLE for name in include):
        raise _refuse("include_fields", "the emulator fills only " + ", ".join(INCLUDABLE))
    keys = _csv(query, "custom_fields")
    if keys is not None and len(keys) > MAX_CUSTOM_KEYS:
        raise _refuse("custom_fields", f"at most {MAX_CUSTOM_KEYS} keys")
    deals = [deal for deal in call.company.tables["deals"].values()
             if all(test(deal) for test in tests)]
    page = cursor_page(deals, query, sort_by=sort_by, descending=descending)
    return list_v2([shown(call, deal, keys=keys, include=include) for deal in page.items],
                   page.next_cursor)


# ------------------------------------------------------------------ deal products

def _products_of(call: Call, deal_id: int) -> list[dict[str, Any]]:
    return [item for item in call.company.tables["deal_products"].values()
            if item["deal_id"] == deal_id]


def deal_sum(item_price: Decimal, quantity: Decimal, discount: Decimal,
             discount_type: str) -> Decimal:
    """A deal product's ``sum``: price times quantity less the discount, before tax."""
    gross = Decimal(item_price) * Decimal(quantity)
    if discount_type == "percentage":
        return gross * (100 - Decimal(discount)) / 100
    return gross - Decimal(discount)


def products(call: Call) -> EmuResponse:
    """``GET /api/v2/deals/{id}/products``, sorted and cursor-paged."""
    deal = find(call.company, "deals", call.number(), "Deal")
    sort_by, descending = _sorting(call.request.query,
                                   ("id", "add_time", "update_time", "order_nr"))
    page = cursor_page(_products_of(call, deal["id"]), call.request.query, sort_by=sort_by,
                       descending=descending)
    return list_v2(page.items, page.next_cursor)


def add_product(call: Call) -> EmuResponse:
    """``POST /api/v2/deals/{id}/products``: attach a product to the deal."""
    company = call.company
    deal = find(company, "deals", call.number(), "Deal")
    body = schema.check(request_body(call.request), schema.DEAL_PRODUCT)
    product = find(company, "products", body["product_id"], "Product")
    attached = _products_of(call, deal["id"])
    tax_method = body.get("tax_method") or (attached[0]["tax_method"] if attached
                                            else "exclusive")
    discount, discount_type = body.get("discount", 0), body.get("discount_type", "percentage")
    item: dict[str, Any] = {
        "id": company.take_id("deal_products"), "deal_id": deal["id"],
        "product_id": product["id"], "product_variation_id": body.get("product_variation_id"),
        "name": product["name"], "item_price": Decimal(body["item_price"]),
        "quantity": Decimal(body["quantity"]), "discount": Decimal(discount),
        "discount_type": discount_type, "tax": Decimal(body.get("tax", product["tax"] or 0)),
        "tax_method": tax_method,
        "sum": deal_sum(body["item_price"], body["quantity"], discount, discount_type),
        "currency": deal["currency"], "is_enabled": body.get("is_enabled", True),
        "order_nr": len(attached) + 1, "comments": body.get("comments", ""),
        "add_time": call.stamp, "update_time": call.stamp}
    for other in attached:
        other["tax_method"] = tax_method
    company.tables["deal_products"][item["id"]] = item
    deal["value"] = sum((entry["sum"] for entry in [*attached, item] if entry["is_enabled"]),
                        Decimal(0))
    deal["update_time"] = call.stamp
    return single(item)


def deal_routes() -> list[tuple[str, str, Callable[[Call], EmuResponse], bool]]:
    """Method, path template under ``/api/v2``, handler and whether it writes."""
    return [
        ("GET", "/deals", listing, False),
        ("POST", "/deals", create, True),
        ("GET", "/deals/{id}", get, False),
        ("PATCH", "/deals/{id}", update, True),
        ("DELETE", "/deals/{id}", delete, True),
        ("GET", "/deals/{id}/products", products, False),
        ("POST", "/deals/{id}/products", add_product, True),
    ]
