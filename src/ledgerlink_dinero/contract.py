"""Checking requests against Dinero's endpoint matrix (a structural swagger extract).

The matrix (``providers/dinero/spec-extract/endpoint-matrix.json``, not shipped
with ledgerlink) lists each operation's method, versioned path template, query
parameters with types, and the request model's fields with the required ones
[D13]. :class:`EndpointContract` reads it and lists what is wrong with a request:
an unknown operation, an unknown or mistyped query parameter, a body key the
model does not have, a required field missing, and, from the swagger's types
the matrix leaves out (:mod:`ledgerlink_dinero.emulator.schema`), a value of the
wrong type or over a documented limit and every problem inside a nested model
(each ``ProductLines`` entry: its own unknown fields, types, required fields and
the rule that a line with a ``ProductGuid`` has no ``Description``). The
matrix stays the authority for a model's top-level names and required fields.
Tests hold every request the connector sends to it.

The extract does not cover payments, credit notes, PDF (the invoice GET with
another Accept header, so covered) or e-invoicing; :data:`NOTES_OPERATIONS`
adds the ones the notes document [D12][D17], to pass as ``extra`` where wanted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from ledgerlink_dinero.emulator import schema

__all__ = ["NOTES_OPERATIONS", "EndpointContract", "Operation", "RequestModel"]


@attrs.frozen
class RequestModel:
    """A request body model: its field names and the required ones."""

    name: str
    fields: frozenset[str]
    required: frozenset[str] = frozenset()

    @classmethod
    def from_schema(cls, model: schema.Model) -> RequestModel:
        """The names and required fields of a typed swagger model."""
        return cls(model.name, frozenset(model.fields), model.required)

    def typed(self) -> schema.Model:
        """This model with the swagger's types and nested models where they are known."""
        known = schema.MODELS.get(self.name, schema.Model(self.name, {}))
        return known.evolve(self.fields, self.required)


@attrs.frozen
class Operation:
    """One operation: method, path template, query parameters (name → JSON-schema
    type) and the request model's name."""

    name: str
    method: str
    path: str
    query: Mapping[str, str] = attrs.field(factory=dict)
    schema: str | None = None

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))


#: Operations the notes document outside the extract, with the body fields the
#: notes list (credit notes [D12][D17 (3p)], payments [D17 (3p)]).
NOTES_OPERATIONS: tuple[tuple[Operation, RequestModel | None], ...] = (
    (Operation("creditnotes create", "POST", "/v1/{organizationId}/sales/creditnotes",
               schema="CreditNoteCreateModel"),
     RequestModel.from_schema(schema.CREDIT_NOTE_CREATE)),
    (Operation("creditnotes get", "GET", "/v1/{organizationId}/sales/creditnotes/{guid}"), None),
    (Operation("creditnotes book", "POST",
               "/v1/{organizationId}/sales/creditnotes/{guid}/book", schema="BookModel"), None),
    (Operation("invoices payments create", "POST",
               "/v1/{organizationId}/invoices/{guid}/payments", schema="PaymentCreateModel"),
     RequestModel.from_schema(schema.PAYMENT_CREATE)),
)


def _is_placeholder(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _type_problem(name: str, kind: str, value: str) -> str | None:
    if kind == "integer" and not value.lstrip("-").isdigit():
        return f"query parameter {name}={value!r} is not an integer"
    if kind == "boolean" and value not in ("true", "false", "True", "False"):
        return f"query parameter {name}={value!r} is not a boolean"
    return None


class EndpointContract:
    """The operations and request models of an endpoint matrix (plus ``extra`` ones)."""

    def __init__(self, matrix: Mapping[str, Any],
                 extra: Iterable[tuple[Operation, RequestModel | None]] = ()) -> None:
        self.operations: list[Operation] = [
            Operation(name=op["command"], method=op["method"].upper(), path=op["path"],
                      query={q["name"]: q.get("schema", {}).get("type", "string")
                             for q in op.get("query", [])},
                      schema=op.get("request_schema"))
            for op in matrix["operations"]]
        self.models: dict[str, RequestModel] = {
            name: RequestModel(name, frozenset(summary.get("fields", [])),
                               frozenset(summary.get("required", [])))
            for name, summary in matrix.get("request_summaries", {}).items()}
        for operation, model in extra:
            self.operations.append(operation)
            if model is not None:
                self.models[model.name] = model

    @classmethod
    def from_file(cls, path: Path,
                  extra: Iterable[tuple[Operation, RequestModel | None]] = ()
                  ) -> EndpointContract:
        """Read the matrix JSON at ``path``."""
        return cls(json.loads(path.read_text(encoding="utf-8")), extra)

    def operation_for(self, method: str, path: str) -> Operation | None:
        """The operation ``method path`` calls; literal segments beat placeholders."""
        segments = tuple(urlsplit(path).path.strip("/").split("/"))
        best: tuple[int, Operation] | None = None
        for operation in self.operations:
            if operation.method != method.upper() or len(operation.segments) != len(segments):
                continue
            literal = 0
            for expected, actual in zip(operation.segments, segments, strict=True):
                if _is_placeholder(expected):
                    if not actual:
                        break
                elif expected != actual:
                    break
                else:
                    literal += 1
            else:
                if best is None or literal > best[0]:
                    best = (literal, operation)
        return best[1] if best else None

    def problems(self, method: str, path: str, params: Mapping[str, str] | None = None,
                 body: Any = None) -> list[str]:
        """What is wrong with a request; empty when it fits the contract."""
        operation = self.operation_for(method, path)
        if operation is None:
            return [f"unknown operation {method.upper()} {path}"]
        found: list[str] = []
        for name, value in (params or {}).items():
            if name not in operation.query:
                found.append(f"{operation.name}: unknown query parameter {name}")
            elif (problem := _type_problem(name, operation.query[name], str(value))):
                found.append(f"{operation.name}: {problem}")
        found += self._body_problems(operation, body)
        return found

    def _body_problems(self, operation: Operation, body: Any) -> list[str]:
        if operation.schema is None:
            return [] if body in (None, b"", "") else [f"{operation.name}: takes no body"]
        model = self.models.get(operation.schema)
        if model is None:
            return [f"{operation.name}: request model {operation.schema} is not in the matrix"]
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            return [f"{operation.name}: the body must be a JSON object ({model.name})"]
        return [f"{operation.name}: {problem.describe(model.name)}"
                for problem in schema.check(model.typed(), body)]

    def request_problems(self, request: httpx.Request) -> list[str]:
        """:meth:`problems` of an ``httpx.Request`` (query from the URL, JSON body)."""
        content = request.content
        body: Any = json.loads(content) if content else None
        params = dict(request.url.params.multi_items())
        return self.problems(request.method, request.url.path, params, body)
