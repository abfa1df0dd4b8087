"""Internal: ``ledgerlink policy explain``: each customer's effective policy and its sources.

A customer's override can live in two places: the policy file's
``[customers.ID]`` tables and the customers file's own policy columns (the
policy file wins field by field). Only with ``--customers`` are both read;
without it the command says that overrides may exist elsewhere.

The delivery channel is explained beside the billing policy
(:func:`ledgerlink.delivery.choose_channel`), with the file a customer's own
choice is in. ``auto`` needs the e-invoice receiver lookup, which goes over the
network and so is left to invoicing: the command says what ``auto`` will do,
unless the customer has no organisation number and the answer is already known,
or ``--lookup`` asks PEPPOL now.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledgerlink.cli import output
from ledgerlink.cli.einvoice import dns_option, lookup_settings, sml_zone_option, timeout_option
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.cli.output import Col
from ledgerlink.errors import ValidationError
from ledgerlink.policy import FIELDS, EffectivePolicy, PolicyOverride, resolve

if TYPE_CHECKING:
    from ledgerlink.delivery import CanReceive
    from ledgerlink.domain import Company, Customer, DeliveryChannel

__all__ = ["AUTO_PENDING", "policy", "policy_explain"]

#: What ``auto`` does, shown while the receiver lookup is still to come.
AUTO_PENDING = ("auto: e-invoice if the receiver can take one (looked up when invoicing), "
                "else e-mail, else letter")

#: Where a field's value came from, in words.
_ORIGIN = {"company": "company default", "customer": "customer override",
           "rule": "changed by rule"}


@click.group()
def policy() -> None:
    """Billing-policy tools."""


@policy.command("explain")
@click.option("--policy", "policy_path", type=click.Path(path_type=Path),
              help="Company and per-customer policies, TOML.")
@click.option("--customers", type=click.Path(path_type=Path),
              help="Customers (CSV/JSON): their own policy and delivery columns are "
                   "overrides too.")
@click.option("--customer", "customer_ids", multiple=True, help="Only these customer ids.")
@click.option("--lookup", is_flag=True,
              help="Ask PEPPOL (SML and SMP) now whether customers can receive e-invoices, "
                   "to show what auto comes to. Needs --customers.")
@sml_zone_option
@dns_option
@timeout_option
@json_option
def policy_explain(policy_path: Path | None, customers: Path | None,
                   customer_ids: tuple[str, ...], lookup: bool, sml_zone: str | None,
                   dns_server: tuple[str, int] | None, timeout: float | None,
                   as_json: bool) -> None:
    """Show each customer's effective policy and delivery channel, and where every field
    comes from.

    Give --policy, --customers or both: overrides live in the policy file's
    [customers.ID] tables and in the customers file's policy and delivery columns.
    """
    from ledgerlink import loading
    from ledgerlink.domain import Company

    if lookup and customers is None:
        raise click.UsageError("--lookup needs --customers: the organisation numbers to look "
                               "up are in the customers file")
    settings = lookup_settings(sml_zone, dns_server, timeout) if lookup else None
    with reported(as_json):
        if policy_path is None and customers is None:
            raise ValidationError("give --policy FILE, --customers FILE or both",
                                  field="--policy")
        loaded = (loading.load_policy(policy_path) if policy_path is not None
                  else loading.PolicyFile(Company("My company")))
        overrides: dict[str, PolicyOverride | None] = dict(loaded.overrides)
        people: dict[str, Customer] = {}
        # Whose own channel is in the customers file (the policy file's wins over it).
        in_customers_file: set[str] = set()
        if customers is not None:
            listed = loading.load_customers(customers)
            in_customers_file = {c.id for c in listed if c.delivery is not None}
            merged = loading.apply_overrides(listed, loaded.overrides, source=str(policy_path),
                                             deliveries=loaded.deliveries)
            overrides = {c.id: c.policy for c in merged}
            people = {c.id: c for c in merged}
        wanted = customer_ids or tuple(sorted(overrides))
        unknown = [c for c in wanted if c not in overrides]
        if unknown and customers is not None:
            raise ValidationError(f"no such customer: {', '.join(unknown)}", field="--customer")
    company = loaded.company.policy
    effective = {"(company)": resolve(company)}
    effective.update({cid: resolve(company, overrides.get(cid)) for cid in wanted})

    def own_file(cid: str) -> Path | None:
        if cid in loaded.deliveries:
            return policy_path
        return customers if cid in in_customers_file else None

    with ExitStack() as stack, reported(as_json):
        can_receive: CanReceive | None = None
        if settings is not None:
            from ledgerlink.delivery import receiver_check
            from ledgerlink.einvoice.lookup import ReceiverLookup

            can_receive = receiver_check(stack.enter_context(ReceiverLookup(settings)))
        delivery = {"(company)": _delivery(loaded.company, None, None, None, None)}
        delivery.update({cid: _delivery(loaded.company, people.get(cid), own_file(cid),
                                        loaded.deliveries.get(cid), can_receive)
                         for cid in wanted})
    # Without the customers file its overrides are unknown: said, not silently left out.
    elsewhere = None if customers is not None else (
        "Customers' own policy and delivery columns in the customers file may override "
        "these too: add --customers FILE to include them.")
    if as_json:
        output.emit_json({cid: {"posting": e.posting.value, "timing": e.timing.value,
                                "send": e.send, "payment_terms_days": e.payment_terms_days,
                                "sources": e.sources, "notes": list(e.notes),
                                "delivery": delivery[cid]}
                          for cid, e in effective.items()})
        return
    for cid, e in effective.items():
        _show(e, delivery[cid], None if cid == "(company)" else cid)
    if elsewhere:
        output.console.print(elsewhere, highlight=False, markup=False)


def _delivery(company: Company, customer: Customer | None, own_file: Path | None,
              in_policy_file: DeliveryChannel | None, can_receive: CanReceive | None
              ) -> dict[str, Any]:
    """The delivery channel of ``customer`` (None: only its id is known, from the policy
    file; or the company's row), with where the choice comes from, for table and JSON.
    ``can_receive`` (``--lookup``) resolves ``auto`` for a known customer."""
    from ledgerlink.delivery import choose_channel
    from ledgerlink.domain import Customer, DeliveryChannel

    # Only the channel choice of a stand-in is read: its e-mail and number are unknown.
    who = customer or Customer("customer", "customer", delivery=in_policy_file)
    choice = choose_channel(company, who, can_receive=can_receive if customer else None)
    origin = "company default" if choice.source == "company" else "customer override"
    reasons = list(choice.reasons)
    if own_file is not None:  # the customer's own choice: say which file it is in
        reasons[0] = f"{choice.chosen.value} is the customer's own choice in {own_file.name}"
    # Without the receiver lookup `auto` is decided only for a known customer without an
    # organisation number: there is nothing to look up.
    pending = choice.chosen is DeliveryChannel.AUTO and (customer is None or (
        can_receive is None and bool(customer.registration_number)))
    if pending:
        reasons = reasons[:1] if own_file is not None else []
        if company.deliver_through_ledgerlink:
            reasons.append("its e-mail is ledgerlink's own: the company delivers every "
                           "invoice through ledgerlink")
        channel, shown, source = None, AUTO_PENDING, origin
    else:
        channel = shown = choice.channel.value
        source = origin if choice.channel is choice.chosen else "changed by rule"
        if own_file is None and source == origin:
            reasons = []  # the company's choice, unchanged: "company default" says it all
    return {"chosen": choice.chosen.value, "channel": channel, "shown": shown,
            "source": choice.source, "file": None if own_file is None else str(own_file),
            "from": source, "reasons": reasons}


def _show(effective: EffectivePolicy, delivery: dict[str, Any], customer: str | None) -> None:
    console = output.console
    rows = [(name, _value(getattr(effective, name)), _ORIGIN[effective.sources[name]])
            for name in FIELDS]
    rows.append(("delivery", delivery["shown"], delivery["from"]))
    rows += [("note", note, "") for note in effective.notes]
    rows += [("note", f"delivery: {reason}", "") for reason in delivery["reasons"]]
    output.print_table(console, output.table(
        [Col("field"), Col("value", fit="wrap"), Col("from")], rows,
        width=console.width,
        title=f"Billing policy for {customer}" if customer else "Billing policy"))


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "value", value))
