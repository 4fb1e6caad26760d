"""Interim referential shipped in ``data/reference/``: the target ROME codes of the sample certifications
(an excerpt of France Compétences' RNCP export) and per-certification settings (international flag).

The full RNCP export replaces it when loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.codes import is_job_code
from pipeline.core.errors import InputError
from pipeline.load.sources import rncp

TARGET_JOBS = "certification_rome.csv"
CERTIFICATIONS = "certifications.csv"
PUBLISHED = "published_statistics.csv"
PARTNERS = "partners.csv"  # issue #16: the certifier's register of partner habilitations


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
            optional=("target_parent_codes", "cdc_as_cohort"),  # cdc_as_cohort: issue #27
        )
        for flag in ("international", "target_parent_codes", "cdc_as_cohort"):
            certs[flag] = certs[flag].str.lower().isin(["1", "true", "oui", "yes"])
        certs["registration_end_date"] = pd.to_datetime(
            certs["registration_end_date"], format="%d/%m/%Y"
        ).dt.date
        _replace(con, "ref_certifications", certs.replace({"": None}), "interim")
    if published_path.exists():
        _replace(con, "published_statistics", read_published(published_path), "fiche page")
    if (folder / PARTNERS).exists():
        _replace(con, "ref_partners", read_partners(folder / PARTNERS), "interim")


def read_partners(path: Path) -> pd.DataFrame:
    """The certifier's register of habilitations: certification_code, siret, name, habilitation (as the
    export writes it: HABILITATION_FORMER, HABILITATION_ORGANISER, HABILITATION_ORGA_FORM), state
    (Actif, Inactif, Supprimé), active_date and state_date (jj/mm/aaaa)."""
    from pipeline.core.partners import habilitation_state, habilitation_type
    from pipeline.core.quality_labels import message_fr
    from pipeline.core.siret import MESSAGE, clean, hint, is_valid

    frame = _read(
        path, ["certification_code", "siret", "name", "habilitation", "state", "active_date", "state_date"]
    )
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line[:1] != "#"]
    for i, value in enumerate(frame["siret"]):
        if not is_valid(value):  # lines[0] is the header
            raise InputError(
                path,
                f"attendu {message_fr(MESSAGE)}, lu {value!r}{hint(value)}",
                row=lines[i + 1],
                column="siret",
            )
    out = pd.DataFrame(
        {
            "certification_code": frame["certification_code"].str.strip(),
            "siret": frame["siret"].map(clean),
            "name": frame["name"].replace({"": None}),
            "habilitation_type": frame["habilitation"].map(habilitation_type),
            "state": frame["state"].map(habilitation_state),
        }
    )
    for column in ("active_date", "state_date"):
        out[column] = pd.to_datetime(frame[column].replace({"": None}), format="%d/%m/%Y").dt.date
    return out
