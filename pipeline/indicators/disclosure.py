"""One disclosure policy per audience (docs/methodology.md M23-M26), applied by one function to every output.

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

from pipeline.indicators.registry import COUNTS, RATES, WAVES

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


# Pay quartiles (issue #17) are computed only from this many pay answers up, for every audience alike
# (analysts' SQL included: the mart leaves them empty below it), so that no one's pay can be read back.
MIN_PAY_ANSWERS = 5


def pay_disclosed(answers) -> bool:
    """Quartiles of pay may be shown: at least :data:`MIN_PAY_ANSWERS` pay answers."""
    return answers is not None and not pd.isna(answers) and int(answers) >= MIN_PAY_ANSWERS


def policy(audience: str) -> str:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r} (expected one of {', '.join(AUDIENCES)})")
    return AUDIENCES[audience]


def small(denominator, threshold: int) -> bool:
    """A rate to flag: its denominator is 1 to threshold − 1 (a zero denominator has no rate)."""
    return denominator is not None and not pd.isna(denominator) and 0 < denominator < threshold


def hidden(denominator, threshold: int) -> bool:
    """A public cell to suppress: its base is under the threshold, zero included (all respondents
    neutralised would otherwise show through the counts)."""
    return denominator is not None and not pd.isna(denominator) and denominator < threshold


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
    original = frame
    for wave in WAVES:
        den = f"denominator_{wave}"
        if den not in original:
            continue
        # a small wave base hides the whole wave: every count and rate that could recompute the cell
        wave_hidden = pd.Series([hidden(d, threshold) for d in original[den]], index=out.index)
        for column in (c.key for c in COUNTS if c.wave == wave and c.key in out):
            out[column] = out[column].astype("object").where(~wave_hidden, None)
        for rate in (r for r in RATES if r.wave == wave and r.key in out):
            # and a rate is hidden too when its own base is small (response rate: certified; share: employed)
            own = (
                pd.Series([hidden(d, threshold) for d in original[rate.denominator]], index=out.index)
                if rate.denominator in original
                else wave_hidden
            )
            gone = wave_hidden | own
            for column in (rate.key, f"{rate.key}_low", f"{rate.key}_high"):
                if column in out:
                    out[column] = out[column].astype("object").where(~gone, None)
            out[f"{rate.key}_suppressed"] = gone
            out[f"{rate.key}_small"] = False
    return out
