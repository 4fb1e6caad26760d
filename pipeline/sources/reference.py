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
        certs = _read(certs_path, ["certification_code", "title", "international"])
        certs["international"] = certs["international"].str.lower().isin(["1", "true", "oui", "yes"])
        con.execute("delete from ref_certifications where source = 'interim'")
        con.register("ref_certs", certs)
        con.execute("insert into ref_certifications select *, 'interim' from ref_certs")
        con.unregister("ref_certs")
