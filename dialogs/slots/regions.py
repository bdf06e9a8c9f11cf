"""Where a customer is, as far as their locale tells: the region that decides how a phone
number without a country code, a bare "元" or "$", and a date like "1/12" are read.

Locales come from the dialog ("en", "zh-CN", "zh-TW") or from Telegram's language_code
("en-GB", "zh-hant"); Babel parses both and knows each language's likely region.
"""

from __future__ import annotations

from functools import lru_cache

# The regions the desk serves. Languages are ours, not Babel's: Babel lists no official
# language for the US, and Hong Kong customers write both.
COMMON_REGIONS = ("US", "GB", "TW", "HK", "CN")
_LANGUAGES = {"US": ("en",), "GB": ("en",), "HK": ("zh", "en"), "TW": ("zh",), "CN": ("zh",)}


@lru_cache(maxsize=256)
def _parse(locale: str) -> tuple[str, str | None, str | None]:
    """(language, script, territory) of a locale tag, or ("", None, None)."""
    from babel import Locale, UnknownLocaleError

    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return "", None, None
    return parsed.language, parsed.script, parsed.territory


def language_of(locale: str | None) -> str:
    return _parse(locale)[0] if locale else ""


def territory_of(locale: str | None) -> str | None:
    """The region a locale names ("zh-TW" → "TW"); a script implies one ("zh-Hant" → "TW")."""
    if not locale:
        return None
    language, script, territory = _parse(locale)
    if territory:
        return territory
    if script == "Hant" and language == "zh":
        return "TW"
    return None


@lru_cache(maxsize=64)
def _likely_region(language: str) -> str | None:
    from babel.core import get_global

    subtags = str(get_global("likely_subtags").get(language, ""))
    region = subtags.split("_")[-1] if subtags.count("_") >= 1 else ""
    return region if len(region) == 2 and region.isupper() else None


def languages_of(region: str) -> tuple[str, ...]:
    return _LANGUAGES.get(region.upper(), ())


def region_for(locale: str | None, language_code: str | None, default: str) -> str:
    """The region to read a customer's numbers in: their locale's ("zh-TW" → TW), else their
    Telegram language_code's ("en-GB" → GB), else `default` (PHONE_REGION) when its people
    speak the customer's language, else where that language is most spoken ("en" → US):
    an English speaker with no region is not assumed to dial from China."""
    for tag in (locale, language_code):
        if region := territory_of(tag):
            return region
    default = default.upper()
    language = language_of(locale) or language_of(language_code)
    if not language or language in languages_of(default) or not languages_of(default):
        return default
    return _likely_region(language) or default
