"""What the warehouse knows of a certification: fiche summary, lineage, published vs computed.

The fiche's summary and lineage are public facts (:data:`pipeline.reports.scope.PUBLIC_RELATIONS`), the
same for every scope; the computed figures are the scope's (:func:`pipeline.reports.statistics.statistics`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.indicators import FICHE
from pipeline.indicators import label as label_of
from pipeline.reports.statistics import statistics

MEASURES = {key: label_of(key) for key in FICHE if key != "year"}  # the fiche's published figures


def _rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def summary(con: duckdb.DuckDBPyConnection, code: str) -> dict | None:
    """Title, level, certifiers, target ROME codes, access routes, dates, lineage of one certification."""
    found = _rows(con, "select * from certification_summary where certification_code = ?", [code])
    if not found:
        return None
    out = found[0]
    out["certifiers"] = _rows(
        con, "select siret, name from rncp_certifiers where certification_code = ? order by name", [code]
    )
    out["target_jobs"] = _rows(
        con,
        "select rome_code, rome_label, source from certification_target_jobs "
        "where certification_code = ? order by rome_code",
        [code],
    )
    out["domain_codes"] = _rows(
        con,
        "select rome_code, rome_label from rncp_rome where certification_code = ? "
        "and not is_job_code order by rome_code",
        [code],
    )
    out["access_routes"] = _rows(
        con,
        "select access_route, open from rncp_access_routes "
        "where certification_code = ? order by access_route",
        [code],
    )
    out["nsf"] = _rows(con, "select nsf_code, nsf_label from rncp_nsf where certification_code = ?", [code])
    out["lineage"] = lineage(con, code)
    return out


def lineage(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """The chain of fiches, oldest first, the certification itself at distance 0."""
    rows = _rows(
        con,
        """
        select related_code as certification_code, distance from certification_lineage
        where certification_code = ?
        union all select ?, 0
        order by distance
        """,
        [code, code],
    )
    titles = dict(
        con.execute(
            "select certification_code, title from certification_summary where list_contains(?, certification_code)",
            [[r["certification_code"] for r in rows]],
        ).fetchall()
    )
    for r in rows:
        r["title"] = titles.get(r["certification_code"])
    return rows


def statistics_across(con: duckdb.DuckDBPyConnection, code: str, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Computed statistics of every fiche of the chain (``scope``'s people), newest year first."""
    codes = [r["certification_code"] for r in lineage(con, code)]
    return statistics(con, codes, scope)


def compare(con: duckdb.DuckDBPyConnection, code: str, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Computed and published figures side by side, one line per year and measure, for every year present
    in either; ``difference`` = computed - published.

    For a partner (issue #16), « computed » is its people's figures and « published » the whole
    certification's: the years are the partner's, and no difference is computed (a part is not the whole)."""
    columns = list(MEASURES)
    computed = statistics(con, code, scope)[["year", *columns]]
    published = con.execute(
        f"""
        select year, {", ".join(f"max({c}) as {c}" for c in columns)},
               string_agg(distinct source, ', ') as source
        from published_statistics where certification_code = ? group by year
        """,
        [code],
    ).df()
    years = set(computed["year"]) if scope.restricted else set(computed["year"]) | set(published["year"])
    years = sorted(years, reverse=True)
    out = []
    for year in years:
        c = computed[computed["year"] == year]
        p = published[published["year"] == year]
        for column, label in MEASURES.items():
            cv = c[column].iloc[0] if not c.empty else None
            pv = p[column].iloc[0] if not p.empty else None
            cv = None if pd.isna(cv) else int(cv)
            pv = None if pd.isna(pv) else int(pv)
            out.append(
                {
                    "year": int(year),
                    "measure": label,
                    "computed": cv,
                    "published": pv,
                    "difference": cv - pv
                    if cv is not None and pv is not None and not scope.restricted
                    else None,
                    "source": p["source"].iloc[0] if not p.empty else None,
                }
            )
    frame = pd.DataFrame(out, columns=["year", "measure", "computed", "published", "difference", "source"])
    return frame.astype({"computed": "Int64", "published": "Int64", "difference": "Int64"})
