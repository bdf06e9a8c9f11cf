"""Text as the slot parsers read it: normalised, bounded, and with found details blanked out."""

from __future__ import annotations

import re
import unicodedata

# Details sit in the first lines; scanning a pasted novel would only cost time.
MAX_SCAN = 5000

_HSPACE = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r" ?\n[\s]*")
HAN = re.compile(r"[\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), drop control and format characters
    except newline/tab, collapse runs of whitespace. For understanding text, not for keeping
    it: the customer's own words are kept with `clean`."""
    if not text:
        return ""
    return clean(unicodedata.normalize("NFKC", text))


def clean(text: str) -> str:
    """The customer's words as written, minus what cannot be shown: control and format
    characters (other than newline and tab) and runs of blank space."""
    if not text:
        return ""
    if text.isprintable():  # the common case: nothing to drop, at C speed
        return _HSPACE.sub(" ", text).strip()
    # Category C covers controls, bidi overrides and zero-width characters: none carry data.
    text = "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )
    text = _HSPACE.sub(" ", text)
    return _LINE_BREAKS.sub("\n", text).strip()


def blank(text: str, span: tuple[int, int] | None) -> str:
    """Replace a found detail with spaces so its digits are not read again as something else."""
    if span is None:
        return text
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]
