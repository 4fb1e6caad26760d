"""Check a cohort or survey file chunk by chunk, in bounded memory whatever its size (issue #24).

Each chunk of rows (``INSERTION_CHUNK_ROWS``; the first one ``INSERTION_BAD_ROWS_SAMPLE`` rows) is typed and
validated by the GX gate, then split as the file's source says (:meth:`Tabular.split`): the rows to load are
staged on disk (one Parquet file per chunk, beside the warehouse, written by DuckDB from the typed frame as
the warehouse would read it), the quarantine keeps at most ``INSERTION_QUARANTINE_EXAMPLES`` example rows
per check (file, column and check: every failing row is counted, in ``load_log`` and in
``validation_results``). Nothing here touches the warehouse: the source writes what was staged in the
load's transaction, later, maybe in another process (``insertion build``'s workers, ``insertion watch``),
so that the warehouse is held only while writing.

Once ``INSERTION_BAD_ROWS_SAMPLE`` rows are read, and after each chunk, a file whose share of rows in error
passes ``INSERTION_MAX_BAD_SHARE`` is refused as a whole with one message and the reading stops: a file of
garbage costs its first rows, not its size. A file smaller than the sample is judged row by row.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.core.errors import InputError
from pipeline.core.quality_labels import message_fr
from pipeline.indicators.formats import fr_int
from pipeline.load.batch import Batch, Part
from pipeline.load.gate import Outcome, Verdict, field_of
from pipeline.load.progress import Progress

STAGING = ".staging"  # folder beside the warehouse


@dataclass
class Staged:
    """What a file checked in chunks leaves for its source to write: Parquet files of the rows to load,
    the quarantine's example records (without their load id) and the counts of the whole file."""

    folder: Path
    parts: list[Path] = field(default_factory=list)
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    fields_set_aside: int = 0
    rows_warned: int = 0
    kept: Counter = field(default_factory=Counter)  # (outcome, reason) -> example rows kept

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def discard(batch: Batch | None) -> None:
    """Remove what a checked file staged (after its write, its rejection, or when it was not needed)."""
    if batch is not None and isinstance(batch.staged, Staged):
        batch.staged.discard()


