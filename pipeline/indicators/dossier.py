"""The France Compétences dossier's statistics table: its columns (the fiche's first, then every count and
rate behind them), their French labels, and the « ⚠ » column per wave — one owner for the pack, the
per-partner sheet and the adequation sheet."""

from __future__ import annotations

import pandas as pd

from pipeline.indicators.disclosure import disclose
from pipeline.indicators.formats import small_list
from pipeline.indicators.registry import FICHE, RATE, WAVES, label

AUDIENCE = "dossier"  # the France Compétences dossier: full figures, n/N, ⚠ under the threshold


def _wave_columns(w: str) -> list[str]:
    return [
        f"respondents_{w}",
        f"non_respondents_{w}",
        f"response_rate_{w}",
        f"neutralised_{w}",
        f"denominator_{w}",
        f"employed_{w}",
        f"insertion_rate_{w}",
        f"insertion_rate_{w}_low",
        f"insertion_rate_{w}_high",
        f"in_target_{w}",
        f"target_job_rate_{w}",
        f"target_job_rate_{w}_low",
        f"target_job_rate_{w}_high",
        f"pending_review_{w}",
    ]


# The fiche's own columns first, as France Compétences shows them, then every count and rate behind them.
STAT_KEYS = FICHE + [c for w in WAVES for c in _wave_columns(w) if c not in FICHE]
STAT_COLUMNS = {key: label(key) for key in STAT_KEYS}
FLAG_COLUMNS = {w: f"⚠ Taux à {name} dont la base est sous le seuil (n/N)" for w, (_, name) in WAVES.items()}


def flags(shown: pd.DataFrame, rates: list[str]) -> list[str]:
    """Per row of ``shown`` (disclosed for the dossier): « ⚠ Insertion globale à 6 mois (7/15), … », the
    rates of ``rates`` whose own denominator is under the threshold, each with its n/N; « » for none."""
    return [
        small_list(
            [
                (RATE[k].short, row[RATE[k].numerator], row[RATE[k].denominator])
                for k in rates
                if row.get(f"{k}_small")
            ]
        )
        for row in shown.to_dict(orient="records")
    ]


def stat_sheet(frame: pd.DataFrame, threshold: int, keys: list[str] = STAT_KEYS) -> pd.DataFrame:
    """The statistics with the dossier's disclosure: every figure, and a « ⚠ » column per wave naming
    each rate of the sheet whose own denominator is under the threshold, with its n/N (M24)."""
    shown = disclose(frame, AUDIENCE, threshold)
    out = shown[keys].rename(columns=STAT_COLUMNS)
    for w, column in FLAG_COLUMNS.items():
        out[column] = flags(shown, [k for k in keys if k in RATE and RATE[k].wave == w])
    return out
