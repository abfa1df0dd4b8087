"""Internal: the cattrs converter between ledgerlink domain types and JSON-ready primitives.

This is the core wire shape every other format starts from (JSON files, the
store, and provider wire formats: :func:`ledgerlink.http.wire.wire_format` configures
:func:`strict_converter` for each connector). :func:`make_converter` builds
a fresh converter each call, so callers that need more hooks (a CSV reader,
a connector) add them to their own instance and never touch a shared one.

The shape:

* ``Decimal`` ↔ string (``"12.50"``), written in plain notation. Ints are
  accepted when structuring because they are exact; floats are refused, since
  ``0.1`` as a float is not 0.1 and money must never pass through one. Text is
  read by :func:`ledgerlink.money.read_amount` (no exponent notation, at most
  :data:`~ledgerlink.money.AMOUNT`'s digits); the domain narrows quantities,
  prices and VAT rates further.
* :class:`JsonNumber`: a JSON reader hands over a number with a fraction or an
  exponent, or a whole number too long to be one we would accept, as its text;
  every hook refuses it with the text in the message (``1e400``, not ``inf``).
* ``date`` ↔ ``"YYYY-MM-DD"``; ``datetime`` ↔ ISO 8601 *with* an offset
  (``"2024-05-01T14:30:00+02:00"``). Naive datetimes are refused both ways:
  without an offset nobody can tell which night or which day a time belongs to.
* enums ↔ their value; tuples → lists; attrs classes ↔ objects keyed by
  field name; ``None`` stays ``null`` (nothing is omitted, so every field
  round-trips).
* scalars are strict: a ``str`` field takes only a string, an ``int`` only an
  int, a ``bool`` only a bool. cattrs' defaults call ``str()``/``int()``/
  ``bool()``, which would turn ``"false"`` into ``True`` and ``12.9`` into 12.
* unknown keys are refused: a misspelt field must not be silently dropped.

Errors: :func:`structure` runs cattrs with detailed validation, walks the
exception groups it raises (the same walk ``cattrs.transform_error`` does, but
keeping the exceptions rather than flattening them to strings) and raises one
:class:`~ledgerlink.errors.ValidationError` whose ``problems`` name every bad
field by its path, e.g. ``lines[2].unit_price``. Validators inside the domain
types raise ledgerlink ``ValidationError`` with the attribute name; the walk
prefixes it with the path of the object being built.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, list_structure_factory
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from ledgerlink.errors import ValidationError
from ledgerlink.money import MAX_DIGITS, read_amount

__all__ = [
    "JsonNumber",
    "converter",
    "json_int",
    "make_converter",
    "problems_of",
    "strict_converter",
    "structure",
    "unstructure",
]

T = TypeVar("T")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- structure hooks: wire primitives → Python values -------------------------------
# Each hook raises ValidationError without a field: the walk in problems_of()
# knows the path and adds it.


@attrs.frozen
class JsonNumber:
    """A JSON number kept as its text: one with a fraction or an exponent, or too long.

    Give :func:`json_int` and this class to ``json.load`` as ``parse_int``,
    ``parse_float`` and ``parse_constant``: Python would read ``1e400`` as an
    infinite float, crash on a whole number of 5,000 digits and read ``NaN``,
    none of which names what the file said.

    Attributes:
        text: the number as written in the file.
    """

    text: str

    def __repr__(self) -> str:
        return self.text


def json_int(text: str) -> int | JsonNumber:
    """``parse_int`` for ``json.load``: an int, or a :class:`JsonNumber` when longer than
    any field takes (:data:`~ledgerlink.money.MAX_DIGITS`)."""
    if len(text.lstrip("-")) > MAX_DIGITS:
        return JsonNumber(text)
    return int(text)


def _type_name(value: object) -> str:
    if isinstance(value, JsonNumber):
        return "a number"
    return "null" if value is None else type(value).__name__


def _json_number_problem(value: JsonNumber) -> ValidationError:
    if value.text.lstrip("-").isdigit():
        return ValidationError("too large a number", value=value)
    return ValidationError(
        'numbers with a fraction or exponent are not accepted in JSON; write the number '
        'as a string, e.g. "12.50"', value=value)


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"expected text, got {_type_name(value)}", value=value)
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, JsonNumber) and value.text.lstrip("-").isdigit():
        raise _json_number_problem(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"expected a whole number, got {_type_name(value)}", value=value)
    return value


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"expected true or false, got {_type_name(value)}", value=value)
    return value


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, JsonNumber):
        raise _json_number_problem(value)
    if isinstance(value, float):
        raise ValidationError(
            'floats are not accepted; write the number as a string, e.g. "12.50"', value=value
        )
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValidationError(
            f"expected a decimal number as a string, got {_type_name(value)}", value=value
        )
    try:
        return read_amount(value)
    except ValidationError as err:
        raise ValidationError(err.message, value=value) from None


def _structure_number(value: Any, _: type) -> Decimal:
    # A provider that writes amounts as JSON numbers: text there is a wrong type.
    if isinstance(value, str):
        raise ValidationError("expected a number, got str", value=value)
    return _structure_decimal(value, Decimal)


def _unstructure_decimal(value: Decimal) -> str:
    # str() would write 1E+3 or 1E-7, which read_amount refuses: always plain.
    return format(value, "f")


def _structure_date(value: Any, _: type) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # formats with native dates (TOML) hand one over as is
    if not isinstance(value, str):
        raise ValidationError(
            f"expected an ISO date (YYYY-MM-DD), got {_type_name(value)}", value=value
        )
    # date.fromisoformat also reads "20240501" and "2024-W18-3"; only the one form is a date here.
    if not _ISO_DATE.fullmatch(value.strip()):
        raise ValidationError("not an ISO date (YYYY-MM-DD)", value=value)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError("not an ISO date (YYYY-MM-DD)", value=value) from None


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                "not an ISO 8601 date and time (e.g. 2024-05-01T14:30:00+02:00)", value=value
            ) from None
    else:
        raise ValidationError(
            f"expected an ISO 8601 date and time, got {_type_name(value)}", value=value
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError(
            "needs a UTC offset, e.g. +02:00 or Z (a time without one is ambiguous)",
            value=value,
        )
    return parsed


def _structure_naive_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValidationError(
            f"expected an ISO 8601 date and time, got {_type_name(value)}", value=value
        )
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError("not an ISO 8601 date and time", value=value) from None


def _enum_hook(cls: type[enum.Enum]) -> Callable[[Any, type], enum.Enum]:
    choices = ", ".join(str(member.value) for member in cls)

    def structure_enum(value: Any, _: type) -> enum.Enum:
        try:
            return cls(value.strip() if isinstance(value, str) else value)
        except (ValueError, TypeError):
            raise ValidationError(f"must be one of: {choices}", value=value) from None

    return structure_enum


def _is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


def _is_homogeneous_sequence(tp: Any) -> bool:
    origin = get_origin(tp)
    if origin is list:
        return True
    args = get_args(tp)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _sequence_hook(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    # cattrs would iterate a string character by character (or a dict by its
    # keys) and report nonsense per character; refuse anything that is not a list.
    if get_origin(tp) is list:
        inner = list_structure_factory(tp, conv)
    else:
        inner = homogenous_tuple_structure_factory(tp, conv)

    def structure_sequence(value: Any, cl: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise ValidationError(f"expected a list, got {_type_name(value)}", value=value)
        return inner(value, cl)

    return structure_sequence


def _attrs_hook(cls: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    # The generated hook only tests "key in obj", so a string given for an
    # object whose fields all have defaults would quietly become the defaults.
    inner = conv.gen_structure_attrs_fromdict(cls)

    def structure_object(value: Any, cl: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError(
                f"expected an object with fields, got {_type_name(value)}", value=value
            )
        return inner(value, cl)

    return structure_object


# --- unstructure hooks: Python values → wire primitives ------------------------------


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError("cannot write a naive datetime", value=value)
    return value.isoformat()


def make_converter() -> cattrs.Converter:
    """A fresh converter for ledgerlink domain types ↔ JSON-ready primitives."""
    return strict_converter()


def strict_converter(
    *, forbid_extra_keys: bool = True, amounts_as_text: bool = True,
    naive_datetimes: bool = False,
) -> cattrs.Converter:
    """A fresh converter with ledgerlink's strict scalar, sequence and object hooks.

    :func:`make_converter` is this with the defaults; provider wire formats
    (:func:`ledgerlink.http.wire.wire_format`) configure the rest.

    Args:
        forbid_extra_keys: refuse keys no field has (input files); providers'
            answers carry many fields a connector does not read, so they pass False.
        amounts_as_text: a ``Decimal`` field also takes ``"12.50"``; wire formats
            whose provider writes amounts as JSON numbers pass False.
        naive_datetimes: accept a date and time without a UTC offset (a provider
            that writes them so; the value is kept as given, never guessed).
    """
    conv = cattrs.Converter(
        detailed_validation=True,
        forbid_extra_keys=forbid_extra_keys,
        unstruct_collection_overrides={Sequence: list},
    )
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(
        Decimal, _structure_decimal if amounts_as_text else _structure_number)
    conv.register_structure_hook(date, _structure_date)
    conv.register_structure_hook(
        datetime, _structure_naive_datetime if naive_datetimes else _structure_datetime)
    conv.register_structure_hook_factory(_is_enum, _enum_hook)
    conv.register_structure_hook_factory(
        _is_homogeneous_sequence, lambda tp: _sequence_hook(tp, conv)
    )
    conv.register_structure_hook_factory(attrs.has, lambda cls: _attrs_hook(cls, conv))

    conv.register_unstructure_hook(Decimal, _unstructure_decimal)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    return conv


#: The shared converter for internal use; configure your own with make_converter().
converter = make_converter()


# --- errors ------------------------------------------------------------------------


def _join(path: str, name: str | None) -> str:
    if not name:
        return path
    if not path:
        return name
    return f"{path}{name}" if name.startswith("[") else f"{path}.{name}"


def _child(data: object, key: object) -> object:
    if isinstance(data, Mapping):
        return data.get(key)
    if isinstance(data, (list, tuple)) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return None


#: Rejected values longer than this are cut in messages (a whole pasted row helps nobody).
_MAX_SHOWN = 60


def _with_value(message: str, value: object) -> str:
    # Users fix data faster when they see what was read, not only what was wanted.
    if value is None:
        return message
    shown = repr(value)
    if len(shown) > _MAX_SHOWN:
        shown = shown[: _MAX_SHOWN - 3] + "..."
    return f"{message} (got {shown})"


def _collect_group(
    exc: ClassValidationError | IterableValidationError, path: str, data: object,
    out: list[ValidationError],
) -> None:
    without: list[Exception]
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            _collect(sub, _join(path, note.name), _child(data, note.name), out)
    else:
        with_items, without = exc.group_exceptions()
        for sub, item in with_items:
            index = item.index
            sub_path = f"{path}[{index}]" if isinstance(index, int) else f"{path}[{index!r}]"
            _collect(sub, sub_path, _child(data, index), out)
    for sub in without:
        # No note: the object's own constructor (validators, converters,
        # __attrs_post_init__) or the extra-keys check raised it.
        _collect(sub, path, data, out)


def _collect(exc: BaseException, path: str, data: object, out: list[ValidationError]) -> None:
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        _collect_group(exc, path, data, out)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            out.append(ValidationError(
                "unknown field (misspelt?)", field=_join(path, key), value=_child(data, key)
            ))
    elif isinstance(exc, ValidationError):
        if exc.problems:
            for problem in exc.problems:
                _collect(problem, path, data, out)
        else:
            field = _join(path, exc.field)
            # A domain converter sees the value a hook already read (Decimal('12'));
            # the user wrote the input's value ('12'), so show that when there is one.
            raw = _child(data, exc.field) if exc.field else None
            shown = exc.value if raw is None else raw
            out.append(ValidationError(
                _with_value(exc.message, shown), field=field or None, value=exc.value
            ))
    elif isinstance(exc, KeyError):
        out.append(ValidationError("required field missing", field=path or None))
    elif isinstance(exc, (ValueError, TypeError)):
        out.append(ValidationError(
            _with_value(f"invalid value ({exc})", data), field=path or None, value=data
        ))
    else:
        raise exc


def problems_of(exc: BaseException, data: object = None) -> list[ValidationError]:
    """Every problem in a structuring failure, each naming its field path.

    ``exc`` is what a converter from :func:`make_converter` raised (cattrs
    exception groups, ledgerlink ValidationError, or KeyError/ValueError/
    TypeError from deep inside); ``data`` is the input, used to report the
    rejected values. Anything else is a bug rather than bad input and is
    re-raised.
    """
    out: list[ValidationError] = []
    _collect(exc, "", data, out)
    return out


def _describe(cls: Any) -> str:
    args = get_args(cls)
    if args:
        inner = ", ".join("..." if a is Ellipsis else _describe(a) for a in args)
        return f"{_describe(get_origin(cls))}[{inner}]"
    return getattr(cls, "__name__", None) or str(cls)


def structure(obj: object, cls: type[T], *, conv: cattrs.Converter | None = None) -> T:
    """Build a ``cls`` from wire primitives; one ValidationError lists every problem."""
    use = conv if conv is not None else converter
    try:
        return use.structure(obj, cls)
    except (ClassValidationError, IterableValidationError, ValueError, TypeError,
            KeyError) as exc:
        problems = problems_of(exc, obj)
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        # The problems carry everything the exception groups said; chaining them
        # would only repeat it as a long traceback.
        raise ValidationError(
            f"invalid {_describe(cls)} ({count})", problems=problems
        ) from None


def unstructure(obj: object, *, conv: cattrs.Converter | None = None) -> Any:
    """``obj`` as JSON-ready primitives (dicts, lists, strings, ints, bools, None)."""
    use = conv if conv is not None else converter
    return use.unstructure(obj)
