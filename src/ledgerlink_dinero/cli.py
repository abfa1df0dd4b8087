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

import time
import webbrowser
from typing import TYPE_CHECKING

import click
import httpx

from ledgerlink.cli.asking import confirm, yes_option
from ledgerlink.cli.connect import (
    ask_redirect,
    callback_url,
    consume_pending,
    display_store,
    forget_token,
    journal,
    load_pending,
    oauth_options,
    refusals,
    require_store,
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
@json_option
def connect(client_id: str, client_secret: str, redirect_uri: str | None,
            organisation_id: str | None, response_mode: str, base_url: str | None, store: str,
            redirect_url: str | None, open_browser: bool, as_json: bool) -> None:
    """Authorise ledgerlink for an organisation and save its tokens in the journal store.

    Without --redirect-url: prints the consent URL and asks for the URL the
    browser lands on afterwards. With it: finishes the connection started
    earlier with the same --client-id and --store. Lists the organisations the
    grant reaches and saves it for one of them (--organisation-id, the only
    one, or the one chosen at the prompt). With --json nothing is asked: the
    consent URL is printed as JSON, and --organisation-id is needed when the
    grant reaches several organisations.
    """
    if redirect_url is None and not redirect_uri:
        raise click.UsageError(f"--redirect-uri (or ${REDIRECT_URI_ENV}) is needed to start "
                               f"connecting")
    credentials = ClientCredentials(client_id, client_secret)
    host = f" --base-url {base_url}" if base_url else ""
    finish = f"ledgerlink dinero connect --store {display_store(store)}{host}"
    with refusals(as_json), journal(store) as opened:
        if redirect_url is None:
            assert redirect_uri is not None  # checked above
            url, state = authorization_url(settings.endpoints_for(base_url), credentials,
                                           redirect_uri=redirect_uri,
                                           response_mode=response_mode)
            save_pending(opened, pending_key(client_id), state=state, redirect_uri=redirect_uri)
            if open_browser:
                webbrowser.open(url)
            if as_json:
                say(True, {"authorization_url": url,
                           "finish_with": f"{finish} --redirect-url URL"}, "")
                return
            click.echo(f"Open this URL, sign in and allow access to Dinero:\n\n  {url}\n")
            redirect_url = ask_redirect(finish)
        chosen, reached = _finish(opened, credentials, base_url, redirect_url, organisation_id,
                                  ask=not as_json)
    if as_json:
        say(True, {"organisation_id": chosen, "connected": True, "store": display_store(store),
                   "organisations": _organisations_json(reached)}, "")
        return
    _show(reached, chosen)
    click.echo(f"\nConnected Dinero organisation {chosen}; tokens saved in "
               f"{display_store(store)}.")
    click.echo(f"Use it with: ledgerlink run --connector dinero -o organisation_id={chosen} "
               f"-o client_id=... -o client_secret=... --store {display_store(store)} ...")


def _finish(store: Store, credentials: ClientCredentials, base_url: str | None,
            redirect_url: str, wanted: str | None, *,
            ask: bool) -> tuple[str, list[DineroOrganization]]:
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
    chosen = _choose(reached, wanted, ask=ask)
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


def _choose(reached: list[DineroOrganization], wanted: str | None, *, ask: bool) -> str:
    """The organisation to save the grant for; AuthError when it cannot be told
    (several reached, none named, and ``ask`` false or the prompt aborted)."""
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
    try:
        if not ask:
            raise click.Abort
        _show(reached, None)
        return str(click.prompt("Organisation to connect", type=click.Choice(ids)))
    except click.Abort:
        raise AuthError("the grant reaches several organisations and none was chosen; "
                        "nothing was saved: connect again with --organisation-id",
                        provider=settings.PROVIDER) from None


def _organisations_json(reached: list[DineroOrganization]) -> list[dict[str, object]]:
    return [{"id": org.Id, "name": org.Name, "is_pro": org.IsPro} for org in reached]


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
@json_option
def organisations(organisation_id: str, client_id: str, client_secret: str,
                  base_url: str | None, store: str, as_json: bool) -> None:
    """List the organisations a saved connection reaches (refreshing its token if due)."""
    with refusals(as_json):
        require_store(store)
        book = DineroConnector(organisation_id=organisation_id, client_id=client_id,
                               client_secret=client_secret, store=store, base_url=base_url)
        try:
            reached = book.organisations()
        finally:
            book.close()
    if as_json:
        say(True, {"organisations": _organisations_json(reached)}, "")
    else:
        _show(reached, organisation_id)


@dinero.command(help="Forget an organisation's tokens in the journal store. Visma Connect's "
                     "material shows no revocation endpoint, so nothing is revoked: the grant "
                     "lives on at Visma until it lapses or the user withdraws the app's access. "
                     "Asks first, or --yes.")
@organisation_option
@OPTIONS.store
@yes_option
@json_option
def disconnect(organisation_id: str, store: str, yes: bool, as_json: bool) -> None:
    with refusals(as_json):
        require_store(store)
        with journal(store) as opened:
            stored = opened.load_token(token_key(organisation_id)) or {}
            if not stored.get("refresh_token") and not stored.get("access_token"):
                raise AuthError(f"no Dinero organisation {organisation_id} is connected in "
                                f"{display_store(store)}", provider=settings.PROVIDER)
            confirm(f"disconnect Dinero organisation {organisation_id}", yes=yes,
                    as_json=as_json,
                    detail=f"Its tokens are removed from {display_store(store)}.")
            forget_token(opened, token_key(organisation_id))
    say(as_json, {"organisation_id": organisation_id, "disconnected": True, "revoked": False,
                  "store": display_store(store)},
        f"Disconnected Dinero organisation {organisation_id}; its tokens are removed from "
        f"{display_store(store)} (not revoked: Visma Connect offers no revocation endpoint).")


@dinero.command()
@organisation_option
@OPTIONS.store
@json_option
def status(organisation_id: str, store: str, as_json: bool) -> None:
    """Say whether an organisation is connected in the journal store (no network, no secrets).

    Exits 1 when it is not connected.
    """
    stored = token_status(store, token_key(organisation_id), as_json=as_json,
                          ids={"organisation_id": organisation_id},
                          name=f"Dinero organisation {organisation_id}")
    if stored is None:
        return
    lines = [f"Dinero organisation {organisation_id}: connected in {display_store(store)}."]
    lines += token_lifetime_lines(stored, time.time())
    lines.append("  refresh token: held (rotates on each refresh)")
    if stored.get("scope"):
        lines.append(f"  scopes: {stored['scope']}")
    click.echo("\n".join(lines))
