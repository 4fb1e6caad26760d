"""The « accrochage » workbook (issue #27, ``insertion accrochage --out x.xlsx``): the reconciliation of
the jury results with the Caisse des Dépôts fluxes, and the people to act on, listed by their candidate
reference so that quality staff can transmit or correct them.

The warehouse holds no candidate reference (pseudonyms only): the references are read at export time from
the jury files the warehouse loaded (their path in ``load_log``, else a file of the same name under the raw
folder), joined on the recomputed pseudonym, and written to this file alone, created with mode 0600 (as a
participants file: :func:`pipeline.outputs.participants.write_private`).
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.config import Settings
from pipeline.core.exports import safe_frame
from pipeline.outputs.participants import write_private
from pipeline.reports import accrochage


def jury_files(con: duckdb.DuckDBPyConnection, settings: Settings, names: set[str]) -> list[Path]:
    """The jury files named ``names`` as the warehouse loaded them: at their recorded path, else under the
    raw folder."""
    rows = con.execute(
        "select file_name, any_value(file_path) from load_log where kind = 'cohort_results' "
        "and status = 'loaded' and list_contains(?, file_name) group by file_name order by file_name",
        [sorted(names)],
    ).fetchall()
    found = []
    for name, recorded in rows:
        path = Path(recorded)
        if not path.is_file() and settings.raw_dir.is_dir():
            path = next((p for p in settings.raw_dir.rglob(name) if p.is_file()), path)
        if path.is_file():
            found.append(path)
    return found


def references(paths: list[Path], key: bytes, header_mapping: Path | None = None) -> dict[str, str]:
    """pseudonym (``candidate_hash`` as DuckDB prints it) -> candidate reference, from jury files, in memory
    only. A file that cannot be read is passed over."""
    from pipeline.core.errors import InputError
    from pipeline.load.batch import map_headers
    from pipeline.load.pseudonymise import pseudonymise
    from pipeline.load.sources.cohorts import COHORT_RESULTS
    from pipeline.load.textfile import read_table

    def score(headers: list[str]) -> int:
        return len(map_headers(headers, COHORT_RESULTS, header_mapping))

    out: dict[str, str] = {}
    for path in paths:
        try:
            raw = read_table(path, score)
        except InputError:
            continue
        header = map_headers(list(raw.frame.columns), COHORT_RESULTS, header_mapping).get("candidate_ref")
        if header is None:
            continue
        refs = raw.frame[header].astype("string").str.strip()
        digests = pseudonymise(refs, key)
        for ref, digest in zip(refs, digests, strict=True):
            if isinstance(digest, str) and isinstance(ref, str):
                out.setdefault(_uuid_text(digest), ref)
    return out


def _uuid_text(hex32: str) -> str:
    h = hex32.lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def workbook(
    con: duckdb.DuckDBPyConnection, settings: Settings, key: bytes, codes: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The sheets: « Synthèse » (per certification and promotion), « À traiter » (one line per person, with
    the candidate reference when a jury file gives it), « Flux chargés »."""
    listing = accrochage.listing(con, codes)
    refs = {}
    if not listing.empty:
        names = set(listing["jury_file"].dropna())
        refs = references(jury_files(con, settings, names), key, settings.header_mapping)
    return {
        "Synthèse": accrochage.summary_table(accrochage.summary(con, codes)),
        "À traiter": accrochage.listing_table(listing, refs),
        "Flux chargés": accrochage.fluxes(con),
    }


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """The workbook, formula-safe, mode 0600 (it holds candidate references)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame.astype(object).where(frame.notna(), None)).to_excel(
                writer, sheet_name=name, index=False
            )
    return write_private(path, buffer.getvalue())
