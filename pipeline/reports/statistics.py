"""The France Compétences statistics table of a certification, as the public fiche shows it, with the
head-count (n/N) and the small-cohort mark (⚠) of every rate. Labels, columns and formats come from
:mod:`pipeline.indicators` (the one owner of every figure)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.indicators import FICHE, RATE, add_rates, detail_columns, expand, label
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
