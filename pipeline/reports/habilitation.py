"""The habilitation check (issue #16): certified people whose partner was not habilitated for the
certification at the jury date. The rule is ``pipeline/warehouse/sql/marts/33_habilitation_issues.sql`` (table
``habilitation_issues``); this module reads it for ``insertion validate``, the quality page and the renewal
pack, with the French words of :mod:`pipeline.core.partners`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.labels import route_label
from pipeline.core.partners import HABILITATION_LABELS, ISSUE_LABELS, STATE_LABELS, partner_label
from pipeline.indicators.formats import fr_date
from pipeline.reports.scope import sirets

REPORTS = Path(__file__).parent / "sql" / "habilitation"
TITLE = "Partenaires non habilités à la date du jury"


def _query(con: duckdb.DuckDBPyConnection, name: str, codes: list[str] | None, scope: Scope) -> pd.DataFrame:
    sql = (REPORTS / f"{name}.sql").read_text(encoding="utf-8")
    return con.execute(sql, [list(codes or []), sirets(scope)]).df()


def by_partner(
    con: duckdb.DuckDBPyConnection, codes: list[str] | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Counts per certification, partner and finding, with French headers (a partner: its own)."""
    frame = _query(con, "habilitation_by_partner", codes, scope)
    return pd.DataFrame(
        {
            "Certification": frame["certification_code"],
            "Partenaire": [
                partner_label(s, n)
                for s, n in zip(frame["partner_siret"], frame["partner_name"], strict=True)
            ],
            "SIRET": frame["partner_siret"].fillna(""),
            "Constat": frame["issue"].map(ISSUE_LABELS),
            "Certifiés concernés": frame["certified"].astype(int),
            "Premier jury": frame["first_jury"].map(fr_date),
            "Dernier jury": frame["last_jury"].map(fr_date),
        }
    )


def listing(
    con: duckdb.DuckDBPyConnection, codes: list[str] | None = None, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """One line per certified person concerned (file and row, to find them in the cohort file; a partner:
    its own)."""
    frame = _query(con, "habilitation_issues", codes, scope)
    date = fr_date
    return pd.DataFrame(
        {
            "Certification": frame["certification_code"],
            "Date du jury": frame["jury_date"].map(date),
            "Voie d'accès": frame["access_route"].map(route_label),
            "Partenaire": [
                partner_label(s, n)
                for s, n in zip(frame["partner_siret"], frame["partner_name"], strict=True)
            ],
            "Constat": frame["issue"].map(ISSUE_LABELS),
            "Habilitation": frame["habilitation_type"].map(lambda v: HABILITATION_LABELS.get(v, "")),
            "État": frame["state"].map(lambda v: STATE_LABELS.get(v, "")),
            "Active depuis le": frame["active_date"].map(date),
            "État changé le": frame["state_date"].map(date),
            "Fichier": frame["source_file"],
            "Ligne": frame["source_row"].astype(int),
        }
    )
