"""Conditions of employment and other systems' rates of one certification (issue #17), read from
``mart_employment_conditions`` and shaped for the renewal pack and the dashboard.
What each figure is, its label and its definition: :mod:`pipeline.indicators.conditions`."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.indicators import conditions as C
from pipeline.indicators.disclosure import MIN_PAY_ANSWERS, pay_disclosed, small
from pipeline.indicators.formats import DASH, fr_int, rate_cell
from pipeline.reports.scope import sirets
from pipeline.warehouse.models import mart_query

PAY_NOT_SHOWN = f"non publié : moins de {MIN_PAY_ANSWERS} salaires"


def rows(
    con: duckdb.DuckDBPyConnection, code: str, years: list[int] | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """The rows of one certification (newest year first, 6 months before 2 years), or of ``years``.

    For a partner (issue #16): the same figures from its people's answers only — the mart's own query
    (``mart_employment_conditions``) over the answers whose ``partner_siret`` is one of its SIRET (pay
    quartiles are not additive: they are computed again, never taken from the certification's)."""
    if scope.restricted:
        return con.execute(
            "with fct_survey_responses as (select * from fct_survey_responses "
            "where certification_code = ? and list_contains(?::varchar[], partner_siret)) "
            f"select * from ({mart_query('mart_employment_conditions')}) "
            "where (? is null or list_contains(?, year)) order by year desc, wave",
            [code, sirets(scope), years, years],
        ).df()
    return con.execute(
        "select * from mart_employment_conditions where certification_code = ? "
        "and (? is null or list_contains(?, year)) order by year desc, wave",
        [code, years, years],
    ).df()


def _numbers(frame: pd.DataFrame, rates: list, threshold: int) -> pd.DataFrame:
    """One row per year and wave; each rate with its n, N, interval and ⚠ flag, as numbers."""
    out = pd.DataFrame(
        {
            "Année d'obtention de la certification": frame["year"].astype(int),
            "Vague": [C.wave_label(w) for w in frame["wave"]],
        }
    )
    for r in rates:
        out[C.label(r.key)] = frame[r.key]
        out[f"{r.short} : n ({C.label(r.numerator)})"] = frame[r.numerator]
        out[f"{r.short} : N ({C.label(r.denominator)})"] = frame[r.denominator]
        out[C.label(f"{r.key}_low")] = frame[f"{r.key}_low"]
        out[C.label(f"{r.key}_high")] = frame[f"{r.key}_high"]
        out[f"{r.short} : ⚠ base sous le seuil"] = [
            "⚠" if small(d, threshold) else "" for d in frame[r.denominator]
        ]
    return out


def pay_table(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Quartiles of the gross annual pay of full-time jobs, with their n (⚠ under the small-cohort
    threshold, as every base of the dossier); empty under MIN_PAY_ANSWERS."""
    out = pd.DataFrame(
        {
            "Année d'obtention de la certification": frame["year"].astype(int),
            "Vague": [C.wave_label(w) for w in frame["wave"]],
            C.label("pay_answers"): frame["pay_answers"],
        }
    )
    for key in C.PAY_KEYS:
        out[C.label(key)] = [
            v if pay_disclosed(n) else None for v, n in zip(frame[key], frame["pay_answers"], strict=True)
        ]
    out["Salaires : ⚠ base sous le seuil"] = [
        "⚠" if small(n, threshold) else "" for n in frame["pay_answers"]
    ]
    out["Remarque"] = ["" if pay_disclosed(n) else PAY_NOT_SHOWN for n in frame["pay_answers"]]
    return out


def definitions() -> pd.DataFrame:
    return pd.DataFrame(
        [(d.label, d.sentence) for d in C.DEFINITIONS.values()], columns=["Indicateur", "Définition"]
    )


def pack_blocks(frame: pd.DataFrame, threshold: int) -> list[tuple[str, pd.DataFrame]]:
    """The « Conditions d'emploi » sheet of the renewal pack: titled tables, numbers as numbers."""
    return [
        (
            "Contrat, temps de travail et statut des répondants en emploi",
            _numbers(frame, C.CONDITION_RATES, threshold),
        ),
        ("Salaire brut annuel des emplois à temps plein", pay_table(frame, threshold)),
        (
            "Autres définitions du taux d'emploi, côte à côte (mêmes réponses, mesures différentes)",
            _numbers(frame, C.ALTERNATIVE_RATES, threshold),
        ),
        ("Définitions", definitions()),
    ]


def euros(value) -> str:
    """« 30 600 € »; missing -> « – »."""
    text = fr_int(value)
    return text if text == DASH else f"{text}\u00a0€"


def display_rows(frame: pd.DataFrame, threshold: int) -> list[dict]:
    """Rows for the dashboard: each rate « 60 % (6/10) » with ⚠, pay quartiles in euros with their n."""
    out = []
    for r in frame.to_dict(orient="records"):
        row = {"year": int(r["year"]), "wave": C.wave_label(r["wave"])}
        for rate in C.RATES:
            row[rate.key] = rate_cell(r, rate.key, threshold, C.RATE_BY_KEY)
        row["pay_answers"] = fr_int(r["pay_answers"]) + (" ⚠" if small(r["pay_answers"], threshold) else "")
        for key in C.PAY_KEYS:
            row[key] = euros(r[key]) if pay_disclosed(r["pay_answers"]) else DASH
        out.append(row)
    return out
