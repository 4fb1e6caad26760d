"""Interim referential shipped in ``data/reference/``: the target ROME codes of the sample certifications
(an excerpt of France Compétences' RNCP export) and per-certification settings (international flag).

The full RNCP export replaces it when loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ..codes import is_job_code
from ..errors import InputError
from . import rncp

TARGET_JOBS = "certification_rome.csv"
CERTIFICATIONS = "certifications.csv"
PUBLISHED = "published_statistics.csv"


def _read(path: Path, columns: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {missing} (expected {', '.join(columns)})", row=1)
    return frame.reindex(columns=[*columns, *optional], fill_value="")


def read_published(path: Path) -> pd.DataFrame:
    """Published statistics copied from fiche pages (what the open-data export leaves out)."""
    columns = [c for c in rncp.TABLES["published_statistics"] if c != "source"]
    published = _read(path, columns).replace({"": None})
    for c in columns[1:]:
        published[c] = pd.to_numeric(published[c]).astype("Int64")
    return published


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, source: str) -> None:
    """Replace the rows of ``table`` that came from ``source`` by ``frame``."""
    con.execute(f"delete from {table} where source = ?", [source])
    con.register("reference_rows", frame)
    con.execute(f"insert into {table} by name select *, ? as source from reference_rows", [source])
    con.unregister("reference_rows")


def load_reference(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Replace the interim referential rows with the files of ``folder`` (when present)."""
    jobs_path, certs_path, published_path = folder / TARGET_JOBS, folder / CERTIFICATIONS, folder / PUBLISHED
    if jobs_path.exists():
        _replace(
            con,
            "ref_target_jobs",
            _read(jobs_path, ["certification_code", "rome_code", "rome_label"]).assign(
                is_job_code=lambda f: f["rome_code"].map(is_job_code)
            ),
            "interim",
        )
    if certs_path.exists():
        certs = _read(
            certs_path,
            ["certification_code", "title", "international", "level", "registration_end_date"],
            optional=("target_parent_codes",),
        )
        for flag in ("international", "target_parent_codes"):
            certs[flag] = certs[flag].str.lower().isin(["1", "true", "oui", "yes"])
        certs["registration_end_date"] = pd.to_datetime(
            certs["registration_end_date"], format="%d/%m/%Y"
        ).dt.date
        _replace(con, "ref_certifications", certs.replace({"": None}), "interim")
    if published_path.exists():
        _replace(con, "published_statistics", read_published(published_path), "fiche page")
