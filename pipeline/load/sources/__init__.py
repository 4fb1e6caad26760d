"""One module per input source, each implementing :class:`Source`; :data:`SOURCES` lists them in one place.

A source is told from the head of a file (``detect``), says what identifies a load of it (``digest``),
reads it into a typed :class:`~pipeline.load.batch.Batch` that the Great Expectations gate validates
(``read``, ``check``), and writes it in the load's transaction (``write``). :mod:`pipeline.load.ingest`
runs these steps the same way for every source, with no branch per source: :func:`find`, then digest,
check (:mod:`pipeline.load.check`), write.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import duckdb

from pipeline.core.errors import InputError
from pipeline.load.batch import Batch, Kind
from pipeline.load.readers import EXCEL_SUFFIXES, detect_delimiter, detect_encoding, excel_head_rows
from pipeline.load.sources import cdc, cohorts, limesurvey, rncp, rome, surveys
from pipeline.load.sources.base import CERTAIN, FileSource, Written
from pipeline.load.sources.cohorts import COHORT_RESULTS
from pipeline.load.sources.surveys import SURVEY_ANSWERS
from pipeline.load.textfile import table_chunks

HEAD_BYTES = 65536


@dataclass
class Head:
    """What detection sees of a file: its first bytes and the rows that may be its header row (the first
    non-blank line of a text file; the first 30 rows of each sheet of a workbook), read with the user's
    header mapping (``header_mapping``). Reading it never fails: what cannot be read has no rows."""

    path: Path
    data: bytes
    header_mapping: Path | None = None

    @cached_property
    def rows(self) -> list[list[str]]:
        try:
            if self.path.suffix.lower() in EXCEL_SUFFIXES:
                return excel_head_rows(self.path)
            text = self.data.decode(detect_encoding(self.data, self.path), errors="ignore").lstrip("\ufeff")
            line = next((ln for ln in text.splitlines() if ln.strip(" ;,\t")), "")
            return [next(csv.reader([line], delimiter=detect_delimiter(line)))] if line else []
        except (InputError, StopIteration, OSError):
            return []


class Source(Protocol):
    """An input source. ``kind``: its name (``--kind`` forces it); ``loads``: the kind of the rows it
    loads, as recorded in ``load_log`` (its own name, or the kind it is another source of: a LimeSurvey
    export loads survey answers); ``unit``: what its rows are called in reports; ``parallel``: whether a
    worker process can read and validate it (it needs nothing from the warehouse)."""

    kind: str
    loads: str | None
    unit: str
    parallel: bool

    def detect(self, path: Path, head: Head) -> int:
        """How surely this source reads the file, from its head: 0 not at all; the count of its columns
        the header row names; :data:`CERTAIN` when told by the file's name or structure."""

    def score(self, headers: list[str], header_mapping: Path | None = None) -> int:
        """How well one row of cells names its columns (to find the header row of a workbook)."""

    def digest(self, path: Path, mapping: Path | None = None) -> str:
        """What identifies a load of the file: its sha256 (with its mapping's, for a LimeSurvey export)."""

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        """The file as a typed batch, validated by the gate afterwards (a batch without frame is streamed
        and validated by ``write``). Raises :class:`InputError` when the file cannot be read."""

    def check(self, path: Path, settings, key: bytes, gate, mapping=None, in_place=None) -> tuple:
        """(batch, verdict): the file read and validated by ``gate``, nothing written: whole, or chunk by
        chunk in bounded memory with its rows staged on disk (cohorts, surveys:
        :func:`pipeline.load.staging.check_in_chunks`). Raises :class:`InputError` when the file cannot be
        read (carrying what was read of it)."""

    def write(self, con: duckdb.DuckDBPyConnection, batch: Batch, verdict, load_id: int, gate) -> Written:
        """Write the batch as load ``load_id``, inside the caller's transaction: its rows, its quarantine,
        the certifications to refresh. Raises :class:`InputError` to reject the file (rolled back)."""


# in loading order: referentials first (their loads rebuild everything), then cohort results, surveys
SOURCES: tuple[Source, ...] = (
    rncp.SOURCE,
    rome.CODES,
    rome.APPELLATIONS,
    cohorts.SOURCE,
    surveys.SOURCE,
    limesurvey.SOURCE,
    cdc.SOURCE,  # issue #27: the Caisse des Dépôts flux, told by its namespace, set beside the jury results
)
# the kinds of rows that land in a landing table (a suite over the warehouse each: pipeline/load/checks.py)
KINDS: dict[str, Kind] = {k.name: k for k in (COHORT_RESULTS, SURVEY_ANSWERS)}
NAMES = tuple(dict.fromkeys(n for s in SOURCES for n in (s.kind, s.loads)))


def get(kind: str) -> Source:
    """The source named ``kind``."""
    return next(s for s in SOURCES if s.kind == kind)


class Unknown(FileSource):
    """A file no source recognises (or a kind that does not exist): read as a table, so that a file that
    cannot be read says why, then rejected."""

    kind, loads, parallel = "", None, False

    def __init__(self, message: str | None = None):
        self.message = message

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        if self.message:
            raise InputError(path, self.message)

        def score(headers: list[str]) -> int:
            return max(s.score(headers, settings.header_mapping) for s in SOURCES)

        raw = next(table_chunks(path, score, "quarantine", rows=1000))  # the headers: the head is enough
        raise InputError(
            path,
            "impossible de dire si c'est un fichier de résultats de jury ou d'enquête d'après ses en-têtes "
            f"({', '.join(map(repr, list(raw.frame.columns)[:8]))}) : reprenez les en-têtes de data/templates/, "
            "associez les vôtres dans data/header_mapping.csv, ou imposez le type avec --kind",
            row=1,
        )


UNKNOWN = Unknown()
_found: dict = {}


def find(path: Path, header_mapping: Path | None = None, kind: str | None = None) -> Source:
    """The source that reads ``path``: among :data:`SOURCES` (those of ``kind`` when it is forced), the
    one whose ``detect`` scores highest — the first :data:`CERTAIN` one; otherwise at least two of its
    columns named, and no other source as high. :data:`UNKNOWN` when none does (the file is rejected)."""
    candidates = [s for s in SOURCES if kind in (None, s.kind, s.loads)]
    if not candidates:
        return Unknown(f"type inconnu {kind!r} (attendu l'un de : {', '.join(NAMES)})")
    try:
        with path.open("rb") as fh:
            data = fh.read(HEAD_BYTES)
    except OSError:
        data = b""
    memo = (str(path), _stamp(path), hash(data), _stamp(header_mapping), kind)
    if memo not in _found:
        if len(_found) > 10_000:  # a watcher running for months
            _found.clear()
        _found[memo] = _best(path, Head(path, data, header_mapping), candidates, forced=kind is not None)
    return _found[memo]


def _best(path: Path, head: Head, candidates: list[Source], forced: bool) -> Source:
    scores = []
    for source in candidates:
        score = source.detect(path, head)
        if score >= CERTAIN:
            return source
        scores.append(score)
    top = max(scores)
    if not forced and (top < 2 or scores.count(top) > 1):
        return UNKNOWN
    return candidates[scores.index(top)]


def _stamp(path: Path | None) -> tuple | None:
    try:
        st = path.stat() if path is not None else None
    except OSError:
        return None
    return st and (st.st_mtime_ns, st.st_size)


__all__ = ["CERTAIN", "COHORT_RESULTS", "KINDS", "SOURCES", "SURVEY_ANSWERS", "Head", "Source", "find", "get"]
