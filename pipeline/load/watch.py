"""Which files of a watched folder are ready to load (``insertion watch``).

A file is ready when it is new or changed since it was last handled, and its size and modification time
have not moved between two looks: a file still being copied or exported is left for a later look, never
loaded half-written.
"""

from __future__ import annotations

import stat
from pathlib import Path

from pipeline.core.config import Settings
from pipeline.load.ingest import raw_files


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
