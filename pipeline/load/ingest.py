"""Load files into the warehouse: read, type, validate (the GX gate), then write in one transaction.

A file already loaded (same sha256) is skipped. A file-level failure writes no data (only a line in
``load_log`` and its validation run, so the rejection stays on record); row-level failures go to
``quarantine`` and the rest of the file loads.
"""

from __future__ import annotations

import csv
import hashlib
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.core.sql import scalar
from pipeline.load import gate as validation
from pipeline.load import referential
from pipeline.load.batch import Batch, header_score, prepare
from pipeline.load.pseudonymise import load_key
from pipeline.load.readers import (
    EXCEL_SUFFIXES,
    RawTable,
    detect_delimiter,
    detect_encoding,
    excel_head_rows,
    mark_defects,
    read_table,
)
from pipeline.load.sources import KINDS, MODULES, limesurvey

SUPPORTED_SUFFIXES = {".csv", ".tsv", ".txt", ".zip", ".xml"} | EXCEL_SUFFIXES
REFERENTIAL_KINDS = ("rncp", "rome_codes", "rome_appellations")


@dataclass
class LoadReport:
    """What happened to one file."""

    file: Path
    status: str  # loaded | skipped | rejected
    kind: str | None = None
    load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    fields_set_aside: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "skipped":
            return f"{self.file}: already loaded (same content), skipped"
        if self.status == "rejected":
            return f"REJECTED {self.message}"
        unit = "fiches" if self.kind == "rncp" else "rows"
        parts = [f"{self.file}: {self.rows_loaded} of {self.rows_read} {unit} loaded as {self.kind}"]
        if self.rows_quarantined:
            parts.append(f"{self.rows_quarantined} quarantined")
        if self.fields_set_aside:
            parts.append(f"{self.fields_set_aside} malformed field(s) set aside (rows kept)")
        if self.rows_warned:
            parts.append(f"{self.rows_warned} with warnings")
        if self.dropped_columns:
            parts.append(f"personal-data columns dropped: {', '.join(self.dropped_columns)}")
        return "; ".join(parts)


def load_digest(path: Path, mapping: Path | None = None) -> str:
    """What tells a load from another: the file's sha256 — for a LimeSurvey responses export, that of the
    export and of its mapping file together, so that a corrected mapping loads the answers again."""
    sha = sha256_of(path)
    mapped = limesurvey.mapping_digest(path, mapping)
    return hashlib.sha256(f"{sha}:{mapped}".encode()).hexdigest() if mapped else sha


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_kind(headers: list[str], user_mapping: Path | None = None) -> str | None:
    """The kind whose distinctive columns the headers name best (at least two), else None."""
    scores = {name: header_score(headers, kind, user_mapping) for name, kind in KINDS.items()}
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 2 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return best


