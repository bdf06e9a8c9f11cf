"""The words a ticket is found by, the same on both databases.

Chinese has no spaces between words and no word segmenter is worth its dictionary here, so
every run of Han characters is indexed as its overlapping character bigrams (订单号 → 订单,
单号) plus the run's last character alone; a query's runs become the same bigrams, all of
which must be present. A one-character query matches any term that starts with it (the last
character alone is what makes that work at the end of a run). Traditional characters are made
Simplified first, so a zh-TW query finds zh-CN text and back. Latin words and numbers are
lower-cased words, matched by prefix ("refun" finds "refund"); a word mixing letters and
digits (an order number, "JD123456") is also indexed by its digits alone.

The terms are plain tokens without punctuation, so each database stores them verbatim (SQLite
FTS5's unicode61 tokenizer splits on the spaces, PostgreSQL takes them as a tsvector's
lexemes) and neither database's own word rules, nor its locale, change what matches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from dialogs.language import to_simplified

# Han ideographs (the basic block and extension A, and the compatibility block) are read as
# Chinese; everything else that is a letter or a digit makes Latin-style words.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
_IS_HAN = re.compile(rf"[{_HAN}]")
_DIGITS = re.compile(r"\d+")
# A query of only digits and the signs phone numbers are written with is one number.
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]{6,}$")
# A ticket number, whole or its start (C-20261124-0001, c-20261124-00): one compact term, not
# three words of which "c" alone would start half the words in the index.
_TICKET_LIKE = re.compile(r"^[a-z]{1,8}-\d{8}(-\d*)?$")
# More terms than this from one query are not worth the database's time (a pasted paragraph).
MAX_QUERY_TERMS = 24


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    prefix: bool


def normalise(text: str) -> str:
    """Full-width forms folded (NFKC), lower case, Traditional Chinese made Simplified."""
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def _han_terms(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_terms(*texts: str | None) -> str:
    """The terms of some texts, space-separated, each once, for the index."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for token in _TOKEN.findall(normalise(text)):
            if _IS_HAN.match(token):
                seen.update(dict.fromkeys(_han_terms(token)))
                continue
            seen[token] = None
            if not token.isdigit() and any(ch.isdigit() for ch in token):
                seen.update(dict.fromkeys(_DIGITS.findall(token)))
    return " ".join(seen)


def number_term(number: str) -> str:
    """A ticket number as one term: c202611240001."""
    return "".join(ch for ch in normalise(number) if ch.isalnum())


def phone_terms(phone: str | None, region: str | None = None) -> str:
    """A phone number as people type it: in full with its country code, as dialled at home
    (the trunk prefix, 0 in the UK and mainland China), and without either."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    forms = {digits}
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return digits
    national = str(parsed.national_number)
    forms.add(national)
    home = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms.add("".join(ch for ch in home if ch.isdigit()))
    return " ".join(sorted(f for f in forms if f))


def query_terms(query: str) -> list[Term]:
    """What a query asks for: every term must be found in one ticket's field or message."""
    text = normalise(query.strip())
    if _PHONE_LIKE.match(text):
        return [Term("".join(ch for ch in text if ch.isdigit()), True)]
    if _TICKET_LIKE.match(text):
        return [Term(number_term(text), True)]
    terms: dict[Term, None] = {}
    for token in _TOKEN.findall(text):
        if _IS_HAN.match(token):
            if len(token) == 1:
                terms[Term(token, True)] = None
            else:
                terms.update(dict.fromkeys(
                    Term(token[i:i + 2], False) for i in range(len(token) - 1)))
        else:
            terms[Term(token, True)] = None
    return list(terms)[:MAX_QUERY_TERMS]


def needles(query: str) -> list[str]:
    """What to mark in a snippet: the query's words and Chinese runs, normalised, longest
    first so a longer match is marked whole."""
    text = normalise(query.strip())
    if _PHONE_LIKE.match(text):
        return ["".join(ch for ch in text if ch.isdigit())]
    if _TICKET_LIKE.match(text):
        return [text]
    return sorted(set(_TOKEN.findall(text)), key=len, reverse=True)
