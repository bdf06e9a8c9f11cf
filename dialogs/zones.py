"""A time zone as a customer says it: "北京时间", "台北時間", "UK time", never "Asia/Shanghai".

A promise without a zone, or with an IANA identifier, is a promise the customer cannot check.
Babel (CLDR) knows every zone's localised name; the few zones our customers live in get the
words people actually use, which CLDR's generic names ("中国时间", "British Time") are not.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import Locale
from babel.dates import get_timezone, get_timezone_gmt, get_timezone_name

# Our locales as CLDR names them; en-GB because the bot writes "Mon 30 Nov", day first.
_BABEL_LOCALE = {"en": "en_GB", "zh-CN": "zh_Hans_CN", "zh-TW": "zh_Hant_TW"}

# The everyday words, by zone and locale; CLDR's names are the fallback for every other zone.
_SAID = {
    "Asia/Shanghai": {"en": "Beijing time", "zh-CN": "北京时间", "zh-TW": "北京時間"},
    "Asia/Chongqing": {"en": "Beijing time", "zh-CN": "北京时间", "zh-TW": "北京時間"},
    "Asia/Harbin": {"en": "Beijing time", "zh-CN": "北京时间", "zh-TW": "北京時間"},
    "PRC": {"en": "Beijing time", "zh-CN": "北京时间", "zh-TW": "北京時間"},
    "Asia/Taipei": {"en": "Taiwan time", "zh-CN": "台北时间", "zh-TW": "台北時間"},
    "ROC": {"en": "Taiwan time", "zh-CN": "台北时间", "zh-TW": "台北時間"},
    "Asia/Hong_Kong": {"en": "Hong Kong time", "zh-CN": "香港时间", "zh-TW": "香港時間"},
    "Europe/London": {"en": "UK time", "zh-CN": "英国时间", "zh-TW": "英國時間"},
    "GB": {"en": "UK time", "zh-CN": "英国时间", "zh-TW": "英國時間"},
}
# CLDR calls UTC "Unknown Region (UTC) Time"; "UTC" is what everyone writes, in any language.
_UTC = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu",
        "GMT", "Etc/GMT", "Etc/Greenwich", "Greenwich", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0"}


def babel_locale(locale: str) -> Locale:
    return Locale.parse(_BABEL_LOCALE.get(locale, "en_GB"))


@lru_cache(maxsize=64)
def zone_name(timezone: str, locale: str) -> str:
    """The zone `timezone` (an IANA name) in the words of `locale`."""
    said = _SAID.get(timezone, {})
    if locale in said:
        return said[locale]
    if timezone in _UTC:
        return "UTC"
    tz = get_timezone(timezone)
    # The generic name ("Eastern Time", "日本时间") holds across summer time; a zone CLDR has no
    # name for comes back as a region guess or its identifier, and an offset says more then.
    name = get_timezone_name(tz, "long", locale=babel_locale(locale), zone_variant="generic")
    if "/" in name or "Unknown" in name or "未知" in name or "(" in name or "（" in name:
        gmt = get_timezone_gmt(datetime.now(tz), "long", locale="en")
        return gmt.replace("GMT", "UTC")
    return name
