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
