"""One disclosure policy per audience (design.md §2), applied by one function to every output.

* ``internal`` (the dashboard) and ``dossier`` (the France Compétences renewal pack, ``insertion stats``):
  full figures; every rate keeps its head-count (n/N) and interval, and carries « ⚠ » when its
  denominator is under the small-cohort threshold.
* ``public`` (``insertion publish``: a results page or file for the certifier's website, Qualiopi
  indicator 2): a rate whose denominator is under the threshold is suppressed together with everything
  that would let one recompute it — its numerator, its denominator, its interval, and the other counts
  of that wave (respondents, neutralised, employed, in target).
* ``analyst`` (the SQL page and ``insertion sql``): raw data, nothing hidden; the page says so.
"""

from __future__ import annotations

import pandas as pd

from . import COUNTS, RATES, WAVES

AUDIENCES = {
    "internal": "flag",
    "dossier": "flag",
    "public": "suppress",
    "analyst": "raw",
}
AUDIENCE_LABELS = {
    "internal": "tableau de bord interne : taux complets, n/N et ⚠ sous le seuil",
    "dossier": "dossier France Compétences : taux complets, n/N et ⚠ sous le seuil",
    "public": "publication : cases sous le seuil supprimées avec tout ce qui permettrait de les recalculer",
    "analyst": "SQL des analystes : données brutes, sans masquage",
}


def policy(audience: str) -> str:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r} (expected one of {', '.join(AUDIENCES)})")
    return AUDIENCES[audience]


def small(denominator, threshold: int) -> bool:
    """A denominator under the threshold (a zero denominator has no rate to flag)."""
    return denominator is not None and not pd.isna(denominator) and 0 < denominator < threshold


def disclose(frame: pd.DataFrame, audience: str, threshold: int) -> pd.DataFrame:
    """A copy of ``frame`` (rows of counts and rates, as in ``statistics_by_route``) fit for ``audience``.

    Adds ``<rate>_small`` (flag) for every rate present; for the public, ``<rate>_suppressed`` and the
    suppressed cells set to NA."""
    mode = policy(audience)
    out = frame.copy()
    if mode == "raw":
        return out
    for rate in RATES:
        if rate.key in out and rate.denominator in out:
            out[f"{rate.key}_small"] = [small(d, threshold) for d in out[rate.denominator]]
    if mode != "suppress":
        return out
    for wave in WAVES:
        den = f"denominator_{wave}"
        if den not in out:
            continue
        hidden = pd.Series([small(d, threshold) for d in out[den]], index=out.index)
        wave_columns = [c.key for c in COUNTS if c.wave == wave]
        for rate in (r for r in RATES if r.wave == wave):
            wave_columns += [rate.key, f"{rate.key}_low", f"{rate.key}_high"]
            out[f"{rate.key}_suppressed"] = hidden
            out[f"{rate.key}_small"] = False
        for column in (c for c in wave_columns if c in out):
            out[column] = out[column].astype("object").where(~hidden, None)
    return out
