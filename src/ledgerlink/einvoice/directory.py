"""Internal: the PEPPOL Directory's search API: business cards by participant, name,
country or identifier, and a weaker answer when the SML and SMP cannot be asked.

``GET {directory}/search/1.0/json?participant=...&name=...&country=...`` (all
terms must match; at most two queries a second, 429 beyond). The Directory is an
opt-in index that may be stale: absence there says nothing, and a listing is
reported as :attr:`~ledgerlink.einvoice.receiver.Reachability.LISTED_IN_DIRECTORY`,
never as ready. Entity names come as a string (the documentation's example)
or as a list of ``{name, language}`` (what the server's code writes); both are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
import httpx

from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.participants import ParticipantId
from ledgerlink.einvoice.receiver import DocumentAnswer, Reachability, ReceiverAnswer, Source
from ledgerlink.errors import DirectoryError

__all__ = ["DIRECTORY_URL", "DirectoryEntity", "DirectoryMatch", "PeppolDirectory",
           "directory_answer", "parse_search"]

#: The production PEPPOL Directory.
DIRECTORY_URL = "https://directory.peppol.eu"
#: The search API's JSON path.
SEARCH_PATH = "/search/1.0/json"


@attrs.frozen
class DirectoryEntity:
    """One business card entity.

    Attributes:
        name: Its name (the first one when several languages are given).
        country: ISO 3166 alpha-2 code.
        identifiers: Further identifiers as (scheme, value) pairs (``("DK:CVR", "12345674")``).
        websites: Its websites.
        geo_info: Free-text location.
        registered: The registration date as written (``YYYY-MM-DD``).
    """

    name: str
    country: str
    identifiers: tuple[tuple[str, str], ...] = ()
    websites: tuple[str, ...] = ()
    geo_info: str | None = None
    registered: str | None = None


@attrs.frozen
class DirectoryMatch:
    """One participant the search found.

    Attributes:
        participant: Its id text (``iso6523-actorid-upis::0184:12345674``).
        document_types: The document type ids it lists (``busdox-docid-qns::...``).
        entities: Its business entities.
    """

    participant: str
    document_types: tuple[str, ...]
    entities: tuple[DirectoryEntity, ...]


def _name(value: Any) -> str:
    if isinstance(value, list):
        names = [item.get("name", "") for item in value if isinstance(item, Mapping)]
        return next((name for name in names if name), "")
    return str(value or "")


def _identifier(item: Any) -> str:
    if not isinstance(item, Mapping):
        raise ValueError(f"an identifier should be an object, not {item!r}")
    return f"{item.get('scheme', '')}::{item.get('value', '')}"


def parse_search(body: Any) -> list[DirectoryMatch]:
    """The matches of a search answer (the JSON document, decoded).

    Raises:
        ValueError: not a search answer.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("matches", []), list):
        raise ValueError("not a PEPPOL Directory search answer (no 'matches' list)")
    matches = []
    for match in body.get("matches", []):
        entities = tuple(
            DirectoryEntity(
                name=_name(entity.get("name")), country=str(entity.get("countryCode", "")),
                identifiers=tuple((str(i.get("scheme", "")), str(i.get("value", "")))
                                  for i in entity.get("identifiers", [])),
                websites=tuple(str(w) for w in entity.get("websites", [])),
                geo_info=entity.get("geoInfo"), registered=entity.get("regDate"))
            for entity in match.get("entities", []))
        matches.append(DirectoryMatch(
            participant=_identifier(match.get("participantID")),
            document_types=tuple(_identifier(d) for d in match.get("docTypes", [])),
            entities=entities))
    return matches


@attrs.frozen
class PeppolDirectory:
    """The Directory's search API at ``base_url``, asked through ``http``."""

    http: httpx.Client
    base_url: str = DIRECTORY_URL

    def search(self, *, participant: ParticipantId | None = None, name: str | None = None,
               country: str | None = None, identifier_scheme: str | None = None,
               identifier_value: str | None = None, query: str | None = None,
               page_size: int = 20) -> list[DirectoryMatch]:
        """Participants matching every term given (``name`` matches in part, 3 letters or more).

        Raises:
            DirectoryError: the Directory could not be reached, refused the query
                (429 beyond two a second) or answered something unreadable.
        """
        terms = {"participant": str(participant) if participant else None, "name": name,
                 "country": country.upper() if country else None,
                 "identifierScheme": identifier_scheme, "identifierValue": identifier_value,
                 "q": query}
        params = {key: value for key, value in terms.items() if value}
        if not params:
            raise ValueError("a Directory search needs at least one term")
        params["rpc"] = str(page_size)
        url = self.base_url.rstrip("/") + SEARCH_PATH
        who = str(participant) if participant else None
        try:
            response = self.http.get(url, params=params)
        except httpx.HTTPError as err:
            raise DirectoryError(f"the PEPPOL Directory could not be reached "
                                 f"({type(err).__name__}: {err})", participant=who,
                                 url=url) from err
        if response.status_code != httpx.codes.OK:
            raise DirectoryError(f"the PEPPOL Directory answered HTTP {response.status_code}",
                                 participant=who, url=url)
        try:
            return parse_search(response.json())
        except (ValueError, AttributeError, TypeError) as err:
            raise DirectoryError(f"the PEPPOL Directory's answer is unreadable: {err}",
                                 participant=who, url=url) from err


def directory_answer(participant: ParticipantId, matches: list[DirectoryMatch],
                     now: datetime) -> ReceiverAnswer | None:
    """The answer a Directory listing gives for ``participant``, None when it is not listed."""
    mine = [m for m in matches if m.participant.lower() == str(participant).lower()]
    if not mine:
        return None
    listed = {document for match in mine for document in match.document_types}

    def answer(document: DocumentKind) -> DocumentAnswer:
        if document.document_id in listed:
            return DocumentAnswer(document, Reachability.LISTED_IN_DIRECTORY,
                                  f"the PEPPOL Directory lists the BIS Billing 3 "
                                  f"{document.label} (the SMP could not be asked)")
        return DocumentAnswer(document, Reachability.NOT_SUPPORTED,
                              f"the PEPPOL Directory's card does not list the BIS Billing 3 "
                              f"{document.label}")

    return ReceiverAnswer(participant, answer(DocumentKind.INVOICE),
                          answer(DocumentKind.CREDIT_NOTE), checked_at=now,
                          document_types=tuple(sorted(listed)), source=Source.DIRECTORY)

