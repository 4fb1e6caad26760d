"""Check one file: read it through its source and validate it with the GX gate, writing nothing (a cohort
or survey file stages its rows on disk, chunk by chunk: :mod:`pipeline.load.staging`). The writer
(:mod:`pipeline.load.ingest`) then writes or rejects what this returns, in this process or after a worker
process checked it (:func:`worker_pool`).

Checks that need another source (an answer against its jury) run in the warehouse, so order never
matters; a batch streamed into the warehouse (no frame) is validated by its source as it writes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.load import gate as validation
from pipeline.load import sources
from pipeline.load.batch import Batch
from pipeline.load.sources import Source


@dataclass
class Checked:
    """A file read and validated (by this process or a worker), ready to be written or rejected."""

    path: Path
    batch: Batch | None = None
    verdict: validation.Verdict | None = None
    error: InputError | None = None
    started: datetime = field(default_factory=datetime.now)
    seconds: float = 0.0


def check(
    path: Path, source: Source, settings: Settings, key: bytes, gate, mapping=None, in_place=None
) -> Checked:
    """Read and validate ``path`` through ``source``; never raises for bad input: a refused file carries
    its error and what was read of it. ``in_place``: how progress is shown."""
    checked, t0 = Checked(path), time.perf_counter()
    try:
        checked.batch, checked.verdict = source.check(path, settings, key, gate, mapping, in_place)
        refused = checked.verdict.refusal(path, header_row=True) if checked.verdict is not None else None
        if refused is not None:
            raise refused
    except InputError as exc:  # a refused file carries what was read of it (staging.check_in_chunks)
        checked.error = exc
        checked.batch = checked.batch or getattr(exc, "batch", None)
        checked.verdict = checked.verdict or getattr(exc, "verdict", None)
    checked.seconds = time.perf_counter() - t0
    return checked


# --- worker processes -----------------------------------------------------------------------------------

_worker: dict = {}


def worker_pool(settings: Settings, key: bytes, count: int):
    """A pool of ``count`` worker processes that check files (``pool.submit(in_worker, path, kind)``),
    started at once: GX imported and the suites built, so that the first file is checked as fast as the
    next ones."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # never fork a process holding DuckDB threads
    return ProcessPoolExecutor(count, context, initializer=_start, initargs=(settings, key))


def _start(settings: Settings, key: bytes) -> None:
    gate = validation.Gate(settings)
    _worker.update(settings=settings, key=key, gate=gate)
    for kind in sources.KINDS:
        gate.suite(kind)


def in_worker(path: Path, kind: str) -> Checked:
    """In a worker process: check one file with the source the writer found; then give back to the
    system what reading it took (a long-lived worker of ``insertion watch`` would keep its peak)."""
    try:
        return check(
            path, sources.get(kind), _worker["settings"], _worker["key"], _worker["gate"], in_place=False
        )
    finally:
        _release_memory()


def _release_memory() -> None:
    import contextlib
    import ctypes
    import gc

    import pyarrow

    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc: free pages back to the system