def read_batch(
    path: Path, settings: Settings, key: bytes, kind: str | None = None, mapping: Path | None = None
) -> Batch:
    """Read and type one file. Raises :class:`InputError` when it cannot be read or its kind is unknown.
    A LimeSurvey responses export is read through its mapping file (``mapping``, else found beside it:
    :mod:`pipeline.load.sources.limesurvey`)."""
    if kind is not None and kind not in KINDS:
        raise InputError(path, f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")

    def score(headers: list[str]) -> int:
        kinds = [KINDS[kind]] if kind else list(KINDS.values())
        own = limesurvey.header_score(headers) if kind in (None, "survey_answers") else 0
        return max(own, *(header_score(headers, k, settings.header_mapping) for k in kinds))

    raw: RawTable = read_table(path, score, cut_last_row="quarantine")
    if kind in (None, "survey_answers") and limesurvey.is_export(raw.frame.columns):
        batch = MODULES["survey_answers"].type_batch(limesurvey.prepare(raw, key, mapping))
        mark_defects(raw, batch)
        return batch
    name = kind or detect_kind(list(raw.frame.columns), settings.header_mapping)
    if name is None:
        raise InputError(
            path,
            "cannot tell whether this is a cohort-results or a survey file from its headers "
            f"({', '.join(map(repr, list(raw.frame.columns)[:8]))}); use the headers of data/templates/, "
            "map yours in data/header_mapping.csv, or force the kind with --kind",
            row=1,
        )
    batch = MODULES[name].type_batch(prepare(raw, KINDS[name], key, settings.header_mapping))
    mark_defects(raw, batch)  # a stray NUL byte, a last row cut short: quarantined, never loaded
    return batch


def _log(con, load_id, path, sha, report: LoadReport, batch: Batch | None, started: datetime, t0: float):
    con.execute(
        "insert into load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            str(path),
            path.name,
            sha,
            report.kind,
            report.status,
            report.rows_read,
            report.rows_loaded,
            report.rows_quarantined,
            report.rows_warned,
            batch.encoding if batch else None,
            batch.delimiter if batch else None,
            batch.sheet if batch else None,
            batch.dropped_personal if batch else [],
            batch.ignored if batch else [],
            started,
            datetime.now(),
            round(time.perf_counter() - t0, 3),
            report.message,
        ],
    )


@dataclass
class Checked:
    """A file read, typed and validated (by this process or a worker), ready to be written or rejected."""

    path: Path
    kind: str | None  # the kind asked for, if any
    batch: Batch | None = None
    verdict: validation.Verdict | None = None
    error: InputError | None = None
    started: datetime = field(default_factory=datetime.now)
    seconds: float = 0.0


def check_file(
    path: Path, settings: Settings, key: bytes, kind, gate: validation.Gate, mapping: Path | None = None
) -> Checked:
    """Read, type and validate one cohort or survey file on its own; writes nothing. Checks that need
    another source (an answer against its jury) run in the warehouse, so order never matters."""
    checked, t0 = Checked(path, kind), time.perf_counter()
    try:
        checked.batch = batch = read_batch(path, settings, key, kind, mapping)
        checked.verdict = verdict = gate.validate(batch.frame, batch.kind.name)
        if verdict.file_errors:
            first = verdict.file_errors[0]
            raise InputError(
                path, f"expected {first.message}", row=1 if first.column else None, column=first.column
            )
    except InputError as exc:
        checked.error = exc
    checked.seconds = time.perf_counter() - t0
    return checked


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    settings: Settings,
    key: bytes | None = None,
    kind: str | None = None,
    gate: validation.Gate | None = None,
    mapping: Path | None = None,
) -> LoadReport:
    """Load one file (see module docstring). Never raises for bad input: the report says what happened.
    ``mapping``: the mapping file of a LimeSurvey responses export (else found beside it).

    Pass the same ``gate`` for several files, then call ``gate.build_docs()`` once."""
    path = Path(path)
    key = key if key is not None else load_key(settings.key_file)
    started, t0 = datetime.now(), time.perf_counter()
    sha = load_digest(path, mapping) if path.exists() else ""
    if already_loaded(con, sha):
        return LoadReport(path, "skipped")

    gate = gate or validation.Gate(settings)
    ref_kind = kind if kind in REFERENTIAL_KINDS else (None if kind else referential.detect(path))
    if ref_kind:
        return _ingest_referential(con, path, ref_kind, gate, sha, started, t0)
    return write_checked(con, check_file(path, settings, key, kind, gate, mapping), sha, gate)


def already_loaded(con: duckdb.DuckDBPyConnection, sha: str) -> bool:
    return bool(sha) and bool(
        scalar(con, "select count(*) from load_log where sha256 = ? and status = 'loaded'", [sha])
    )


