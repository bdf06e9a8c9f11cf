"""Phone numbers, read in the customer's region.

A number with a country code means what it says. Without one it is read in the customer's
region, and only a number phonenumbers calls valid there counts. Failing that, the same
digits may be a valid number of another region the desk serves: taken when exactly one such
region fits (preferring regions that speak the customer's language), so a Taiwanese mobile
from a mainland customer is understood, while "(415) 555-0132" from an English speaker is
never dialled in China.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from dialogs.slots.regions import COMMON_REGIONS, languages_of
from dialogs.slots.text import MAX_SCAN, normalize
from dialogs.text_cache import text_cache

# Cheap gate: the phonenumbers matcher costs ~80 µs a region, so it runs only where 7+ digits
# could form a number, and not inside a code glued to letters ("JD20261118001", an order).
_PHONE_HINT = re.compile(r"(?<![A-Za-z0-9])\d[\d\s().\-]{5,}\d")

Found = tuple[str, tuple[int, int]]


def _matches(text: str, region: str, valid: bool) -> list[tuple[Any, int, int]]:
    import phonenumbers

    leniency = phonenumbers.Leniency.VALID if valid else phonenumbers.Leniency.POSSIBLE
    return [(m.number, m.start, m.end)
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency)]


def _e164(number: Any) -> str:
    import phonenumbers

    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _plausible_mobile(number: Any, written: str) -> bool:
    """A possible mobile of a served region, written with its country code or the way that
    region writes its own numbers ("07700 900123" in GB), starting like that region's mobiles.
    phonenumbers calls some real-looking ranges invalid (Ofcom keeps 07700 900xxx for
    fiction), yet a customer who writes a mobile this way means it."""
    import phonenumbers

    region = phonenumbers.region_code_for_country_code(number.country_code)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if region not in COMMON_REGIONS or example is None:
        return False
    if not phonenumbers.is_possible_number_for_type(number, phonenumbers.PhoneNumberType.MOBILE):
        return False
    national = str(number.national_number)
    if national[0] != str(example.national_number)[0]:
        return False
    digits = re.sub(r"\D", "", written)
    if written.lstrip().startswith("+"):
        return digits == f"{number.country_code}{national}"
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = (metadata.national_prefix if metadata else None) or ""
    return bool(prefix) and digits == prefix + national


def _is_mobile(number: Any) -> bool:
    import phonenumbers

    kind = phonenumbers.number_type(number)
    return kind in (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def find_phone(text: str, region: str) -> Found | None:
    """The first phone number in normalised `text` as (E.164, span), read as described in the
    module docstring."""
    if not _PHONE_HINT.search(text):
        return None
    return _find_phone(text, region.upper())


@text_cache(max_bytes=1024 * 1024, max_key_chars=200)
def _find_phone(text: str, region: str) -> Found | None:
    home = _matches(text, region, valid=True)
    if home:
        number, start, end = home[0]
        return _e164(number), (start, end)
    for number, start, end in _matches(text, region, valid=False):
        if _plausible_mobile(number, text[start:end]):
            return _e164(number), (start, end)
    return _elsewhere(text, region)


def _elsewhere(text: str, region: str) -> Found | None:
    """Digits valid in exactly one other served region; regions speaking the customer's
    language are asked first, so "07700 900123" from an English speaker is not a Chinese
    landline."""
    speaks = set(languages_of(region))
    others = [r for r in COMMON_REGIONS if r != region]
    near = [r for r in others if speaks & set(languages_of(r))] if speaks else others
    far = [r for r in others if r not in near]
    for group, lenient in ((near, False), (near, True), (far, False)):
        hits: dict[str, Found] = {}
        for other in group:
            for number, start, end in _matches(text, other, valid=not lenient):
                # A number with its own country code was already judged in the home region.
                if text[start:end].lstrip().startswith("+"):
                    continue
                if lenient and not _plausible_mobile(number, text[start:end]):
                    continue
                if group is far and not _is_mobile(number):
                    continue  # from abroad, a customer gives a mobile, not a landline there
                hits.setdefault(_e164(number), (_e164(number), (start, end)))
                break
        if len(hits) == 1:
            return next(iter(hits.values()))
        if len(hits) > 1:
            return None  # the digits dial somewhere different in each: ask instead of guessing
    return None


def parse_phone(text: str, region: str = "CN") -> str | None:
    """The first phone number in `text` as E.164 ("+8613800138000"), else None.

    Numbers without a country code are read in `region` (see `region_for`); "+1 …" overrides
    it."""
    found = find_phone(normalize(text)[:MAX_SCAN], region)
    return found[0] if found else None


@lru_cache(maxsize=32)
def phone_example(region: str) -> str:
    """A mobile number as `region` writes it ("0912 345 678" for TW), for prompts and hints;
    an international example when phonenumbers has none for the region."""
    import phonenumbers

    number = phonenumbers.example_number_for_type(
        region.upper(), phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+1 415 555 0134"
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
