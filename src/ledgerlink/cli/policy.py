"""``ledgerlink policy explain``: each customer's effective billing policy and its sources.

A customer's override can live in two places: the policy file's
``[customers.ID]`` tables and the customers file's own policy columns (the
policy file wins field by field). Only with ``--customers`` are both read;
without it the command says that overrides may exist elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import click

from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.cli.output import Col
from ledgerlink.errors import ValidationError
from ledgerlink.policy import FIELDS, EffectivePolicy, PolicyOverride, resolve

__all__ = ["policy", "policy_explain"]

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
              help="Customers (CSV/JSON): their own policy columns are overrides too.")
@click.option("--customer", "customer_ids", multiple=True, help="Only these customer ids.")
@json_option
def policy_explain(policy_path: Path | None, customers: Path | None,
                   customer_ids: tuple[str, ...], as_json: bool) -> None:
    """Show each customer's effective policy and where every field comes from.

    Give --policy, --customers or both: overrides live in the policy file's
    [customers.ID] tables and in the customers file's policy columns.
    """
    from ledgerlink import loading
    from ledgerlink.domain import Company

    with reported(as_json):
        if policy_path is None and customers is None:
            raise ValidationError("give --policy FILE, --customers FILE or both",
                                  field="--policy")
        loaded = (loading.load_policy(policy_path) if policy_path is not None
                  else loading.PolicyFile(Company("My company")))
        overrides: dict[str, PolicyOverride | None] = dict(loaded.overrides)
        if customers is not None:
            people = loading.apply_overrides(loading.load_customers(customers),
                                             loaded.overrides, source=str(policy_path))
            overrides = {c.id: c.policy for c in people}
        wanted = customer_ids or tuple(sorted(overrides))
        unknown = [c for c in wanted if c not in overrides]
        if unknown and customers is not None:
            raise ValidationError(f"no such customer: {', '.join(unknown)}", field="--customer")
    company = loaded.company.policy
    effective = {"(company)": resolve(company)}
    effective.update({cid: resolve(company, overrides.get(cid)) for cid in wanted})
    # Without the customers file its overrides are unknown: said, not silently left out.
    elsewhere = None if customers is not None else (
        "Customers' own policy columns in the customers file may override these too: "
        "add --customers FILE to include them.")
    if as_json:
        output.emit_json({cid: {"posting": e.posting.value, "timing": e.timing.value,
                                "send": e.send, "payment_terms_days": e.payment_terms_days,
                                "sources": e.sources, "notes": list(e.notes)}
                          for cid, e in effective.items()})
        return
    for cid, e in effective.items():
        _show(e, None if cid == "(company)" else cid)
    if elsewhere:
        output.console.print(elsewhere, highlight=False, markup=False)


def _show(effective: EffectivePolicy, customer: str | None) -> None:
    console = output.console
    rows = [(name, _value(getattr(effective, name)), _ORIGIN[effective.sources[name]])
            for name in FIELDS]
    rows += [("note", note, "") for note in effective.notes]
    output.print_table(console, output.table(
        [Col("field"), Col("value", fit="wrap"), Col("from", fit="cut")], rows,
        width=console.width,
        title=f"Billing policy for {customer}" if customer else "Billing policy"))


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "value", value))
