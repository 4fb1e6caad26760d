"""The France Compétences statistics table of a certification, as the public fiche shows it."""

from __future__ import annotations

import json
import numbers

import duckdb
import pandas as pd

FICHE_COLUMNS = {
    "year": "Année d'obtention de la certification",
    "certified": "Nombre de certifiés",
    "certified_vae": "Nombre de certifiés à la suite d'un parcours VAE",
    "insertion_rate_6m": "Taux d'insertion global à 6 mois (en %)",
    "target_job_rate_6m": "Taux d'insertion dans le métier visé à 6 mois (en %)",
    "target_job_rate_24m": "Taux d'insertion dans le métier visé à 2 ans (en %)",
}

DETAIL_COLUMNS = [
    "response_rate_6m",
    "respondents_6m",
    "neutralised_6m",
    "denominator_6m",
    "employed_6m",
    "in_target_6m",
    "insertion_rate_6m_low",
    "insertion_rate_6m_high",
    "target_job_rate_6m_low",
    "target_job_rate_6m_high",
    "response_rate_24m",
    "respondents_24m",
    "neutralised_24m",
    "denominator_24m",
    "in_target_24m",
    "target_job_rate_24m_low",
    "target_job_rate_24m_high",
    "small_cohort_6m",
    "small_cohort_24m",
]


def statistics(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """Rows of ``certification_statistics`` for one certification, newest year first."""
    return con.execute(
        "select * from certification_statistics where certification_code = ? order by year desc", [code]
    ).df()


def render(frame: pd.DataFrame, fmt: str = "table", detail: bool = False, with_code: bool = False) -> str:
    """The fiche's table as text (French headers, empty cells for missing rates), CSV or JSON."""
    columns = (
        (["certification_code"] if with_code else [])
        + list(FICHE_COLUMNS)
        + (DETAIL_COLUMNS if detail else [])
    )
    data = frame[columns].astype(object).where(frame[columns].notna(), None)
    if fmt == "json":
        return json.dumps(data.to_dict(orient="records"), ensure_ascii=False, indent=2, default=int)
    shown = data.rename(columns={**FICHE_COLUMNS, "certification_code": "Fiche"})
    if fmt == "csv":
        return shown.to_csv(index=False, sep=";", lineterminator="\n")
    return format_table(shown)


def format_table(frame: pd.DataFrame) -> str:
    """A plain-text grid, one header line, values left empty where missing."""
    rows = list(frame.itertuples(index=False))
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    headers = [str(c) for c in frame.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(r[i], numbers.Number) or r[i] is None for r in rows) for i in range(len(headers))
    ]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [
        " | ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True))
        for r in cells
    ]
    return "\n".join(line.rstrip() for line in lines)
