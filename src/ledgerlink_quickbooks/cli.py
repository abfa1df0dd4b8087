"""``ledgerlink quickbooks``: connect a QuickBooks Online company from the command line.

``connect`` runs OAuth's authorization-code flow: it prints Intuit's consent
URL, takes the URL the browser was redirected to (pasted, or ``--redirect-url``
later), checks its ``state``, exchanges the code and saves the tokens in the
journal store under ``quickbooks:<realmId>``, the key the connector reads. The
``state`` sent is kept in the same store until the callback arrives, so the
flow can be finished by a second, non-interactive invocation.

``disconnect`` revokes the refresh token at Intuit and removes the tokens from
the store; ``status`` says what the store holds, without any secret.

No secret or token is ever printed: the client secret is read from the
environment or a hidden prompt, and provider messages pass through
:func:`~ledgerlink.http.redact.redact_text`.
"""

from __future__ import annotations

import time
import webbrowser
from typing import TYPE_CHECKING, Any

import click
import httpx

from ledgerlink.cli.asking import confirm, yes_option
from ledgerlink.cli.connect import (
    EXIT_REFUSED,
    PENDING_TTL,
    ask_redirect,
    consume_pending,
    display_store,
    forget_token,
    journal,
    load_pending,
    oauth_options,
    refusals,
    save_pending,
    say,
    token_lifetime_lines,
    token_status,
)
from ledgerlink.cli.options import json_option
from ledgerlink.errors import AuthError
from ledgerlink.http import token_keys
from ledgerlink.http.client import make_client
from ledgerlink.http.oauth import (
    TOKEN_TIMEOUT,
    ClientCredentials,
    OAuthEndpoints,
    authorization_url,
    exchange_code,
    parse_callback,
)
from ledgerlink.http.redact import redact_text
from ledgerlink_quickbooks import settings

if TYPE_CHECKING:
    from ledgerlink import Store

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "ENV_PREFIX",
    "EXIT_REFUSED",
    "OPTIONS",
    "PENDING_TTL",
    "REDIRECT_URI_ENV",
    "REVOKE_PATH",
    "REVOKE_URL",
    "display_store",
    "pending_key",
    "quickbooks",
    "token_key",
]

#: The environment variables' common prefix.
ENV_PREFIX = "LEDGERLINK_QBO"
CLIENT_ID_ENV = f"{ENV_PREFIX}_CLIENT_ID"
CLIENT_SECRET_ENV = f"{ENV_PREFIX}_CLIENT_SECRET"
REDIRECT_URI_ENV = f"{ENV_PREFIX}_REDIRECT_URI"
#: Intuit's revocation endpoint (on its own host); JSON body ``{"token": ...}``.
REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
#: The same endpoint's path, for ``--base-url`` hosts (the emulator).
REVOKE_PATH = "/v2/oauth2/tokens/revoke"


def token_key(realm_id: str) -> str:
    """Where the connector for ``realm_id`` reads its tokens (``quickbooks:<realm>``)."""
    return token_keys.token_key(settings.PROVIDER, realm_id)


def pending_key(client_id: str) -> str:
    """Where a started authorization's ``state`` waits for its callback."""
    return token_keys.pending_key(settings.PROVIDER, client_id)


def _endpoints(base_url: str | None) -> OAuthEndpoints:
    return settings.endpoints_at(base_url) if base_url else settings.ENDPOINTS


def _revoke_url(base_url: str | None) -> str:
    return base_url.rstrip("/") + REVOKE_PATH if base_url else REVOKE_URL


OPTIONS = oauth_options(ENV_PREFIX, client_id_help="The app's OAuth client id.",
                        client_secret_help="The app's OAuth client secret",
                        base_url_help="Another host for the token endpoints (an emulator).")


@click.group("quickbooks")
def quickbooks() -> None:
    """Connect QuickBooks Online companies (OAuth 2.0); tokens live in the journal store."""


@quickbooks.command()
@OPTIONS.client_id
@OPTIONS.client_secret
@OPTIONS.redirect_uri
@click.option("--environment", type=click.Choice(["sandbox", "production"]),
              default="sandbox", show_default=True,
              help="The kind of company; pass the same to the connector.")
@OPTIONS.base_url
@OPTIONS.store
@OPTIONS.redirect_url
@OPTIONS.open_browser
@json_option
def connect(client_id: str, client_secret: str, redirect_uri: str | None, environment: str,
            base_url: str | None, store: str, redirect_url: str | None,
            open_browser: bool, as_json: bool) -> None:
    """Authorise ledgerlink for a company and save its tokens in the journal store.

    Without --redirect-url: prints the consent URL and asks for the URL the
    browser lands on afterwards. With it: finishes the connection started
    earlier with the same --client-id and --store. With --json and no
    --redirect-url: prints the consent URL as JSON and asks nothing; finish
    with --redirect-url.
    """
    if redirect_url is None and not redirect_uri:
        raise click.UsageError(f"--redirect-uri (or ${REDIRECT_URI_ENV}) is needed to start "
                               f"connecting")
    credentials = ClientCredentials(client_id, client_secret)
    endpoints = _endpoints(base_url)
    with refusals(as_json), journal(store) as opened:
        if redirect_url is None:
            assert redirect_uri is not None  # checked above
            url, state = authorization_url(endpoints, credentials, redirect_uri=redirect_uri)
            save_pending(opened, pending_key(client_id), state=state, redirect_uri=redirect_uri)
            host = f" --base-url {base_url}" if base_url else ""
            finish = f"ledgerlink quickbooks connect --store {display_store(store)}{host}"
            if open_browser:
                webbrowser.open(url)
            if as_json:
                say(True, {"authorization_url": url,
                           "finish_with": f"{finish} --redirect-url URL"}, "")
                return
            click.echo(f"Open this URL, sign in and choose the company to connect:\n\n"
                       f"  {url}\n")
            redirect_url = ask_redirect(finish)
        realm_id = _finish(opened, credentials, endpoints, client_id, redirect_url)
    say(as_json, {"realm_id": realm_id, "environment": environment, "connected": True,
                  "store": display_store(store)},
        f"Connected QuickBooks company (realm) {realm_id} ({environment}); tokens saved in "
        f"{display_store(store)}.\nUse it with: ledgerlink run --connector quickbooks "
        f"-o realm_id={realm_id} -o environment={environment} -o client_id=... "
        f"-o client_secret=... --store {display_store(store)} ...")