def write_checked(con: duckdb.DuckDBPyConnection, checked: Checked, sha: str, gate) -> LoadReport:
    """Write a checked file in one transaction: its good rows, its quarantine, its log and validation run
    (or, when it was rejected, only the log and the run)."""
    path, batch, verdict = checked.path, checked.batch, checked.verdict
    started, t0 = checked.started, time.perf_counter() - checked.seconds
    report = LoadReport(path, "rejected", kind=checked.kind)
    if batch is not None:
        report.kind, report.rows_read = batch.kind.name, len(batch.frame)
        report.dropped_columns = batch.dropped_personal
    if checked.error is not None:
        return _reject(con, report, checked.error, sha, batch, verdict, gate, started, t0)

    failures = verdict.row_failures("error")
    set_aside = verdict.row_failures("field")
    warned = verdict.row_failures("warning")
    frame = batch.frame
    bad_rows = set(failures["source_row"])
    good = frame[~frame["source_row"].isin(bad_rows)]
    set_aside = set_aside[~set_aside["source_row"].isin(bad_rows)]
    if not set_aside.empty:  # a defect in a field that does not define the row: the field, not the row
        good = good.copy()
        for column, rows in set_aside.groupby("column")["source_row"]:
            good.loc[good["source_row"].isin(rows), column] = None
    report.status = "loaded"
    report.rows_loaded, report.rows_quarantined = len(good), len(bad_rows)
    report.fields_set_aside = len(set_aside.drop_duplicates(["source_row", "column"]))
    report.rows_warned = warned["source_row"].nunique()
    report.warnings = [f"{o.reason()}: {o.unexpected_count} row(s)" for o in verdict.warnings]
    report.message = "; ".join(batch.notes + report.warnings)

    con.execute("begin transaction")
    try:
        load_id = scalar(con, "select nextval('load_id_seq')")
        report.load_id = load_id
        landing = MODULES[batch.kind.name].to_landing(good)
        con.register("landing_batch", landing)
        con.execute(
            f"insert into {batch.kind.table} by name "
            "select ?::integer as load_id, ? as source_file, * from landing_batch",
            [load_id, path.name],
        )
        con.unregister("landing_batch")
        con.execute(
            f"insert into pending_refresh select distinct load_id, certification_code from {batch.kind.table} "
            "where load_id = ?",
            [load_id],
        )
        if bad_rows:
            _quarantine(con, load_id, path, batch, failures, verdict.outcomes, "row")
        if not set_aside.empty:
            _quarantine(con, load_id, path, batch, set_aside, verdict.outcomes, "field")
        _log(con, load_id, path, sha, report, batch, started, t0)
        validation.record(con, verdict, load_id, "file")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    gate.keep(verdict, f"load-{load_id}", path.name)
    return report


def _reject(con, report: LoadReport, exc: InputError, sha, batch, verdict, gate, started, t0) -> LoadReport:
    """Record a rejected file: one line in load_log and its validation run; no data."""
    report.status, report.message = "rejected", str(exc)
    con.execute("begin transaction")
    load_id = scalar(con, "select nextval('load_id_seq')")
    _log(con, load_id, report.file, sha, report, batch, started, t0)
    if verdict is not None:
        validation.record(con, verdict, load_id, "file")
    con.execute("commit")
    if verdict is not None:
        gate.keep(verdict, f"load-{load_id}", report.file.name)
    report.load_id = load_id
    return report


def _progress(message: str) -> None:
    """One line of progress on the terminal (long RNCP exports), rewritten in place."""
    if sys.stderr.isatty():
        print(f"\r  … {message}" if message else "\r\033[K", end="", file=sys.stderr, flush=True)


def _ingest_referential(con, path: Path, kind: str, gate, sha, started, t0) -> LoadReport:
    """RNCP export or ROME file: one transaction, rolled back whole when the file is rejected."""
    report = LoadReport(path, "loaded", kind=kind)
    con.execute("begin transaction")
    try:
        load_id, verdict = referential.ingest(con, path, kind, report, gate, progress=_progress)
        _progress("")
        report.load_id = load_id
        report.message = "; ".join(report.warnings)
        con.execute("insert into pending_refresh values (?, null)", [load_id])
        _log(con, load_id, path, sha, report, None, started, t0)
        validation.record(con, verdict, load_id, "file")
        con.execute("commit")
    except InputError as exc:
        con.execute("rollback")
        return _reject(con, report, exc, sha, None, None, gate, started, t0)
    except Exception:
        con.execute("rollback")
        raise
    gate.keep(verdict, f"load-{load_id}", path.name)
    return report


