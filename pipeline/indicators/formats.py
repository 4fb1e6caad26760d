"""French number formats, one place for every output (dashboard, CLI, renewal pack HTML, publication):
« 1 234 », « 88 % », « 29/33 », « IC 95 % : 71,2–94,1 % », dates jj/mm/aaaa, and a rate cell with its
head-count and its small-cohort mark."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

import pandas as pd

NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"  # no-break space: before « % »
DASH = "–"
SMALL = "⚠"  # a rate whose denominator is under the small-cohort threshold


def missing(value) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
    )


def fr_int(value) -> str:
    """1234 -> « 1 234 » (narrow no-break space); missing -> « – »."""
    if missing(value):
        return DASH
    return f"{int(value):,}".replace(",", NNBSP)


def fr_pct(value) -> str:
    """88 -> « 88 % »; missing -> « – »."""
    if missing(value):
        return DASH
    return f"{fr_int(value)}{NBSP}%"


def fr_decimal(value, digits: int = 1) -> str:
    if missing(value):
        return DASH
    return f"{value:.{digits}f}".replace(".", ",")


def fr_date(value) -> str:
    """A date as jj/mm/aaaa."""
    if missing(value):
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def head_count(n, d) -> str:
    """« 29/33 » (numerator/denominator)."""
    return f"{fr_int(n)}/{fr_int(d)}"


def interval(low, high) -> str:
    if missing(low) or missing(high):
        return ""
    return f"IC 95 % : {fr_decimal(low)}–{fr_decimal(high)} %".replace(" %", f"{NBSP}%")


SECONDARY_SECRET = "secret secondaire (protège une case sous le seuil)"


def secret(threshold: int, rate_key: str, reason: str | None) -> str:
    """What a suppressed cell of the publication shows (public audience, docs/methodology.md M25): the
    base under the threshold that hides it, « secret statistique (base de calcul à 6 mois < 20) », or
    :data:`SECONDARY_SECRET` for a cell hidden only so that another cannot be recomputed."""
    from pipeline.indicators.disclosure import PRIMARY
    from pipeline.indicators.registry import COUNT, RATE

    if reason != PRIMARY:
        return SECONDARY_SECRET
    base = COUNT[RATE[rate_key].denominator]
    return f"secret statistique ({base.base or base.label} < {threshold})"


def small_note(threshold: int) -> str:
    """The line under a table whose rates carry « ⚠ »."""
    return f"{SMALL} dénominateur du taux (N de n/N) inférieur à {threshold} : taux fragile."


def small_list(rates: list[tuple[str, object, object]]) -> str:
    """The « ⚠ » cell of a row naming its rates whose own denominator is under the threshold:
    [(name, n, N), …] -> « ⚠ Insertion globale à 6 mois (7/15), Métier visé à 6 mois (4/15) »; « » for none."""
    return f"{SMALL} " + ", ".join(f"{name} ({head_count(n, d)})" for name, n, d in rates) if rates else ""


def rate_series(name: str, points) -> str:
    """One rate over the years, in a sentence (a chart's summary): [(2017, 88), (2018, 100)] ->
    « Insertion globale à 6 mois : 88 % en 2017, 100 % en 2018 » (missing rates left out)."""
    shown = [f"{fr_pct(v)} en {x}" for x, v in points if not missing(v)]
    return f"{name} : " + (", ".join(shown) if shown else "aucun taux")


def rate_text(value, n, d, threshold: int) -> str:
    """« 88 % (29/33) », with « ⚠ » when the denominator is 1 to threshold − 1; « – » without a rate."""
    from pipeline.indicators.disclosure import small

    if missing(d) or missing(value):
        return DASH
    flag = f" {SMALL}" if small(d, threshold) else ""
    return f"{fr_pct(value)} ({head_count(n, d)}){flag}"


def rate_cell(row, rate_key: str, threshold: int, rates: dict | None = None) -> str:
    """« 88 % (29/33) », with « ⚠ » when the denominator is under the threshold; the « secret » text
    when the row was disclosed to the public and this cell suppressed (see :mod:`.disclosure`).
    ``rates``: the registry the key belongs to (default: France Compétences')."""
    from pipeline.indicators.registry import RATE

    rate = (rates or RATE)[rate_key]
    get = row.get if isinstance(row, dict) else lambda k, default=None: getattr(row, k, default)
    if get(f"{rate_key}_suppressed", False) is True:
        return secret(threshold, rate_key, get(f"{rate_key}_secret"))
    return rate_text(get(rate_key), get(rate.numerator), get(rate.denominator), threshold)


# Reading the formats back: a download turns the cells the dashboard shows into typed columns.
_INT = re.compile(rf"^-?\d{{1,3}}(?:[{NNBSP} ]\d{{3}})*$|^-?\d+$")
_RATE = re.compile(rf"^(\d+){NBSP}% \(([\d{NNBSP}]+)/([\d{NNBSP}]+)\)( {SMALL})?$")


def parse_int(text) -> int | None:
    """« 1 234 » -> 1234; anything else -> None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    if isinstance(text, str) and _INT.match(text.strip()):
        return int(text.strip().replace(NNBSP, "").replace(" ", ""))
    return None


def parse_rate_cell(text) -> tuple[int, int, int, bool] | None:
    """« 88 % (29/33) ⚠ » (:func:`rate_cell`) -> (88, 29, 33, True); anything else -> None."""
    match = _RATE.match(text) if isinstance(text, str) else None
    if not match:
        return None
    value, n, d, flag = match.groups()
    return int(value), int(n.replace(NNBSP, "")), int(d.replace(NNBSP, "")), bool(flag)
