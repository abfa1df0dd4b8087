"""``ledgerlink dinero``: connect a Dinero organisation from the command line.

``connect`` runs Visma Connect's authorization-code flow (scopes
``dineropublicapi:read dineropublicapi:write offline_access``, so refresh tokens
come back): it prints the consent URL, takes the URL the browser was sent back
to (pasted, or ``--redirect-url`` in a second invocation), checks its
``state``, exchanges the code, lists the organisations the token reaches and
saves the tokens under ``dinero:<organisationId>``, the key the connector reads.

One grant reaches every organisation its user may see, but it is saved under
one organisation only: Visma Connect's refresh tokens rotate and a consumed one
is refused, so two keys holding the same refresh token would break each other
on the first refresh. Connect once per organisation to use several.

``disconnect`` forgets the tokens (the research notes show no revocation
endpoint at Visma Connect); ``status`` says what the store holds, without any
secret; ``organisations`` lists again what a saved connection reaches.
"""

from __future__ import annotations

import os
import time
import webbrowser
from typing import TYPE_CHECKING

import click
import httpx

from ledgerlink.cli.connect import (
    EXIT_REFUSED,
    ask_redirect,
    callback_url,
    consume_pending,
    display_store,
    forget_token,
    journal,
    load_pending,
    oauth_options,
    refusals,
    save_pending,
    token_lifetime_lines,
)
from ledgerlink.errors import AuthError
from ledgerlink.http import token_keys
from ledgerlink.http.client import make_client
from ledgerlink.http.oauth import (
    TOKEN_TIMEOUT,
    ClientCredentials,
    MemoryTokenStore,
    authorization_url,
    exchange_code,
    parse_callback,
)
from ledgerlink.http.redact import KnownSecrets, redact_text
from ledgerlink_dinero import settings
from ledgerlink_dinero.connector import DineroConnector
from ledgerlink_dinero.faults import parse_fault
from ledgerlink_dinero.wire import WIRE, DineroOrganization

if TYPE_CHECKING:
    from ledgerlink import Store

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "OPTIONS",
    "ORGANISATIONS_PATH",
    "REDIRECT_URI_ENV",
    "dinero",
    "pending_key",
    "token_key",
]

CLIENT_ID_ENV = "LEDGERLINK_DINERO_CLIENT_ID"
CLIENT_SECRET_ENV = "LEDGERLINK_DINERO_CLIENT_SECRET"
REDIRECT_URI_ENV = "LEDGERLINK_DINERO_REDIRECT_URI"
#: The organisations the token reaches (``fields`` default ``id,name,isPro``) [D13][D14].
ORGANISATIONS_PATH = "/v1/organizations"
_UNSAVED = "pending"


def token_key(organisation_id: str) -> str:
    """Where the connector for ``organisation_id`` reads its tokens in the journal store."""
    return token_keys.token_key(settings.PROVIDER, organisation_id)


def pending_key(client_id: str) -> str:
    """Where a started Dinero authorization's ``state`` waits for its callback."""
    return token_keys.pending_key(settings.PROVIDER, client_id)


def _api_origin(base_url: str | None) -> str:
    return (base_url or settings.API_ORIGIN).rstrip("/")


#: ``--client-id``, ``--client-secret``, ``--redirect-uri`` (from ``LEDGERLINK_DINERO_*``),
#: ``--base-url``, ``--store``, ``--redirect-url`` and ``--open``, as every connector has them.
OPTIONS = oauth_options(
    "LEDGERLINK_DINERO", client_id_help="The Visma Connect client id (isv_...).",
    client_secret_help="The Visma Connect client secret",
    base_url_help="Another host for the API and token endpoint (an emulator).")
organisation_option = click.option("--organisation-id", required=True,
                                   help="The Dinero organisation (its id).")


@click.group("dinero")
def dinero() -> None:
    """Connect Dinero organisations (OAuth 2.0 via Visma Connect); tokens live in the store."""


@dinero.command()
@OPTIONS.client_id
@OPTIONS.client_secret
@OPTIONS.redirect_uri
@click.option("--organisation-id",
              help="The organisation to connect, when the grant reaches several.")
@click.option("--response-mode", type=click.Choice(["query", "form_post"]), default="query",
              show_default=True,
              help="How Visma Connect returns the code: on the redirect URL's query, or as a "
                   "form POST (Dinero's docs show form_post; paste its body code=...&state=...).")
