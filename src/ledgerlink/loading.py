"""Reading and writing the user's input files: customers, work orders, products, policy.

Customers, work orders and products are ``.csv`` or ``.json`` files, the
billing policy is a ``.toml`` file; the suffix decides (see ``docs/reference/inputs.md``
for every column and key). Loaders either return everything or raise: all
problems of a file are collected and raised at once as one
:class:`~ledgerlink.errors.ValidationError` whose ``problems`` each name the
file, the row and the field, so a user fixes a spreadsheet in one pass rather
than one error per run. A file that cannot be read at all (missing, not
UTF-8, not parseable, unsupported suffix) raises
:class:`~ledgerlink.errors.InputFileError`.

Where a problem is:

* CSV: ``row`` counts as a spreadsheet does: the header is row 1, the first
  data row is row 2. ``field`` is the column name.
* JSON: ``row`` is the 0-based index of the item in the top-level list;
  ``field`` is the path inside it (``lines[1].unit_price``).
* TOML: no row; ``field`` is the key path (``customers."c-17".posting``).

JSON uses :mod:`ledgerlink.convert`'s shape unchanged. CSV is text, so the CSV
converter (built from the same base) also reads whole numbers and yes/no
flags from text. A blank cell means "not given": the field takes its default.

The policy file is written by hand rather than with a TOML library: it holds
only strings, whole numbers and booleans in three tables, and a few lines of
careful quoting cost less than a dependency for every install.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from ledgerlink.convert import structure, unstructure
from ledgerlink.csvformat import (
    CUSTOMER_COLUMNS,
    LINE_COLUMNS,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    Column,
    flatten,
)
from ledgerlink.domain import Company, Customer, DeliveryChannel, Product, WorkOrder
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.loading_tables import read_table, read_work_orders
from ledgerlink.policy import PolicyOverride
from ledgerlink.rows import (
    PathArg,
    all_problems,
    atomic_write,
    check_suffix,
    paused_gc,
    placed,
    save_table,
    unreadable,
)
from ledgerlink.sync_filters import SyncFilter, sync_filter_from_tables, sync_filter_tables

__all__ = [
    "PolicyFile",
    "apply_overrides",
    "load_customers",
    "load_policy",
    "load_products",
    "load_work_orders",
    "save_customers",
    "save_policy",
    "save_products",
    "save_work_orders",
]

T = TypeVar("T")

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@attrs.frozen
class PolicyFile:
    """What a policy file holds.

    Every ``[customers.ID]`` table has an entry in :attr:`overrides` (an empty
    override when the table sets only ``delivery``).

    Attributes:
        company: the company, with its billing policy and delivery default.
        overrides: customer id → that customer's policy override.
        deliveries: customer id → that customer's delivery channel, for the
            customers whose table sets ``delivery``.
        channels: kind (``email``, ``letter``, ``einvoice``, ``lookup``) → the
            options of the channel a run delivers by (the ``[channels.<kind>]``
            tables; :meth:`ledgerlink.delivery.DeliveryChannels.from_settings`
            opens them).
        sync: which customers and products ``ledgerlink sync`` takes (the
            ``[sync.customers]`` and ``[sync.products]`` tables).
    """

    company: Company
    overrides: dict[str, PolicyOverride] = attrs.field(factory=dict)
    deliveries: dict[str, DeliveryChannel] = attrs.field(factory=dict)
    channels: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    sync: SyncFilter = attrs.Factory(SyncFilter)


def _load_table(path: PathArg, cls: type[T], columns: Sequence[Column], what: str) -> list[T]:
    with paused_gc():
        return read_table(os.fspath(path), cls, columns, what)


# --- public loaders ------------------------------------------------------------------


def load_customers(path: PathArg) -> list[Customer]:
    """Customers from a ``.csv`` or ``.json`` file; ids must be unique.

    An override whose four policy cells are all blank reads as no override.
    """
    return _load_table(path, Customer, CUSTOMER_COLUMNS, "customer")


def load_products(path: PathArg) -> list[Product]:
    """Products from a ``.csv`` or ``.json`` file; ids must be unique."""
    return _load_table(path, Product, PRODUCT_COLUMNS, "product")


def load_work_orders(
    path: PathArg, *, customer_ids: Collection[str] | None = None
) -> list[WorkOrder]:
    """Work orders from a ``.json`` file, or a ``.csv`` file with one row per line.

    In CSV, rows sharing a ``work_order_id`` form one work order, in the order
    the ids first appear; the work-order columns must agree across its rows.
    A row whose line columns are all blank adds no line (a work order without
    lines is written that way). Given ``customer_ids``, a work order naming a
    customer not among them is a problem like any other, naming its row (in
    CSV, the work order's first row).
    """
    with paused_gc():
        return read_work_orders(os.fspath(path), customer_ids)


# --- policy --------------------------------------------------------------------------

#: The tables of a policy file; ``[deals]`` is read by :mod:`ledgerlink.deal_mapping`,
#: ``[sync]`` by :mod:`ledgerlink.sync_filters`.
_POLICY_TABLES = ("company", "policy", "customers", "channels", "deals", "sync")
#: The ``[channels.<kind>]`` tables a policy file may have (see ledgerlink.delivery).
_CHANNEL_TABLES = ("email", "letter", "einvoice", "lookup")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def load_policy(path: PathArg) -> PolicyFile:
    """The company, its billing policy and per-customer overrides from a ``.toml`` file.

    Unknown tables and keys are errors: a misspelt setting must not be ignored.
    """
    source = os.fspath(path)
    check_suffix(path, (".toml",))
    try:
        with open(source, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise InputFileError(f"not valid TOML: {err}", source=source) from err
    except ValueError as err:
        # tomllib reads whole numbers with int(), which refuses thousands of digits.
        raise InputFileError("not valid TOML: a number has too many digits",
                             source=source) from err
    except RecursionError:
        raise InputFileError("not valid TOML: arrays or tables nested too deeply",
                             source=source) from None
    except OSError as err:
        raise unreadable(source, err) from err

    problems: list[ValidationError] = []

    def problem(message: str, field: str, value: object = None) -> None:
        problems.append(ValidationError(message, source=source, field=field, value=value))

    for key in data:
        if key not in _POLICY_TABLES:
            problem(f"unknown table; expected {', '.join(_POLICY_TABLES)}", _toml_key(key))
    tables: dict[str, dict[str, Any]] = {}
    for name in _POLICY_TABLES:
        table = data.get(name, {})
        if isinstance(table, dict):
            tables[name] = table
        else:
            problem("must be a table", name, table)
            tables[name] = {}
    if "company" not in data:
        problem("missing table [company] (the company's name at least)", "company")
    if "policy" in tables["company"]:
        problem("unknown key; the billing policy goes in its own [policy] table",
                "company.policy")

    company = None
    if "company" in data:
        wire = {k: v for k, v in tables["company"].items() if k != "policy"}
        wire["policy"] = tables["policy"]
        try:
            company = structure(wire, Company)
        except ValidationError as err:
            for p in err.problems:
                where = p.field or ""
                field = where if where.startswith("policy") else _join_key("company", where)
                problems.append(placed(p, source, None, field))

    overrides: dict[str, PolicyOverride] = {}
    deliveries: dict[str, DeliveryChannel] = {}
    for customer_id, table in tables["customers"].items():
        prefix = f"customers.{_toml_key(customer_id)}"
        if not isinstance(table, dict):
            problem("must be a table of policy settings", prefix, table)
            continue
        settings = dict(table)
        if "delivery" in settings:
            channel = _channel(settings.pop("delivery"))
            if channel is None:
                problem(f"must be a DeliveryChannel ({_CHANNELS})", f"{prefix}.delivery",
                        table["delivery"])
            else:
                deliveries[customer_id] = channel
        try:
            overrides[customer_id] = structure(settings, PolicyOverride)
        except ValidationError as err:
            problems.extend(placed(p, source, None, _join_key(prefix, p.field or ""))
                            for p in err.problems)
    channels: dict[str, dict[str, Any]] = {}
    for kind, table in tables["channels"].items():
        where = f"channels.{_toml_key(kind)}"
        if kind not in _CHANNEL_TABLES:
            problem(f"unknown kind of channel; expected {', '.join(_CHANNEL_TABLES)}", where)
        elif not isinstance(table, dict):
            problem("must be a table of the channel's options", where, table)
        else:
            channels[kind] = table
    sync = SyncFilter()
    try:
        sync = sync_filter_from_tables(tables["sync"], source)
    except ValidationError as err:
        problems.extend(err.problems or (err,))
    if problems or company is None:
        raise all_problems(source, problems)
    return PolicyFile(company=company, overrides=overrides, deliveries=deliveries,
                      channels=channels, sync=sync)


_CHANNELS = ", ".join(channel.value for channel in DeliveryChannel)


def _channel(value: object) -> DeliveryChannel | None:
    """The channel ``value`` names, or None when it names none."""
    try:
        return DeliveryChannel(value)
    except ValueError:
        return None


def _join_key(prefix: str, field: str) -> str:
    return f"{prefix}.{field}" if field else prefix


def apply_overrides(
    customers: Iterable[Customer], overrides: Mapping[str, PolicyOverride], *, source: str,
    deliveries: Mapping[str, DeliveryChannel] | None = None,
) -> list[Customer]:
    """Customers with the policy file's overrides merged onto their own, field by field.

    A setting in the policy file wins over the same setting in the customer
    file; settings it leaves out keep the customer file's value. The same goes
    for ``deliveries`` (the policy file's :attr:`PolicyFile.deliveries`): a
    channel there replaces the customer file's ``delivery``. An override or a
    delivery for a customer id that is not among ``customers`` is an error
    naming ``source`` (the policy file) and the id.
    """
    result = list(customers)
    channels = deliveries or {}
    known = {c.id for c in result}
    unknown = [ValidationError(f"override for unknown customer id {cid!r}", source=source,
                               field=f"customers.{_toml_key(cid)}", value=cid)
               for cid in dict.fromkeys([*overrides, *channels]) if cid not in known]
    if unknown:
        raise all_problems(source, unknown)
    merged = []
    for customer in result:
        if customer.id in channels:
            customer = attrs.evolve(customer, delivery=channels[customer.id])
        top = overrides.get(customer.id)
        if top is None:
            merged.append(customer)
            continue
        base = customer.policy if customer.policy is not None else PolicyOverride()
        changes = {f.name: getattr(top, f.name) for f in attrs.fields(PolicyOverride)
                   if getattr(top, f.name) is not None}
        merged.append(attrs.evolve(customer, policy=attrs.evolve(base, **changes)))
    return merged


# --- writers -------------------------------------------------------------------------


def save_customers(customers: Iterable[Customer], path: PathArg) -> None:
    """Write customers as ``.csv`` or ``.json``; :func:`load_customers` reads it back."""
    items = list(customers)
    rows = [flatten(CUSTOMER_COLUMNS, unstructure(c)) for c in items]
    save_table(path, CUSTOMER_COLUMNS, rows, items)


def save_products(products: Iterable[Product], path: PathArg) -> None:
    """Write products as ``.csv`` or ``.json``; :func:`load_products` reads it back."""
    items = list(products)
    rows = [flatten(PRODUCT_COLUMNS, unstructure(p)) for p in items]
    save_table(path, PRODUCT_COLUMNS, rows, items)


def save_work_orders(work_orders: Iterable[WorkOrder], path: PathArg) -> None:
    """Write work orders as ``.csv`` (a row per line) or ``.json``; loaders read it back."""
    items = list(work_orders)
    rows: list[list[str]] = []
    for order in items:
        data = unstructure(order)
        head = flatten(ORDER_COLUMNS, data)
        lines = data["lines"] or [{}]  # a work order without lines still needs its row
        rows.extend(head + flatten(LINE_COLUMNS, line) for line in lines)
    save_table(path, ORDER_COLUMNS + LINE_COLUMNS, rows, items)


# TOML basic strings must escape these; \uXXXX covers the other control characters.
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                 "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        # A sync filter's kinds, countries or ids.
        return f"[{', '.join(_toml_value(v) for v in value)}]"
    if isinstance(value, Mapping):
        # A channel's sender or seller: an inline table.
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()
                          if v is not None)
        return f"{{ {inner} }}" if inner else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_table(name: str, values: Mapping[str, Any]) -> list[str]:
    lines = [f"[{name}]"]
    lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items()
                 if v is not None)  # TOML has no null: a missing key means "inherit"
    return [*lines, ""]


def save_policy(policy_file: PolicyFile, path: PathArg) -> None:
    """Write ``policy_file`` as TOML; :func:`load_policy` reads it back."""
    check_suffix(path, (".toml",))
    company = unstructure(policy_file.company)
    policy = company.pop("policy")
    lines = _toml_table("company", company) + _toml_table("policy", policy)
    deliveries = policy_file.deliveries
    for customer_id in dict.fromkeys([*policy_file.overrides, *deliveries]):
        values = unstructure(policy_file.overrides.get(customer_id, PolicyOverride()))
        if customer_id in deliveries:
            values = {"delivery": deliveries[customer_id].value, **values}
        lines += _toml_table(f"customers.{_toml_key(customer_id)}", values)
    for kind, options in policy_file.channels.items():
        lines += _toml_table(f"channels.{_toml_key(kind)}", options)
    for what, values in sync_filter_tables(policy_file.sync).items():
        lines += _toml_table(f"sync.{what}", values)
    text = "\n".join(lines)
    atomic_write(path, lambda handle: handle.write(text))
