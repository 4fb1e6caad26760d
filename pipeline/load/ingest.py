"""Load files into the warehouse, the same steps for every source (pipeline/load/sources/): find the
file's source from its head, read it into a typed batch, validate it (the GX gate), write it in one
transaction.

A file already loaded (same digest: its sha256, with its mapping's for a LimeSurvey export) is skipped. A
file-level failure writes no data (only a line in ``load_log`` and its validation run, so the rejection
stays on record); row-level failures go to ``quarantine`` and the rest of the file loads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.core.sql import scalar
from pipeline.load import gate as validation
from pipeline.load import sources, staging
from pipeline.load.batch import Batch
from pipeline.load.check import Checked, check, in_worker, worker_pool
from pipeline.load.pseudonymise import load_key
from pipeline.load.readers import EXCEL_SUFFIXES
from pipeline.load.sources import Source

SUPPORTED_SUFFIXES = {".csv", ".tsv", ".txt", ".zip", ".xml"} | EXCEL_SUFFIXES


# the words that start a load's verdict on the console (scripts and tests wait for them)
LOADED, REFUSED = "chargé", "REFUSÉ"


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
    notes: list[str] = field(default_factory=list)  # what the reading noted (in French): shown too
    dropped_columns: list[str] = field(default_factory=list)
    unit: str = "lignes"  # what the source's rows are called (fiches for the RNCP export)

    def summary(self) -> str:
        """One French line: « f.csv : chargé en survey_answers, 3 lignes sur 5 ; 2 en quarantaine ; … »,
        « REFUSÉ f.csv, ligne 1 : … » or « f.csv : déjà chargé (même contenu), ignoré »."""
        if self.status == "skipped":
            return f"{self.file} : déjà chargé (même contenu), ignoré"
        if self.status == "rejected":
            return f"{REFUSED} {self.message}"
        unit = self.unit if self.rows_loaded > 1 else self.unit.removesuffix("s")
        parts = [f"{self.file} : {LOADED} en {self.kind}, {self.rows_loaded} {unit} sur {self.rows_read}"]
        if self.rows_quarantined:
            parts.append(f"{self.rows_quarantined} en quarantaine")
        if self.fields_set_aside:
            parts.append(f"{self.fields_set_aside} champ(s) mal formé(s) écarté(s) (lignes conservées)")
        if self.rows_warned:
            parts.append(f"{self.rows_warned} avec avertissement(s)")
        if self.dropped_columns:
            parts.append(f"colonnes de données personnelles supprimées : {', '.join(self.dropped_columns)}")
        return " ; ".join(parts)


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
    ``kind`` forces the source; ``mapping``: the mapping file of a LimeSurvey responses export (else found
    beside it).

    Pass the same ``gate`` for several files, then call ``gate.build_docs()`` once."""
    path = Path(path)
    key = key if key is not None else load_key(settings.key_file)
    source = sources.find(path, settings.header_mapping, kind)
    digest = source.digest(path, mapping) if path.exists() else ""
    if already_loaded(con, digest):
        return LoadReport(path, "skipped")
    gate = gate or validation.Gate(settings)
    checked = check(path, source, settings, key, gate, mapping)
    return write(con, source, checked, digest, gate)


