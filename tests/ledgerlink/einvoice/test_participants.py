"""Participant ids from organisation numbers: PEPPOL's shape and case rules, the national
checks of python-stdnum, and the SML's hashed DNS names (the policy's test vectors)."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean
from stdnum.dk import cvr
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from ledgerlink.einvoice.participants import ParticipantId, participant_for
from ledgerlink.einvoice.sml import TEST_ZONE, naptr_name, zone_named
from ledgerlink.errors import ValidationError


def _complete(module: ModuleType, body: str) -> str | None:
    """``body`` with the check digit that makes it valid, None when no digit does."""
    return next((body + str(d) for d in range(10) if module.is_valid(body + str(d))), None)


def _numbers(module: ModuleType, first: str, length: int) -> st.SearchStrategy[str]:
    bodies = st.tuples(st.sampled_from(list(first)),
                       st.text("0123456789", min_size=length - 2, max_size=length - 2))
    completed = bodies.map(lambda parts: _complete(module, parts[0] + parts[1]))
    return completed.filter(lambda number: number is not None)  # type: ignore[return-value]


CVRS = _numbers(cvr, "123456789", 8)
SWEDISH = _numbers(se_orgnr, "0123456789", 10)
NORWEGIAN = _numbers(no_orgnr, "89", 9)
GLNS = _numbers(ean, "0123456789", 13)


@given(CVRS, st.sampled_from(["{n}", "DK{n}", "dk {n}", "{a} {b}"]))
def test_cvr_numbers_round_trip_in_any_written_form(number: str, form: str) -> None:
    """A valid CVR written with or without DK and spaces is 0184:<8 digits>, and its text
    form parses back to the same id."""
    written = form.format(n=number, a=number[:4], b=number[4:])
    participant = participant_for(written, "DK")
    assert str(participant) == f"iso6523-actorid-upis::0184:{number}"
    assert ParticipantId.parse(str(participant)) == participant


@given(SWEDISH, st.sampled_from(["{n}", "{a}-{b}", "SE{n}01"]))
def test_swedish_numbers_round_trip_from_the_vat_form_too(number: str, form: str) -> None:
    """A Swedish organisation number, bare, hyphenated or as its VAT number, is 0007:<10 digits>."""
    written = form.format(n=number, a=number[:6], b=number[6:])
    participant = participant_for(written, "se")
    assert participant.value == f"0007:{number}"
    assert ParticipantId.parse(participant.value) == participant


@given(NORWEGIAN, st.sampled_from(["{n}", "NO{n}MVA", "{a} {b} {c}"]))
def test_norwegian_numbers_round_trip_from_the_vat_form_too(number: str, form: str) -> None:
    """A Norwegian organisation number, bare, spaced or as NO…MVA, is 0192:<9 digits>."""
    written = form.format(n=number, a=number[:3], b=number[3:6], c=number[6:])
    participant = participant_for(written, "NO")
    assert participant.value == f"0192:{number}"
    assert ParticipantId.parse(str(participant).upper()) == participant


@given(GLNS)
def test_glns_round_trip_under_scheme_0088(number: str) -> None:
    """A GLN with a right check digit is 0088:<13 digits> whichever country it belongs to."""
    participant = participant_for(number, scheme="gln")
    assert participant == participant_for(number, "FR", scheme="0088")
    assert participant.value == f"0088:{number}"


@given(st.sampled_from([("DK", CVRS, "DK CVR number"),
                        ("SE", SWEDISH, "SE organisation number"),
                        ("NO", NORWEGIAN, "NO organisation number")]).flatmap(
    lambda chosen: st.tuples(st.just(chosen[0]), chosen[1], st.just(chosen[2]))),
       st.integers(min_value=0), st.integers(min_value=1, max_value=9))
def test_a_number_with_one_digit_changed_is_refused_naming_number_and_field(
        chosen: tuple[str, str, str], position: int, shift: int) -> None:
    """Changing any one digit of a valid number breaks its check: refused with the number,
    the register and the field ``organisation_number`` named."""
    country, number, label = chosen
    index = position % len(number)
    wrong = number[:index] + str((int(number[index]) + shift) % 10) + number[index + 1:]
    with pytest.raises(ValidationError) as refused:
        participant_for(wrong, country)
    assert refused.value.field == "organisation_number"
    assert repr(wrong) in str(refused.value) and label in str(refused.value)


@pytest.mark.parametrize(("number", "country", "field", "words"), [
    ("1234567", "DK", "organisation_number", "it has 7 digits, not 8"),
    ("ABCDEFGH", "DK", "organisation_number", "should be 8 digits"),
    ("02345678", "DK", "organisation_number", "DK CVR number"),
    ("12345674", "FR", "country", "no PEPPOL participant scheme for 'FR'"),
    ("12345674", None, "country", "which country"),
])
def test_numbers_that_cannot_be_a_participant_say_why(number: str, country: str | None,
                                                      field: str, words: str) -> None:
    """Wrong lengths, letters, a leading 0 in a CVR and unknown countries are refused by field."""
    with pytest.raises(ValidationError, match=words) as refused:
        participant_for(number, country)
    assert refused.value.field == field


def test_participant_ids_follow_the_policy_on_case_and_shape() -> None:
    """The scheme is case-insensitive, values are lower-cased, and POLICY 1's shape is enforced."""
    assert ParticipantId.parse("ISO6523-ACTORID-UPIS::9915:Test").number == "test"
    assert ParticipantId.parse("9915:ABC") == ParticipantId.parse("iso6523-actorid-upis::9915:abc")
    for bad in ("iso6523-actorid-upis::915:x", "iso6523-actorid-upis::9915:", "9915:a b",
                "other-scheme-x::9915:test", "9915:" + "x" * 131):
        with pytest.raises(ValidationError) as refused:
            ParticipantId.parse(bad)
        assert refused.value.field == "participant_id"
    assert ParticipantId.parse("0184:12345674").percent_encoded() == (
        "iso6523-actorid-upis%3A%3A0184%3A12345674")


@pytest.mark.parametrize(("value", "label"), [
    ("0088:123abc", "y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq"),
    ("0088:123ABC", "y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq"),
    ("0010:5798000000001", "xukhfqabqziki3ykvr2fhr4snfa3pf5vpq6k4tonv3lmvsy5arvq"),
    ("0088:1234567890123", "sjsyvccmqyjxk3weuapffq4x3umcrf4qryherj4vovhmonh7gccq"),
])
def test_the_sml_name_is_the_policys_sha256_base32_hash(value: str, label: str) -> None:
    """The DNS names match PEPPOL's published test vectors, whatever the value's case."""
    icd, _, number = value.partition(":")
    assert naptr_name(ParticipantId(icd, number), TEST_ZONE) == (
        f"{label}.iso6523-actorid-upis.participant.sml.test.tech.peppol.org")


def test_zones_are_named_or_given() -> None:
    """``production`` and ``test`` name OpenPeppol's zones; other DNS names pass; junk fails."""
    assert zone_named("production") == "participant.sml.prod.tech.peppol.org"
    assert zone_named("EC-Test") == "acc.edelivery.tech.ec.europa.eu"
    assert zone_named("sml.example.org.") == "sml.example.org"
    with pytest.raises(ValueError, match="not an SML zone"):
        zone_named("not a zone!")
