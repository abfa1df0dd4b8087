"""Country names as Pipedrive's addresses hold them, as ISO 3166 alpha-2 codes.

An organization's ``address.country`` is a country *name* ("Denmark"), not a
code (NOTES §9). pycountry knows the English names, official names and codes;
the names a Nordic CRM user types in their own language are added here, since
pycountry's lookup knows only the English ones.
"""

from __future__ import annotations

import pycountry

__all__ = ["LOCAL_NAMES", "country_code"]

#: Names in the languages of the Nordic countries and their neighbours, lower-case.
LOCAL_NAMES = {
    "danmark": "DK", "sverige": "SE", "norge": "NO", "noreg": "NO", "suomi": "FI",
    "finland": "FI", "island": "IS", "ísland": "IS", "føroyar": "FO", "færøerne": "FO",
    "grønland": "GL", "kalaallit nunaat": "GL", "tyskland": "DE", "deutschland": "DE",
    "holland": "NL", "nederland": "NL", "the netherlands": "NL", "storbritannien": "GB",
    "england": "GB", "great britain": "GB", "frankrig": "FR", "polen": "PL",
    "österreich": "AT", "østrig": "AT", "schweiz": "CH", "belgien": "BE", "spanien": "ES",
    "italien": "IT", "usa": "US",
}


def country_code(name: str) -> str | None:
    """The alpha-2 code of ``name`` (a name, an official name or a code); None when unknown."""
    text = " ".join(name.split())
    if not text:
        return None
    local = LOCAL_NAMES.get(text.casefold())
    if local is not None:
        return local
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None