def loaded_digests(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The digests of every file loaded (``insertion watch`` skips them without asking the warehouse)."""
    return {sha for (sha,) in con.execute("select sha256 from load_log where status = 'loaded'").fetchall()}


def already_loaded(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    return bool(digest) and bool(
        scalar(con, "select count(*) from load_log where sha256 = ? and status = 'loaded'", [digest])
    )


def write(con: duckdb.DuckDBPyConnection, source: Source, checked: Checked, digest: str, gate) -> LoadReport:
    """Write a checked file in one transaction through its source (rows, quarantine, certifications to
    refresh), with its log and validation run; when it is rejected (by its check, or by its source while
    writing: nothing of it stays), only the log and the run. What the check staged on disk is removed
    either way."""
    path, batch, error, verdict = checked.path, checked.batch, checked.error, checked.verdict
    started, t0 = checked.started, time.perf_counter() - checked.seconds
    report = LoadReport(path, "rejected", kind=batch.kind.name if batch else source.loads, unit=source.unit)
    if batch is not None:
        staged = batch.staged
        report.rows_read = len(batch.frame) if batch.frame is not None else staged.rows_read if staged else 0
        report.dropped_columns = batch.dropped_personal
    try:
        if error is None:
            con.execute("begin transaction")
            try:
                load_id = scalar(con, "select nextval('load_id_seq')")
                written = source.write(con, batch, verdict, load_id, gate)
                _loaded(report, written, batch)
                _log(con, load_id, digest, report, batch, started, t0)
                validation.record(con, written.verdict, load_id, "file")
                con.execute("commit")
                report.load_id = load_id
                gate.keep(written.verdict, f"load-{load_id}", path.name)
                return report
            except InputError as exc:  # found while writing (a streamed export): nothing of it stays
                con.execute("rollback")
                error, verdict = exc, None
            except Exception:
                con.execute("rollback")
                raise
        return _reject(con, report, error, digest, batch, verdict, gate, started, t0)
    finally:
        staging.discard(batch)


def _loaded(report: LoadReport, written, batch: Batch) -> None:
    report.status = "loaded"
    if written.rows_read is not None:
        report.rows_read = written.rows_read
    report.rows_loaded, report.rows_quarantined = written.rows_loaded, written.rows_quarantined
    report.fields_set_aside, report.rows_warned = written.fields_set_aside, written.rows_warned
    report.warnings = [f"{o.reason()}: {o.unexpected_count} row(s)" for o in written.verdict.warnings]
    report.notes = list(batch.notes)
    report.message = "; ".join(batch.notes + report.warnings)


def _log(con, load_id, sha, report: LoadReport, batch: Batch | None, started: datetime, t0: float):
    path = report.file
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


def _reject(con, report: LoadReport, exc: InputError, sha, batch, verdict, gate, started, t0) -> LoadReport:
    """Record a rejected file: one line in load_log and its validation run; no data."""
    report.status, report.message = "rejected", str(exc)
    con.execute("begin transaction")
    load_id = scalar(con, "select nextval('load_id_seq')")
    _log(con, load_id, sha, report, batch, started, t0)
    if verdict is not None:
        validation.record(con, verdict, load_id, "file")
    con.execute("commit")
    if verdict is not None:
        gate.keep(verdict, f"load-{load_id}", report.file.name)
    report.load_id = load_id
    return report


# --- a whole folder, with worker processes ------------------------------------------------------------


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    settings: Settings,
    key: bytes,
    gate: validation.Gate,
    on_report=None,
    on_plan=None,
) -> list[LoadReport]:
    """Load files in order (referentials, cohorts, surveys: see :func:`raw_files`).

    With worker processes (:func:`workers_for`, given to ``on_plan`` before the first file), the files
    their source lets a worker read (``parallel``: cohorts, surveys) are read and validated by those
    processes while this one writes them, in the same order and with the same results as one by one (a
    file's checks depend on that file alone)."""
    reports: list[LoadReport] = []

    def done(report: LoadReport) -> None:
        reports.append(report)
        if on_report:
            on_report(report)

    found = [sources.find(p, settings.header_mapping) for p in paths]
    plan = workers_for(paths, settings, found)
    if on_plan:
        on_plan(plan)
    workers = plan.count
    if workers <= 1:
        for path in paths:
            done(ingest_file(con, path, settings, key, gate=gate))
        return reports

    with worker_pool(settings, key, workers) as pool:
        i = 0
        while i < len(paths):
            if not found[i].parallel:
                done(ingest_file(con, paths[i], settings, key, gate=gate))
                i += 1
                continue
            j = i
            while j < len(paths) and found[j].parallel:
                j += 1
            _in_workers(con, pool, list(zip(paths[i:j], found[i:j], strict=True)), workers, gate, done)
            i = j
    return reports


class Workers(NamedTuple):
    """What a build of some files does: ``count`` worker processes (1: none, one file at a time), for
    ``mib`` MiB of files they would read; ``small``: fewer workers than asked because of the size."""

    count: int
    mib: float
    small: bool


def workers_for(paths: list[Path], settings: Settings, found: list[Source]) -> Workers:
    """The worker processes a build of ``paths`` (of sources ``found``) starts, for the files of the
    ``parallel`` sources (cohorts, surveys). None under ``INSERTION_WORKERS_FROM_MIB``: a worker imports
    Great Expectations and builds the suites (about 3 s of CPU) before its first file, more than it saves
    on small files (docs/performance.md)."""
    parallel = [p for p, source in zip(paths, found, strict=True) if source.parallel]
    mib = sum(p.stat().st_size for p in parallel) / 2**20
    if settings.workers <= 1 or len(parallel) <= 1:
        return Workers(1, mib, False)
    if mib < settings.workers_from_mib:
        return Workers(1, mib, True)
    return Workers(settings.workers, mib, False)


def _in_workers(con, pool, files: list[tuple[Path, Source]], workers: int, gate, done) -> None:
    """Check files in the pool (a few ahead, so memory stays bounded) and write them in order."""
    from collections import deque

    queue: deque = deque()  # (path, source, digest, future or None when already loaded), in file order
    todo = iter(files)

    def fill() -> None:
        while sum(future is not None for *_, future in queue) <= workers:
            path, source = next(todo, (None, None))
            if path is None:
                return
            digest = source.digest(path)
            future = None if already_loaded(con, digest) else pool.submit(in_worker, path, source.kind)
            queue.append((path, source, digest, future))

    fill()
    while queue:
        path, source, digest, future = queue.popleft()
        fill()
        if future is None:
            done(LoadReport(path, "skipped"))
        else:
            done(write(con, source, future.result(), digest, gate))


def touched_certifications(con: duckdb.DuckDBPyConnection, reports: list[LoadReport]) -> list[str] | None:
    """The certifications these loads changed (as their sources marked them for refresh), for an
    incremental rebuild of the marts; None when one of them may change every certification (a
    referential)."""
    ids = [r.load_id for r in reports if r.status == "loaded"]
    codes = [
        code
        for (code,) in con.execute(
            "select distinct certification_code from pending_refresh where list_contains($ids, load_id) "
            "order by 1",
            {"ids": ids},
        ).fetchall()
    ]
    return None if None in codes else codes


def raw_files(folder: Path, settings: Settings) -> list[Path]:
    """Every loadable file under ``folder`` (recursive, hidden files and READMEs aside), in the order of
    their sources (:data:`pipeline.load.sources.SOURCES`: referentials first, their loads rebuild
    everything; then cohort results and surveys). The figures do not depend on this order; it only keeps
    runs readable."""
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$"))
        and p.stem.lower() not in {"readme", "provenance"}
    ]
    order: dict = {}
    for i, source in enumerate(sources.SOURCES):
        order.setdefault(source.loads, i)

    def rank(path: Path) -> tuple:
        return order.get(sources.find(path, settings.header_mapping).loads, len(order)), str(path)

    return sorted(files, key=rank)