@OPTIONS.base_url
@OPTIONS.store
@OPTIONS.redirect_url
@OPTIONS.open_browser
def connect(client_id: str, client_secret: str, redirect_uri: str | None,
            organisation_id: str | None, response_mode: str, base_url: str | None, store: str,
            redirect_url: str | None, open_browser: bool) -> None:
    """Authorise ledgerlink for an organisation and save its tokens in the journal store.

    Without --redirect-url: prints the consent URL and asks for the URL the
    browser lands on afterwards. With it: finishes the connection started
    earlier with the same --client-id and --store. Lists the organisations the
    grant reaches and saves it for one of them (--organisation-id, the only
    one, or the one chosen at the prompt).
    """
    if redirect_url is None and not redirect_uri:
        raise click.UsageError(f"--redirect-uri (or ${REDIRECT_URI_ENV}) is needed to start "
                               f"connecting")
    credentials = ClientCredentials(client_id, client_secret)
    host = f" --base-url {base_url}" if base_url else ""
    with refusals(), journal(store) as opened:
        if redirect_url is None:
            assert redirect_uri is not None  # checked above
            url, state = authorization_url(settings.endpoints_for(base_url), credentials,
                                           redirect_uri=redirect_uri,
                                           response_mode=response_mode)
            save_pending(opened, pending_key(client_id), state=state, redirect_uri=redirect_uri)
            click.echo("Open this URL, sign in and allow access to Dinero:\n")
            click.echo(f"  {url}\n")
            if open_browser:
                webbrowser.open(url)
            redirect_url = ask_redirect(f"ledgerlink dinero connect --store "
                                        f"{display_store(store)}{host}")
        chosen, reached = _finish(opened, credentials, base_url, redirect_url, organisation_id)
    _show(reached, chosen)
    click.echo(f"\nConnected Dinero organisation {chosen}; tokens saved in "
               f"{display_store(store)}.")
    click.echo(f"Use it with: ledgerlink run --connector dinero -o organisation_id={chosen} "
               f"-o client_id=... -o client_secret=... --store {display_store(store)} ...")


def _finish(store: Store, credentials: ClientCredentials, base_url: str | None,
            redirect_url: str, wanted: str | None) -> tuple[str, list[DineroOrganization]]:
    """Check the callback, exchange the code, choose the organisation, save the tokens."""
    key = pending_key(credentials.client_id)
    pending = load_pending(store, key, provider=settings.PROVIDER,
                           start_hint="ledgerlink dinero connect")
    params = parse_callback(callback_url(redirect_url, pending.redirect_uri),
                            state=pending.state, provider=settings.PROVIDER)
    consume_pending(store, key)
    # The tokens wait in memory until an organisation is chosen; only then are they saved.
    held = MemoryTokenStore()
    with make_client(timeout=httpx.Timeout(TOKEN_TIMEOUT)) as client:
        token = exchange_code(client, settings.endpoints_for(base_url), credentials,
                              code=params["code"], redirect_uri=pending.redirect_uri,
                              store=held, key=_UNSAVED, provider=settings.PROVIDER)
        reached = _organisations(client, _api_origin(base_url), token.access_token)
    chosen = _choose(reached, wanted)
    document = held.load_token(_UNSAVED)
    assert document is not None  # exchange_code saved it
    store.save_token(token_key(chosen), document)
    return chosen, reached


def _organisations(client: httpx.Client, origin: str,
                   access_token: str) -> list[DineroOrganization]:
    """``GET /v1/organizations`` with a fresh access token."""
    try:
        response = client.get(origin + ORGANISATIONS_PATH,
                              headers={"Authorization": f"Bearer {access_token}",
                                       "Accept": "application/json"})
    except httpx.TransportError as exc:
        raise AuthError(f"the organisations list is unreachable ({type(exc).__name__}); "
                        f"nothing was saved, connect again", provider=settings.PROVIDER) from exc
    fault = parse_fault(response)
    if fault is not None or not response.is_success:
        said = fault.message if fault else response.reason_phrase
        # The fresh access token itself is scrubbed too, should Dinero quote it.
        said = KnownSecrets(access_token).scrub(redact_text(str(said)))
        raise AuthError(f"listing the organisations was refused: {said}; "
                        f"nothing was saved", provider=settings.PROVIDER,
                        status=response.status_code)
    operation = "list organisations"
    return WIRE.read_list(WIRE.body(response, operation=operation), DineroOrganization,
                          operation=operation, response=response)


