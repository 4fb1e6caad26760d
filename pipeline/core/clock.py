"""The one clock: the day every rule that depends on « today » judges by.

Future dates, survey windows, days before a fiche's registration ends, the campaigns' open windows and
the dates written in file names all read :func:`today`. ``INSERTION_TODAY=aaaa-mm-jj`` sets it (tests,
replaying a past load); it is read at each call, never frozen at import.
"""

from __future__ import annotations

import os
from datetime import date


def fixed() -> date | None:
    """The day ``INSERTION_TODAY`` names, None when it names none."""
    text = os.environ.get("INSERTION_TODAY", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"INSERTION_TODAY={text!r} : date attendue au format aaaa-mm-jj") from exc


def today() -> date:
    """Today, or the day ``INSERTION_TODAY`` names."""
    return fixed() or date.today()
