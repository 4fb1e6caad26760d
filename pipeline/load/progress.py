"""Progress of long reads on stderr, in French: « enquete.csv : 1 200 000 lignes lues (85 000 lignes/s,
42 %) ».

On a terminal, one line updated in place from half a second on; otherwise (a log, a service manager, a
worker process of `insertion build`) a full line every few seconds, and only once the work has lasted
more than a couple of seconds, so that small files print nothing. Never on stdout, which carries the
results.
"""

from __future__ import annotations

import sys
import time

from pipeline.indicators.formats import fr_int

TTY_AFTER, TTY_EVERY = 0.5, 0.25  # seconds: first update, then at most this often
LOG_AFTER, LOG_EVERY = 2.0, 5.0


class Progress:
    """``update(rows, done)`` after each chunk (``done``: bytes read of ``total``); ``close()`` at the end."""

    def __init__(self, label: str, total: int | None, stream=None, in_place: bool | None = None):
        self.label, self.total = label, total
        self.stream = stream if stream is not None else sys.stderr
        if in_place is None:
            isatty = getattr(self.stream, "isatty", None)
            in_place = bool(isatty and isatty())
        self.in_place = in_place
        self.started = time.monotonic()
        self.first: tuple[float, int] | None = None  # (time, rows) of the first chunk: rates from there
        self.shown_at: float | None = None
        self.text = ""

    def line(self, rows: int, done: int | None) -> str:
        now = time.monotonic()
        since, before = self.first if self.first and rows > self.first[1] else (self.started, 0)
        parts = [f"{fr_int((rows - before) / max(now - since, 1e-6))} lignes/s"]
        if self.total and done is not None:
            parts.append(f"{min(100, int(100 * done / self.total))} %")
        return f"{self.label} : {fr_int(rows)} lignes lues ({', '.join(parts)})"

    def update(self, rows: int, done: int | None = None, last: bool = False) -> None:
        """After a chunk. Nothing before the second chunk (a file of one chunk shows nothing, and the
        first one, small, would only time the start), nor for the last one if nothing was shown."""
        now = time.monotonic()
        if self.first is None:
            self.first = (now, rows)
            return
        after, every = (TTY_AFTER, TTY_EVERY) if self.in_place else (LOG_AFTER, LOG_EVERY)
        if now - self.started < after or (self.shown_at is not None and now - self.shown_at < every):
            return
        if last and self.shown_at is None:
            return
        self._show(self.line(rows, done))
        self.shown_at = now

    def close(self, rows: int, done: int | None = None, end: str = "") -> None:
        """The last figures, when anything was shown (``end``: what happened, « fichier refusé »)."""
        if self.shown_at is None:
            return
        text = self.line(rows, done) + (f" — {end}" if end else "")
        self._show(text)
        if self.in_place:
            self.stream.write("\n")
            self.stream.flush()

    def _show(self, text: str) -> None:
        if self.in_place:
            pad = " " * max(0, len(self.text) - len(text))
            self.stream.write(f"\r{text}{pad}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.text = text
