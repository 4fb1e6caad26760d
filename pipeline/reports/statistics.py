"""The France Compétences statistics table of a certification, as the public fiche shows it, with the
head-count (n/N) and the small-cohort mark (⚠) of every rate. Labels, columns and formats come from
:mod:`pipeline.indicators` (the one owner of every figure)."""

from __future__ import annotations

import json
import numbers
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.config import Settings
from pipeline.core.exports import bom_for_stdout, csv_text
from pipeline.indicators import FICHE, RATE, add_rates, detail_columns, expand, label
from pipeline.indicators.disclosure import disclose
from pipeline.indicators.formats import rate_cell
from pipeline.reports.scope import sirets

FICHE_COLUMNS = {key: label(key) for key in FICHE}
FICHE_RATES = [k for k in FICHE if k in RATE]
DETAIL_COLUMNS = detail_columns()


PARTNER_SQL = Path(__file__).parent / "sql" / "partner" / "statistics.sql"


def statistics(
    con: duckdb.DuckDBPyConnection,
    code: str | list[str],
    scope: Scope = EVERYTHING,
    years: list[int] | None = None,
) -> pd.DataFrame:
    """The fiche's table of one certification (or several) as ``scope`` sees it, newest year first; only
    the promotions ``years`` when given. The rows of ``certification_statistics``; for a partner, the
    same columns from its people only (``statistics_by_partner`` summed over its SIRETs:
    :func:`partner_statistics`). The one query of the statistics every face reads."""
    codes = [code] if isinstance(code, str) else list(code)
    if scope.restricted:
        found = pd.concat([partner_statistics(con, c, scope, overall=True) for c in codes], ignore_index=True)
        found = found if years is None else found[found["year"].isin(years)]
        return found.sort_values(["year", "certification_code"], ascending=[False, True], ignore_index=True)
    return con.execute(
        "select * from certification_statistics where list_contains($codes, certification_code) "
        "and ($years::integer[] is null or list_contains($years::integer[], year)) "
        "order by year desc, certification_code",
        {"codes": codes, "years": years},
    ).df()


def route_statistics(
    con: duckdb.DuckDBPyConnection, code: str, years: list[int], scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """The same per access route for ``years`` (``access_route_statistics``; a partner's: its people's),
    newest year first."""
    if scope.restricted:
        frame = partner_statistics(con, code, scope, overall=False)
        return frame[frame["year"].isin(years)].reset_index(drop=True)
    return con.execute(
        "select * from access_route_statistics where certification_code = ? and list_contains(?, year) "
        "order by year desc, access_route",
        [code, years],
    ).df()


def partner_statistics(
    con: duckdb.DuckDBPyConnection, code: str, scope: Scope, overall: bool = True
) -> pd.DataFrame:
    """Issue #16: the France Compétences table of the people of ``scope``'s SIRET — ``statistics_by_partner``
    summed over them (additive counts summed, rates recomputed by the registry, never averaged), with the
    columns of ``certification_statistics`` (``access_route_statistics`` when not ``overall``)."""
    sql = expand(PARTNER_SQL.read_text(encoding="utf-8"))
    frame = add_rates(con, con.execute(sql, [code, sirets(scope) or [], overall]).df())
    return frame.drop(columns=["access_route"]) if overall else frame


def head_count_columns() -> list[str]:
    """The numerator and denominator of each of the fiche's rates (machine-readable outputs)."""
    out: list[str] = []
    for key in FICHE_RATES:
        out += [c for c in (RATE[key].numerator, RATE[key].denominator) if c not in out]
    return out


def render(
    frame: pd.DataFrame,
    fmt: str = "table",
    detail: bool = False,
    with_code: bool = False,
    threshold: int | None = None,
) -> str:
    """The fiche's table as text, CSV or JSON, disclosed as for the France Compétences dossier.

    Text: each rate as « 88 % (29/33) », « ⚠ » under the threshold. CSV and JSON: the rates as numbers
    with their numerators, denominators and ``<rate>_small`` flags; ``detail`` adds every other count,
    rate and interval (``pipeline.indicators.detail_columns``)."""
    threshold = threshold if threshold is not None else Settings().small_cohort_threshold
    shown = disclose(frame, "dossier", threshold)
    code = ["certification_code"] if with_code else []
    extra = [c for c in DETAIL_COLUMNS if c not in FICHE] if detail else []
    if fmt in ("csv", "json"):
        flags = [f"{k}_small" for k in FICHE_RATES]
        columns = code + FICHE + [c for c in head_count_columns() if c not in FICHE] + flags
        columns += [c for c in extra if c not in columns]
        data = shown[columns].astype(object).where(shown[columns].notna(), None)
        if fmt == "json":
            return json.dumps(data.to_dict(orient="records"), ensure_ascii=False, indent=2, default=_json)
        headers = {c: "Fiche" if c == "certification_code" else label(c) for c in columns}
        return csv_text(data.rename(columns=headers), bom=bom_for_stdout())
    text = shown[code + FICHE + extra].astype(object).where(shown[code + FICHE + extra].notna(), None)
    for key in FICHE_RATES:
        text[key] = [rate_cell(r, key, threshold) for r in shown.to_dict(orient="records")]
    headers = {**FICHE_COLUMNS, "certification_code": "Fiche", **{c: label(c) for c in extra}}
    table = format_table(text.rename(columns=headers))
    marked = any(shown[f"{k}_small"].any() for k in FICHE_RATES)
    return table + (f"\n⚠ base de calcul inférieure à {threshold} : taux fragile." if marked else "")


def _json(value):
    return value.item() if hasattr(value, "item") else int(value)


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
