"""The NIR (« numéro d'inscription au répertoire », the social-security number): the one owner of its shape
and check key, for the Caisse des Dépôts flux (issue #27) and the jury files that carry it.

A NIR is 13 characters — sex (1 or 2), year (2 digits), month (2 digits), department (2 digits, or 2A /
2B for Corsica), commune (3 digits), order number (3 digits) — optionally followed by its 2-digit key:
97 minus the 13-character number modulo 97, Corsica's 2A and 2B read as 19 and 18. A NIR of 13 characters
has no key to check; one of 15 characters has its key checked.

Nothing here keeps a NIR: callers turn it into a verdict (:func:`check`) and a keyed digest (the 13
characters, :func:`link_text`), and drop it. A verdict's text never quotes the NIR.
"""

from __future__ import annotations

import re

NIR_13 = re.compile(r"^[12][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}$")
_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]+")

VALID, MALFORMED, BAD_KEY = "valid", "malformed", "bad_key"
SHAPE_MESSAGE = (
    "a NIR of 13 characters (sex 1 or 2, year, month, department — 2A or 2B for Corsica —, commune, "
    "order number), with or without its 2-digit key"
)
KEY_MESSAGE = "a NIR whose key is 97 minus the 13-character number modulo 97 (2A read 19, 2B read 18)"
# what a defect column holds in place of the NIR (never the NIR itself: pipeline/load/sources/cdc.py)
MASKED = "(NIR masqué)"


def clean(text: str | None) -> str | None:
    """The NIR as written, without spaces, dots and dashes, in upper case; None when empty."""
    if text is None:
        return None
    cleaned = _SEPARATORS.sub("", str(text)).upper()
    return cleaned or None


def key(nir13: str) -> int:
    """The check key of a 13-character NIR (Corsica's 2A and 2B read as 19 and 18)."""
    number = int(nir13[:5] + {"2A": "19", "2B": "18"}.get(nir13[5:7], nir13[5:7]) + nir13[7:13])
    return 97 - number % 97


def check(text: str | None) -> str | None:
    """None when there is no NIR; else :data:`VALID`, :data:`MALFORMED` (not 13 characters of the shape,
    nor 15 with a 2-digit key) or :data:`BAD_KEY` (15 characters whose key is not the number's)."""
    value = clean(text)
    if value is None:
        return None
    if not value.isascii() or len(value) not in (13, 15) or not NIR_13.match(value[:13]):
        return MALFORMED
    if len(value) == 15:
        if not value[13:].isdigit():
            return MALFORMED
        if int(value[13:]) != key(value[:13]):
            return BAD_KEY
    return VALID


def link_text(text: str | None) -> str | None:
    """What is digested to link two files on a NIR (a valid one only): its 13 characters, prefixed so that
    its digest can never equal a candidate reference's."""
    return f"NIR:{clean(text)[:13]}" if check(text) == VALID else None


def with_key(nir13: str) -> str:
    """A 13-character NIR followed by its key (to write test files with fictional NIRs)."""
    return f"{nir13}{key(nir13):02d}"
