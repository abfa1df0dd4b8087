"""Pipedrive's v2 records as ledgerlink's CRM-neutral deal types.

* a deal (NOTES §5) → :class:`~ledgerlink.deals.Deal`: its status (``deleted``
  when ``is_deleted``), currency (``""`` when unset: the mapping refuses it
  later), value, won and update times, and every other field by name;
* a deal product (NOTES §6) → :class:`~ledgerlink.deals.DealLine`: ``item_price``,
  ``quantity``, ``discount`` with ``discount_type`` (``percentage`` or
  ``amount``), ``tax`` (no rate under ``tax_method`` ``none``) and ``comments``;
  a disabled product (``is_enabled`` false) is not sold and is left out; the
  deal's ``tax_method`` is its products' (one per deal, §6), exclusive without any;
* a person (§8) → a :class:`~ledgerlink.deals.DealParty` with the primary e-mail
  (the first when none is marked primary);
* an organization (§9) → a party with its ``address`` as an
  :class:`~ledgerlink.domain.Address`, the country name as its ISO code.

Fields are kept by name (the module docs of :mod:`ledgerlink.deals`): a standard
field by its key, a custom field by its name with options as labels
(:class:`.fieldnames.FieldNames`). Amounts arrive as Decimal (the client reads
JSON numbers so), never through a float.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledgerlink.deals import Deal, DealLine, DealParty, DealStatus, PartyRole, TaxMethod
from ledgerlink.domain import Address
from ledgerlink.errors import ValidationError
from ledgerlink_pipedrive.countries import country_code
from ledgerlink_pipedrive.fieldnames import FieldNames

__all__ = ["address_from", "deal_from", "line_from", "organization_from", "person_from",
           "primary_email", "when"]



def when(text: object, field: str) -> datetime | None:
    """A v2 time (RFC 3339 with ``Z``) as an aware datetime; None when unset."""
    if text in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError("not an RFC 3339 time with a zone", field=field, value=text)
    return moment


def _fields(record: Mapping[str, Any], names: FieldNames) -> dict[str, Any]:
    """Every standard field by its key, then every custom field by its name."""
    fields = {key: value for key, value in record.items() if key != "custom_fields"}
    fields.update(names.named(record.get("custom_fields")))
    return fields


def line_from(product: Mapping[str, Any]) -> DealLine:
    """One deal product as a deal line."""
    taxed = product.get("tax_method") != TaxMethod.NONE.value
    tax = product.get("tax")
    return DealLine(
        product_id=str(product["product_id"]), name=str(product.get("name") or ""),
        quantity=product["quantity"], unit_price=product["item_price"],
        discount=Decimal(str(product.get("discount") or 0)),
        discount_is_percentage=product.get("discount_type", "percentage") != "amount",
        tax_rate=Decimal(str(tax)) if taxed and tax is not None else None,
        comments=str(product.get("comments") or ""))


def _tax_method(products: Sequence[Mapping[str, Any]]) -> TaxMethod:
    methods = {str(product.get("tax_method") or TaxMethod.EXCLUSIVE.value)
               for product in products}
    if len(methods) > 1:
        raise ValidationError("the deal's products disagree on tax_method (one per deal)",
                              field="tax_method", value=sorted(methods))
    return TaxMethod(methods.pop()) if methods else TaxMethod.EXCLUSIVE


def primary_email(items: object) -> str | None:
    """The primary address of a v2 ``emails`` list (the first when none is primary)."""
    entries = [item for item in (items if isinstance(items, list) else [])
               if isinstance(item, Mapping) and str(item.get("value") or "").strip()]
    chosen = next((item for item in entries if item.get("primary")), None) or next(
        iter(entries), None)
    return None if chosen is None else str(chosen["value"]).strip()


def address_from(address: Mapping[str, Any] | None, where: str,
                 default_country: str | None = None) -> Address | None:
    """A v2 ``address`` object as an Address; None when it holds nothing.

    Raises:
        ValidationError: a country name that is no known country, or (with no
            ``default_country``) an address without a country, naming ``where``.
    """
    parts = {key: str(value).strip() for key, value in (address or {}).items()
             if value not in (None, "") and key != "value"}
    if not parts:
        return None
    street = " ".join(parts[key] for key in ("route", "street_number") if key in parts)
    if "subpremise" in parts:
        street = f"{street}, {parts['subpremise']}" if street else parts["subpremise"]
    named = parts.get("country")
    code = country_code(named) if named else default_country
    if code is None:
        problem = (f"{named!r} is no country known by name or ISO code" if named
                   else "the address has no country (give the source a default_country)")
        raise ValidationError(problem, field=f"{where}.address.country", value=named)
    return Address(street=street, postal_code=parts.get("postal_code", ""),
                   city=parts.get("locality") or parts.get("admin_area_level_2", ""),
                   country=code)


def person_from(person: Mapping[str, Any], names: FieldNames) -> DealParty:
    """A v2 person as a deal party."""
    return DealParty(id=str(person["id"]), role=PartyRole.PERSON,
                     name=str(person.get("name") or ""),
                     email=primary_email(person.get("emails")),
                     fields=_fields(person, names))


def organization_from(organization: Mapping[str, Any], names: FieldNames,
                      default_country: str | None = None) -> DealParty:
    """A v2 organization as a deal party, its address's country as an ISO code."""
    where = f"organization {organization['id']}"
    return DealParty(id=str(organization["id"]), role=PartyRole.ORGANIZATION,
                     name=str(organization.get("name") or ""),
                     address=address_from(organization.get("address"), where, default_country),
                     fields=_fields(organization, names))


def deal_from(deal: Mapping[str, Any], products: Sequence[Mapping[str, Any]],
              names: FieldNames, *, person: DealParty | None = None,
              organization: DealParty | None = None) -> Deal:
    """A v2 deal with its products and parties as a Deal.

    Raises:
        ValidationError: a value the deal types refuse, its field named after the deal.
    """
    sold = [product for product in products if product.get("is_enabled", True)]
    try:
        # Any: mypy reads attrs' ``converter=tuple`` as an unsolvable Iterable[_T_co].
        lines: Any = tuple(line_from(product) for product in sold)
        return Deal(
            id=str(deal["id"]), title=str(deal.get("title") or ""),
            status=DealStatus.DELETED if deal.get("is_deleted") else DealStatus(deal["status"]),
            currency=str(deal.get("currency") or ""),
            value=Decimal(str(deal.get("value") or 0)),
            lines=lines, tax_method=_tax_method(sold),
            person=person, organization=organization,
            won_at=when(deal.get("won_time"), "won_time"),
            updated_at=when(deal.get("update_time"), "update_time"),
            fields=_fields(deal, names))
    except ValidationError as err:
        raise err.located(prefix=f"deal {deal.get('id')}: ") from None
