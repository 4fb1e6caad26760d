"""Interim referential shipped in ``data/reference/``: the target ROME codes of the sample certifications
(an excerpt of France Compétences' RNCP export) and per-certification settings (international flag).

The full RNCP export replaces it when loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ..errors import InputError

TARGET_JOBS = "certification_rome.csv"
CERTIFICATIONS = "certifications.csv"
PUBLISHED = "published_statistics.csv"


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {missing} (expected {', '.join(columns)})", row=1)
    return frame[columns]


def load_reference(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Replace the interim referential rows with the files of ``folder`` (when present)."""
    jobs_path, certs_path = folder / TARGET_JOBS, folder / CERTIFICATIONS
    if jobs_path.exists():
        jobs = _read(jobs_path, ["certification_code", "rome_code", "rome_label"])
        con.execute("delete from ref_target_jobs where source = 'interim'")
        con.register("ref_jobs", jobs)
        con.execute("insert into ref_target_jobs select *, 'interim' from ref_jobs")
        con.unregister("ref_jobs")
    if certs_path.exists():
        certs = _read(
            certs_path, ["certification_code", "title", "international", "level", "registration_end_date"]
        )
        certs["international"] = certs["international"].str.lower().isin(["1", "true", "oui", "yes"])
        certs["registration_end_date"] = pd.to_datetime(
            certs["registration_end_date"], format="%d/%m/%Y"
        ).dt.date
        certs = certs.replace({"": None})
        con.execute("delete from ref_certifications where source = 'interim'")
        con.register("ref_certs", certs)
        con.execute("insert into ref_certifications by name select *, 'interim' as source from ref_certs")
        con.unregister("ref_certs")
    published_path = folder / PUBLISHED
    if published_path.exists():
        columns = [
            "certification_code",
            "year",
            "certified",
            "certified_vae",
            "insertion_rate_6m",
            "target_job_rate_6m",
            "target_job_rate_24m",
        ]
        published = _read(published_path, columns).replace({"": None})
        for c in columns[1:]:
            published[c] = pd.to_numeric(published[c]).astype("Int64")
        con.execute("delete from published_statistics where source = 'fiche page'")
        con.register("published_rows", published)
        con.execute(
            "insert into published_statistics by name select *, 'fiche page' as source from published_rows"
        )
        con.unregister("published_rows")
