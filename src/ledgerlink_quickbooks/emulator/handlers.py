"""Data-service endpoints inside one realm: entities, query, send, PDF, batch, CDC."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

import attrs

from ledgerlink.emulation import Route, RouteTable
from ledgerlink_quickbooks.emulator import credit_memos as memos
from ledgerlink_quickbooks.emulator import entities as ent
from ledgerlink_quickbooks.emulator import query as qry
from ledgerlink_quickbooks.emulator import strict
from ledgerlink_quickbooks.emulator.pdf import invoice_pdf
from ledgerlink_quickbooks.emulator.state import ENTITIES, READABLE, Entity, Realm
from ledgerlink_quickbooks.emulator.wire import (
    EmuRequest,
    EmuResponse,
    QBOFault,
    business_validation,
    fault_response,
    json_response,
    now_iso,
    required_missing,
)

MAX_BATCH_ITEMS = 30
CDC_MAX_OBJECTS = 1000
CDC_LOOKBACK_DAYS = 30
SEGMENTS = {name.lower(): name for name in READABLE}
WRITE_OPERATIONS = {"create", "update", "delete", "void"}


def dispatch(realm: Realm, request: EmuRequest, rest: list[str], moment: float) -> EmuResponse:
    """Route ``/v3/company/{realm}/<rest>`` and answer it; faults become ``Fault`` bodies."""
    try:
        found = DATA_ROUTES.find(attrs.evolve(request, path="/".join(rest)))
        if isinstance(found, EmuResponse):
            return found
        with realm.lock:
            today = datetime.fromtimestamp(moment, UTC).date()
            payload = found.route.handler(
                Call(realm, request, found.arguments, moment, today))
    except QBOFault as fault:
        return fault_response(fault, moment)
    if isinstance(payload, EmuResponse):
        return payload
    return json_response(200, {**payload, "time": now_iso(moment)})


@attrs.frozen
class Call:
    """One data-service call routed to a handler (the realm's lock is held).

    Attributes:
        realm: The company.
        request: The HTTP request.
        arguments: The path arguments (``entity``, ``id``).
        moment: Epoch seconds of the call.
        today: Its date (UTC).
    """

    realm: Realm
    request: EmuRequest
    arguments: dict[str, str]
    moment: float
    today: date


def _query(call: Call) -> Any:
    request = call.request
    text = request.query.get("query") if request.method == "GET" else request.body.decode()
    if not text:
        raise required_missing("query")
    return {"QueryResponse": run_query(call.realm, text)}


def _batch(call: Call) -> Any:
    strict.check_content_type(call.request)
    body = _json_or_none(call.request)
    strict.check_batch_ids(call.request, body)
    return batch(call.realm, body, call.moment, call.today)


def _cdc(call: Call) -> Any:
    return cdc(call.realm, call.request.query, call.moment)


def _segment(call: Call) -> str:
    """The entity named in the path, or the 404 QuickBooks answers for an unknown one."""
    name = SEGMENTS.get(call.arguments["entity"].lower())
    if name is None:
        raise _unsupported(call.request.path)
    return name


def _read(call: Call) -> Any:
    name = _segment(call)
    return {name: call.realm.snapshot(name, call.arguments["id"])}


def _pdf(call: Call) -> Any:
    invoice = call.realm.snapshot("Invoice", call.arguments["id"])
    return EmuResponse(200, {"content-type": "application/pdf"}, invoice_pdf(invoice))


def _send(call: Call) -> Any:
    send_to = call.request.query.get("sendTo")
    return {"Invoice": send_invoice(call.realm, call.arguments["id"], send_to, call.moment)}


def _write(call: Call) -> Any:
    name, request = _segment(call), call.request
    operation = request.query.get("operation", "create").lower()
    if operation == "update" and request.query.get("include", "").lower() == "void":
        operation = "void"
    strict.check_content_type(request)
    body = _json_or_none(request)
    if not isinstance(body, dict):
        raise unparsable_body()
    if operation == "create" and body.get("Id"):
        operation = "update"
    return {name: copy.deepcopy(write(call.realm, name, operation, body, call.moment,
                                      call.today))}


def _unsupported(path: str) -> QBOFault:
    return QBOFault("404", "Resource not found", f"Unsupported path {path}", status=404)


def _no_route(request: EmuRequest) -> NoReturn:
    # QuickBooks answers a path it does not serve, with any method, as a 404 Fault.
    raise _unsupported(request.path)


#: The data service inside one realm; paths are relative to ``/v3/company/{realmId}/``.
DATA_ROUTES: RouteTable[Callable[[Call], Any]] = RouteTable(
    routes=(
        Route("GET", "query", _query),
        Route("POST", "query", _query),
        Route("POST", "batch", _batch, write=True),
        Route("GET", "cdc", _cdc),
        Route("GET", "invoice/{id}/pdf", _pdf),
        Route("POST", "invoice/{id}/send", _send, write=True),
        Route("GET", "{entity}/{id}", _read),
        Route("POST", "{entity}", _write, write=True),
    ),
    not_found=_no_route,
    not_allowed=_no_route,
    fold_case=True,
)


def _json_or_none(request: EmuRequest) -> Any:
    """The body as JSON; None when it is empty or does not parse (a cut-off request)."""
    try:
        return request.json()
    except ValueError:
        return None


def unparsable_body() -> QBOFault:
    """Code 2010, as QuickBooks answers a body that is not a JSON object it can read."""
    return QBOFault(
        "2010",
        "Request has invalid or unsupported property",
        "Property Name:failed to parse json object; a property specified is unsupported or "
        "invalid",
    )


def empty_batch() -> QBOFault:
    """Code 400 MalformedRequest, as QuickBooks answers a batch without items."""
    return QBOFault("400", "MalformedRequest", "Batch Request is Empty")


def write(realm: Realm, name: str, op: str, body: Entity, moment: float, today: date) -> Entity:
    """Apply one write operation (create, update, delete, void) to entity ``name``."""
    actions: dict[tuple[str, str], Callable[[], Entity]] = {
        ("Customer", "create"): lambda: ent.create_customer(realm, body, moment),
        ("Customer", "update"): lambda: ent.update_customer(realm, body, moment),
        ("Item", "create"): lambda: ent.create_item(realm, body, moment),
        ("Item", "update"): lambda: ent.update_item(realm, body, moment),
        ("Invoice", "create"): lambda: ent.create_invoice(realm, body, moment, today),
        ("Invoice", "update"): lambda: ent.update_invoice(realm, body, moment, today),
        ("Invoice", "void"): lambda: ent.void_invoice(realm, body, moment),
        ("Invoice", "delete"): lambda: ent.delete_entity(realm, "Invoice", body, moment),
        ("Payment", "create"): lambda: ent.create_payment(realm, body, moment, today),
        ("Payment", "update"): lambda: ent.update_payment(realm, body, moment),
        ("Payment", "void"): lambda: ent.void_payment(realm, body, moment),
        ("Payment", "delete"): lambda: ent.delete_entity(realm, "Payment", body, moment),
        ("CreditMemo", "create"): lambda: memos.create_credit_memo(realm, body, moment, today),
        ("CreditMemo", "update"): lambda: memos.update_credit_memo(realm, body, moment, today),
        ("CreditMemo", "delete"): lambda: ent.delete_entity(realm, "CreditMemo", body, moment),
    }
    action = actions.get((name, op))
    if action is None:
        raise QBOFault(
            "500", "Unsupported Operation", f"Operation {op} is not supported for {name}."
        )
    if not isinstance(body, dict):
        raise unparsable_body()
    strict.check_write(name, op, body)
    return action()


def run_query(realm: Realm, text: str) -> dict[str, Any]:
    """Parse and run a query against the live entities of ``realm``."""
    parsed = qry.parse(text, READABLE)
    # Filter the live rows and copy only the page (the realm lock is held meanwhile).
    answer = qry.run(parsed, realm.entities[parsed.entity].values())
    if parsed.entity in answer:
        answer[parsed.entity] = [copy.deepcopy(row) for row in answer[parsed.entity]]
    return answer


def send_invoice(realm: Realm, invoice_id: str, send_to: str | None, moment: float) -> Entity:
    """Mark an invoice e-mailed; ``sendTo`` also overwrites ``BillEmail.Address``."""
    invoice = realm.get("Invoice", invoice_id)
    address = send_to or (invoice.get("BillEmail") or {}).get("Address")
    if not address:
        raise required_missing("BillEmail")
    if "@" not in address:
        raise business_validation(f"Invalid email address: {address}")
    invoice["BillEmail"] = {"Address": address}
    invoice["EmailStatus"] = "EmailSent"
    invoice["DeliveryInfo"] = {"DeliveryType": "Email", "DeliveryTime": now_iso(moment)}
    return copy.deepcopy(realm.store("Invoice", invoice, moment, "Emailed"))


def batch(realm: Realm, body: Any, moment: float, today: date) -> dict[str, Any]:
    """Run up to 30 independent items; each answers its entity, QueryResponse or Fault."""
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise empty_batch()
    if len(items) > MAX_BATCH_ITEMS:
        raise business_validation(
            f"A batch may hold at most {MAX_BATCH_ITEMS} items; it held {len(items)}."
        )
    answers: list[dict[str, Any]] = []
    for item in items:
        bid = item.get("bId")
        try:
            if "Query" in item:
                answers.append({"bId": bid, "QueryResponse": run_query(realm, item["Query"])})
                continue
            name = next((n for n in READABLE if n in item), None)
            if name is None:
                raise QBOFault("500", "Unsupported Operation", "Unsupported batch entity.")
            op = str(item.get("operation", "create")).lower()
            if op == "update" and str(item.get("optionsData", "")).lower() == "void":
                op = "void"
            result = write(realm, name, op, item[name], moment, today)
            answers.append({"bId": bid, name: copy.deepcopy(result)})
        except QBOFault as fault:
            answers.append({"bId": bid, "Fault": fault.body()})
    return {"BatchItemResponse": answers}


def _since(text: str | None, moment: float) -> float:
    if not text:
        raise required_missing("changedSince")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError as exc:
        raise business_validation(f"Invalid changedSince: {text}") from exc
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    since = stamp.timestamp()
    oldest = moment - timedelta(days=CDC_LOOKBACK_DAYS).total_seconds()
    if since < oldest:
        raise business_validation(f"changedSince may be at most {CDC_LOOKBACK_DAYS} days ago.")
    return since


def cdc(realm: Realm, params: Any, moment: float) -> dict[str, Any]:
    """Entities changed (full objects) and deleted (stubs, after the active ones) since a time."""
    since = _since(params.get("changedSince"), moment)
    wanted = [w.strip() for w in str(params.get("entities", "")).split(",") if w.strip()]
    if not wanted:
        raise required_missing("entities")
    groups: list[dict[str, Any]] = []
    budget = CDC_MAX_OBJECTS
    for raw in wanted:
        name = next((n for n in ENTITIES if n.lower() == raw.lower()), None)
        if name is None:
            raise business_validation(f"Unsupported entity for CDC: {raw}")
        changed = sorted(
            (
                copy.deepcopy(e)
                for i, e in realm.entities[name].items()
                if realm.updated_at.get((name, i), 0.0) > since
            ),
            key=lambda e: realm.updated_at[(name, e["Id"])],
        )
        gone = [
            {
                "status": "Deleted",
                "domain": "QBO",
                "Id": i,
                "MetaData": {"LastUpdatedTime": now_iso(at)},
            }
            for i, at in sorted(realm.deleted[name].items(), key=lambda kv: kv[1])
            if at > since
        ]
        found = (changed + gone)[:budget]
        budget -= len(found)
        if found:
            groups.append(
                {
                    name: found,
                    "startPosition": 1,
                    "maxResults": len(found),
                    "totalCount": len(found),
                }
            )
    return {"CDCResponse": [{"QueryResponse": groups or [{}]}]}
