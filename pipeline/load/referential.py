"""Load the referentials (RNCP export, ROME 4.0) in one transaction per file, validated by their suites.

An RNCP load replaces the rows of the fiches it carries (a full export replaces everything, an excerpt
only its fiches); a ROME file replaces its table whole (a later version replaces the earlier one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.errors import InputError
from pipeline.core.sql import scalar
from pipeline.load import gate as validation
from pipeline.load.sources import rncp, rome

KEYS = {
    t: (["certification_code", "source"] if t == "published_statistics" else [rncp.KEY[t]])
    for t in rncp.TABLES
}


def detect(path: Path) -> str | None:
    """``rncp`` or ``rome_codes`` / ``rome_appellations`` for a referential file, else None."""
    return rome.detect(path) or ("rncp" if rncp.detect(path) else None)


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, load_id: int) -> None:
    keys = KEYS[table]
    if table == "rncp_fiches":
        frame = frame.drop_duplicates("certification_code", keep="last")
    frame = frame.assign(load_id=load_id)
    con.register("ref_rows", frame)
    match = " and ".join(f"r.{k} = t.{k}" for k in keys)
    con.execute(
        f"delete from {table} as t where coalesce(t.load_id, -1) <> ? "
        f"and exists (select 1 from ref_rows as r where {match})",
        [load_id],
    )
    con.execute(f"insert into {table} by name select * from ref_rows")
    con.unregister("ref_rows")


def _fiche_frame(con, load_id: int) -> pd.DataFrame:
    """One row per fiche touched by this load, as the rncp_referential suite expects."""
    unions = " union ".join(
        f"select {rncp.KEY[t]} as certification_code from {t} where load_id = $1" for t in rncp.TABLES
    )
    return con.execute(
        f"""
        with codes as ({unions})
        select row_number() over (order by c.certification_code)::bigint as source_row, c.certification_code,
               f.title, f.level, f.registration_end_date::timestamp as registration_end_date,
               f.certification_code is not null as has_fiche,
               (select max(greatest(coalesce(insertion_rate_6m, 0), coalesce(target_job_rate_24m, 0)))
                from published_statistics as p where p.certification_code = c.certification_code
                  and p.load_id = $1) as max_published_rate
        from codes as c left join rncp_fiches as f on f.certification_code = c.certification_code
        where c.certification_code is not null
        """,
        [load_id],
    ).df()


def _malformed_partner_sirets(con, load_id: int, frame: pd.DataFrame) -> pd.Series:
    """Per fiche of this load, how many of its partners have a SIRET that is not 14 digits with a valid
    check key (pipeline/core/siret.py): such a partner can never match a cohort's SIRET."""
    from collections import Counter

    from pipeline.core.siret import is_valid

    rows = con.execute(
        "select certification_code, siret from rncp_partners where load_id = ? and siret is not null",
        [load_id],
    ).fetchall()
    bad = Counter(code for code, value in rows if not is_valid(value))
    return frame["certification_code"].map(lambda code: bad.get(code, 0)).astype("int64")


def load_rncp(con, path: Path, load_id: int, gate: validation.Gate, progress: Callable[[str], None]):
    """Stream the export into the referential tables; returns (verdict, rows loaded, quarantined codes)."""
    loaded = 0  # rows written, all tables together
    for label, rows in rncp.iter_export(path):
        for table, trows in rows.items():
            if trows:
                _replace_rows(con, table, pd.DataFrame(trows, columns=rncp.TABLES[table]), load_id)
                loaded += len(trows)
        progress(f"{Path(label).name}: {loaded:,} rows of the referential read")
    frame = _fiche_frame(con, load_id)
    frame["malformed_partner_sirets"] = _malformed_partner_sirets(con, load_id, frame)  # issue #16
    verdict = gate.validate(frame, "rncp_referential")
    failures = verdict.row_failures("error")
    bad = frame[frame["source_row"].isin(failures["source_row"])]
    for table in rncp.TABLES:
        if not bad.empty:
            con.register("bad_codes", bad[["certification_code"]])
            con.execute(
                f"delete from {table} where load_id = ? and {rncp.KEY[table]} in "
                "(select certification_code from bad_codes)",
                [load_id],
            )
            con.unregister("bad_codes")
    quarantined = [
        (
            int(r.source_row),
            json.dumps({"certification_code": r.certification_code, "title": r.title}, ensure_ascii=False),
            failures[failures["source_row"] == r.source_row],
        )
        for r in bad.itertuples()
    ]
    return verdict, len(frame) - len(quarantined), len(frame), quarantined


def load_rome(con, path: Path, table: str, load_id: int, gate: validation.Gate):
    frame = rome.read(path, table)
    verdict = gate.validate(frame, table)
    if verdict.file_errors:
        return verdict, 0, len(frame), []
    failures = verdict.row_failures("error")
    good = frame[~frame["source_row"].isin(failures["source_row"])]
    con.execute(f"delete from {table}")
    con.register("rome_rows", good.drop(columns="source_row"))
    con.execute(f"insert into {table} by name select * from rome_rows")
    con.unregister("rome_rows")
    bad = frame[frame["source_row"].isin(failures["source_row"])]
    quarantined = [
        (
            int(r["source_row"]),
            json.dumps(r.drop("source_row").to_dict(), ensure_ascii=False, default=str),
            failures[failures["source_row"] == r["source_row"]],
        )
        for _, r in bad.iterrows()
    ]
    return verdict, len(good), len(frame), quarantined


def ingest(con, path: Path, kind: str, report, gate: validation.Gate, progress=print) -> tuple[int, object]:
    """Load one referential file inside the caller's transaction. Returns (load id, verdict); raises
    :class:`InputError` (after rollback by the caller) when the file must be rejected."""
    load_id = scalar(con, "select nextval('load_id_seq')")
    if kind == "rncp":
        verdict, loaded, read, quarantined = load_rncp(con, path, load_id, gate, progress)
    else:
        verdict, loaded, read, quarantined = load_rome(con, path, kind, load_id, gate)
    if verdict.file_errors:
        first = verdict.file_errors[0]
        raise InputError(path, f"expected {first.message}", column=first.column)
    report.kind, report.rows_read, report.rows_loaded = kind, read, loaded
    report.rows_quarantined = len(quarantined)
    report.warnings = [f"{o.reason()}: {o.unexpected_count} row(s)" for o in verdict.warnings]
    for row, record, failures in quarantined:
        con.execute(
            "insert into quarantine values (?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                path.name,
                row,
                kind,
                failures["expectation"].tolist(),
                [f"row {row}: {r}" for r in failures["reason"]],
                record,
            ],
        )
    return load_id, verdict