def _choose(reached: list[DineroOrganization], wanted: str | None) -> str:
    """The organisation to save the grant for; AuthError when it cannot be told."""
    ids = [org.Id for org in reached]
    if not ids:
        raise AuthError("the grant reaches no Dinero organisation; nothing was saved",
                        provider=settings.PROVIDER)
    if wanted is not None:
        if wanted not in ids:
            raise AuthError(f"the grant does not reach organisation {wanted} (it reaches "
                            f"{', '.join(ids)}); nothing was saved", provider=settings.PROVIDER)
        return wanted
    if len(ids) == 1:
        return ids[0]
    _show(reached, None)
    try:
        return str(click.prompt("Organisation to connect", type=click.Choice(ids)))
    except click.Abort:
        raise AuthError("the grant reaches several organisations and none was chosen; "
                        "nothing was saved: connect again with --organisation-id",
                        provider=settings.PROVIDER) from None


def _show(reached: list[DineroOrganization], chosen: str | None) -> None:
    click.echo("Organisations this grant reaches:")
    for org in reached:
        mark = "*" if org.Id == chosen else " "
        plan = "" if org.IsPro is not False else "  (no Pro plan: the API refuses it)"
        click.echo(f" {mark} {org.Id}  {org.Name or ''}{plan}")


@dinero.command()
@organisation_option
@OPTIONS.client_id
@OPTIONS.client_secret
@OPTIONS.base_url
@OPTIONS.store
def organisations(organisation_id: str, client_id: str, client_secret: str,
                  base_url: str | None, store: str) -> None:
    """List the organisations a saved connection reaches (refreshing its token if due)."""
    _require_store(store)
    with refusals():
        book = DineroConnector(organisation_id=organisation_id, client_id=client_id,
                               client_secret=client_secret, store=store, base_url=base_url)
        try:
            reached = book.organisations()
        finally:
            book.close()
    _show(reached, organisation_id)


@dinero.command(help="Forget an organisation's tokens in the journal store. Visma Connect's "
                     "material shows no revocation endpoint, so nothing is revoked: the grant "
                     "lives on at Visma until it lapses or the user withdraws the app's access.")
@organisation_option
@OPTIONS.store
def disconnect(organisation_id: str, store: str) -> None:
    _require_store(store)
    with refusals(), journal(store) as opened:
        stored = opened.load_token(token_key(organisation_id)) or {}
        if not stored.get("refresh_token") and not stored.get("access_token"):
            raise AuthError(f"no Dinero organisation {organisation_id} is connected in "
                            f"{display_store(store)}", provider=settings.PROVIDER)
        forget_token(opened, token_key(organisation_id))
    click.echo(f"Disconnected Dinero organisation {organisation_id}; its tokens are removed "
               f"from {display_store(store)} (not revoked: Visma Connect offers no "
               f"revocation endpoint).")


@dinero.command()
@organisation_option
@OPTIONS.store
def status(organisation_id: str, store: str) -> None:
    """Say whether an organisation is connected in the journal store (no network, no secrets)."""
    _require_store(store)
    with journal(store) as opened:
        stored = opened.load_token(token_key(organisation_id))
    if not stored or not stored.get("refresh_token"):
        click.echo(f"Dinero organisation {organisation_id}: not connected in "
                   f"{display_store(store)}.")
        raise SystemExit(EXIT_REFUSED)
    lines = [f"Dinero organisation {organisation_id}: connected in {display_store(store)}."]
    lines += token_lifetime_lines(stored, time.time())
    lines.append("  refresh token: held (rotates on each refresh)")
    if stored.get("scope"):
        lines.append(f"  scopes: {stored['scope']}")
    click.echo("\n".join(lines))


def _require_store(store: str) -> None:
    """Refuse a journal path that does not exist (opening it would create an empty one)."""
    if "://" not in store and not os.path.exists(store):
        click.echo(f"error: no journal store at {store}", err=True)
        raise SystemExit(EXIT_REFUSED)
