"""``ledgerlink policy explain``: each customer's effective billing policy and its sources.
"""

from __future__ import annotations

from pathlib import Path

import click

from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option
from ledgerlink.errors import ValidationError
from ledgerlink.policy import PolicyOverride, explain, resolve

__all__ = ["policy", "policy_explain"]


@click.group()
def policy() -> None:
    """Billing-policy tools."""


@policy.command("explain")
@click.option("--policy", "policy_path", type=click.Path(path_type=Path), required=True,
              help="Company and per-customer policies, TOML.")
@click.option("--customers", type=click.Path(path_type=Path),
              help="Customers (CSV/JSON), for overrides kept there.")
@click.option("--customer", "customer_ids", multiple=True, help="Only these customer ids.")
@json_option
def policy_explain(policy_path: Path, customers: Path | None, customer_ids: tuple[str, ...],
                   as_json: bool) -> None:
    """Show each customer's effective policy and where every field comes from."""
    from ledgerlink import loading

    with reported(as_json):
        loaded = loading.load_policy(policy_path)
        overrides: dict[str, PolicyOverride | None] = dict(loaded.overrides)
        if customers is not None:
            people = loading.apply_overrides(loading.load_customers(customers),
                                             loaded.overrides, source=str(policy_path))
            overrides = {c.id: c.policy for c in people}
        wanted = customer_ids or tuple(sorted(overrides))
        unknown = [c for c in wanted if c not in overrides]
        if unknown:
            raise ValidationError(f"no such customer: {', '.join(unknown)}", field="--customer")
    company = loaded.company.policy
    effective = {"(company)": resolve(company)}
    effective.update({cid: resolve(company, overrides[cid]) for cid in wanted})
    if as_json:
        output.emit_json({cid: {"posting": e.posting.value, "timing": e.timing.value,
                                "send": e.send, "payment_terms_days": e.payment_terms_days,
                                "sources": e.sources, "notes": list(e.notes)}
                          for cid, e in effective.items()})
        return
    for cid, e in effective.items():
        output.console.print(explain(e, customer=None if cid == "(company)" else cid),
                             highlight=False)
