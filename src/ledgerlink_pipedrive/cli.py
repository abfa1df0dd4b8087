"""``ledgerlink pipedrive``: keep a company's API token in the journal store for the source.

A Pipedrive user's API token belongs to one company (NOTES §2). ``connect``
reads it without echo (or from ``$LEDGERLINK_PIPEDRIVE_TOKEN``), checks it with
one cheap call (the first deal field) and saves it under ``pipedrive:<company>``,
the key the ``pipedrive`` source reads when given ``company=`` and no token;
``<company>`` is a name of your choosing for the company. ``status`` says what
the store holds (no network, no token shown); ``disconnect`` forgets it after
asking, unless ``--yes``. Each takes ``--json``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import click

import ledgerlink.cli.connect as kit
from ledgerlink.errors import AuthError
from ledgerlink.http import token_keys
from ledgerlink.http.connection import DEFAULT_STORE
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink_pipedrive import settings
from ledgerlink_pipedrive.client import Credentials, open_api

__all__ = ["TOKEN_ENV", "check_api_token", "pipedrive"]

#: The API token may come from this variable instead of the prompt (scripts, CI).
TOKEN_ENV = "LEDGERLINK_PIPEDRIVE_TOKEN"

company_option = click.option(
    "--company", required=True,
    help="Your name for the Pipedrive company; the source takes it as company=NAME.")
store_option = click.option("--store", default=DEFAULT_STORE, show_default=True,
                            help="The journal store the token is kept in.")


def check_api_token(token: str, base_url: str | None = None) -> None:
    """Raise AuthError (Pipedrive's words kept, the token never) unless Pipedrive takes
    ``token``; one list call of one item."""
    api = open_api(company=None, credentials=Credentials(api_token=token), base_url=base_url,
                   token_store=None, limiters=LimiterRegistry())
    try:
        api.http.get("/dealFields", params={"limit": "1"})
    finally:
        api.close()


def _key(company: str) -> str:
    return token_keys.token_key(settings.PROVIDER, company)


def _token_kind(saved: Mapping[str, Any] | None) -> str | None:
    """Which token a saved document holds (``api_token``, ``oauth``), None for none: a
    forgotten one is kept as a document without any."""
    saved = saved or {}
    if saved.get(settings.API_TOKEN_FIELD):
        return "api_token"
    return "oauth" if saved.get("access_token") else None


@click.group("pipedrive")
def pipedrive() -> None:
    """Keep Pipedrive API tokens in the store for the pipedrive source."""


@pipedrive.command()
@company_option
@store_option
@click.option("--base-url", default=None, help="Another API host (the emulator).")
@kit.json_option
def connect(company: str, store: str, base_url: str | None, as_json: bool) -> None:
    """Check an API token with Pipedrive and save it in the journal store.

    The token is read from $LEDGERLINK_PIPEDRIVE_TOKEN, or asked for without echo
    (the question goes to stderr, so --json output stays one document).
    """
    token = str(os.environ.get(TOKEN_ENV) or click.prompt(
        "Pipedrive API token (Personal preferences → API)", hide_input=True, err=True)).strip()
    with kit.refusals(as_json):
        check_api_token(token, base_url)
        document: dict[str, Any] = {settings.API_TOKEN_FIELD: token,
                                    "connected_at": time.time()}
        if base_url:
            document["api_domain"] = base_url.rstrip("/")
        with kit.journal(store) as opened:
            opened.save_token(_key(company), document)
    where = kit.display_store(store)
    kit.say(as_json, {"company": company, "connected": True, "store": where},
        f"Connected Pipedrive company {company}; its API token is saved in {where}.\n"
        f"Read its won deals with: open_source(\"pipedrive\", company=\"{company}\", "
        f"store=\"{where}\")")


@pipedrive.command()
@company_option
@store_option
@kit.json_option
def status(company: str, store: str, as_json: bool) -> None:
    """Say whether a company's token is in the journal store (no network, no token shown).

    Exits 1 when it is not.
    """
    with kit.refusals(as_json):
        kit.require_store(store)
        with kit.journal(store) as opened:
            kind = _token_kind(opened.load_token(_key(company)))
    where = kit.display_store(store)
    kit.say(as_json, {"company": company, "connected": kind is not None, "token": kind,
                  "store": where},
        f"Pipedrive company {company}: " + (f"connected ({kind.replace('_', ' ')}) in {where}."
                                            if kind else f"not connected in {where}."))
    if kind is None:
        raise SystemExit(kit.EXIT_REFUSED)


@pipedrive.command(help="Forget a company's token in the journal store (revoke an API token "
                        "in Pipedrive by generating a new one). Asks first, or --yes.")
@company_option
@store_option
@kit.yes_option
@kit.json_option
def disconnect(company: str, store: str, yes: bool, as_json: bool) -> None:
    where = kit.display_store(store)
    with kit.refusals(as_json):
        kit.require_store(store)
        with kit.journal(store) as opened:
            if _token_kind(opened.load_token(_key(company))) is None:
                raise AuthError(f"no Pipedrive company {company} is connected in {where}",
                                provider=settings.PROVIDER)
            kit.confirm(f"disconnect Pipedrive company {company}", yes=yes, as_json=as_json,
                    detail=f"Its token is removed from {where}.")
            kit.forget_token(opened, _key(company))
    kit.say(as_json, {"company": company, "disconnected": True, "store": where},
        f"Disconnected Pipedrive company {company}; its token is removed from {where}.")
