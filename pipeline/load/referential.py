"""The referential tables (RNCP export, ROME 4.0) and their writes, reached through their sources
(:mod:`pipeline.load.sources.rncp`, :mod:`pipeline.load.sources.rome`) in the load's transaction.

An RNCP load replaces the rows of the fiches it carries (a full export replaces everything, an excerpt
only its fiches); a ROME file replaces its table whole (a later version replaces the earlier one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.indicators import FICHE
from pipeline.indicators.formats import fr_int
from pipeline.load.batch import Batch
from pipeline.load.sources.base import Written

# the RNCP tables and their columns, as the export's parser yields their rows (pipeline/load/sources/rncp.py)
TABLES: dict[str, list[str]] = {
    "rncp_fiches": [
        "certification_code",
        "title",
        "abbreviation",
        "level",
        "active",
        "registration_end_date",
        "effective_date",
        "registration_type",
    ],
    "rncp_certifiers": ["certification_code", "siret", "name", "status"],
    # habilitation: as exported (HABILITATION_FORMER, …); habilitation_type: train | assess | both
    # (pipeline/core/partners.py); state, active_date, state_date: XML flow only (the CSV part lacks them)
    "rncp_partners": [
        "certification_code",
        "siret",
        "name",
        "habilitation",
        "habilitation_type",
        "state",
        "active_date",
        "state_date",
    ],
    "rncp_nsf": ["certification_code", "nsf_code", "nsf_label"],
    "rncp_formacodes": ["certification_code", "formacode", "label"],
    "rncp_ccn": ["certification_code", "ccn_number", "ccn_label"],
    "rncp_rome": ["certification_code", "rome_code", "rome_label", "is_job_code"],
    "rncp_blocks": ["certification_code", "block_code", "block_title"],
    "rncp_access_routes": ["certification_code", "access_route", "open", "jury_composition"],
    "rncp_lineage": ["old_code", "new_code", "source_fiche"],
    "published_statistics": ["certification_code", *FICHE, "source"],  # the fiche's table, as published
}
KEY = {t: ("source_fiche" if t == "rncp_lineage" else "certification_code") for t in TABLES}
KEYS = {t: (["certification_code", "source"] if t == "published_statistics" else [KEY[t]]) for t in TABLES}


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
        f"select {KEY[t]} as certification_code from {t} where load_id = $1" for t in TABLES
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


SHOWN_FICHES = 5  # fiches named by the warning on malformed partner SIRETs, then « et N autres »


def _name_malformed(batch: Batch, verdict, frame: pd.DataFrame) -> None:
    """Issue #24: the warning on malformed partner SIRETs names its fiches (the suite counts them): a note
    on the load (console, ``load_log.message``) and the fiches' codes as the check's examples."""
    bad = frame[frame["malformed_partner_sirets"] > 0].sort_values("certification_code")
    if bad.empty:
        return
    shown = [
        f"{r.certification_code} ({r.malformed_partner_sirets} SIRET)"
        for r in bad.head(SHOWN_FICHES).itertuples()
    ]
    more = len(bad) - len(shown)
    batch.notes.append(
        f"SIRET de partenaires mal formés (14 chiffres et une clé de contrôle juste attendus ; ces partenaires "
        f"ne pourront être rapprochés d'aucun SIRET des résultats de jury) dans {len(bad)} fiche(s) : "
        + ", ".join(shown)
        + (f" et {more} autre(s)" if more else "")
    )
    for o in verdict.outcomes:
        if o.column == "malformed_partner_sirets" and not o.success:
            o.samples = bad["certification_code"].head(20).tolist()


def load_rncp(con, batch: Batch, load_id: int, gate, progress: Callable[[str], None]) -> Written:
    """Stream the export's rows (``batch.stream``) into the referential tables, then validate the fiches it
    touched (suite ``rncp_referential``): a fiche failing a check is removed and quarantined. Raises
    :class:`InputError` (the caller rolls back) when the file must be rejected."""
    loaded = 0  # rows written, all tables together
    for label, rows in batch.stream:
        for table, trows in rows.items():
            if trows:
                _replace_rows(con, table, pd.DataFrame(trows, columns=TABLES[table]), load_id)
                loaded += len(trows)
        progress(f"{Path(label).name} : {fr_int(loaded)} lignes du référentiel lues")
    frame = _fiche_frame(con, load_id)
    frame["malformed_partner_sirets"] = _malformed_partner_sirets(con, load_id, frame)  # issue #16
    verdict = gate.validate(frame, batch.kind.suite, batch.kind.define_row)
    _name_malformed(batch, verdict, frame)
    if verdict.file_errors:
        raise verdict.refusal(batch.path)
    failures = verdict.row_failures("error")
    bad = frame[frame["source_row"].isin(failures["source_row"])]
    for table in TABLES:
        if not bad.empty:
            con.register("bad_codes", bad[["certification_code"]])
            con.execute(
                f"delete from {table} where load_id = ? and {KEY[table]} in "
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
    _done(con, batch, load_id, quarantined)
    return Written(verdict, len(frame) - len(quarantined), len(quarantined), rows_read=len(frame))


def load_rome(con, batch: Batch, verdict, load_id: int) -> Written:
    """Replace the ROME table by the file's rows that passed their checks (validated by the gate before)."""
    frame, table = batch.frame, batch.kind.table
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
    _done(con, batch, load_id, quarantined)
    return Written(verdict, len(good), len(quarantined))


def _done(con, batch: Batch, load_id: int, quarantined: list) -> None:
    """The quarantined rows of a referential load, and the refresh of every certification it may change."""
    for row, record, failures in quarantined:
        con.execute(
            "insert into quarantine values (?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                batch.path.name,
                row,
                batch.kind.name,
                failures["expectation"].tolist(),
                [f"row {row}: {r}" for r in failures["reason"]],
                record,
            ],
        )
    con.execute("insert into pending_refresh values (?, null)", [load_id])
