"""Internal: PEPPOL participant ids from organisation numbers (``0184:12345674``).

A participant id is the scheme ``iso6523-actorid-upis``, ``::``, then a value
``ICD:number``: the four-digit ISO 6523 code of the number's register and the
number itself. The PEPPOL Policy for use of Identifiers (POLICY 1) fixes the
value's shape (four digits, a colon, then at most 130 of ``A-Z a-z 0-9 - . _ ~``)
and makes ids of this scheme case-insensitive, so values are kept in lower case
(the SML hashes and the SMP URL are built from the lower-cased value).

The registers ledgerlink knows are checked with python-stdnum, and their
numbers are stored as the code lists define them, without a country prefix:

=====  =======================  ==========================================
ICD    number                   accepted as (besides the bare number)
=====  =======================  ==========================================
0184   DK CVR, 8 digits         ``DK12345674``, ``DK 12 34 56 74``
0007   SE organisationsnummer   ``556188-8404``, VAT form ``SE556188840401``
0192   NO organisasjonsnummer   ``988 077 917``, VAT form ``NO988077917MVA``
0088   GS1 GLN, 13 digits       spaces
=====  =======================  ==========================================

Other ICDs are accepted in a full participant id (:meth:`ParticipantId.parse`)
with the policy's shape checked but no national check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from urllib.parse import quote

import attrs
from stdnum import ean
from stdnum.dk import cvr
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from ledgerlink.errors import ValidationError

__all__ = [
    "PARTICIPANT_SCHEME",
    "SCHEMES",
    "IdentifierScheme",
    "ParticipantId",
    "participant_for",
]

#: The participant identifier scheme of every PEPPOL business id.
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
#: Between scheme and value in a participant id's text form.
SEPARATOR = "::"
#: POLICY 1 (PFUOI 4.4): ICD, colon, then at most 130 characters.
MAX_VALUE_LENGTH = 4 + 1 + 130
#: POLICY 1's value shape (strict): four digits, a colon, then unreserved URI characters.
_VALUE = re.compile(r"^[0-9]{4}:[A-Za-z0-9._~-]+$")
#: The field a refused organisation number is reported under.
FIELD = "organisation_number"


@attrs.frozen
class IdentifierScheme:
    """One register whose numbers identify PEPPOL participants.

    Attributes:
        icd: The ISO 6523 code (``"0184"``).
        label: What the number is called, for messages (``"DK CVR number"``).
        country: The ISO 3166 country whose register it is; None for GLN.
        digits: How many digits its numbers have.
        checker: The python-stdnum module that validates them.
        strip: Turns what people write (VAT forms, prefixes) into the bare number.
    """

    icd: str
    label: str
    country: str | None
    digits: int
    checker: ModuleType
    strip: Callable[[str], str]

    def validate(self, number: str) -> str:
        """The bare number, checked; refuses it with a message naming number and register.

        Raises:
            ValidationError: not a valid number of this register (field ``organisation_number``).
        """
        bare = self.strip("".join(number.split()).upper())
        why = None
        if not bare.isdigit():
            why = f"it should be {self.digits} digits"
        elif len(bare) != self.digits:
            why = f"it has {len(bare)} digits, not {self.digits}"
        else:
            try:
                self.checker.validate(bare)
            except InvalidChecksum:
                why = "its check digit is wrong"
            except InvalidLength:
                why = f"it should be {self.digits} digits"
            except StdnumError as err:
                why = f"python-stdnum refuses it ({err})"
        if self.icd == "0184" and why is None and bare.startswith("0"):
            why = "a CVR number does not start with 0"
        if why is not None:
            raise ValidationError(f"{number!r} is not a valid {self.label}: {why}",
                                  field=FIELD, value=number)
        return bare


def _drop_prefix(prefix: str, suffix: str = "") -> Callable[[str], str]:
    """Strip a VAT form's country prefix (and suffix) when the rest is digits."""
    def strip(text: str) -> str:
        if text.startswith(prefix) and text.endswith(suffix):
            rest = text[len(prefix):len(text) - len(suffix)]
            return rest if rest.replace("-", "").isdigit() else text
        return text
    return strip


def _swedish(text: str) -> str:
    text = text.replace("-", "")
    # The VAT form is SE, the ten-digit organisation number, then 01.
    if text.startswith("SE") and len(text) == 14 and text.endswith("01"):
        return text[2:12]
    return _drop_prefix("SE")(text)