def clean(folder: Path) -> None:
    """Remove what killed processes staged beside the warehouse in ``folder`` (their ids are gone)."""
    for staged in (folder / STAGING).glob("*-*"):
        pid = staged.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(staged, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_in_chunks(source, path: Path, settings, key: bytes, gate, mapping=None, in_place=None):
    """Read, type, validate and stage ``path`` chunk by chunk through ``source`` (a
    :class:`~pipeline.load.sources.tabular.Tabular`); returns (batch, verdict): a batch without frame whose
    ``staged`` its source writes, the verdict of every chunk merged. A file-level failure stops at the
    first chunk (the caller rejects the file); too many rows in error raise :class:`InputError` carrying
    ``batch`` and ``verdict`` (recorded with the rejection)."""
    staged = Staged(settings.warehouse.parent / STAGING / f"{os.getpid()}-{uuid.uuid4().hex[:12]}")
    progress = Progress(path.name, _size(path), in_place=in_place)
    meta: Batch | None = None
    verdict: Verdict | None = None
    keys, chunks_checked = _Keys(), 0
    try:
        chunks = source.batches(
            path, settings, key, mapping, rows=settings.chunk_rows, first_rows=settings.bad_rows_sample
        )
        for batch in chunks:
            if meta is None:
                meta = _meta(batch, staged)
            else:
                _merge_columns(meta, batch)
            if batch.frame.empty and (staged.rows_read or verdict is not None or not batch.last):
                continue  # blank rows only: nothing to check (a file of no row at all is checked once)
            checked = gate.validate(batch.frame, batch.kind.suite, batch.kind.define_row)
            verdict = merge(verdict, checked, batch.frame["source_row"])
            if checked.file_errors:
                break
            part = _stage(staged, source, batch, checked, settings.quarantine_examples)
            keys.add(batch, checked, part.warned_rows)
            chunks_checked += 1
            progress.update(staged.rows_read, batch.position, batch.last)
            if staged.rows_read >= settings.bad_rows_sample and _too_many(staged, settings):
                raise _refused(path, meta, verdict, staged, settings, whole=batch.last)
        if chunks_checked > 1 and not verdict.file_errors:
            keys.settle(verdict, staged)
        progress.close(staged.rows_read, _size(path))
    except InputError as exc:  # refused, or unreadable further on: what was read is on record
        progress.close(staged.rows_read, None, "fichier refusé")
        exc.batch, exc.verdict = meta, verdict
        staged.discard()
        raise
    except BaseException:
        staged.discard()
        raise
    return meta, verdict


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _meta(batch: Batch, staged: Staged) -> Batch:
    """The batch the source writes: the first chunk's description, no frame, what was staged."""
    return Batch(
        batch.kind,
        batch.path,
        None,
        None,
        dict(batch.mapped),
        list(batch.dropped_personal),
        list(batch.ignored),
        list(batch.notes),
        batch.encoding,
        batch.delimiter,
        batch.sheet,
        staged=staged,
    )


def _merge_columns(meta: Batch, batch: Batch) -> None:
    """A column judged personal in any chunk is reported as dropped (it is never loaded either way)."""
    for header in batch.dropped_personal:
        if header not in meta.dropped_personal:
            meta.dropped_personal.append(header)
    meta.ignored = [h for h in meta.ignored if h not in meta.dropped_personal]


def _stage(staged: Staged, source, batch: Batch, verdict: Verdict, examples: int) -> Part:
    part = source.split(batch, verdict)
    staged.rows_read += part.rows
    staged.rows_loaded += part.loaded
    staged.rows_quarantined += part.quarantined
    staged.fields_set_aside += part.fields
    staged.rows_warned += part.warned
    if not part.landing.empty:
        staged.folder.mkdir(parents=True, exist_ok=True)
        target = staged.folder / f"part-{len(staged.parts):05d}.parquet"
        _write_parquet(part.landing, target)
        staged.parts.append(target)
    for outcome, failures in (("row", part.failures), ("field", part.set_aside)):
        rows = _examples(failures, staged.kept, examples, outcome)
        if rows:
            chosen = failures[failures["source_row"].isin(rows)]
            staged.quarantine.append(source.quarantine_records(batch, chosen, verdict.outcomes, outcome))
    return part


UNIQUE = "expect_compound_columns_to_be_unique"


class _Keys:
    """The keys of a file's uniqueness checks across its chunks (GX sees one chunk at a time): a 64-bit
    hash of each row's key, to count after the last chunk the rows whose key another row of the file has,
    as GX counts them over a whole file (a row missing any part of its key is left out, as the suites tell
    GX: ``ignore_row_if="any_value_is_missing"``; such a row names nobody and is an error of its own), and
    the rows with a warning, so that ``rows_warned`` counts each once. 16 bytes a row."""

    def __init__(self) -> None:
        self.hashes: dict = defaultdict(list)
        self.rows: dict = defaultdict(list)
        self.warned: list[np.ndarray] = []

    def add(self, batch: Batch, verdict: Verdict, warned_rows) -> None:
        frame = batch.frame
        for o in verdict.outcomes:
            columns = [c.strip() for c in (o.column or "").split(",")]
            if o.expectation_type != UNIQUE or not all(c in frame for c in columns):
                continue
            keys = frame[columns]
            kept = keys.notna().all(axis=1)
            self.hashes[_key(o)].append(pd.util.hash_pandas_object(keys[kept], index=False).to_numpy())
            self.rows[_key(o)].append(frame.loc[kept, "source_row"].to_numpy(dtype="int64"))
        self.warned.append(np.asarray(warned_rows if warned_rows is not None else [], dtype="int64"))

    def settle(self, verdict: Verdict, staged: Staged) -> None:
        """The uniqueness checks' counts of the whole file (their rows with it, when a warning)."""
        flagged = list(self.warned)
        for o in verdict.outcomes:
            if _key(o) not in self.hashes:
                continue
            hashes, rows = np.concatenate(self.hashes[_key(o)]), np.concatenate(self.rows[_key(o)])
            _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
            twice = counts[inverse] > 1
            o.unexpected_count, o.success = int(twice.sum()), not twice.any()
            if o.element_count is not None:
                o.unexpected_percent = _percent(o.element_count, o.unexpected_count, o.missing_count)
            if o.severity == "warning":
                flagged.append(rows[twice])
        staged.rows_warned = len(np.unique(np.concatenate(flagged))) if flagged else 0


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """``frame`` as DuckDB reads a frame (the types the warehouse's insert sees), to a Parquet file."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("part", frame)
        quoted = str(target).replace("'", "''")  # the warehouse's folder may hold a quote
        con.execute(f"copy part to '{quoted}' (format parquet)")
    finally:
        con.close()


def _examples(failures: pd.DataFrame, kept: Counter, limit: int, outcome: str) -> set[int]:
    """The rows to keep as examples: per check (its reason: column, message, expectation), the first
    rows until ``limit`` are kept for the whole file."""
    chosen: set[int] = set()
    if failures.empty:
        return chosen
    for reason, rows in failures.groupby("reason", sort=False)["source_row"]:
        room = limit - kept[(outcome, reason)]
        if room > 0:
            pick = sorted(set(rows))[:room]
            kept[(outcome, reason)] += len(pick)
            chosen.update(pick)
    return chosen


def _too_many(staged: Staged, settings) -> bool:
    return staged.rows_quarantined > settings.max_bad_share * staged.rows_read


def _refused(path: Path, meta: Batch, verdict: Verdict, staged: Staged, settings, whole: bool) -> InputError:
    """One French message for a file refused for its share of rows in error: how many, the threshold,
    the most frequent errors with their column and count; the error names the first row in error."""
    read, bad = staged.rows_read, staged.rows_quarantined
    share = 100 * bad / read
    errors = sorted(
        (o for o in verdict.outcomes if not o.success and o.severity == "error" and not o.table_level),
        key=lambda o: -(o.unexpected_count or 0),
    )

    def header(o: Outcome) -> str:  # the file's own column
        name = field_of(o.column)
        return meta.mapped.get("candidate_ref" if name == "candidate_hash" else name, name)

    shown = []
    for o in errors[:3]:
        count = o.unexpected_count or 0
        plural = "s" if count > 1 else ""
        shown.append(
            f"colonne '{header(o)}' : attendu {message_fr(o.message)} ({fr_int(count)} ligne{plural})"
        )
    which = f"des {fr_int(read)} lignes" if whole else f"des {fr_int(read)} premières lignes"
    message = (
        f"fichier refusé : {fr_int(bad)} {which} de données sont en erreur ({share:.0f} %, au-delà de "
        f"{100 * settings.max_bad_share:.0f} % : réglage INSERTION_MAX_BAD_SHARE) ; "
        + ("" if whole else "la lecture s'est arrêtée là ; ")
        + "rien n'est chargé. Erreurs les plus fréquentes : "
        + " ; ".join(shown)
        + ". Vérifiez que c'est le bon fichier (un export complet, avec son en-tête et ses lignes), "
        "corrigez-le ou exportez-le à nouveau."
    )
    first = [int(q["source_row"].min()) for q in staged.quarantine if (q["outcome"] == "row").any()]
    return InputError(
        path, message, row=min(first, default=None), column=header(errors[0]) if errors else None
    )


# --- one verdict for the whole file -----------------------------------------------------------------


def merge(total: Verdict | None, chunk: Verdict, source_row: pd.Series) -> Verdict:
    """The verdict of the chunks so far and one more: counts added, the percent recomputed, the first
    samples kept, GX's results listed with their rows (for the Data Docs). The verdict of a file read in
    one chunk is that chunk's, unchanged."""
    rows = (int(source_row.min()), int(source_row.max())) if len(source_row) else (None, None)
    if total is None:
        outcomes = [_copy(o) for o in chunk.outcomes]
        return Verdict(chunk.suite, outcomes, chunk.gx_version, chunk.gx_result, rows)
    by_key = {_key(o): o for o in total.outcomes}
    for o in chunk.outcomes:
        mine = by_key.get(_key(o))
        if mine is None:
            total.outcomes.append(_copy(o))
        else:
            _add(mine, o)
    if not isinstance(total.gx_result, list):
        total.gx_result = [(*total.rows, total.gx_result)]
    total.gx_result.append((*rows, chunk.gx_result))
    return total


def _key(o: Outcome) -> tuple:
    return (o.expectation_type, o.column, o.severity, o.message)


def _copy(o: Outcome) -> Outcome:
    return Outcome(
        o.expectation_type,
        o.column,
        o.severity,
        o.message,
        o.success,
        o.element_count,
        o.unexpected_count,
        o.unexpected_percent,
        list(o.samples),
        [],  # rows belong to their chunk (split there), never to the file's verdict
        o.error,
        o.missing_count,
    )


def _add(total: Outcome, o: Outcome) -> None:
    total.success = total.success and o.success
    total.error = total.error or o.error
    total.samples = (total.samples + o.samples)[:10]  # the first failing values, in row order, as GX's
    for name in ("element_count", "unexpected_count", "missing_count"):
        a, b = getattr(total, name), getattr(o, name)
        setattr(total, name, None if a is None and b is None else (a or 0) + (b or 0))
    if total.element_count is not None and total.unexpected_count is not None:
        total.unexpected_percent = _percent(total.element_count, total.unexpected_count, total.missing_count)


def _percent(elements: int, unexpected: int, missing: int | None) -> float | None:
    """GX's ``unexpected_percent`` of a map expectation: of the values not missing, when it counts the
    missing ones, else of every value (great_expectations/expectations/expectation.py)."""
    if not elements:
        return None
    if missing is None:
        return unexpected / elements * 100
    nonnull = elements - missing
    return unexpected / nonnull * 100 if nonnull > 0 else None
