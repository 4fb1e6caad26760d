"""The France Compétences dossier's statistics table: its columns (the fiche's first, then every count and
rate behind them), their French labels, and the « ⚠ » column per wave — one owner for the pack, the
per-partner sheet and the adequation sheet."""

from __future__ import annotations

import pandas as pd

from pipeline.indicators.disclosure import disclose
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
FLAG_COLUMNS = {w: f"⚠ Base de calcul à {name} sous le seuil" for w, (_, name) in WAVES.items()}


def stat_sheet(frame: pd.DataFrame, threshold: int, keys: list[str] = STAT_KEYS) -> pd.DataFrame:
    """The statistics with the dossier's disclosure: every figure, and a « ⚠ » column per wave naming
    the rates whose denominator is under the threshold."""
    shown = disclose(frame, AUDIENCE, threshold)
    out = shown[keys].rename(columns=STAT_COLUMNS)
    for w, column in FLAG_COLUMNS.items():
        rates = [r for r in RATE.values() if r.wave == w and f"{r.key}_small" in shown]
        out[column] = [
            "⚠ "
            + ", ".join(
                f"{RATE[r.key].short} (base {row[r.denominator]})" for r in rates if row[f"{r.key}_small"]
            )
            if any(row[f"{r.key}_small"] for r in rates)
            else ""
            for row in shown.to_dict(orient="records")
        ]
    return out
