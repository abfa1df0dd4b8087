"""The Pipedrive emulator as a user serves it: ``ledgerlink emulate pipedrive``.

:data:`SPEC` (registered by :mod:`ledgerlink_pipedrive.plugin`) builds an
emulator, makes a company on first start and prints its API token and the v2
and v1 base URLs. The test-only paths answer the state; ``authorize`` gives the
company's API token (no OAuth code exchange is emulated) and ``connect`` an
OAuth token response for it (:meth:`~.core.PipedriveEmulator.issue_access_token`).
The state file keeps every company's token, records and fields (not access
tokens, budgets or request records).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ledgerlink.emulation import Control, EmulatorSpec, versioned
from ledgerlink_pipedrive.emulator.core import PipedriveEmulator
from ledgerlink_pipedrive.emulator.routes import V1_ROOTS, V2_ROOT
from ledgerlink_pipedrive.emulator.state import Company

__all__ = ["DEFAULT_NAME", "SPEC", "control", "dump", "load", "state"]

#: The company made on first start.
DEFAULT_NAME = "Emulator ApS"
#: Bumped when the state layout changes; a file of another version is refused.
VERSION = 1


def state(emulator: PipedriveEmulator) -> dict[str, Any]:
    """Counts for checking a run: per company, records by kind and tokens spent today;
    faults injected, requests answered, calls refused by the rate limit."""
    companies: dict[str, Any] = {}
    for company_id, company in list(emulator.companies.items()):
        with company.lock:
            companies[str(company_id)] = {
                **{kind: len(rows) for kind, rows in company.tables.items()},
                "won_deals": sum(1 for deal in company.tables["deals"].values()
                                 if deal["status"] == "won" and not deal["is_deleted"]),
                "tokens_spent": emulator.tokens_spent(company_id)}
    return {"companies": companies, "faults": emulator.faults.injected,
            "requests": len(emulator.records), "throttled": emulator.budget.rejected}


def _company(emulator: PipedriveEmulator, account: str) -> Company:
    try:
        return emulator.companies[int(account)]
    except (KeyError, ValueError):
        raise ValueError(f"no company {account!r}") from None


def control(emulator: PipedriveEmulator) -> Control:
    """The test-only paths: state; ``authorize`` the API token, ``connect`` OAuth tokens."""
    return Control(state=partial(state, emulator),
                   authorize=lambda account: _company(emulator, account).api_token,
                   connect=lambda account: {
                       **emulator.issue_access_token(_company(emulator, account)),
                       "api_token": _company(emulator, account).api_token,
                       "company_id": account})


def _prepare(emulator: PipedriveEmulator) -> str:
    existing = next(iter(emulator.companies), None)
    if existing is not None:
        return str(existing)
    return str(emulator.create_company(DEFAULT_NAME).id)


def _connection(emulator: PipedriveEmulator, base_url: str, account: str
                ) -> dict[str, object]:
    return {"company_id": account, "api_token": _company(emulator, account).api_token,
            "api_v2_url": base_url + V2_ROOT, "api_v1_url": base_url + V1_ROOTS[0],
            "auth_hint": "send the API token as the x-api-token header"}


def dump(emulator: PipedriveEmulator) -> dict[str, Any]:
    """Every company the emulator holds, JSON-ready (amounts stay Decimal)."""
    companies = []
    for company in list(emulator.companies.values()):
        with company.lock:
            companies.append({
                "id": company.id, "name": company.name, "api_token": company.api_token,
                "user_id": company.user_id, "currency": company.currency,
                "tables": {kind: list(rows.values()) for kind, rows in company.tables.items()},
                "fields": company.fields, "next_ids": company.next_ids})
    return {"version": VERSION, "companies": companies}


def load(emulator: PipedriveEmulator, data: Any) -> None:
    """Restore what :func:`dump` returned (companies already present are replaced).

    Raises:
        ValueError: not a state this version wrote.
    """
    kept = versioned(data, VERSION, "Pipedrive emulator state")
    for company in kept["companies"]:
        emulator.add(Company(
            company["id"], company["name"], company["api_token"], company["user_id"],
            company["currency"],
            tables={kind: {row["id"]: row for row in rows}
                    for kind, rows in company["tables"].items()},
            fields=company["fields"], next_ids=company["next_ids"]))


#: ``ledgerlink emulate pipedrive``: name, description, and how to build, control,
#: prepare, connect to, dump and load the emulator.
SPEC: EmulatorSpec[PipedriveEmulator] = EmulatorSpec(
    "pipedrive", "Pipedrive CRM (API v2 deals, products, persons, organizations, fields; "
    "API token or OAuth bearer) with its token-based rate limit",
    PipedriveEmulator, control, _prepare, _connection, dump, load)
