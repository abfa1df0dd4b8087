"""The e-conomic emulator as a user serves it: ``ledgerlink emulate economic``.

:data:`SPEC` (to be registered by the connector's plugin) builds an emulator,
makes an agreement on first start and prints the app's secret and the
agreement's grant: in e-conomic the grant comes from the app's installation
URL [E7]; here it is handed out directly. The test-only paths answer the state,
and for ``authorize`` and ``connect`` the grant of the agreement named by its
number.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

from ledgerlink.emulation import Control, EmulatorSpec
from ledgerlink_economic.emulator import persist
from ledgerlink_economic.emulator.booked import BOOKED
from ledgerlink_economic.emulator.core import EconomicEmulator
from ledgerlink_economic.emulator.drafts import DRAFTS

__all__ = ["DEFAULT_NAME", "SPEC", "control", "state"]

#: The company made on first start.
DEFAULT_NAME = "Emulator ApS"


def state(emulator: EconomicEmulator) -> dict[str, Any]:
    """Counts for checking a run: per agreement, customers, drafts, booked invoices and
    booked invoices per ``references.other``; faults injected, requests answered, throttled."""
    agreements: dict[str, Any] = {}
    for number, agreement in list(emulator.agreements.items()):
        with agreement.lock:
            booked = agreement.rows(BOOKED)
            agreements[str(number)] = {
                "customers": len(agreement.tables["customers"]),
                "drafts": len(agreement.tables[DRAFTS]),
                "booked": len(booked),
                "booked_per_reference": dict(Counter(
                    str(row.get("references", {}).get("other")) for row in booked
                    if row.get("references", {}).get("other"))),
                "calls_today": emulator.calls_today(number),
            }
    return {"agreements": agreements, "faults": emulator.faults.injected,
            "requests": len(emulator.records), "throttled": emulator.throttle.rejected}


def _grant(emulator: EconomicEmulator, account: str) -> str:
    try:
        return emulator.agreements[int(account)].agreement_grant_token
    except (KeyError, ValueError):
        raise ValueError(f"no agreement {account!r}") from None


def control(emulator: EconomicEmulator) -> Control:
    """The test-only paths: state; ``authorize`` gives an agreement's grant, ``connect``
    both tokens and the agreement number."""

    def tokens(account: str) -> dict[str, object]:
        return {"agreement_grant_token": _grant(emulator, account),
                "app_secret_token": emulator.app_secret_token, "agreement_number": account}

    return Control(state=partial(state, emulator), authorize=partial(_grant, emulator),
                   connect=tokens)


def _prepare(emulator: EconomicEmulator) -> str:
    existing = next(iter(emulator.agreements), None)
    if existing is not None:
        return str(existing)
    return str(emulator.create_agreement(DEFAULT_NAME).agreement_number)


#: How a user connects the connector to the served emulator (``{base_url}`` filled in).
CONNECT_COMMAND = ("ledgerlink economic connect --grant-token {grant} --base-url {base_url} "
                   "--store ledgerlink.db (paste the app secret token when asked)")
#: The emulated agreement has three layouts: the run names one (the connector refuses to
#: guess, :mod:`ledgerlink_economic.agreement`), and bills lines naming no product with
#: the seeded product 1 (25 %).
RUN_OPTIONS = ("--connector economic -o agreement={agreement} -o base_url={base_url} "
               "-o layout=19 -o rate_products=25=1")


def _connection(emulator: EconomicEmulator, base_url: str, agreement_number: str
                ) -> dict[str, object]:
    tokens = {"app_secret_token": emulator.app_secret_token,
              "agreement_grant_token": _grant(emulator, agreement_number)}
    commands = {"connect_command": CONNECT_COMMAND.format(
        base_url=base_url, grant=tokens["agreement_grant_token"]),
                "run_options": RUN_OPTIONS.format(base_url=base_url, agreement=agreement_number)}
    return {"agreement_number": agreement_number, **tokens, **commands}


#: ``ledgerlink emulate economic``: name, description, and how to build, control,
#: prepare, connect to, dump and load the emulator.
SPEC: EmulatorSpec[EconomicEmulator] = EmulatorSpec(
    "economic", "Visma e-conomic (REST API, app secret + agreement grant) with its token bucket",
    EconomicEmulator, control, _prepare, _connection, persist.dump, persist.load)
