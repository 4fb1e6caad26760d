"""Writing a Caisse des Dépôts flux (issue #27) in the load's transaction: its parts into a temporary table
of the connection, the defects that need the whole flux (``sql/cdc/markers.sql``), the suite part by part
(about 200,000 passages at a time: bounded memory), the quarantine, then the landing table.

The flux itself is read by :mod:`pipeline.load.sources.cdc` (the batch's ``stream``: a ``Flux``, which this
module only calls: ``parts()``, ``mapping_parts()``, ``transmitted()``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipeline.core import nir
from pipeline.core.errors import InputError
from pipeline.load.sources.base import Written

SQL = Path(__file__).parents[1] / "sql" / "cdc"
VALIDATED_PARTS = 2  # parts validated together (about 40,000 passages per run of the suite)
SUITE = "cdc_flux"

# the columns the suite checks -> the flux's element, for the reasons of the quarantine
ELEMENTS = {
    "certification_type": "type",
    "certification_code": "code",
    "passage_hash": "idTechnique",
    "id_repeated": "idTechnique",
    "reference_missing": "idTechnique",
    "obtention": "obtentionCertification",
    "certified_data": "donneeCertifiee",
    "certificate_date": "dateDebutValidite",
    "valid_until": "dateFinValidite",
    "language_level": "presenceNiveauLangueEuro",
    "digital_level": "presenceNiveauNumeriqueEuro",
    "access_mode": "modaliteAcces",
    "nir_malformed": "nir",
    "nir_bad_key": "nir",
    "identification": "identificationTitulaire",
}
# a field set aside -> the columns emptied with it
SET_ASIDE = {
    "access_mode": ("access_mode", "access_route"),
    "nir_malformed": ("nir_hash",),
    "nir_bad_key": ("nir_hash",),
}
VALIDATED = (
    "source_row, certification_type, certification_code, passage_hash::varchar as passage_hash, id_repeated, "
    "reference_missing, "
    "obtention, certified_data, language_level, digital_level, certificate_date, "
    "certificate_date_unparsed, valid_until, valid_until_unparsed, access_mode, identification, "
    "nir_malformed, nir_bad_key"
)
# the element of the flux each record field shows, in the quarantine's original record
RECORD = (
    ("type", "certification_type"),
    ("code", "certification_text"),
    ("idTechnique", "passage_hash"),
    ("obtentionCertification", "obtention"),
    ("donneeCertifiee", "certified_data"),
    ("dateDebutValidite", "certificate_date"),
    ("dateFinValidite", "valid_until"),
    ("presenceNiveauLangueEuro", "language_level"),
    ("presenceNiveauNumeriqueEuro", "digital_level"),
    ("modaliteAcces", "access_mode"),
    ("identificationTitulaire", "identification"),
)


def run_sql(con, name: str, params: dict | None = None) -> None:
    """Run the statements of ``sql/cdc/<name>`` (one per paragraph ending with ``;``)."""
    text = (SQL / name).read_text(encoding="utf-8")
    for statement in (s.strip() for s in text.split(";\n")):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.lstrip().startswith("--")).strip()
        if body:
            used = {k: v for k, v in (params or {}).items() if f"${k}" in body}
            con.execute(body, used)


def write_flux(con, batch, load_id: int, gate) -> Written:
    """Write the flux of ``batch`` as load ``load_id`` (see the module's docstring). Raises
    :class:`InputError` (the caller rolls back) when the file must be rejected."""
    flux, path = batch.stream, batch.path
    run_sql(con, "parts.sql")
    _load_mapping(con, flux)
    for frame in flux.parts():
        con.register("cdc_part", frame)
        con.execute("insert into cdc_parts by name select * from cdc_part")
        con.unregister("cdc_part")
    header = flux.header
    if header.passages == 0:
        raise InputError(path, "aucun passage de certification (passageCertification) dans ce flux CDC")
    day, source, note = flux.transmitted()
    notes = [f"flux CDC {header.flux_id or '(sans idFlux)'} du {day:%d/%m/%Y}"]
    if note:
        notes.append(note)
    if header.rs_passages:
        notes.append(
            f"{header.rs_passages} passage(s) de certifications RS (répertoire spécifique) écarté(s) : "
            "seules les certifications RNCP sont rapprochées des résultats de jury"
        )
    if flux.mapping is not None:
        notes.append(f"références candidats lues dans {flux.mapping.name}")
    run_sql(con, "markers.sql", {"mapped": flux.mapping is not None})
    verdicts, bad, aside, warned = [], set(), [], set()
    chunks = con.execute(f"select distinct part // {VALIDATED_PARTS} from cdc_parts order by 1").fetchall()
    for i, (chunk,) in enumerate(chunks or [(None,)]):
        frame = con.execute(
            f"select {VALIDATED} from cdc_parts where part // {VALIDATED_PARTS} is not distinct from ? "
            "order by source_row",
            [chunk],
        ).df()
        verdict = gate.validate(frame, SUITE)
        if verdict.file_errors:
            raise verdict.refusal(path)
        errors, fields = verdict.row_failures("error"), verdict.row_failures("field")
        fields = fields[~fields["source_row"].isin(errors["source_row"])]
        _quarantine(con, load_id, path, errors, verdict.outcomes, "row")
        _quarantine(con, load_id, path, fields, verdict.outcomes, "field")
        bad |= set(errors["source_row"])
        aside += list(fields[["source_row", "column"]].drop_duplicates().itertuples(index=False))
        warned |= set(verdict.row_failures("warning")["source_row"]) - set(errors["source_row"])
        if i < len(chunks) - 1:  # the last part's result goes with the load (pipeline/load/ingest.py)
            gate.keep(verdict, f"load-{load_id}-partie-{i + 1}", path.name)
        verdicts.append(verdict)
    _set_aside(con, bad, aside)
    read = con.execute("select count(*) from cdc_parts").fetchall()[0][0] + len(bad)
    run_sql(
        con,
        "land.sql",
        {
            "load_id": load_id,
            "file": path.name,
            "flux_id": header.flux_id,
            "transmitted_on": day,
            "transmitted_from": source,
            "link": "mapping" if flux.mapping is not None else "id_technique",
        },
    )
    con.execute(
        "insert into pending_refresh select distinct load_id, certification_code from landing_cdc_passages "
        "where load_id = ?",
        [load_id],
    )
    con.execute("drop table if exists temp.cdc_parts")
    con.execute("drop table if exists temp.cdc_mapping")
    batch.notes.extend(notes)
    verdict = merge(verdicts)
    if header.rs_passages:  # said with the load's warnings (its validation run, the Qualité page)
        verdict = with_rs_passages(verdict, header.passages, header.rs_passages)
    return Written(
        verdict,
        rows_loaded=read - len(bad),
        rows_quarantined=len(bad),
        fields_set_aside=len({(r.source_row, r.column) for r in aside}),
        rows_warned=len(warned),
        rows_read=read,
    )


def _load_mapping(con, flux) -> None:
    """The mapping file's digests into ``cdc_mapping`` (empty without one); an idTechnique given two
    references rejects the flux."""
    con.execute("create or replace temp table cdc_mapping (id_hash uuid, ref_hash uuid)")
    for table in flux.mapping_parts():
        con.register("mapping_block", table)
        con.execute("insert into cdc_mapping select id_hash, ref_hash from mapping_block")
        con.unregister("mapping_block")
    if flux.mapping is None:
        return
    ambiguous = con.execute(
        "select count(*) from (select id_hash from cdc_mapping where id_hash is not null "
        "group by id_hash having count(distinct ref_hash) > 1)"
    ).fetchall()[0][0]
    if ambiguous:
        raise InputError(
            flux.mapping,
            f"fichier de correspondance : {ambiguous} idTechnique associé(s) à plusieurs références "
            "candidats différentes ; corrigez-le (une référence par idTechnique)",
            column="idTechnique",
        )
    con.execute(
        "create or replace temp table cdc_mapping as select id_hash, any_value(ref_hash) as ref_hash "
        "from cdc_mapping where id_hash is not null and ref_hash is not null group by id_hash"
    )


def _set_aside(con, bad: set, aside: list) -> None:
    """Remove the rows that failed an error-level check, empty the fields set aside."""
    if bad:
        con.register("cdc_bad", pd.DataFrame({"source_row": sorted(bad)}, dtype="int64"))
        con.execute("delete from cdc_parts where source_row in (select source_row from cdc_bad)")
        con.unregister("cdc_bad")
    frame = pd.DataFrame(aside, columns=["source_row", "column"])
    for column, rows in frame.groupby("column")["source_row"]:
        emptied = SET_ASIDE.get(column, (column,))
        con.register("cdc_aside", pd.DataFrame({"source_row": rows.astype("int64")}))
        con.execute(
            f"update cdc_parts set {', '.join(f'{c} = null' for c in emptied)} "
            "where source_row in (select source_row from cdc_aside)"
        )
        con.unregister("cdc_aside")


def _records(con, rows: list[int]) -> dict[int, tuple[int, dict]]:
    """passage number -> (its line, the record the quarantine keeps: never the NIR, a name or a birth date)."""
    con.register("cdc_rows", pd.DataFrame({"source_row": rows}, dtype="int64"))
    frame = con.execute("select * from cdc_parts where source_row in (select source_row from cdc_rows)").df()
    con.unregister("cdc_rows")
    out = {}
    for r in frame.to_dict(orient="records"):
        record = {}
        for element, column in RECORD:
            value = r.get(column)
            if column in ("certificate_date", "valid_until"):
                text = r.get(column + "_unparsed")
                value = text if isinstance(text, str) else None if pd.isna(value) else f"{value:%Y-%m-%d}"
            if value is not None and not isinstance(value, str):
                value = None if pd.isna(value) else str(value).replace("-", "")  # a pseudonym: 32 hex digits
            record[element] = value
        has_nir = any(isinstance(r.get(c), str) for c in ("nir_malformed", "nir_bad_key")) or not pd.isna(
            r.get("nir_hash")
        )
        record["nir"] = nir.MASKED if has_nir else None
        out[int(r["source_row"])] = (int(r["source_line"]), record)
    return out


def _quarantine(con, load_id: int, path: Path, failures: pd.DataFrame, outcomes, outcome: str) -> None:
    """One quarantine row per failing passage, with every reason: « passage N (line L), element 'x' = 'v':
    expected … » (translated at display: pipeline/core/quality_labels.py)."""
    if failures.empty:
        return
    messages = {(o.expectation_type, o.reason()): o.message for o in outcomes}
    records = _records(con, sorted({int(r) for r in failures["source_row"]}))
    rows = []
    for row, group in failures.groupby("source_row", sort=True):
        line, record = records[int(row)]
        reasons, expectations = [], []
        for expectation, reason, column in group[["expectation", "reason", "column"]].itertuples(index=False):
            element = ELEMENTS.get(column.removesuffix("_unparsed"), column)
            value = record.get(element)
            shown = f" = '{value}'" if value is not None else ""
            text = f"passage {row} (line {line}), element '{element}'{shown}: expected {messages[(expectation, reason)]}"
            if text not in reasons:
                reasons.append(text)
                expectations.append(expectation)
        rows.append(
            (
                load_id,
                path.name,
                int(row),
                SUITE,
                expectations,
                reasons,
                json.dumps(record, ensure_ascii=False),
                outcome,
            )
        )
    con.executemany("insert into quarantine values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


RS_CHECK = "rncp_passages_only"
RS_MESSAGE = (
    "passages of RNCP certifications (the passages of RS certifications, répertoire spécifique, are counted "
    "and set aside)"
)


def with_rs_passages(verdict, passages: int, rs_passages: int):
    """The verdict with one more outcome, a warning: the RS passages counted and set aside (built like the
    others, from an outcome of the suite: see :func:`merge`)."""
    outcome = replace(
        verdict.outcomes[0],
        expectation_type=RS_CHECK,
        column=None,
        severity="warning",
        message=RS_MESSAGE,
        success=False,
        element_count=passages,
        unexpected_count=rs_passages,
        unexpected_percent=100 * rs_passages / passages,
        samples=[],
        rows=[],
        error=None,
    )
    return replace(verdict, outcomes=[*verdict.outcomes, outcome])


def merge(verdicts: list):
    """One verdict for the whole flux from the verdicts of its parts (same suite, same expectations):
    counts summed, failing rows joined, the first samples kept; the last part's GX result (the Data Docs
    page of the load; the other parts have their own pages). Verdicts and outcomes are
    :mod:`pipeline.load.gate`'s, built again with :func:`dataclasses.replace` (the gate is not imported
    here: it imports the sources)."""
    if len(verdicts) == 1:
        return verdicts[0]
    merged = []
    for parts in zip(*(v.outcomes for v in verdicts), strict=True):
        elements = sum(p.element_count or 0 for p in parts)
        unexpected = sum(p.unexpected_count or 0 for p in parts)
        merged.append(
            replace(
                parts[0],
                success=all(p.success for p in parts),
                element_count=elements,
                unexpected_count=unexpected,
                unexpected_percent=100 * unexpected / elements if elements else None,
                samples=[s for p in parts for s in p.samples][:10],
                rows=sorted({r for p in parts for r in p.rows}),
                error=next((p.error for p in parts if p.error), None),
            )
        )
    return replace(verdicts[-1], outcomes=merged)
