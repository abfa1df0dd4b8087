"""Which QuickBooks TaxCode carries a VAT rate: the mapping behind every line's ``TaxCodeRef``.

A QuickBooks company outside the US taxes each sales line by a TaxCode; a
TaxCode lists the TaxRates it applies (``SalesTaxRateList.TaxRateDetail[]``,
each naming a TaxRate with a ``RateValue`` percentage). :class:`TaxCodes`
loads the company's TaxCodes and TaxRates once, through a query callable like
:meth:`.api.QuickBooksApi.query`, and answers the TaxCode Id for a
ledgerlink VAT rate:

1. an explicit override (``{rate: code id}``, usually parsed by
   :func:`parse_overrides` from an option such as ``"25=3,12=5,0=7"``) wins;
   the code must exist, be active and apply exactly that rate;
2. otherwise the single active, visible TaxCode whose sales rates add up to
   the rate is taken. None, or more than one (a company often has both a
   "Zero-rated" and an "Exempt" code at 0 %), is a ValidationError that names
   the rate and lists the candidates, so the user can add an override.

Codes without sales rates (purchase-only codes, the US ``TAX``/``NON``
pseudo-codes) are never candidates. A code applying several rates (a tax
group, e.g. 5 % + 7 %) matches their sum; QuickBooks rounds each component
separately, so such a group can differ from the core's single-rate VAT by a
cent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.wire import WIRE, QboTaxCode, QboTaxRate

__all__ = ["QueryFn", "TaxCode", "TaxCodes", "parse_overrides"]

#: Runs one QuickBooks query: ``query(entity, where) -> rows``.
QueryFn = Callable[[str, list[queries.Condition]], Sequence[Mapping[str, Any]]]
#: The option name used in messages when none is given.
DEFAULT_OPTION = "tax_codes"
_HUNDRED = Decimal(100)


def _rate(text: str, *, option: str, part: str) -> Decimal:
    try:
        rate = Decimal(text.strip())
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= _HUNDRED:
        raise ValidationError(
            f"{option}: {part!r} does not start with a VAT rate 0..100 (expected rate=code id)",
            field=option, value=part)
    return rate


def parse_overrides(text: str | None, *, option: str = DEFAULT_OPTION) -> dict[Decimal, str]:
    """``"25=3, 12=5,0=7"`` → ``{Decimal(25): "3", Decimal(12): "5", Decimal(0): "7"}``.

    Empty or None gives ``{}``. Each comma-separated part is ``rate=code id``;
    a part without ``=``, with a rate that is not a percentage 0..100, with an
    empty code id, or repeating a rate is a ValidationError naming that part.
    """
    overrides: dict[Decimal, str] = {}
    for raw in (text or "").split(","):
        part = raw.strip()
        if not part:
            continue
        rate_text, sep, code = part.partition("=")
        if not sep:
            raise ValidationError(f"{option}: {part!r} is not rate=code id (e.g. '25=3')",
                                  field=option, value=part)
        rate = _rate(rate_text, option=option, part=part)
        code = code.strip()
        if not code:
            raise ValidationError(f"{option}: {part!r} has no TaxCode id after '='",
                                  field=option, value=part)
        if rate in overrides:
            raise ValidationError(f"{option}: rate {_show(rate)} % is mapped twice ({part!r})",
                                  field=option, value=part)
        overrides[rate] = code
    return overrides


def _show(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


@attrs.frozen
class TaxCode:
    """An active TaxCode as far as rate matching needs it.

    Attributes:
        id: the TaxCode Id (what a line's ``TaxCodeRef.value`` carries).
        name: its Name, for messages.
        rate: the sum of the RateValues of its sales TaxRates.
        has_sales_rates: whether it applies any sales rate at all.
    """

    id: str
    name: str
    rate: Decimal
    has_sales_rates: bool

    def label(self) -> str:
        """``"3 (VAT 25%)"``, for messages."""
        return f"{self.id} ({self.name})"


def load_codes(query: QueryFn) -> dict[str, TaxCode]:
    """The company's active, visible TaxCodes by Id, with their summed sales rates
    (a malformed TaxRate or TaxCode: ProviderError naming it)."""
    rates = {}
    for row in query("TaxRate", []):
        rate = WIRE.structure(row, QboTaxRate, operation="query TaxRate")
        rates[rate.Id] = rate.RateValue if rate.RateValue is not None else Decimal(0)
    codes: dict[str, TaxCode] = {}
    for row in query("TaxCode", []):
        code = WIRE.structure(row, QboTaxCode, operation="query TaxCode")
        if code.Active is False or code.Hidden is True:
            continue
        details = code.SalesTaxRateList.TaxRateDetail if code.SalesTaxRateList else ()
        refs = [d.TaxRateRef.value if d.TaxRateRef else "None" for d in details]
        total = sum((rates.get(ref, Decimal(0)) for ref in refs), Decimal(0))
        codes[code.Id] = TaxCode(code.Id, code.Name or "", total, bool(refs))
    return codes


class TaxCodes:
    """Maps VAT rates to TaxCode Ids of one company; loads TaxCode and TaxRate on first use.

    Args:
        query: runs a QuickBooks query, ``query(entity, where) -> rows``.
        overrides: ``{rate: code id}`` or an option string for :func:`parse_overrides`.
        option: the option's name, used in error messages.
    """

    def __init__(self, query: QueryFn, overrides: Mapping[Decimal, str] | str | None = None,
                 *, option: str = DEFAULT_OPTION) -> None:
        self._query = query
        self.option = option
        if isinstance(overrides, str) or overrides is None:
            self.overrides = parse_overrides(overrides, option=option)
        else:
            self.overrides = {Decimal(rate): str(code) for rate, code in overrides.items()}
        self._codes: dict[str, TaxCode] | None = None
        self._lock = threading.Lock()

    def codes(self) -> dict[str, TaxCode]:
        """The active TaxCodes by Id (queried once)."""
        with self._lock:
            if self._codes is None:
                self._codes = load_codes(self._query)
            return self._codes

    def code_for(self, rate: Decimal) -> str:
        """The TaxCode Id for VAT ``rate`` (see the module docstring for the rules)."""
        codes = self.codes()
        wanted = Decimal(rate)
        if wanted in self.overrides:
            return self._checked_override(wanted, codes)
        matches = [c for c in codes.values() if c.has_sales_rates and c.rate == wanted]
        if len(matches) == 1:
            return matches[0].id
        shown = _show(wanted)
        if matches:
            listed = ", ".join(c.label() for c in sorted(matches, key=lambda c: c.id))
            raise ValidationError(
                f"VAT rate {shown} % matches several QuickBooks tax codes: {listed}; "
                f"choose one with the {self.option} option, e.g. '{shown}={matches[0].id}'",
                field=self.option, value=wanted)
        available = ", ".join(f"{c.label()} = {_show(c.rate)} %"
                              for c in sorted(codes.values(), key=lambda c: c.id)
                              if c.has_sales_rates) or "none"
        raise ValidationError(
            f"no active QuickBooks tax code applies VAT rate {shown} %; available: {available}; "
            f"map it with the {self.option} option ('{shown}=<TaxCode id>')",
            field=self.option, value=wanted)

    def _checked_override(self, rate: Decimal, codes: Mapping[str, TaxCode]) -> str:
        code_id = self.overrides[rate]
        shown = _show(rate)
        code = codes.get(code_id)
        if code is None:
            raise ValidationError(
                f"{self.option}: '{shown}={code_id}' names no active QuickBooks tax code",
                field=self.option, value=f"{shown}={code_id}")
        if code.rate != rate:
            raise ValidationError(
                f"{self.option}: '{shown}={code_id}' maps {shown} % to {code.label()}, "
                f"which applies {_show(code.rate)} %",
                field=self.option, value=f"{shown}={code_id}")
        return code.id
