"""Individual pay: what may be read of one person's pay (docs/methodology.md M26, M27).

The warehouse keeps each answer's exact pay: the quartiles are computed from it, and a declaration's
recorded answers prove its figures. Nobody reads it back: the published snapshot that the dashboard,
the SQL page and ``insertion sql`` open holds each individual amount **banded** to :data:`PAY_BAND`
euros (rounded down: 31 234 € → 31 000 €; ``pipeline/warehouse/sql/snapshot.sql``), and the quarantine
and validation records show a band, never the amount as typed.
"""

from __future__ import annotations

import math

PAY_BAND = 1000  # euros
# pay quartiles are rounded to this many euros (half away from zero): with 4k + 1 answers a quartile of
# type 7 is one answer's amount, which rounding no longer gives back as typed (docs/methodology.md M27)
PAY_QUARTILE_STEP = 100

# the canonical columns of a survey batch that carry one person's amount (typed or as written)
PAY_FIELDS = ("gross_annual_pay", "gross_annual_pay_unparsed", "pay_amount", "pay_annual", "pay_monthly")
MASKED = "(montant masqué)"


def band(amount: float | None) -> float | None:
    """The amount rounded down to its band (31 234 → 31 000)."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return None
    return float(math.floor(amount / PAY_BAND) * PAY_BAND)


def band_text(amount: float | None) -> str:
    """« 31 000 à 31 999 € », or :data:`MASKED` for what is not a number."""
    low = band(amount)
    if low is None:
        return MASKED
    return f"{int(low):,} à {int(low) + PAY_BAND - 1:,} €".replace(",", "\u202f")