def _finish(opened: Store, credentials: ClientCredentials, endpoints: OAuthEndpoints,
            client_id: str, redirect_url: str) -> str:
    """Check the callback against the pending state, exchange the code, save the tokens."""
    pending = load_pending(opened, pending_key(client_id), provider=settings.PROVIDER,
                           start_hint="ledgerlink quickbooks connect")
    params = parse_callback(redirect_url.strip(), state=pending.state,
                            provider=settings.PROVIDER)
    realm_id = params.get("realmId", "").strip()
    if not realm_id:
        raise AuthError("the callback carries no realmId (was the accounting scope granted?)",
                        provider=settings.PROVIDER)
    # The code is single-use: forget the state first, so a replayed callback is refused.
    consume_pending(opened, pending_key(client_id))
    with make_client(timeout=httpx.Timeout(TOKEN_TIMEOUT)) as client:
        exchange_code(client, endpoints, credentials, code=params["code"],
                      redirect_uri=pending.redirect_uri, store=opened,
                      key=token_key(realm_id), provider=settings.PROVIDER)
    return realm_id


@quickbooks.command()
@click.option("--realm-id", required=True, help="The company to disconnect.")
@OPTIONS.client_id
@OPTIONS.client_secret
@OPTIONS.base_url
@OPTIONS.store
@yes_option
@json_option
def disconnect(realm_id: str, client_id: str, client_secret: str, base_url: str | None,
               store: str, yes: bool, as_json: bool) -> None:
    """Revoke a company's tokens at Intuit and remove them from the journal store.

    Asks first (the grant cannot be restored: connect again), or --yes.
    """
    with refusals(as_json), journal(store) as opened:
        stored = opened.load_token(token_key(realm_id))
        token = (stored or {}).get("refresh_token") or (stored or {}).get("access_token")
        if not token:
            raise AuthError(f"no QuickBooks company {realm_id} is connected in "
                            f"{display_store(store)}",
                            provider=settings.PROVIDER)
        confirm(f"disconnect QuickBooks company (realm) {realm_id}", yes=yes, as_json=as_json,
                detail=f"Its tokens are revoked at Intuit and removed from "
                       f"{display_store(store)}.")
        _revoke(str(token), ClientCredentials(client_id, client_secret), _revoke_url(base_url))
        forget_token(opened, token_key(realm_id))
    say(as_json, {"realm_id": realm_id, "disconnected": True, "revoked": True,
                  "store": display_store(store)},
        f"Disconnected QuickBooks company (realm) {realm_id}; its tokens are revoked and "
        f"removed from {display_store(store)}.")


def _revoke(token: str, credentials: ClientCredentials, url: str) -> None:
    """Revoke ``token`` (revoking a refresh token ends the whole grant)."""
    try:
        with make_client(timeout=httpx.Timeout(TOKEN_TIMEOUT)) as client:
            response = client.post(url, json={"token": token},
                                    auth=(credentials.client_id, credentials.client_secret))
    except httpx.TransportError as exc:
        raise AuthError(f"the revoke endpoint is unreachable ({type(exc).__name__}); the "
                        f"tokens are kept, try again", provider=settings.PROVIDER) from exc
    if response.is_success:
        return
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    said = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
    raise AuthError(f"revoke refused: {redact_text(str(said or response.reason_phrase))}; the "
                    f"tokens are kept", provider=settings.PROVIDER, status=response.status_code,
                    code=str(body.get("error")) if isinstance(body, dict) and body.get("error")
                    else None)


@quickbooks.command()
@click.option("--realm-id", required=True, help="The company to look at.")
@OPTIONS.store
@json_option
def status(realm_id: str, store: str, as_json: bool) -> None:
    """Say whether a company is connected in the journal store (no network, no secrets).

    Exits 1 when it is not connected.
    """
    stored = token_status(store, token_key(realm_id), as_json=as_json,
                          ids={"realm_id": realm_id}, name=f"QuickBooks company (realm) {realm_id}")
    if stored is None:
        return
    lines = [f"QuickBooks company (realm) {realm_id}: connected in {display_store(store)}."]
    lines += token_lifetime_lines(stored, time.time())
    refresh_left = stored.get("x_refresh_token_expires_in")
    if refresh_left is not None:
        lines.append(f"  refresh token: issued for {int(float(refresh_left)) // 86_400} days, "
                     f"renewed by each refresh")
    click.echo("\n".join(lines))
