"""Internal: ``ledgerlink einvoice``: can a customer receive PEPPOL e-invoices?

``ledgerlink einvoice lookup ORGNO [--country DK]`` asks the SML and the
receiver's SMP and prints, for the BIS Billing 3 invoice and credit note,
whether they can be sent and to which AS4 endpoint, or why not. A definite
answer ("not on PEPPOL" included) exits 0; a lookup that got no answer exits 1
with the error (as JSON with ``--json``), a number its register refuses exits 2.
``ledgerlink einvoice search`` searches the PEPPOL Directory's business cards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import click

from ledgerlink.cli.options import json_option

if TYPE_CHECKING:
    from ledgerlink.einvoice.lookup import LookupSettings

__all__ = ["dns_option", "einvoice", "lookup_settings", "sml_zone_option", "timeout_option"]

#: What is printed for each reachability, for people.
_VERDICT = {"ready": "can receive", "listed_in_directory": "listed in the PEPPOL Directory"}


def _dns(ctx: click.Context, param: click.Parameter, value: str | None
         ) -> tuple[str, int] | None:
    from ledgerlink.einvoice.lookup import parse_dns_address

    try:
        return parse_dns_address(value) if value else None
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ledgerlink.einvoice.sml import zone_named

    try:
        return zone_named(value) if value else None
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def lookup_settings(sml_zone: str | None, dns_server: tuple[str, int] | None,
                    timeout: float | None, *, directory_fallback: bool = False
                    ) -> LookupSettings:
    """The receiver lookup's settings: the environment's, then the command's options
    (``--sml-zone``, ``--dns``, ``--timeout``) over them.

    Raises:
        click.UsageError: the environment's PEPPOL settings do not hold.
    """
    from ledgerlink.einvoice.lookup import LookupSettings

    try:
        settings = LookupSettings.from_environment()
    except ValueError as err:
        raise click.UsageError(f"the PEPPOL settings in the environment: {err}") from None
    changes: dict[str, Any] = {"directory_fallback": directory_fallback}
    if sml_zone:
        changes["sml_zone"] = sml_zone
    if dns_server:
        changes.update(dns_server=dns_server[0], dns_port=dns_server[1])
    if timeout:
        changes.update(dns_timeout=timeout, http_timeout=timeout)
    return attrs.evolve(settings, **changes)


#: The options that say where the receiver lookup asks, for every command that looks up.
sml_zone_option = click.option(
    "--sml-zone", callback=_zone,
    help="SML DNS zone: production, test, or a zone name (default: production, or "
         "$LEDGERLINK_PEPPOL_SML_ZONE).")
dns_option = click.option("--dns", "dns_server", callback=_dns, metavar="HOST:PORT",
                          help="Ask this DNS server instead of the system's (the emulator's).")
timeout_option = click.option("--timeout", type=click.FloatRange(min=0.1),
                              help="Seconds for each DNS and HTTP request.")


@click.group()
def einvoice() -> None:
    """PEPPOL e-invoicing: can a customer receive BIS Billing 3 invoices?"""


@einvoice.command()
@click.argument("number", metavar="ORGNO")
@click.option("--country", default="DK", show_default=True,
              help="The number's country: DK (CVR), SE or NO (organisation numbers).")
@click.option("--scheme", help="The number's register instead: an ICD such as 0088 (GLN).")
@sml_zone_option
@dns_option
@timeout_option
@click.option("--directory", "directory_fallback", is_flag=True,
              help="Ask the PEPPOL Directory when the SML or SMP cannot be asked.")
@click.option("--cache", "cache_file", type=click.Path(dir_okay=False),
              help="Keep answers in this SQLite file until they expire.")
@json_option
def lookup(number: str, country: str, scheme: str | None, sml_zone: str | None,
           dns_server: tuple[str, int] | None, timeout: float | None,
           directory_fallback: bool, cache_file: str | None, as_json: bool) -> None:
    """Show whether ORGNO can receive BIS Billing 3 invoices and credit notes."""
    from ledgerlink.cli import output
    from ledgerlink.cli.errors import reported
    from ledgerlink.einvoice.lookup import ReceiverLookup
    from ledgerlink.einvoice.lookup_cache import SqliteLookupCache

    settings = lookup_settings(sml_zone, dns_server, timeout,
                               directory_fallback=directory_fallback)
    with reported(as_json):
        cache = SqliteLookupCache(cache_file) if cache_file else None
        with ReceiverLookup(settings, cache=cache) as receivers:
            answer = receivers.lookup_number(number, country, scheme=scheme)
    if as_json:
        output.emit_json(answer.to_json())
        return
    register = answer.participant.register
    named = f" ({register.label} {answer.participant.number})" if register else ""
    click.echo(f"Receiver {answer.participant}{named}")
    if answer.smp_url:
        click.echo(f"  SMP: {answer.smp_url}")
    click.echo(f"  Source: {answer.source.value}{' (cached)' if answer.cached else ''}, "
               f"checked {answer.checked_at.isoformat(timespec='seconds')}")
    for document in (answer.invoice, answer.credit_note):
        verdict = _VERDICT.get(document.reachability.value,
                               f"cannot receive ({document.reachability.value})")
        click.echo(f"  BIS Billing 3 {document.document.label}: {verdict}: {document.reason}")
        endpoint = document.endpoint
        if endpoint is not None:
            active = " - ".join(d.isoformat() if d else "open" for d in
                                (endpoint.activation, endpoint.expiration))
            certificate = "present" if endpoint.has_certificate else "missing"
            click.echo(f"    endpoint {endpoint.url} ({endpoint.transport_profile}), active "
                       f"{active}, certificate {certificate}")


@einvoice.command()
@click.option("--name", help="Part of the name (3 letters or more).")
@click.option("--country", help="ISO 3166 country code (DK, SE, NO...).")
@click.option("--participant", help="A participant id or organisation number with --country.")
@click.option("--directory-url", help="The Directory's base URL (default: the production "
              "Directory, or $LEDGERLINK_PEPPOL_DIRECTORY_URL).")
@json_option
def search(name: str | None, country: str | None, participant: str | None,
           directory_url: str | None, as_json: bool) -> None:
    """Search the PEPPOL Directory's business cards by name, country or participant."""
    import httpx

    from ledgerlink.cli import output
    from ledgerlink.cli.errors import reported
    from ledgerlink.einvoice.directory import PeppolDirectory
    from ledgerlink.einvoice.lookup import LookupSettings
    from ledgerlink.einvoice.participants import participant_for

    if not (name or country or participant):
        raise click.UsageError("give --name, --country or --participant")
    try:
        settings = LookupSettings.from_environment()
    except ValueError as err:
        raise click.UsageError(f"the PEPPOL settings in the environment: {err}") from None
    with reported(as_json):
        who = participant_for(participant, country) if participant else None
        with httpx.Client(timeout=settings.http_timeout) as http:
            directory = PeppolDirectory(http, directory_url or settings.directory_url)
            matches = directory.search(participant=who, name=name,
                                       country=None if who else country)
    if as_json:
        output.emit_json([attrs.asdict(match) for match in matches])
        return
    if not matches:
        click.echo("No business card matches (the Directory is opt-in: absence says "
                   "nothing about PEPPOL).")
    for match in matches:
        names = "; ".join(f"{e.name} ({e.country})" for e in match.entities)
        click.echo(f"{match.participant}: {names}; {len(match.document_types)} "
                   "document type(s)")