def _reasons(batch: Batch, failures: pd.DataFrame, outcomes) -> pd.Series:
    """One readable reason per failing row and check: the file's column, the value, what was expected."""
    by_rule = {(o.expectation_type, o.reason()): o for o in outcomes}
    row_index = pd.Series(batch.frame.index, index=batch.frame["source_row"])
    texts = []
    for row, expectation, reason in failures[["source_row", "expectation", "reason"]].itertuples(index=False):
        o = by_rule[(expectation, reason)]
        columns = [c.strip().removesuffix("_unparsed") for c in (o.column or "").split(",") if c.strip()]
        shown = []
        for c in columns:
            header = batch.mapped.get("candidate_ref" if c == "candidate_hash" else c)
            if header is not None:
                shown.append(f"'{header}' = '{batch.original.at[row_index[row], header]}'")
        where = f"column {', '.join(shown)}: " if shown else ""
        texts.append(f"row {row}, {where}expected {o.message}")
    return pd.Series(texts, index=failures.index)


def _quarantine(
    con, load_id: int, path: Path, batch: Batch, failures: pd.DataFrame, outcomes, outcome: str
) -> None:
    """Record failing rows: ``outcome`` row (not loaded) or field (loaded with those fields set aside)."""
    failures = failures.assign(reason=_reasons(batch, failures, outcomes))
    failures = failures.drop_duplicates(["source_row", "reason"])[["source_row", "expectation", "reason"]]
    grouped = failures.groupby("source_row", sort=True).agg(list)
    index = batch.frame.index[batch.frame["source_row"].isin(grouped.index)]
    rows = batch.frame.loc[index, "source_row"].tolist()
    originals = dict(zip(rows, batch.original_json(index), strict=True))
    q = pd.DataFrame(
        {
            "load_id": load_id,
            "file_name": path.name,
            "source_row": grouped.index.astype("int64"),
            "kind": batch.kind.name,
            "expectations": grouped["expectation"].tolist(),
            "reasons": grouped["reason"].tolist(),
            "original_record": [originals[r] for r in grouped.index],
            "outcome": outcome,
        }
    )
    con.register("quarantine_batch", q)
    con.execute("insert into quarantine by name select * from quarantine_batch")
    con.unregister("quarantine_batch")


# --- a whole folder, with worker processes ------------------------------------------------------------

_worker: dict = {}


def _worker_start(settings: Settings, key: bytes) -> None:
    _worker.update(settings=settings, key=key, gate=validation.Gate(settings))


def _worker_check(path: Path, kind: str | None) -> Checked:
    """In a worker process: check one file."""
    return check_file(path, _worker["settings"], _worker["key"], kind, _worker["gate"])


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    settings: Settings,
    key: bytes,
    gate: validation.Gate,
    workers: int = 1,
    on_report=None,
) -> list[LoadReport]:
    """Load files in order (referentials, cohorts, surveys: see :func:`raw_files`).

    With ``workers`` > 1, cohort and survey files are read, typed and validated by that many worker
    processes while this one writes them, in the same order and with the same results as one by one
    (a file's checks depend on that file alone)."""
    reports: list[LoadReport] = []

    def done(report: LoadReport) -> None:
        reports.append(report)
        if on_report:
            on_report(report)

    kinds = [sniff_kind(p, settings) for p in paths]
    parallel = workers > 1 and sum(k in KINDS for k in kinds) > 1
    if not parallel:
        for path in paths:
            done(ingest_file(con, path, settings, key, gate=gate))
        return reports

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # never fork a process holding DuckDB threads
    with ProcessPoolExecutor(workers, context, initializer=_worker_start, initargs=(settings, key)) as pool:
        i = 0
        while i < len(paths):
            if kinds[i] not in KINDS:
                done(ingest_file(con, paths[i], settings, key, gate=gate))
                i += 1
                continue
            j = i
            while j < len(paths) and kinds[j] in KINDS:
                j += 1
            _in_workers(con, pool, paths[i:j], workers, gate, done)
            i = j
    return reports