SCHEMES: dict[str, IdentifierScheme] = {scheme.icd: scheme for scheme in (
    IdentifierScheme("0184", "DK CVR number", "DK", 8, cvr, _drop_prefix("DK")),
    IdentifierScheme("0007", "SE organisation number", "SE", 10, se_orgnr, _swedish),
    IdentifierScheme("0192", "NO organisation number", "NO", 9, no_orgnr,
                     _drop_prefix("NO", "MVA")),
    IdentifierScheme("0088", "GLN (GS1 Global Location Number)", None, 13, ean, str),
)}
#: The register a country's organisation numbers are looked up under.
COUNTRY_SCHEMES = {scheme.country: scheme for scheme in SCHEMES.values() if scheme.country}
#: Names accepted for ``scheme`` besides the ICD itself.
SCHEME_NAMES = {"cvr": "0184", "dk:cvr": "0184", "orgnr": "0007", "se:orgnr": "0007",
                "no:org": "0192", "gln": "0088"}


@attrs.frozen
class ParticipantId:
    """A PEPPOL participant of scheme ``iso6523-actorid-upis``.

    Attributes:
        icd: The ISO 6523 code of the number's register (``"0184"``).
        number: The number in that register, lower-cased (``"12345674"``).
    """

    icd: str
    number: str

    @property
    def value(self) -> str:
        """The identifier value, ``ICD:number`` (what the SML hashes)."""
        return f"{self.icd}:{self.number}"

    @property
    def scheme(self) -> str:
        """The identifier scheme, always ``iso6523-actorid-upis``."""
        return PARTICIPANT_SCHEME

    @property
    def register(self) -> IdentifierScheme | None:
        """The register ledgerlink knows this ICD as, if it does."""
        return SCHEMES.get(self.icd)

    def __str__(self) -> str:
        return f"{PARTICIPANT_SCHEME}{SEPARATOR}{self.value}"

    def percent_encoded(self) -> str:
        """The whole id percent-encoded, as one path segment of an SMP URL."""
        return quote(str(self), safe="")

    @classmethod
    def parse(cls, text: str) -> ParticipantId:
        """Read ``iso6523-actorid-upis::0184:12345674`` or ``0184:12345674``.

        The scheme is compared case-insensitively and the value lower-cased
        (POLICY 1 makes this scheme case-insensitive); a known register's
        number is checked as :func:`participant_for` checks it.

        Raises:
            ValidationError: another scheme, a value not of POLICY 1's shape, or
                a number its register refuses (field ``participant_id``).
        """
        given = text.strip()
        scheme, separator, value = given.rpartition(SEPARATOR)
        if separator and scheme.lower() != PARTICIPANT_SCHEME:
            raise ValidationError(f"{text!r}: the participant scheme must be "
                                  f"{PARTICIPANT_SCHEME!r}, not {scheme!r}",
                                  field="participant_id", value=text)
        if len(value) > MAX_VALUE_LENGTH or not _VALUE.match(value):
            raise ValidationError(f"{text!r} is not a participant id: the value must be four "
                                  "digits, ':' and at most 130 of A-Z a-z 0-9 - . _ ~",
                                  field="participant_id", value=text)
        icd, _, number = value.partition(":")
        register = SCHEMES.get(icd)
        if register is not None:
            try:
                number = register.validate(number)
            except ValidationError as err:
                raise ValidationError(err.message, field="participant_id", value=text) from None
        return cls(icd, number.lower())


def participant_for(number: str, country: str | None = None, *,
                    scheme: str | None = None) -> ParticipantId:
    """The participant id of organisation ``number`` of ``country`` (or in register ``scheme``).

    ``country`` picks the register (DK → CVR 0184, SE → 0007, NO → 0192);
    ``scheme`` names it instead (an ICD such as ``"0088"``, or ``"gln"``). A
    ``number`` that is already a participant id (``0184:12345674`` or with the
    ``iso6523-actorid-upis::`` scheme) is read as one.

    Raises:
        ValidationError: a number its register refuses (the message names the
            number and the register; field ``organisation_number``), or no
            register for that country or scheme (field ``country`` / ``scheme``).
    """
    stripped = number.strip()
    if SEPARATOR in stripped or re.match(r"^[0-9]{4}:", stripped):
        return ParticipantId.parse(stripped)
    if scheme is not None:
        icd = SCHEME_NAMES.get(scheme.strip().lower(), scheme.strip())
        register = SCHEMES.get(icd)
        if register is None:
            known = ", ".join(f"{s.icd} ({s.label})" for s in SCHEMES.values())
            raise ValidationError(f"no participant scheme {scheme!r} here; known: {known}",
                                  field="scheme", value=scheme)
    else:
        if not country:
            raise ValidationError(f"{number!r}: which country's organisation number is it? "
                                  "Give the country (DK, SE, NO) or the scheme (0088 for GLN)",
                                  field="country", value=country)
        found = COUNTRY_SCHEMES.get(country.strip().upper())
        if found is None:
            known = ", ".join(sorted(COUNTRY_SCHEMES))
            raise ValidationError(f"no PEPPOL participant scheme for {country!r} organisation "
                                  f"numbers here (known: {known}; a GLN works for any "
                                  "country with scheme 0088)", field="country", value=country)
        register = found
    return ParticipantId(register.icd, register.validate(number).lower())
