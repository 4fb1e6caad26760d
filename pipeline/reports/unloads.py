"""The loads with their ids and the loads undone (issue #24), as ``insertion loads`` and the Qualité page
read them (the unload itself: :mod:`pipeline.warehouse.unload`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.quality_labels import suite_label
from pipeline.indicators.formats import fr_date

SQL = Path(__file__).parent / "sql" / "unloads"
STATUS_LABELS = {"loaded": "chargé", "rejected": "rejeté", "unloaded": "retiré"}
STATUSES = tuple(STATUS_LABELS)


def kind_label(kind: str | None) -> str:
    """A load's kind in French (the sources' names: cohort_results, survey_answers, rncp, rome_…)."""
    return "Référentiel RNCP" if kind == "rncp" else suite_label(kind) or "?"


def _when(value) -> str:
    return "" if value is None or pd.isna(value) else f"{fr_date(value)} {value:%H:%M}"


def _has_log(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_name = 'unload_log' "
            "and table_catalog = current_database()"
        ).fetchall()[0][0]
    )


def loads(con: duckdb.DuckDBPyConnection, status: str | None = None, limit: int = 100) -> pd.DataFrame:
    """Every load, newest first, with French headers: id, file, kind, rows, date, status, the
    certifications its rows touch and, once unloaded, when and by whom."""
    frame = con.execute(
        (SQL / "loads.sql").read_text(encoding="utf-8"), {"status": status, "limit": limit}
    ).df()
    undone = log(con).drop_duplicates("Chargement").set_index("Chargement")  # newest unload first
    return pd.DataFrame(
        {
            "N°": frame["load_id"],
            "Fichier": frame["file_name"],
            "Type": frame["kind"].map(kind_label),
            "Lignes lues": frame["rows_read"],
            "chargées": frame["rows_loaded"],
            "en quarantaine": frame["rows_quarantined"],
            "Chargé le": frame["loaded_at"].map(_when),
            "Statut": frame["status"].map(lambda s: STATUS_LABELS.get(s, s)),
            "Certifications": frame["certifications"],
            # as dicts: mapping with an empty datetime Series fails under pandas 3 (no unload yet)
            "Retiré le": frame["load_id"].map(lambda i: undone["Le"].get(i, "")),
            "par": frame["load_id"].map(lambda i: undone["Par"].get(i, "")),
        }
    )


def log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The unloads, newest first (table ``unload_log``), with French headers; empty when none (or in a
    snapshot written before unloads existed)."""
    columns = [
        "N°",
        "Chargement",
        "Fichier",
        "Type",
        "Lignes retirées",
        "Quarantaine retirée",
        "Certifications recalculées",
        "Déclarations concernées",
        "Par",
        "Le",
        "Motif",
    ]
    if not _has_log(con):
        return pd.DataFrame(columns=columns)
    frame = con.execute((SQL / "log.sql").read_text(encoding="utf-8")).df()
    return pd.DataFrame(
        {
            "N°": frame["unload_id"],
            "Chargement": frame["load_id"],
            "Fichier": frame["file_name"],
            "Type": frame["kind"].map(kind_label),
            "Lignes retirées": frame["rows_removed"],
            "Quarantaine retirée": frame["quarantine_removed"],
            "Certifications recalculées": frame["certifications"],
            "Déclarations concernées": frame["declarations"],
            "Par": frame["unloaded_by"],
            "Le": frame["unloaded_at"].map(_when),
            "Motif": frame["reason"],
        },
        columns=columns,
    )