def _in_workers(con, pool, paths: list[Path], workers: int, gate, done) -> None:
    """Check files in the pool (a few ahead, so memory stays bounded) and write them in order."""
    from collections import deque

    queue: deque = deque()  # (path, sha256, future or None when already loaded), in file order
    todo = iter(paths)

    def fill() -> None:
        while sum(future is not None for _, _, future in queue) <= workers:
            path = next(todo, None)
            if path is None:
                return
            sha = load_digest(path)
            future = None if already_loaded(con, sha) else pool.submit(_worker_check, path, None)
            queue.append((path, sha, future))

    fill()
    while queue:
        path, sha, future = queue.popleft()
        fill()
        if future is None:
            done(LoadReport(path, "skipped"))
        else:
            done(write_checked(con, future.result(), sha, gate))


def touched_certifications(con: duckdb.DuckDBPyConnection, reports: list[LoadReport]) -> list[str] | None:
    """The certifications whose cohort or survey rows these loads changed, for an incremental rebuild of
    the marts; None when a referential was loaded (everything may change)."""
    loaded = [r for r in reports if r.status == "loaded"]
    if any(r.kind in REFERENTIAL_KINDS for r in loaded):
        return None
    ids = [r.load_id for r in loaded]
    return [
        row[0]
        for row in con.execute(
            """
            select distinct certification_code from landing_cohort_results where list_contains($ids, load_id)
            union
            select distinct certification_code from landing_survey_answers where list_contains($ids, load_id)
            order by 1
            """,
            {"ids": ids},
        ).fetchall()
        if row[0] is not None
    ]


def raw_files(folder: Path, settings: Settings) -> list[Path]:
    """Every loadable file under ``folder`` (recursive, hidden files and READMEs aside): referentials
    first (their loads rebuild everything), then cohort results and surveys. The figures do not depend
    on this order; it only keeps runs readable."""
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$"))
        and p.stem.lower() not in {"readme", "provenance"}
    ]
    order = {name: i for i, name in enumerate([*REFERENTIAL_KINDS, *KINDS])}
    return sorted(files, key=lambda p: (order.get(sniff_kind(p, settings), len(order)), str(p)))


_sniffed: dict = {}


def sniff_kind(path: Path, settings: Settings) -> str | None:
    """The kind of a file from its first lines (whole read for workbooks); None when unknown."""
    stat = path.stat() if path.exists() else None
    memo = (str(path), stat and stat.st_mtime_ns, stat and stat.st_size, settings.header_mapping)
    if memo not in _sniffed:
        _sniffed[memo] = _sniff(path, settings)
    return _sniffed[memo]


def _sniff(path: Path, settings: Settings) -> str | None:
    ref_kind = referential.detect(path)
    if ref_kind:
        return ref_kind
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            kinds = [detect_kind(row, settings.header_mapping) for row in excel_head_rows(path)]
            return next((k for k in kinds if k), None)
        head = path.open("rb").read(65536)
        text = head.decode(detect_encoding(head, path), errors="ignore").lstrip("\ufeff")
        line = next((ln for ln in text.splitlines() if ln.strip(" ;,\t")), "")
        headers = next(csv.reader([line], delimiter=detect_delimiter(line)))
        if limesurvey.is_export(headers):
            return "survey_answers"
        return detect_kind(headers, settings.header_mapping)
    except (InputError, StopIteration, OSError):
        return None
