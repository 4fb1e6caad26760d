"""SIRET numbers (French establishment identifiers): the one owner of their shape and check key.

A SIRET is 14 digits: the SIREN (9 digits, the company) and the NIC (5 digits, the establishment). Its
last digit is a Luhn check key over the 14 digits, except for La Poste's establishments (SIREN
356000000), whose SIRETs instead have a digit sum that is a multiple of 5 (INSEE's rule; the head
office, 356 000 000 00048, also passes the Luhn key).
"""

from __future__ import annotations

import re

LA_POSTE_SIREN = "356000000"
MESSAGE = "a SIRET: 14 digits whose check key is valid (Luhn; La Poste: digit sum a multiple of 5)"
_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]+")
# a number as a spreadsheet writes it in scientific form: 8,42157E+13, 8.42157E+13, 8.42157e13
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?\s*[eE]\s*\+?\d+")
SCIENTIFIC_HINT = (
    "le tableur a changé ce SIRET en nombre, écrit en notation scientifique, et en a perdu les derniers "
    "chiffres : formatez la colonne en texte et exportez de nouveau le fichier"
)


def scientific(text: str | None) -> bool:
    """Whether a SIRET as read is a number in scientific form (``8,42157E+13``): a spreadsheet took the
    column for numbers and kept 6 significant digits; the SIRET cannot be recovered from it."""
    return text is not None and _SCIENTIFIC.fullmatch(str(text).strip().replace("\u00a0", "")) is not None


def hint(text: str | None) -> str:
    """What to add to the message rejecting ``text`` as a SIRET: the spreadsheet's scientific form, or
    nothing (issue #24)."""
    return f" ; {SCIENTIFIC_HINT}" if scientific(text) else ""


def clean(text: str | None) -> str | None:
    """The SIRET as written, without the spaces, TABs, dots and dashes people put in it; None when empty."""
    if text is None:
        return None
    cleaned = _SEPARATORS.sub("", str(text))
    return cleaned or None


def luhn(digits: str) -> bool:
    """The Luhn check on a string of digits (every second digit from the right doubled)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_valid(siret: str | None) -> bool:
    """True for a well-formed SIRET (after :func:`clean`): 14 digits and a valid check key."""
    value = clean(siret)
    if value is None or len(value) != 14 or not value.isascii() or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(map(int, value)) % 5 == 0 or luhn(value)
    return luhn(value)
