"""Which files of a watched folder are ready to load (``insertion watch``), and the worker processes
that check them while the watcher goes on (:class:`Checks`).

A file is ready when it is new or changed since it was last handled, and its size and modification time
have not moved between two looks: a file still being copied or exported is left for a later look, never
loaded half-written.
"""

from __future__ import annotations

import gc
import stat
import time
from pathlib import Path

from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.load.check import Checked, in_worker, worker_pool
from pipeline.load.ingest import LoadReport, already_loaded, raw_files, write
from pipeline.load.staging import clean, discard


class Arrivals:
    """Remembers, across looks at ``folder``, what each file looked like and what was handled."""

    def __init__(self, folder: Path, settings: Settings):
        self.folder, self.settings = folder, settings
        self._previous: dict[Path, tuple[int, int]] = {}  # as seen at the last look
        self._handled: dict[Path, tuple[int, int]] = {}  # as loaded, skipped or rejected

    def ready(self) -> list[Path]:
        """The files to load now, in loading order (referentials, cohorts, surveys)."""
        now: dict[Path, tuple[int, int]] = {}
        for path in self.folder.rglob("*"):
            try:
                st = path.stat()
            except OSError:  # removed meanwhile
                continue
            if stat.S_ISREG(st.st_mode):
                now[path] = (st.st_size, st.st_mtime_ns)
        steady = {
            p for p, stamp in now.items() if self._previous.get(p) == stamp and self._handled.get(p) != stamp
        }
        self._previous = now
        if not steady:
            return []
        loadable = [p for p in raw_files(self.folder, self.settings) if p in steady]
        for other in steady.difference(loadable):  # READMEs, hidden or unsupported files: not data
            self._handled[other] = now[other]
        return loadable

    def handled(self, paths: list[Path]) -> None:
        """Mark files as dealt with (loaded, already there, or rejected until they change)."""
        for path in paths:
            if path in self._previous:
                self._handled[path] = self._previous[path]


class Checks:
    """Files read and validated by worker processes (``INSERTION_WORKERS``) while the watcher goes on
    looking, handed back as each is done — in any order: the figures depend on the set of loaded files,
    never on their order (docs/methodology.md M21). The watcher holds the warehouse only to write them, so
    a long file (or a file of bad rows, refused after its first rows) never keeps another from loading,
    nor another command from writing."""

    def __init__(self, settings: Settings, key: bytes):
        self.settings, self.key = settings, key
        self.running: dict = {}  # future -> (path, source, digest)
        self.pool = self._pool()

    def _pool(self):
        """Worker processes, started now (GX imported, suites built) so that the first file is quick."""
        import os

        count = max(1, self.settings.workers)
        pool = worker_pool(self.settings, self.key, count)
        for _ in range(count):
            pool.submit(os.getpid)
        return pool

    def submit(self, path: Path, source, digest: str) -> None:
        self.running[self.pool.submit(in_worker, path, source.kind)] = (path, source, digest)

    @property
    def pending(self) -> list[Path]:
        return [path for path, _, _ in self.running.values()]

    def done(self) -> list[tuple[Path, object, str, Checked]]:
        """The files checked since the last call: (path, source, digest, checked)."""
        from concurrent.futures.process import BrokenProcessPool

        out, broken = [], False
        for future in [f for f in self.running if f.done()]:
            path, source, digest = self.running.pop(future)
            try:
                checked = future.result()
            except BrokenProcessPool as exc:  # a worker was killed (out of memory?): its files are refused
                broken = True
                checked = Checked(path, error=InputError(path, f"la lecture a été interrompue ({exc})"))
            except Exception as exc:  # a fault of the reader on this file: refused, the watcher goes on
                message = f"la lecture a échoué ({type(exc).__name__} : {exc})"
                checked = Checked(path, error=InputError(path, message))
            out.append((path, source, digest, checked))
        if broken:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._pool()
        return out

    def close(self) -> None:
        """Stop the workers, those still reading a file included (what they staged is removed)."""
        import multiprocessing

        self.pool.shutdown(wait=False, cancel_futures=True)
        children, deadline = multiprocessing.active_children(), time.monotonic() + 2
        for child in children:  # idle workers end at once, cleanly
            child.join(max(0.0, deadline - time.monotonic()))
        for child in children:  # a worker still reading a file is stopped
            if child.is_alive():
                child.terminate()
                child.join(5)
        for future in self.running:
            if future.done() and not future.cancelled() and future.exception() is None:
                discard(future.result().batch)
        self.running, self.pool = {}, None
        gc.collect()  # the pool's semaphores released now, not left to the resource tracker at exit
        clean(self.settings.warehouse.parent)


def write_done(con, done: list[tuple[Path, object, str, Checked]], gate) -> list[LoadReport]:
    """Write files checked by :class:`Checks`, in the caller's connection (one transaction each): a file
    loaded meanwhile by another command is skipped."""
    reports = []
    for path, source, digest, checked in done:
        if already_loaded(con, digest):
            discard(checked.batch)
            reports.append(LoadReport(path, "skipped"))
        else:
            reports.append(write(con, source, checked, digest, gate))
    return reports
