"""The agreement's settings a customer or a draft needs, chosen by stated rules or options.

e-conomic requires a customer group, payment terms and a VAT zone on every
customer, and a layout, payment terms and the recipient's VAT zone on every
draft [E4][E13]. Each is read once per connector (one request per collection)
and chosen so:

* customer group: the ``customer_group`` option, else the agreement's only group;
* a new customer's payment terms: the ``payment_terms`` option, else the only
  ``net`` terms of ``payment_terms_days`` days of credit (default 8);
* a draft's payment terms: the ``net`` terms whose days of credit are the days
  from issue to due date (the lowest numbered, if several), else terms of type
  ``dueDate`` (then the due date is sent; e-conomic ignores it otherwise [E13]);
* layout: the ``layout`` option, else the agreement's only layout;
* VAT zone by the customer's country: Denmark → the zone named ``Domestic``,
  an EU member state → ``EU``, elsewhere → ``Abroad`` (e-conomic's standard
  zones [E15]); the ``vat_zones`` option (``"DK=1,EU=2,abroad=3"``) names others.

A setting none of these settles, or settles more than one way, is refused with
a :class:`~ledgerlink.errors.ValidationError` naming the setting, the option
that decides it and every candidate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ledgerlink.errors import ValidationError
from ledgerlink_economic.api import EconomicApi
from ledgerlink_economic.wire import EcoCustomerGroup, EcoLayout, EcoPaymentTerms, EcoVatZone

__all__ = ["EU_COUNTRIES", "AgreementSettings", "Terms", "whole_number"]

T = TypeVar("T")
#: The EU member states (ISO 3166 codes), whose customers go in the EU VAT zone.
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
#: Zone kinds of the ``vat_zones`` option and the standard zone names they default to.
ZONE_NAMES = {"DK": "Domestic", "EU": "EU", "abroad": "Abroad"}
NET = "net"
DUE_DATE = "dueDate"


def whole_number(value: int | str | None, field: str) -> int | None:
    """An option that names a number (``"19"``), None when unset."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("expected a whole number", field=field, value=value) from None


class Terms:
    """Payment terms chosen for a draft, and whether its due date must be sent."""

    def __init__(self, number: int, send_due_date: bool) -> None:
        self.number = number
        self.send_due_date = send_due_date


def _listed(items: Sequence[T], label: Callable[[T], str]) -> str:
    return ", ".join(label(item) for item in items) or "none"


class AgreementSettings:
    """The agreement's groups, terms, layouts and zones, read once, and the choices.

    Args:
        api: the agreement's requests.
        customer_group: the ``customer_group`` option.
        payment_terms: the ``payment_terms`` option (of new customers).
        payment_terms_days: days of credit a new customer's terms are chosen by.
        layout: the ``layout`` option.
        vat_zones: zone kind (``DK``, ``EU``, ``abroad``) → VAT zone number.
    """

    def __init__(self, api: EconomicApi, *, customer_group: int | None = None,
                 payment_terms: int | None = None, payment_terms_days: int = 8,
                 layout: int | None = None, vat_zones: Mapping[str, int] | None = None) -> None:
        self.api = api
        self.customer_group_option = customer_group
        self.payment_terms_option = payment_terms
        self.payment_terms_days = payment_terms_days
        self.layout_option = layout
        self.vat_zone_options = dict(vat_zones or {})
        self._lock = threading.Lock()
        self._read: dict[str, list[object]] = {}

    def _all(self, path: str, cls: type[T]) -> list[T]:
        with self._lock:
            if path not in self._read:
                self._read[path] = list(self.api.list(path, cls, operation=f"list {path}"))
            return self._read[path]  # type: ignore[return-value]

    def customer_group(self) -> int:
        """The group of new customers."""
        if self.customer_group_option is not None:
            return self.customer_group_option
        groups = self._all("customer-groups", EcoCustomerGroup)
        if len(groups) == 1:
            return groups[0].customerGroupNumber
        raise ValidationError(
            "the agreement has " + ("no customer group" if not groups else "several customer "
                                    "groups") + "; choose one with the customer_group option "
            "(candidates: " + _listed(groups, lambda g: f"{g.customerGroupNumber} ({g.name})")
            + ")",
            field="customer_group")

    def customer_terms(self) -> int:
        """The payment terms of new customers."""
        if self.payment_terms_option is not None:
            return self.payment_terms_option
        terms = self._all("payment-terms", EcoPaymentTerms)
        fitting = [t for t in terms if t.paymentTermsType == NET
                   and t.daysOfCredit == self.payment_terms_days]
        if len(fitting) == 1:
            return fitting[0].paymentTermsNumber
        raise ValidationError(
            f"{'no' if not fitting else 'more than one'} net payment terms of "
            f"{self.payment_terms_days} days; choose with the payment_terms option "
            f"(candidates: {_terms(terms)})", field="payment_terms")

    def draft_terms(self, days: int) -> Terms:
        """The terms of a draft due ``days`` after its date."""
        terms = self._all("payment-terms", EcoPaymentTerms)
        net = sorted((t for t in terms if t.paymentTermsType == NET and t.daysOfCredit == days),
                     key=lambda t: t.paymentTermsNumber)
        if net:
            return Terms(net[0].paymentTermsNumber, False)
        dated = sorted((t for t in terms if t.paymentTermsType == DUE_DATE),
                       key=lambda t: t.paymentTermsNumber)
        if dated:
            return Terms(dated[0].paymentTermsNumber, True)
        raise ValidationError(
            f"no payment terms give a due date {days} days after the invoice date: add net "
            f"terms of {days} days or terms of type dueDate in e-conomic (candidates: "
            f"{_terms(terms)})", field="payment_terms", value=days)

    def layout(self) -> int:
        """The layout of drafts."""
        if self.layout_option is not None:
            return self.layout_option
        layouts = self._all("layouts", EcoLayout)
        if len(layouts) == 1:
            return layouts[0].layoutNumber
        raise ValidationError(
            "the agreement has " + ("no layout" if not layouts else "several layouts") +
            "; choose one with the layout option (candidates: " +
            _listed(layouts, lambda lay: f"{lay.layoutNumber} ({lay.name})")
            + ")", field="layout")

    def vat_zone(self, country: str | None) -> int:
        """The VAT zone of a customer in ``country``."""
        kind = "DK" if country in (None, "", "DK") else (
            "EU" if country in EU_COUNTRIES else "abroad")
        if kind in self.vat_zone_options:
            return self.vat_zone_options[kind]
        zones = self._all("vat-zones", EcoVatZone)
        wanted = ZONE_NAMES[kind].lower()
        found = [z for z in zones if (z.name or "").strip().lower() == wanted
                 and z.enabledForCustomer is not False]
        if len(found) == 1:
            return found[0].vatZoneNumber
        raise ValidationError(
            f"no single VAT zone named {ZONE_NAMES[kind]!r} for a customer in {country or 'DK'}"
            f"; name it with the vat_zones option, as {kind}=<number> (candidates: "
            + _listed(zones, lambda z: f"{z.vatZoneNumber} ({z.name})")
            + ")", field="vat_zones", value=country)


def _terms(terms: Sequence[EcoPaymentTerms]) -> str:
    return ", ".join(f"{t.paymentTermsNumber} ({t.name}: {t.paymentTermsType} "
                     f"{t.daysOfCredit} days)" for t in terms) or "none"
