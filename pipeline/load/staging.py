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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.core.errors import InputError
from pipeline.core.quality_labels import message_fr
from pipeline.indicators.formats import fr_int
from pipeline.load.batch import Batch
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
            checked = gate.validate(batch.frame, batch.kind.suite)
            verdict = merge(verdict, checked, batch.frame["source_row"])
            if checked.file_errors:
                break
            _stage(staged, source, batch, checked, settings.quarantine_examples)
            progress.update(staged.rows_read, batch.position, batch.last)
            if staged.rows_read >= settings.bad_rows_sample and _too_many(staged, settings):
                progress.close(staged.rows_read, batch.position, "fichier refusé")
                raise _refused(path, meta, verdict, staged, settings, whole=batch.last)
        progress.close(staged.rows_read, _size(path))
    except InputError as exc:
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


def _stage(staged: Staged, source, batch: Batch, verdict: Verdict, examples: int) -> None:
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


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """``frame`` as DuckDB reads a frame (the types the warehouse's insert sees), to a Parquet file."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("part", frame)
        con.execute(f"copy part to '{target}' (format parquet)")  # our own path, no quote in it
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
    the most frequent errors with their column, count and first row."""
    read, bad = staged.rows_read, staged.rows_quarantined
    share = 100 * bad / read
    errors = sorted(
        (o for o in verdict.outcomes if not o.success and o.severity == "error" and not o.table_level),
        key=lambda o: -(o.unexpected_count or 0),
    )
    shown = []
    for o in errors[:3]:
        column = field_of(o.column)
        header = meta.mapped.get("candidate_ref" if column == "candidate_hash" else column, column)
        count = o.unexpected_count or 0
        shown.append(
            f"colonne '{header}' : attendu {message_fr(o.message)} ({fr_int(count)} ligne{'s' if count > 1 else ''})"
        )
    first = errors[0] if errors else None
    column = None
    if first is not None:
        name = field_of(first.column)
        column = meta.mapped.get("candidate_ref" if name == "candidate_hash" else name, name)
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
    return InputError(path, message, row=staged_first_row(staged), column=column)


def staged_first_row(staged: Staged) -> int | None:
    """The first row set aside as an error (an example kept in the quarantine records)."""
    rows = [
        int(q["source_row"].min()) for q in staged.quarantine if not q.empty and (q["outcome"] == "row").any()
    ]
    return min(rows) if rows else None


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
    total.samples = (total.samples + [s for s in o.samples if s not in total.samples])[:10]
    denominators = [_denominator(x) for x in (total, o)]
    for name in ("element_count", "unexpected_count", "missing_count"):
        a, b = getattr(total, name), getattr(o, name)
        setattr(total, name, None if a is None and b is None else (a or 0) + (b or 0))
    if total.unexpected_percent is None and o.unexpected_percent is None:
        return
    seen = sum(d for d in denominators if d)
    total.unexpected_percent = 100 * (total.unexpected_count or 0) / seen if seen else 0.0


def _denominator(o: Outcome) -> int | None:
    """The values a percent was taken over (element count less the missing ones)."""
    if o.element_count is None:
        return None
    return o.element_count - (o.missing_count or 0)
