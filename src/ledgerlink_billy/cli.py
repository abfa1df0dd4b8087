"""``ledgerlink billy``: connect a Billy company from the command line.

Billy has no OAuth: a company's owner creates an access token in Billy
(Settings → Access tokens) and pastes it here. ``connect`` checks it with
``GET /v2/organization`` (which also names the company the token belongs to)
and saves it in the journal store under ``billy:<organizationId>``, where the
connector reads it; the token is read without echo and never printed.
``status`` says what the store holds, without the token and without network;
``disconnect`` forgets it, after asking unless ``--yes`` (Billy's tokens do not
expire: delete it in Billy too to revoke it). Every command takes ``--json``
for scripts, as the other provider commands do.
"""

from __future__ import annotations

import os
import time

import click
import httpx

from ledgerlink.cli.connect import (
    EXIT_REFUSED,
    confirm,
    display_store,
    forget_token,
    journal,
    json_option,
    refusals,
    require_store,
    say,
    yes_option,
)
from ledgerlink.errors import AuthError
from ledgerlink.http import token_keys
from ledgerlink.http.client import make_client
from ledgerlink.http.connection import DEFAULT_STORE
from ledgerlink.http.redact import KnownSecrets, redact_text
from ledgerlink.http.token_header import TOKEN_FIELD
from ledgerlink_billy import settings
from ledgerlink_billy.faults import parse_fault
from ledgerlink_billy.wire import WIRE, BillyOrganization

__all__ = ["TOKEN_ENV", "billy", "check_token", "token_key"]

#: A token may come from this variable instead of the prompt (scripts, CI).
TOKEN_ENV = "LEDGERLINK_BILLY_TOKEN"

store_option = click.option("--store", default=DEFAULT_STORE, show_default=True,
                            help="The journal store the token is kept in.")
base_url_option = click.option("--base-url", default=None,
                               help="Another API host (an emulator).")
organization_option = click.option("--organization-id", required=True,
                                   help="The Billy company (its id, as connect printed it).")


def token_key(organization_id: str) -> str:
    """Where the connector for ``organization_id`` reads its token in the journal store."""
    return token_keys.token_key(settings.PROVIDER, organization_id)


def check_token(token: str, base_url: str | None = None,
                transport: httpx.BaseTransport | None = None) -> BillyOrganization:
    """The company ``token`` belongs to (``GET /v2/organization``); AuthError if refused."""
    origin = (base_url or settings.API_ORIGIN).rstrip("/")
    secrets = KnownSecrets(token)
    with make_client(origin, transport=transport,
                     headers={settings.TOKEN_HEADER: token}) as client:
        try:
            response = client.get("/v2/organization")
        except httpx.TransportError as exc:
            raise AuthError(f"Billy is unreachable ({type(exc).__name__}); nothing was saved",
                            provider=settings.PROVIDER) from exc
    fault = parse_fault(response)
    if fault is not None or not response.is_success:
        said = secrets.scrub(redact_text(fault.message if fault else response.reason_phrase))
        code = f" ({fault.code})" if fault and fault.code else ""
        raise AuthError(f"Billy refused the token{code}: {said}; nothing was saved",
                        provider=settings.PROVIDER, status=response.status_code)
    organization = WIRE.bound(secrets).read(response, BillyOrganization,
                                            operation="read organization", key="organization")
    if not organization.id:
        raise AuthError("Billy answered no organization id; nothing was saved",
                        provider=settings.PROVIDER)
    return organization


@click.group("billy")
def billy() -> None:
    """Connect Billy companies (a pasted access token); tokens live in the store."""


@billy.command()
@store_option
@base_url_option
@json_option
def connect(store: str, base_url: str | None, as_json: bool) -> None:
    """Check a pasted access token with Billy and save it in the journal store.

    The token is read from $LEDGERLINK_BILLY_TOKEN, or asked for without echo
    (the question goes to stderr, so --json output stays one document).
    """
    token = os.environ.get(TOKEN_ENV) or click.prompt(
        "Billy access token (Settings → Access tokens)", hide_input=True, err=True)
    token = str(token).strip()
    with refusals(as_json):
        organization = check_token(token, base_url)
        org_id = organization.id or ""
        with journal(store) as opened:
            opened.save_token(token_key(org_id), {TOKEN_FIELD: token,
                                                  "organization_name": organization.name,
                                                  "connected_at": time.time()})
    where = display_store(store)
    say(as_json, {"organization_id": org_id, "organization_name": organization.name,
                  "connected": True, "store": where},
        f"Connected Billy company {organization.name} ({org_id}); token saved in {where}.\n"
        f"Use it with: ledgerlink run --connector billy -o organization_id={org_id} "
        f"--store {where} ...")


@billy.command()
@organization_option
@store_option
@json_option
def status(organization_id: str, store: str, as_json: bool) -> None:
    """Say whether a company is connected in the journal store (no network, no token shown).

    Exits 1 when it is not connected.
    """
    stored = _stored(store, organization_id, as_json)
    name = stored.get("organization_name")
    say(as_json, {"organization_id": organization_id, "organization_name": name,
                  "connected": True, "store": display_store(store)},
        f"Billy company {organization_id} ({name}): connected in {display_store(store)}; "
        "the token does not expire.")


def _stored(store: str, organization_id: str, as_json: bool) -> dict[str, object]:
    """The saved token document; "not connected" said (exit 1) when there is none."""
    with refusals(as_json):
        require_store(store)
        with journal(store) as opened:
            stored = dict(opened.load_token(token_key(organization_id)) or {})
    if not stored.get(TOKEN_FIELD):
        say(as_json, {"organization_id": organization_id, "connected": False,
                      "store": display_store(store)},
            f"Billy company {organization_id}: not connected in {display_store(store)}.")
        raise SystemExit(EXIT_REFUSED)
    return stored


@billy.command(help="Forget a company's token in the journal store. Billy's tokens never "
                    "expire: delete it in Billy (Settings → Access tokens) to revoke it. "
                    "Asks first, or --yes.")
@organization_option
@store_option
@yes_option
@json_option
def disconnect(organization_id: str, store: str, yes: bool, as_json: bool) -> None:
    with refusals(as_json):
        require_store(store)
        with journal(store) as opened:
            stored = opened.load_token(token_key(organization_id)) or {}
            if not stored.get(TOKEN_FIELD):
                raise AuthError(f"no Billy company {organization_id} is connected in "
                                f"{display_store(store)}", provider=settings.PROVIDER)
            confirm(f"disconnect Billy company {organization_id}", yes=yes, as_json=as_json,
                    detail=f"Its token is removed from {display_store(store)}.")
            forget_token(opened, token_key(organization_id))
    say(as_json, {"organization_id": organization_id, "disconnected": True, "revoked": False,
                  "store": display_store(store)},
        f"Disconnected Billy company {organization_id}; its token is removed from "
        f"{display_store(store)} (Billy's tokens never expire: delete it in Billy under "
        "Settings → Access tokens to revoke it).")
